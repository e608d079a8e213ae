// CUDA-events benchmark of DeepLIFT on the GPU (ops/deeplift/deeplift.cu).
//
//   ninja -C build bench_deeplift_cuda && build/bench/bench_deeplift_cuda
//
// Models: random weights (bench_model: init_model with non-trivial BN running statistics) at
// the shapes of attribution_shapes() (cuda_bench_util.cuh): the paper's size, and F 128 and
// L 1000, whose per-block scratch exceeds shared memory (the global-scratch path).
//
// Timed, per shape, through the device-pointer entry point (DeepLiftCuda) on the legacy
// default stream, warm-up first, mean of kTimed repetitions: DeepLIFT default and captum-0.8.
// Before anything is reported, the first kCheckRows rows of each timed output are compared
// with the CPU's deeplift(): relative norm ≤ 1e-5, else exit 1. At the paper size also: the
// host entry point end to end (parameter upload, copies in and out, chunking), and the CPU
// (all cores) on kCpuRows sequences, for the speed-up.
//
// Reported per row: ms, sequences/s, GFLOP/s and its fraction of the FP32 peak (SMs × FP32
// lanes per SM × 2 × boost clock), GB/s and its fraction of the DRAM peak. The flop count is a
// back-of-envelope count of what the kernel executes per sequence, dense:
//   conv U·F·K + 4·U·F + 4·FW·H1 + 4·H1·H2 + 2·L·K·F
// Bytes: codes in (L) + attributions out (16·L) per sequence. DeepLIFT is short per sequence
// and closer to the memory bound than IG (bench_ig_cuda).
// Results go to stdout as a table and as "csv,"-prefixed lines (grep '^csv,' | cut -c5-).
// With no GPU (or mint built without one) it prints "no GPU: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/device.hpp"
#include "core/model.hpp"
#include "cuda_bench_util.cuh"
#include "ops/cnn/cnn.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift.hpp"

namespace {

constexpr int kTimed = 5;
constexpr int kCheckRows = 64;
constexpr int kCpuRows = 1024;
constexpr double kTol = 1e-5;

using mint::bench::bench_model;
using mint::bench::peak_dram_bytes_per_s;
using mint::bench::peak_fp32_flops;
using mint::bench::rel_norm;
using mint::bench::Row;
using mint::bench::Shape;
using mint::bench::wall_ms;
template <typename Work>
double time_ms(Work&& work) {
  return mint::bench::time_ms(work, kTimed);
}

// Back-of-envelope flops per sequence (see the header).
double dl_flops(const mint::ModelConfig& c) {
  const double U = c.pooled_length() * c.pool, F = c.filters, K = c.width, L = c.length;
  const double FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  return U * F * K + 4 * U * F + 4 * FW * H1 + 4 * H1 * H2 + 2 * L * K * F;
}

struct Method {
  std::string name;
  mint::Target target;
  mint::DeepLiftCompat compat;
};

bool bench_shape(const Shape& shape, double peak_flops, double peak_bw, std::vector<Row>* rows) {
  using mint::cuda::DeviceBuffer;
  const mint::ModelConfig& c = shape.config;
  const mint::Model m = bench_model(c, 1);
  const int n = shape.n, L = c.length;
  const std::vector<std::uint8_t> codes = mint::bench::random_codes(n, L);
  DeviceBuffer<std::uint8_t> d_codes = mint::cuda::to_device(codes.data(), codes.size());
  DeviceBuffer<float> d_out(static_cast<std::size_t>(n) * 4 * L);
  mint::DeepLiftCuda engine(c, m.params);
  const Method methods[] = {
      {"deeplift", mint::Target::logit, mint::DeepLiftCompat::none},
      {"deeplift_captum_0_8", mint::Target::logit, mint::DeepLiftCompat::captum_0_8},
  };
  bool ok = true;
  for (const Method& method : methods) {
    const double ms = time_ms([&] {
      engine.deeplift(d_codes.get(), nullptr, n, method.compat, method.target, d_out.get());
    });
    // The CPU on the first kCheckRows sequences of the timed call.
    const int check = std::min(kCheckRows, n);
    std::vector<float> got(static_cast<std::size_t>(check) * 4 * L);
    d_out.download(got.data(), got.size());
    mint::CnnInput in;
    in.codes = codes.data();
    const auto ref = mint::deeplift(m.config, m.params, in, check, method.compat, method.target);
    const double err = rel_norm(ref, got);
    if (!(err <= kTol)) {
      std::fprintf(stderr, "MISMATCH: %s %s differs from the CPU on the first %d rows: %.2e\n",
                   shape.name.c_str(), method.name.c_str(), check, err);
      ok = false;
    }
    const double flops = dl_flops(c) * n;
    const double bytes = 17.0 * L * n;
    const double s = ms / 1e3;
    rows->push_back({shape.name, method.name, n, ms, n / s, flops / s / 1e9,
                     peak_flops > 0 ? flops / s / peak_flops : 0, bytes / s / 1e9,
                     peak_bw > 0 ? bytes / s / peak_bw : 0});
  }
  return ok;
}

// The host entry point end to end, and the CPU, at the paper size.
void bench_host(const mint::ModelConfig& c, std::vector<Row>* rows) {
  const mint::Model m = bench_model(c, 1);
  const int n = 65536;
  const std::vector<std::uint8_t> codes = mint::bench::random_codes(n, c.length);
  auto add = [&](const std::string& what, int count, double ms) {
    rows->push_back({"paper", what, count, ms, count / (ms / 1e3), 0, 0, 0, 0});
  };
  mint::deeplift_cuda(c, m.params, codes.data(), 64);  // warm-up
  add("host_api_deeplift", n, wall_ms([&] { mint::deeplift_cuda(c, m.params, codes.data(), n); }));
  mint::CnnInput in;
  in.codes = codes.data();
  add("cpu_deeplift", kCpuRows, wall_ms([&] { mint::deeplift(c, m.params, in, kCpuRows); }));
}

int run() {
  if (mint::cuda_device_count() == 0) {
    std::printf("no GPU: %s\n", mint::cuda_unavailable_reason().c_str());
    return 0;
  }
  const int device = 0;
  MINT_CUDA_CHECK(cudaSetDevice(device));
  const double peak_flops = peak_fp32_flops(device), peak_bw = peak_dram_bytes_per_s(device);
  const std::string name = mint::cuda_device_name(device);
  std::printf("device: %s, peak FP32 %.1f TFLOP/s, peak DRAM %.0f GB/s\n", name.c_str(),
              peak_flops / 1e12, peak_bw / 1e9);
  std::vector<Row> rows;
  bool ok = true;
  for (const Shape& shape : mint::bench::attribution_shapes()) {
    ok = bench_shape(shape, peak_flops, peak_bw, &rows) && ok;
  }
  bench_host(mint::ModelConfig{}, &rows);
  mint::bench::print_rows(name, rows);
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_deeplift_cuda: %s\n", e.what());
    return 1;
  }
}

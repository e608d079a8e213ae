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

using namespace mint::bench;  // models, shapes, timing, the result table
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
  const mint::ModelConfig& c = shape.config;
  ShapeData data(shape);
  const int n = data.n;
  mint::DeepLiftCuda engine(c, data.m.params);
  const Method methods[] = {
      {"deeplift", mint::Target::logit, mint::DeepLiftCompat::none},
      {"deeplift_captum_0_8", mint::Target::logit, mint::DeepLiftCompat::captum_0_8},
  };
  bool ok = true;
  for (const Method& method : methods) {
    const double ms = time_ms([&] {
      engine.deeplift(data.d_codes.get(), nullptr, n, method.compat, method.target,
                      data.d_out.get());
    });
    const int check = std::min(kCheckRows, n);  // the CPU on the first rows of the timed call
    mint::CnnInput in;
    in.codes = data.codes.data();
    const auto ref = mint::deeplift(c, data.m.params, in, check, method.compat, method.target);
    ok = add_kernel_row(rows, shape, method.name, ref, data.first_outputs(check), check, kTol, n,
                        ms, dl_flops(c) * n, 17.0 * c.length * n, peak_flops, peak_bw) &&
         ok;
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

}  // namespace

int main() {
  return mint::bench::attribution_bench_main("bench_deeplift_cuda", bench_shape, bench_host);
}

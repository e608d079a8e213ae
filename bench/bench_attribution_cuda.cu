// CUDA-events benchmark of Integrated Gradients and DeepLIFT on the GPU (kernels/attribution.cu).
//
//   ninja -C build bench_attribution_cuda && build/bench/bench_attribution_cuda
//
// Models: random weights (init_model) with non-trivial BN running statistics, at the paper's
// size (L 250, F 32, K 12, P 10, H1 64, H2 32, same padding, BatchNorm, ReLU), and two larger
// shapes whose per-block scratch exceeds shared memory (F 128; L 1000), which run the
// global-scratch path.
//
// Timed, per shape, through the device-pointer entry point (AttributionCuda) on the legacy
// default stream, warm-up first, mean of kTimed repetitions: IG Gauss–Legendre 50 (logit and
// prob), IG riemann_right 20, DeepLIFT (default and captum-0.8). Before anything is reported,
// the first kCheckRows rows of each timed output are compared with the CPU functions
// (integrated_gradients_onehot, deeplift): relative norm ≤ 1e-5, else exit 1.
// At the paper size also: the host entry points end to end (parameter upload, copies in and
// out, chunking), and the CPU (all cores) on kCpuRows sequences, for the speed-up.
//
// Reported per row: ms, sequences/s, GFLOP/s and its fraction of the FP32 peak (SMs × FP32
// lanes per SM × 2 × boost clock), GB/s and its fraction of the DRAM peak. The flop count is a
// back-of-envelope count of what the kernel executes per sequence, dense (the ReLU-sparse fc1
// forward skips zero pooled values, so real work is lower):
//   IG  : conv U·F·K + steps·(4·U·F pool + 4·FW·H1 fc1 fwd/bwd + 4·H1·H2 + 2·H2) + 2·L·K·F
//   DL  : conv U·F·K + 4·U·F + 4·FW·H1 + 4·H1·H2 + 2·L·K·F
// Bytes: codes in (L) + attributions out (16·L) per sequence. Expect IG to be bound by the
// block's sequential fc1 forward (H1 threads busy) and by shared-memory latency, far from
// either peak; DeepLIFT is short per sequence and closer to the memory bound.
// Results go to stdout as a table and as "csv,"-prefixed lines (grep '^csv,' | cut -c5-).
// With no GPU (or mint built without one) it prints "no GPU: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "cuda_bench_util.cuh"
#include "ops/cnn/cnn.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig_cuda.hpp"

namespace {

constexpr int kTimed = 5;
constexpr int kCheckRows = 64;
constexpr int kCpuRows = 1024;
constexpr double kTol = 1e-5;

using mint::bench::Event;
using mint::bench::peak_dram_bytes_per_s;
template <typename Work>
double time_ms(Work&& work) {
  return mint::bench::time_ms(work, kTimed);
}

// Wall-clock milliseconds of one call (host entry points, CPU).
template <typename Work>
double wall_ms(Work&& work) {
  const auto t0 = std::chrono::steady_clock::now();
  work();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

int attribute(int device, cudaDeviceAttr attr) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, attr, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

// FP32 lanes per SM by compute capability (CUDA C Programming Guide, arithmetic throughput).
int fp32_lanes_per_sm(int major, int minor) {
  if (major == 8 && minor == 0) return 64;  // A100
  if (major == 7 || major == 6) return 64;
  return 128;  // 8.6, 8.9, 9.0 (H100), 10.x, 12.x
}

double peak_fp32_flops(int device) {
  const int major = attribute(device, cudaDevAttrComputeCapabilityMajor);
  const int minor = attribute(device, cudaDevAttrComputeCapabilityMinor);
  const double clock_hz = attribute(device, cudaDevAttrClockRate) * 1e3;
  return attribute(device, cudaDevAttrMultiProcessorCount) * fp32_lanes_per_sm(major, minor) * 2.0 *
         clock_hz;
}

mint::Model bench_model(const mint::ModelConfig& c, std::uint64_t seed) {
  mint::Model m = mint::init_model(c, seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (std::size_t f = 0; f < m.params.bn_weight.size(); ++f) {
    m.params.bn_weight[f] = 1.0f + u(rng);
    m.params.bn_bias[f] = u(rng);
    m.params.bn_running_mean[f] = u(rng);
    m.params.bn_running_var[f] = 0.6f + u(rng);
  }
  for (float& w : m.params.fc3_weight) w *= 3.0f;
  return m;
}

double rel_norm(const std::vector<float>& ref, const std::vector<float>& got) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - got[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);  // NaN stays NaN: fails `<=`
}

// Back-of-envelope flops per sequence (see the header).
double ig_flops(const mint::ModelConfig& c, int steps) {
  const double U = c.pooled_length() * c.pool, F = c.filters, K = c.width, L = c.length;
  const double FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  return U * F * K + steps * (4 * U * F + 4 * FW * H1 + 4 * H1 * H2 + 2 * H2) + 2 * L * K * F;
}
double dl_flops(const mint::ModelConfig& c) {
  const double U = c.pooled_length() * c.pool, F = c.filters, K = c.width, L = c.length;
  const double FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  return U * F * K + 4 * U * F + 4 * FW * H1 + 4 * H1 * H2 + 2 * L * K * F;
}

struct Row {
  std::string shape, what;
  int n;
  double ms, sequences_per_s, gflop_per_s, flop_fraction, gb_per_s, bw_fraction;
};

struct Shape {
  std::string name;
  mint::ModelConfig config;
  int n;
};

struct Method {
  std::string name;
  bool ig;
  mint::IgMethod ig_method;
  int steps;
  mint::Target target;
  mint::DeepLiftCompat compat;
};

// The CPU on the first kCheckRows sequences of the timed call.
std::vector<float> cpu_rows(const mint::Model& m, const Method& method,
                            const std::vector<std::uint8_t>& codes, int rows) {
  if (method.ig) {
    return mint::integrated_gradients_onehot(m.config, m.params, codes.data(), nullptr, rows,
                                             mint::ig_quadrature(method.ig_method, method.steps),
                                             method.target);
  }
  mint::CnnInput in;
  in.codes = codes.data();
  return mint::deeplift(m.config, m.params, in, rows, method.compat, method.target);
}

bool bench_shape(const Shape& shape, double peak_flops, double peak_bw, std::vector<Row>* rows) {
  using mint::cuda::DeviceBuffer;
  const mint::ModelConfig& c = shape.config;
  const mint::Model m = bench_model(c, 1);
  const int n = shape.n, L = c.length;
  const std::vector<std::uint8_t> codes = mint::bench::random_codes(n, L);
  DeviceBuffer<std::uint8_t> d_codes = mint::cuda::to_device(codes.data(), codes.size());
  DeviceBuffer<float> d_out(static_cast<std::size_t>(n) * 4 * L);
  mint::AttributionCuda engine(c, m.params);
  const Method methods[] = {
      {"ig_gausslegendre_50", true, mint::IgMethod::gausslegendre, 50, mint::Target::logit, {}},
      {"ig_gausslegendre_50_prob", true, mint::IgMethod::gausslegendre, 50, mint::Target::prob, {}},
      {"ig_riemann_right_20", true, mint::IgMethod::riemann_right, 20, mint::Target::logit, {}},
      {"deeplift", false, {}, 0, mint::Target::logit, mint::DeepLiftCompat::none},
      {"deeplift_captum_0_8", false, {}, 0, mint::Target::logit, mint::DeepLiftCompat::captum_0_8},
  };
  bool ok = true;
  for (const Method& method : methods) {
    const mint::Quadrature q =
        method.ig ? mint::ig_quadrature(method.ig_method, method.steps) : mint::Quadrature{};
    const double ms = time_ms([&] {
      if (method.ig) {
        engine.integrated_gradients(d_codes.get(), nullptr, n, q, method.target, d_out.get());
      } else {
        engine.deeplift(d_codes.get(), nullptr, n, method.compat, method.target, d_out.get());
      }
    });
    const int check = std::min(kCheckRows, n);
    std::vector<float> got(static_cast<std::size_t>(check) * 4 * L);
    d_out.download(got.data(), got.size());
    const double err = rel_norm(cpu_rows(m, method, codes, check), got);
    if (!(err <= kTol)) {
      std::fprintf(stderr, "MISMATCH: %s %s differs from the CPU on the first %d rows: %.2e\n",
                   shape.name.c_str(), method.name.c_str(), check, err);
      ok = false;
    }
    const double flops = (method.ig ? ig_flops(c, method.steps) : dl_flops(c)) * n;
    const double bytes = 17.0 * L * n;
    const double s = ms / 1e3;
    rows->push_back({shape.name, method.name, n, ms, n / s, flops / s / 1e9,
                     peak_flops > 0 ? flops / s / peak_flops : 0, bytes / s / 1e9,
                     peak_bw > 0 ? bytes / s / peak_bw : 0});
  }
  return ok;
}

// Host entry points end to end, and the CPU, at the paper size.
void bench_host(const mint::ModelConfig& c, std::vector<Row>* rows) {
  const mint::Model m = bench_model(c, 1);
  const int n = 65536;
  const std::vector<std::uint8_t> codes = mint::bench::random_codes(n, c.length);
  const mint::Quadrature q = mint::ig_quadrature(mint::IgMethod::gausslegendre, 50);
  auto add = [&](const std::string& what, int count, double ms) {
    rows->push_back({"paper", what, count, ms, count / (ms / 1e3), 0, 0, 0, 0});
  };
  mint::integrated_gradients_cuda(c, m.params, codes.data(), nullptr, 64, q);  // warm-up
  add("host_api_ig_gausslegendre_50", n,
      wall_ms([&] { mint::integrated_gradients_cuda(c, m.params, codes.data(), nullptr, n, q); }));
  add("host_api_deeplift", n, wall_ms([&] { mint::deeplift_cuda(c, m.params, codes.data(), n); }));
  add("cpu_ig_gausslegendre_50", kCpuRows, wall_ms([&] {
        mint::integrated_gradients_onehot(c, m.params, codes.data(), nullptr, kCpuRows, q);
      }));
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

  mint::ModelConfig paper;  // L 250, F 32, K 12, P 10, H1 64, H2 32
  mint::ModelConfig wide = paper;
  wide.filters = 128;
  mint::ModelConfig long_seq = paper;
  long_seq.length = 1000;
  const Shape shapes[] = {{"paper", paper, 65536}, {"F128", wide, 8192}, {"L1000", long_seq, 8192}};
  std::vector<Row> rows;
  bool ok = true;
  for (const Shape& shape : shapes) ok = bench_shape(shape, peak_flops, peak_bw, &rows) && ok;
  bench_host(paper, &rows);

  std::printf("%-7s %-30s %6s %10s %13s %9s %8s %8s %8s\n", "shape", "what", "n", "ms",
              "sequences/s", "GFLOP/s", "of FP32", "GB/s", "of DRAM");
  for (const Row& r : rows) {
    if (r.gflop_per_s > 0) {
      std::printf("%-7s %-30s %6d %10.3f %13.0f %9.0f %7.2f%% %8.1f %7.2f%%\n", r.shape.c_str(),
                  r.what.c_str(), r.n, r.ms, r.sequences_per_s, r.gflop_per_s,
                  100 * r.flop_fraction, r.gb_per_s, 100 * r.bw_fraction);
    } else {
      std::printf("%-7s %-30s %6d %10.3f %13.0f %9s %8s %8s %8s\n", r.shape.c_str(), r.what.c_str(),
                  r.n, r.ms, r.sequences_per_s, "-", "-", "-", "-");
    }
  }
  std::printf(
      "csv,device,shape,what,n,ms,sequences_per_s,gflop_per_s,fraction_of_fp32_peak,"
      "gb_per_s,fraction_of_dram_peak\n");
  for (const Row& r : rows) {
    std::printf("csv,%s,%s,%s,%d,%.5f,%.6g,%.2f,%.4f,%.2f,%.4f\n", name.c_str(), r.shape.c_str(),
                r.what.c_str(), r.n, r.ms, r.sequences_per_s, r.gflop_per_s, r.flop_fraction,
                r.gb_per_s, r.bw_fraction);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_attribution_cuda: %s\n", e.what());
    return 1;
  }
}

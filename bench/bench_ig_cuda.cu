// CUDA-events benchmark of Integrated Gradients on the GPU (ops/ig/ig.cu).
//
//   ninja -C build bench_ig_cuda && build/bench/bench_ig_cuda
//
// Models: random weights (bench_model: init_model with non-trivial BN running statistics) at
// the shapes of attribution_shapes() (cuda_bench_util.cuh): the paper's size, and F 128 and
// L 1000, whose per-block scratch exceeds shared memory (the global-scratch path).
//
// Timed, per shape, through the device-pointer entry point (IntegratedGradientsCuda) on the
// legacy default stream, warm-up first, mean of kTimed repetitions: Gauss–Legendre 50 (logit
// and prob), riemann_right 20. Before anything is reported, the first kCheckRows rows of each
// timed output are compared with integrated_gradients_onehot: relative norm ≤ 1e-5, else
// exit 1. At the paper size also: the host entry point end to end (parameter upload, copies in
// and out, chunking), and the CPU (all cores) on kCpuRows sequences, for the speed-up.
//
// Reported per row: ms, sequences/s, GFLOP/s and its fraction of the FP32 peak (SMs × FP32
// lanes per SM × 2 × boost clock), GB/s and its fraction of the DRAM peak. The flop count is a
// back-of-envelope count of what the kernel executes per sequence, dense (the ReLU-sparse fc1
// forward skips zero pooled values, so real work is lower):
//   conv U·F·K + steps·(4·U·F pool + 4·FW·H1 fc1 fwd/bwd + 4·H1·H2 + 2·H2) + 2·L·K·F
// Bytes: codes in (L) + attributions out (16·L) per sequence. Expect IG to be bound by the
// block's sequential fc1 forward (H1 threads busy) and by shared-memory latency, far from
// either peak. DeepLIFT is bench_deeplift_cuda.
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
#include "ops/common/cuda_check.cuh"
#include "ops/ig/ig.hpp"

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
double ig_flops(const mint::ModelConfig& c, int steps) {
  const double U = c.pooled_length() * c.pool, F = c.filters, K = c.width, L = c.length;
  const double FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  return U * F * K + steps * (4 * U * F + 4 * FW * H1 + 4 * H1 * H2 + 2 * H2) + 2 * L * K * F;
}

struct Method {
  std::string name;
  mint::IgMethod ig_method;
  int steps;
  mint::Target target;
};

bool bench_shape(const Shape& shape, double peak_flops, double peak_bw, std::vector<Row>* rows) {
  const mint::ModelConfig& c = shape.config;
  ShapeData data(shape);
  const int n = data.n;
  mint::IntegratedGradientsCuda engine(c, data.m.params);
  const Method methods[] = {
      {"ig_gausslegendre_50", mint::IgMethod::gausslegendre, 50, mint::Target::logit},
      {"ig_gausslegendre_50_prob", mint::IgMethod::gausslegendre, 50, mint::Target::prob},
      {"ig_riemann_right_20", mint::IgMethod::riemann_right, 20, mint::Target::logit},
  };
  bool ok = true;
  for (const Method& method : methods) {
    const mint::Quadrature q = mint::ig_quadrature(method.ig_method, method.steps);
    const double ms = time_ms([&] {
      engine.integrated_gradients(data.d_codes.get(), nullptr, n, q, method.target,
                                  data.d_out.get());
    });
    const int check = std::min(kCheckRows, n);  // the CPU on the first rows of the timed call
    const auto ref = mint::integrated_gradients_onehot(c, data.m.params, data.codes.data(), nullptr,
                                                       check, q, method.target);
    ok =
        add_kernel_row(rows, shape, method.name, ref, data.first_outputs(check), check, kTol, n, ms,
                       ig_flops(c, method.steps) * n, 17.0 * c.length * n, peak_flops, peak_bw) &&
        ok;
  }
  return ok;
}

// The host entry point end to end, and the CPU, at the paper size.
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
  add("cpu_ig_gausslegendre_50", kCpuRows, wall_ms([&] {
        mint::integrated_gradients_onehot(c, m.params, codes.data(), nullptr, kCpuRows, q);
      }));
}

}  // namespace

int main() { return mint::bench::attribution_bench_main("bench_ig_cuda", bench_shape, bench_host); }

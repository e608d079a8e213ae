// CPU throughput of Integrated Gradients (Google Benchmark) at the paper's size: F = 32, L = 250,
// K 12, P 10, H1 64, H2 32, 'same' padding, BatchNorm; integrated_gradients of one-hot codes
// (the fused ig_onehot.cpp path), 50 Gauss–Legendre steps, on all cores and on one.
// items/s = sequences/s. The Captum peer is bench/peers/captum_attr.py; the CUDA kernel is
// bench_ig_cuda.
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/ig/ig.hpp"

namespace {

using mint::bench::paper_model;
using mint::bench::random_codes;

// IG with state.range(0) Gauss–Legendre steps over 64 sequences per iteration, on
// state.range(1) threads (0: all cores). The 1-thread run reports sequences per second of CPU
// time (not wall time), a rate that other load on the machine hardly disturbs.
void BM_IntegratedGradients(benchmark::State& state) {
  const int steps = static_cast<int>(state.range(0)), n = 64;
  const mint::Model m = paper_model();
  mint::CpuCnn cnn(m.config, 512, static_cast<int>(state.range(1)));
  const auto codes = random_codes(n, m.config.length);
  mint::CnnInput in;
  in.codes = codes.data();
  for (auto _ : state) {
    auto a = mint::integrated_gradients(cnn, m.params, in, n, mint::IgMethod::gausslegendre, steps);
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_IntegratedGradients)->Args({50, 0})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IntegratedGradients)->Args({50, 1})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

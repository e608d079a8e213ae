// CPU throughput of the gradient attributions (Google Benchmark) at the paper's size: F = 32,
// L = 250, K 12, P 10, H1 64, H2 32, 'same' padding, BatchNorm, on all cores: saliency of 1024
// one-hot sequences through a CpuCnn of capacity 512. items/s = sequences/s. The Captum peer
// is bench/peers/captum_attr.py.
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/gradient/gradient.hpp"

namespace {

using mint::bench::paper_model;
using mint::bench::random_codes;

void BM_Saliency(benchmark::State& state) {
  const int n = 1024;
  const mint::Model m = paper_model();
  mint::CpuCnn cnn(m.config, 512);
  const auto codes = random_codes(n, m.config.length);
  mint::CnnInput in;
  in.codes = codes.data();
  for (auto _ : state) {
    auto a = mint::saliency(cnn, m.params, in, n);
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Saliency)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

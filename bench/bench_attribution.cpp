// CPU throughput of the gradient attributions and of scoring (Google Benchmark), at the
// paper's size: F = 32, L = 250, K = 12, P = 10, H1 64, H2 32, 'same' padding, BatchNorm, on
// all cores. items/s = sequences/s. DeepLIFT, FP and ISM are in bench_deeplift and
// bench_perturbation; the Captum and scikit-learn peers are bench/peers/captum_attr.py and
// bench/peers/sklearn_auprc.py.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_util.hpp"
#include "core/motif.hpp"
#include "ops/gradient/gradient.hpp"
#include "pipeline/score.hpp"
#include "pipeline/simulate.hpp"

namespace {

using mint::bench::random_codes;

mint::Model paper_model() { return mint::init_model(mint::ModelConfig{}, 1); }

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

// Scoring: position scores of (N, 4, L) attributions and the per-sequence, per-motif AUPRC,
// AP and AUROC of every present motif, on a distinct_1 test split (4 motifs, L = 250).
// items/s = sequences/s (about 2 motif curves per sequence on this design).
void BM_ScoreMotifs(benchmark::State& state) {
  mint::SimulationOptions o;
  o.seed = 3;
  o.design.train = 64;
  o.design.valid = 32;
  o.design.test_positives = 2000;
  o.design.test_per_subset = 200;
  const mint::Simulation sim = mint::simulate(mint::load_motifs("distinct_1"), o);
  const mint::SplitData& test = sim.splits.back();
  const std::size_t size = static_cast<std::size_t>(test.size()) * 4 * test.length;
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  std::vector<float> attr(size);
  for (float& a : attr) a = normal(rng);
  std::size_t curves = 0;
  for (auto _ : state) {
    const auto scores = mint::position_scores(attr.data(), test.codes.data(), test.size(),
                                              test.length, mint::ScoreRule::observed);
    const auto rows = mint::score_motifs(scores.data(), test, sim.grammar, sim.motifs);
    curves = rows.size();
    benchmark::DoNotOptimize(rows.data());
  }
  state.SetItemsProcessed(state.iterations() * test.size());
  state.counters["curves_per_seq"] = static_cast<double>(curves) / static_cast<double>(test.size());
}
BENCHMARK(BM_ScoreMotifs)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

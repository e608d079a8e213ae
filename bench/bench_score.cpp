// CPU throughput of scoring attributions (Google Benchmark): position scores and the
// per-sequence, per-motif AUPRC, AP and AUROC (pipeline/score) on a simulated distinct_1 test
// split. items/s = sequences/s. The scikit-learn peer is bench/peers/sklearn_auprc.py.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/motif.hpp"
#include "pipeline/score.hpp"
#include "pipeline/simulate.hpp"

namespace {

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

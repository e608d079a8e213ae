// Per-sequence AUPRC throughput (Google Benchmark): 10,000 sequences × 250 positions, float32
// scores, 4 motifs per sequence; positives = a 12-position span per motif, negatives = the
// background (score_rows with an include mask, one curve per sequence and motif: 4 curves per
// sequence), on all cores. items/s = sequences/s.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "ops/auprc/auprc.hpp"

namespace {

constexpr std::size_t kSequences = 10000, kLength = 250, kMotifs = 4, kWidth = 12;

struct Workload {
  std::vector<float> scores;                  // (S·M, L): a row per (sequence, motif)
  std::vector<std::uint8_t> labels, include;  // (S·M, L)
};

// Motif m of sequence s sits at a random, non-overlapping 12-position slot; for motif m the
// positives are its span, the negatives the background, and other motifs' spans are excluded.
Workload make_workload() {
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  Workload w;
  const std::size_t rows = kSequences * kMotifs;
  w.scores.resize(rows * kLength);
  w.labels.resize(rows * kLength);
  w.include.resize(rows * kLength);
  for (std::size_t s = 0; s < kSequences; ++s) {
    std::vector<int> owner(kLength, -1);
    for (std::size_t m = 0; m < kMotifs; ++m) {
      const std::size_t slot = m * (kLength / kMotifs) + rng() % (kLength / kMotifs - kWidth);
      for (std::size_t k = 0; k < kWidth; ++k) owner[slot + k] = static_cast<int>(m);
    }
    std::vector<float> attr(kLength);
    for (std::size_t p = 0; p < kLength; ++p) attr[p] = noise(rng) + (owner[p] >= 0 ? 1.0f : 0.0f);
    for (std::size_t m = 0; m < kMotifs; ++m) {
      const std::size_t row = (s * kMotifs + m) * kLength;
      for (std::size_t p = 0; p < kLength; ++p) {
        w.scores[row + p] = attr[p];
        w.labels[row + p] = owner[p] == static_cast<int>(m) ? 1 : 0;
        w.include[row + p] = owner[p] < 0 || owner[p] == static_cast<int>(m) ? 1 : 0;
      }
    }
  }
  return w;
}

void BM_PerSequenceAuprc(benchmark::State& state) {
  static const Workload w = make_workload();
  for (auto _ : state) {
    auto r = mint::score_rows(w.scores.data(), w.labels.data(), w.include.data(),
                              kSequences * kMotifs, kLength);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(kSequences));
}
BENCHMARK(BM_PerSequenceAuprc)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

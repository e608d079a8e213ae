// Google Benchmark of the CPU sampler, sample_codes_cpu (ops/sampler/sampler.cpp).
//
// Workload: the bundled distinct_1 set (n = 4 motifs), default grammar and SimulationOptions,
// the train split of a classification with-subsets design of 100,000 sequences; the whole
// split is sampled once per iteration into a (N, L) byte buffer allocated (and touched)
// outside the timed loop. Shapes: L = 250 and L = 1000, threads = 1 and 2; and L = 250 with the
// minimum-instance-score filter at F = 0.6 (min_score_pct = 60; 0 = off).
//
//   ninja -C build bench_sampler && build/bench/bench_sampler [--benchmark_min_time=0.2]
//
// items_per_second = sequences/s; bytes_per_second = output bytes/s (L bytes a sequence).
// Times are wall-clock (UseRealTime), since OpenMP threads do the work; compare threads = 2
// with threads = 1 for the parallel efficiency.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/design.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "ops/sampler/sampler.hpp"

namespace {

constexpr std::int64_t kSequences = 100000;

// The train split's tables for length L, built once per (L, filter) outside any timing.
const mint::SamplerTables& tables_for(int length, int min_score_pct) {
  static std::map<std::pair<int, int>, std::unique_ptr<mint::SamplerTables>> cache;
  auto& slot = cache[{length, min_score_pct}];
  if (!slot) {
    const mint::MotifSet motifs = mint::load_motifs("distinct_1");
    mint::SimulationOptions options;
    options.length = length;
    if (min_score_pct > 0) options.min_instance_score = min_score_pct / 100.0;
    options.design.kind = mint::DesignKind::classification;
    options.design.negatives = mint::Negatives::with_subsets;
    options.design.train = kSequences;
    const mint::Grammar grammar = mint::make_grammar(motifs, options.grammar, options.seed);
    mint::check_grammar_fits(grammar, length);
    const std::vector<mint::SplitPlan> plans =
        mint::plan_splits(static_cast<int>(motifs.size()), options.design);
    slot = std::make_unique<mint::SamplerTables>(motifs, grammar, options, plans.at(0));
  }
  return *slot;
}

void BM_sample_codes_cpu(benchmark::State& state) {
  const int length = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const mint::SamplerTables& tables = tables_for(length, static_cast<int>(state.range(2)));
  const std::int64_t count = tables.sequences();
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(count) * length, 0);  // touched
  for (auto _ : state) {
    mint::sample_codes_cpu(tables, 0, count, codes.data(), threads);
    benchmark::DoNotOptimize(codes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * count);
  state.SetBytesProcessed(state.iterations() * count * length);
}

BENCHMARK(BM_sample_codes_cpu)
    ->ArgNames({"L", "threads", "min_score_pct"})
    ->Args({250, 1, 0})
    ->Args({250, 2, 0})
    ->Args({1000, 1, 0})
    ->Args({1000, 2, 0})
    ->Args({250, 1, 60})
    ->Args({250, 2, 60})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

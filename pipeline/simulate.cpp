// The simulate() driver (pipeline/simulate.hpp): validation, the minimum-instance-score
// acceptance check, the grammar, then every split through the sampler.
#include "pipeline/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "io/dataset_io.hpp"
#include "ops/sampler/sampler.hpp"

namespace mint {

Simulation plan_simulation(const MotifSet& motifs, const SimulationOptions& options) {
  if (options.length <= 0 || options.length > kMaxLength) {
    throw Error("--length must be in [1, " + std::to_string(kMaxLength) + "], got " +
                std::to_string(options.length));
  }
  if (!(options.gc >= 0.0 && options.gc <= 1.0)) {
    throw Error("--gc must be in [0, 1], got " + std::to_string(options.gc));
  }
  if (!(options.pseudocount >= 0.0) || !std::isfinite(options.pseudocount)) {
    throw Error("--pseudocount must be a finite number >= 0");
  }
  std::vector<double> accepted;
  if (options.min_instance_score) {
    const double f = *options.min_instance_score;
    if (!(f >= 0.0 && f <= 1.0)) {
      char buf[128];
      std::snprintf(buf, sizeof buf,
                    "--min-instance-score must be in [0, 1] (a fraction of the consensus's "
                    "log-odds score), got %g",
                    f);
      throw Error(buf);
    }
    // Below 1% the expected re-draws exceed 100 per instance and the consensus fallback after
    // kMaxInstanceAttempts stops being negligible: refuse rather than simulate a different set.
    accepted = instance_acceptance(motifs, options);
    for (std::size_t m = 0; m < accepted.size(); ++m) {
      if (accepted[m] < 0.01) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "--min-instance-score %g: only %.3g%% of %s draws reach it (at least 1%% "
                      "must); lower it",
                      f, 100 * accepted[m], motifs.motifs[m].name.c_str());
        throw Error(buf);
      }
    }
  }
  Simulation sim;
  sim.motifs = motifs;
  sim.options = options;
  sim.first_draws_kept = std::move(accepted);
  sim.grammar = make_grammar(motifs, options.grammar, options.seed);
  check_grammar_fits(sim.grammar, options.length);
  const int n = static_cast<int>(motifs.size());
  sim.plans = plan_splits(n, options.design);
  return sim;
}

namespace {

// Sequences [first, first + count) of a split into codes (count · L bytes).
void sample(const SamplerTables& tables, std::int64_t first, std::int64_t count,
            std::uint8_t* codes, Backend backend, int threads) {
  if (backend == Backend::cuda) {
    sample_codes_cuda(tables, first, count, codes);
  } else {
    sample_codes_cpu(tables, first, count, codes, threads);
  }
}

}  // namespace

void check_simulation_memory(const Simulation& planned) {
  const SimulationOptions& options = planned.options;
  const auto n = static_cast<std::uint64_t>(planned.motifs.size());
  std::int64_t total = 0, largest = 0;
  for (const SplitPlan& plan : planned.plans) {
    std::int64_t count = 0;
    for (const Group& g : plan.groups) count += g.count;
    total += count;
    largest = std::max(largest, count);
  }
  // An upper bound of the simulation's and its writing's peak memory, before any sequence is
  // sampled (measured: docs/reliability.md): every split's codes and per-sequence masks,
  // offsets and labels (12 bytes) stay in memory; writing the largest split (io/dataset_io.cpp,
  // as mint simulate and the experiment do) adds its .seq.npy bytes (a copy of its codes), its
  // FASTA text (L + a header) and its labels' and truth's text; 64 MiB for the process itself.
  // --onehot's arrays are checked by write_dataset.
  const auto L = static_cast<std::uint64_t>(options.length);
  const std::uint64_t write_per_sequence =
      2 * L + kFastaHeader + kTextPerSequence + n * (kTextPerMotif + 2);
  const std::uint64_t bytes =
      add_bytes(add_bytes(bytes_of({static_cast<std::uint64_t>(total), L + 12}),
                          bytes_of({static_cast<std::uint64_t>(largest), write_per_sequence})),
                std::uint64_t{64} << 20);
  check_memory("--length " + std::to_string(options.length) + ": the simulation", bytes,
               std::to_string(total) + " sequences x " + std::to_string(options.length) +
                   " bases, and writing " + std::to_string(largest) + " of them at once");
}

Simulation simulate(const MotifSet& motifs, const SimulationOptions& options, Backend backend,
                    int threads, const ProgressFn& progress) {
  Simulation sim = plan_simulation(motifs, options);
  const int n = static_cast<int>(motifs.size());
  std::int64_t total = 0, done = 0;
  for (const SplitPlan& plan : sim.plans) {
    for (const Group& g : plan.groups) total += g.count;
  }
  check_simulation_memory(sim);
  report_progress(progress, 0, total);
  for (const SplitPlan& plan : sim.plans) {
    SamplerTables tables(motifs, sim.grammar, options, plan);
    SplitData data;
    data.name = plan.name;
    data.length = options.length;
    data.n_motifs = n;
    const std::int64_t count = tables.sequences();
    const auto L = static_cast<std::size_t>(options.length);
    data.codes.resize(static_cast<std::size_t>(count) * L);
    data.offsets.resize(count);
    // Without a hook, one sampler call per split (the CUDA sampler uploads its tables per call).
    const std::int64_t chunk = progress ? kSimulateChunk : std::max<std::int64_t>(count, 1);
    for (std::int64_t first = 0; first < count; first += chunk) {
      const std::int64_t part = std::min(chunk, count - first);
      sample(tables, first, part, data.codes.data() + static_cast<std::size_t>(first) * L, backend,
             threads);
      report_progress(progress, done + first + part, total);
    }
    done += count;
    sample_offsets(tables, 0, count, data.offsets.data());
    for (const Group& g : plan.groups) {
      const auto label = static_cast<float>(label_of(g.mask, n, options.design));
      data.masks.insert(data.masks.end(), g.count, g.mask);
      data.labels.insert(data.labels.end(), g.count, label);
    }
    sim.splits.push_back(std::move(data));
  }
  return sim;
}

}  // namespace mint

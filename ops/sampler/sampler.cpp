// CPU sampler. The per-position math is sampler_core.hpp's, shared
// with ops/sampler/sampler.cu; here it is parallelised over sequences with OpenMP. Each sequence's
// bytes depend only on its own random stream, so the thread count cannot change them.
#include "ops/sampler/sampler.hpp"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace mint {

ColumnThresholds column_thresholds(const double p[4]) {
  ColumnThresholds t{};
  double cumulative = 0;
  for (int b = 0; b < 3; ++b) {
    cumulative += p[b];
    const double scaled = std::nearbyint(std::ldexp(std::min(std::max(cumulative, 0.0), 1.0), 32));
    t.t[b] = static_cast<std::uint64_t>(scaled);
  }
  return t;
}

SamplerTables::SamplerTables(const MotifSet& motifs, const Grammar& grammar,
                             const SimulationOptions& options, const SplitPlan& split)
    : seed_(options.seed),
      split_(split.id),
      length_(options.length),
      grammar_length_(grammar.span),
      n_motifs_(static_cast<int>(motifs.size())) {
  group_start_.push_back(0);
  for (const Group& g : split.groups) {
    group_mask_.push_back(g.mask);
    group_start_.push_back(group_start_.back() + g.count);
  }
  for (int m = 0; m < n_motifs_; ++m) {
    const Motif& motif = motifs.motifs[m];
    slot_start_.push_back(grammar.start[m]);
    slot_length_.push_back(static_cast<int>(motif.length()));
    column_index_.push_back(static_cast<int>(columns_.size()));
    for (std::size_t j = 0; j < motif.length(); ++j) {
      double p[4];
      for (int b = 0; b < 4; ++b) p[b] = motif.probability(b, j, options.pseudocount);
      columns_.push_back(column_thresholds(p));
    }
  }
  const double at = (1.0 - options.gc) / 2, cg = options.gc / 2;
  const double bg[4] = {at, cg, cg, at};
  background_ = column_thresholds(bg);
  if (options.min_instance_score) {
    // Fixed-point log2(p_b / q_b); bases a column never draws (p_b = 0) and bases the
    // background never draws (q_b = 0) are clamped to +-kScoreClamp bits.
    constexpr double kScoreClamp = 1000;
    for (int m = 0; m < n_motifs_; ++m) {
      const Motif& motif = motifs.motifs[m];
      std::int64_t consensus = 0;
      for (std::size_t j = 0; j < motif.length(); ++j) {
        std::int64_t best = std::numeric_limits<std::int64_t>::min();
        for (int b = 0; b < 4; ++b) {
          const double p = motif.probability(b, j, options.pseudocount);
          double bits = p <= 0 ? -kScoreClamp : bg[b] <= 0 ? kScoreClamp : std::log2(p / bg[b]);
          bits = std::min(std::max(bits, -kScoreClamp), kScoreClamp);
          const auto fixed = static_cast<std::int64_t>(std::llround(bits * kScoreOne));
          base_scores_.push_back(fixed);
          best = std::max(best, fixed);
        }
        consensus += best;
      }
      min_score_.push_back(static_cast<std::int64_t>(
          std::ceil(*options.min_instance_score * static_cast<double>(consensus))));
    }
  }
}

SamplerView SamplerTables::view() const {
  SamplerView v{};
  v.seed_lo = static_cast<std::uint32_t>(seed_);
  v.seed_hi = static_cast<std::uint32_t>(seed_ >> 32);
  v.split = split_;
  v.length = length_;
  v.grammar_length = grammar_length_;
  v.n_motifs = n_motifs_;
  v.n_groups = static_cast<int>(group_mask_.size());
  v.group_mask = group_mask_.data();
  v.group_start = group_start_.data();
  v.slot_start = slot_start_.data();
  v.slot_length = slot_length_.data();
  v.column_index = column_index_.data();
  v.columns = columns_.data();
  v.background = background_;
  v.base_scores = base_scores_.empty() ? nullptr : base_scores_.data();
  v.min_score = min_score_.empty() ? nullptr : min_score_.data();
  return v;
}

namespace {

void check_range(const SamplerTables& tables, std::int64_t first, std::int64_t count) {
  if (first < 0 || count < 0 || first + count > tables.sequences()) {
    throw Error("sampler: sequences [" + std::to_string(first) + ", " +
                std::to_string(first + count) + ") outside the split's " +
                std::to_string(tables.sequences()));
  }
}

}  // namespace

std::vector<double> instance_acceptance(const MotifSet& motifs, const SimulationOptions& options) {
  const int n = static_cast<int>(motifs.size());
  std::vector<double> accepted(static_cast<std::size_t>(n), 1.0);
  if (!options.min_instance_score) return accepted;
  // One group of every motif, L = the longest motif: draw i of motif m is attempt 0 of
  // "sequence" i, whose grammar is motif m alone at offset 0 (a throw-away split id 255).
  constexpr int kDraws = 1 << 16;
  for (int m = 0; m < n; ++m) {
    MotifSet one;
    one.motifs.push_back(motifs.motifs[m]);
    Grammar grammar;
    grammar.order = {0};
    grammar.start = {0};
    grammar.length = {static_cast<int>(one.motifs[0].length())};
    grammar.span = grammar.length[0];
    SimulationOptions o = options;
    o.length = grammar.span;
    SplitPlan plan;
    plan.id = 255;
    plan.groups.push_back({1u, kDraws});
    const SamplerTables tables(one, grammar, o, plan);
    const SamplerView v = tables.view();
    SamplerView unfiltered = v;  // plans without the re-draws, which are not needed here
    unfiltered.min_score = nullptr;
    std::int64_t pass = 0;
    for (std::int64_t i = 0; i < kDraws; ++i) {
      pass += instance_score(v, plan_sequence(unfiltered, i), 0, 0) >= v.min_score[0];
    }
    accepted[static_cast<std::size_t>(m)] = static_cast<double>(pass) / kDraws;
  }
  return accepted;
}

void sample_codes_cpu(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                      std::uint8_t* codes, int threads) {
  check_range(tables, first, count);
  const SamplerView v = tables.view();
  const int length = v.length;
  const int blocks = (length + 3) / 4;
  if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < count; ++i) {
    const SequencePlan plan = plan_sequence(v, first + i);
    std::uint8_t* row = codes + i * length;
    for (int b = 0; b < blocks; ++b) {
      std::uint8_t four[4];
      sample_block(v, plan, b, four);
      const int n = std::min(4, length - 4 * b);
      for (int lane = 0; lane < n; ++lane) row[4 * b + lane] = four[lane];
    }
  }
}

void sample_offsets(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                    std::int32_t* offsets) {
  check_range(tables, first, count);
  const SamplerView v = tables.view();
  for (std::int64_t i = 0; i < count; ++i) offsets[i] = plan_sequence(v, first + i).offset;
}

}  // namespace mint

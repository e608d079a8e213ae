// The sampler's per-element math, shared by the CPU backend (ops/sampler/sampler.cpp) and the
// CUDA kernel (ops/sampler/sampler.cu) so the two cannot drift: both call plan_sequence() and
// sample_block() on the same SamplerView, and integer-only arithmetic makes them bit-identical.
//
// Random streams. Every draw is philox4x32(counter, key = seed):
//   counter = {block, index within group, split << 24 | presence mask, purpose}
// so a sequence's bases depend only on (seed, split, its presence subset, its index among the
// sequences of that subset) — not on the design, the effect, the thread count or the backend.
// Hence M_w and M_wo share their positives, and the regression effects share their sequences.
//   purpose kBases:  block b gives the uniform words of positions 4b .. 4b+3 (one per lane)
//   purpose kOffset: word 0 places the grammar, uniformly in [0, L - grammar length]
//   purpose kGrammar: drawn once per data set on the host (order and gaps, grammar.cpp)
//   purpose kInstance | motif << 8 | attempt << 16: block b gives columns 4b .. 4b+3 of
//                    re-draw `attempt` (>= 1) of a motif instance (the minimum-score filter)
//
// Minimum instance score (optional, SimulationOptions::min_instance_score). Attempt 0 of an
// instance is the ordinary draw: the words of its positions in the kBases stream. When its
// log-odds score against the background is below the motif's threshold, attempts 1, 2, …
// re-draw the whole instance from the kInstance stream until one reaches it (the consensus
// after kMaxInstanceAttempts). Scores are fixed-point integers (kScoreOne = 1 bit), so CPU and
// GPU agree on every comparison; instances that pass at attempt 0 equal the unfiltered data.
//
// A base is drawn from a column by comparing the word u with cumulative thresholds
// t_b = round(2^32 · (p_A + … + p_b)):  base = [u ≥ t_A] + [u ≥ t_C] + [u ≥ t_G].
#pragma once

#include <cstdint>

#include "core/philox.hpp"

namespace mint {

enum RandomPurpose : std::uint32_t {
  kPurposeBases = 0,
  kPurposeOffset = 1,
  kPurposeGrammar = 2,
  kPurposeInstance = 3,
};

inline constexpr int kMaxMotifs = 16;              // presence masks fit the counter's 24 bits
inline constexpr int kMaxInstanceAttempts = 4096;  // then the consensus is used
inline constexpr std::uint16_t kConsensusAttempt = 0xFFFF;        // attempt value of that fallback
inline constexpr std::int64_t kScoreOne = std::int64_t{1} << 20;  // fixed-point 1 bit

// Three cumulative thresholds of one column (A, A+C, A+C+G), 2^32 = probability 1.
struct ColumnThresholds {
  std::uint64_t t[3];
};

// Flat, pointer-only view of everything the sampler needs: host pointers for the CPU
// backend, device pointers for the kernel. Owned by SamplerTables (sampler.hpp).
struct SamplerView {
  std::uint32_t seed_lo, seed_hi;
  std::uint32_t split;  // split id, < 256
  int length;           // L
  int grammar_length;   // span of the grammar, <= L
  int n_motifs;
  int n_groups;
  const std::uint32_t* group_mask;  // [n_groups] presence mask of each group
  const std::int64_t* group_start;  // [n_groups + 1] first sequence of each group; last = N
  const int* slot_start;            // [n_motifs] slot start relative to the grammar start
  const int* slot_length;           // [n_motifs] motif length
  const int* column_index;          // [n_motifs] first column of the motif in `columns`
  const ColumnThresholds* columns;  // all motif columns, motif by motif
  ColumnThresholds background;
  // Minimum-score filter; null when off. base_scores[4 * column + b]: fixed-point log-odds of
  // base b in that column against the background; min_score[m]: motif m's threshold.
  const std::int64_t* base_scores;
  const std::int64_t* min_score;
};

struct SequencePlan {
  std::uint32_t mask;                 // bit i set: motif i (file order) present
  std::uint32_t index;                // index of the sequence within its group
  int offset;                         // grammar start in the sequence
  std::uint16_t attempt[kMaxMotifs];  // accepted draw of each motif; set only when the
                                      // minimum-score filter is on (0 for absent motifs)
};

MINT_HD std::uint32_t counter_stream(const SamplerView& v, std::uint32_t mask) {
  return (v.split << 24) | mask;
}

MINT_HD int draw_base(const ColumnThresholds& c, std::uint32_t u) {
  return static_cast<int>(u >= c.t[0]) + static_cast<int>(u >= c.t[1]) +
         static_cast<int>(u >= c.t[2]);
}

// Where column c of draw `attempt` (0 .. kMaxInstanceAttempts - 1) of motif m takes its word:
// the Philox counter of its block and its lane.
MINT_HD Philox4x32 instance_counter(const SamplerView& v, const SequencePlan& plan, int m,
                                    int attempt, int c, int* lane) {
  if (attempt == 0) {  // the ordinary draw: the words of its positions in the kBases stream
    const int p = plan.offset + v.slot_start[m] + c;
    *lane = p % 4;
    return {{static_cast<std::uint32_t>(p / 4), plan.index, counter_stream(v, plan.mask),
             kPurposeBases}};
  }
  *lane = c % 4;
  return {{static_cast<std::uint32_t>(c / 4), plan.index, counter_stream(v, plan.mask),
           kPurposeInstance | (static_cast<std::uint32_t>(m) << 8) |
               (static_cast<std::uint32_t>(attempt) << 16)}};
}

MINT_HD std::uint32_t instance_word(const SamplerView& v, const SequencePlan& plan, int m,
                                    int attempt, int c) {
  int lane = 0;
  const Philox4x32 counter = instance_counter(v, plan, m, attempt, c, &lane);
  return philox4x32(counter, v.seed_lo, v.seed_hi).v[lane];
}

// The highest-scoring base of a column (the lowest index among ties): the consensus.
MINT_HD int consensus_base(const SamplerView& v, int column) {
  int best = 0;
  for (int b = 1; b < 4; ++b) {
    if (v.base_scores[4 * column + b] > v.base_scores[4 * column + best]) best = b;
  }
  return best;
}

// Fixed-point log-odds score of draw `attempt` of motif m (needs base_scores).
MINT_HD std::int64_t instance_score(const SamplerView& v, const SequencePlan& plan, int m,
                                    int attempt) {
  const int first = v.column_index[m];
  std::int64_t score = 0;
  std::uint32_t block = 0xFFFFFFFFu;  // the block `words` holds
  Philox4x32 words{};
  for (int c = 0; c < v.slot_length[m]; ++c) {
    int lane = 0;
    const Philox4x32 counter = instance_counter(v, plan, m, attempt, c, &lane);
    if (counter.v[0] != block) {
      block = counter.v[0];
      words = philox4x32(counter, v.seed_lo, v.seed_hi);
    }
    const int b = draw_base(v.columns[first + c], words.v[lane]);
    score += v.base_scores[4 * (first + c) + b];
  }
  return score;
}

// First draw of motif m whose score reaches min_score[m], or kConsensusAttempt.
MINT_HD std::uint16_t accepted_attempt(const SamplerView& v, const SequencePlan& plan, int m) {
  for (int attempt = 0; attempt < kMaxInstanceAttempts; ++attempt) {
    if (instance_score(v, plan, m, attempt) >= v.min_score[m]) {
      return static_cast<std::uint16_t>(attempt);
    }
  }
  return kConsensusAttempt;
}

MINT_HD SequencePlan plan_sequence(const SamplerView& v, std::int64_t seq) {
  // Largest g with group_start[g] <= seq (groups with zero sequences are skipped over).
  int lo = 0, hi = v.n_groups - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (v.group_start[mid] <= seq)
      lo = mid;
    else
      hi = mid - 1;
  }
  SequencePlan plan;
  plan.mask = v.group_mask[lo];
  plan.index = static_cast<std::uint32_t>(seq - v.group_start[lo]);
  const Philox4x32 r = philox4x32({{0u, plan.index, counter_stream(v, plan.mask), kPurposeOffset}},
                                  v.seed_lo, v.seed_hi);
  plan.offset = static_cast<int>(
      uniform_below(r.v[0], static_cast<std::uint32_t>(v.length - v.grammar_length + 1)));
  if (v.min_score != nullptr) {  // attempt[] is read only when the filter is on
    for (int m = 0; m < v.n_motifs; ++m) {
      plan.attempt[m] = (plan.mask >> m) & 1u ? accepted_attempt(v, plan, m) : 0;
    }
  }
  return plan;
}

// Motif index covering position p of a sequence with this plan, or -1 for background.
MINT_HD int motif_at(const SamplerView& v, const SequencePlan& plan, int p, int* column) {
  const int rel = p - plan.offset;
  for (int m = 0; m < v.n_motifs; ++m) {
    if (!((plan.mask >> m) & 1u)) continue;
    const int c = rel - v.slot_start[m];
    if (c >= 0 && c < v.slot_length[m]) {
      *column = c;
      return m;
    }
  }
  return -1;
}

// Bases (0..3 = A,C,G,T) of positions 4·block .. 4·block+3; lanes past L are left untouched.
MINT_HD void sample_block(const SamplerView& v, const SequencePlan& plan, int block,
                          std::uint8_t out[4]) {
  const Philox4x32 r = philox4x32({{static_cast<std::uint32_t>(block), plan.index,
                                    counter_stream(v, plan.mask), kPurposeBases}},
                                  v.seed_lo, v.seed_hi);
  const bool redraws = v.min_score != nullptr;
  for (int lane = 0; lane < 4; ++lane) {
    const int p = 4 * block + lane;
    if (p >= v.length) break;
    int column = 0;
    const int m = motif_at(v, plan, p, &column);
    if (redraws && m >= 0 && plan.attempt[m] != 0) {  // a re-drawn instance (minimum-score filter)
      const int col = v.column_index[m] + column;
      out[lane] = static_cast<std::uint8_t>(
          plan.attempt[m] == kConsensusAttempt
              ? consensus_base(v, col)
              : draw_base(v.columns[col], instance_word(v, plan, m, plan.attempt[m], column)));
      continue;
    }
    const ColumnThresholds& t = m < 0 ? v.background : v.columns[v.column_index[m] + column];
    out[lane] = static_cast<std::uint8_t>(draw_base(t, r.v[lane]));
  }
}

}  // namespace mint

// The sampler's per-element math, shared by the CPU backend (src/cpu/sampler.cpp) and the
// CUDA kernel (kernels/sampler.cu) so the two cannot drift: both call plan_sequence() and
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
//
// A base is drawn from a column by comparing the word u with cumulative thresholds
// t_b = round(2^32 · (p_A + … + p_b)):  base = [u ≥ t_A] + [u ≥ t_C] + [u ≥ t_G].
#pragma once

#include <cstdint>

#include "mint/philox.hpp"

namespace mint {

enum RandomPurpose : std::uint32_t { kPurposeBases = 0, kPurposeOffset = 1, kPurposeGrammar = 2 };

inline constexpr int kMaxMotifs = 16;  // presence masks fit the counter's 24 bits

// Three cumulative thresholds of one column (A, A+C, A+C+G), 2^32 = probability 1.
struct ColumnThresholds {
  std::uint64_t t[3];
};

// Flat, pointer-only view of everything the sampler needs: host pointers for the CPU
// backend, device pointers for the kernel. Owned by SamplerTables (sampler.hpp).
struct SamplerView {
  std::uint32_t seed_lo, seed_hi;
  std::uint32_t split;    // split id, < 256
  int length;             // L
  int grammar_length;     // span of the grammar, <= L
  int n_motifs;
  int n_groups;
  const std::uint32_t* group_mask;   // [n_groups] presence mask of each group
  const std::int64_t* group_start;   // [n_groups + 1] first sequence of each group; last = N
  const int* slot_start;             // [n_motifs] slot start relative to the grammar start
  const int* slot_length;            // [n_motifs] motif length
  const int* column_index;           // [n_motifs] first column of the motif in `columns`
  const ColumnThresholds* columns;   // all motif columns, motif by motif
  ColumnThresholds background;
};

struct SequencePlan {
  std::uint32_t mask;   // bit i set: motif i (file order) present
  std::uint32_t index;  // index of the sequence within its group
  int offset;           // grammar start in the sequence
};

MINT_HD std::uint32_t counter_stream(const SamplerView& v, std::uint32_t mask) {
  return (v.split << 24) | mask;
}

MINT_HD SequencePlan plan_sequence(const SamplerView& v, std::int64_t seq) {
  // Largest g with group_start[g] <= seq (groups with zero sequences are skipped over).
  int lo = 0, hi = v.n_groups - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (v.group_start[mid] <= seq) lo = mid; else hi = mid - 1;
  }
  SequencePlan plan;
  plan.mask = v.group_mask[lo];
  plan.index = static_cast<std::uint32_t>(seq - v.group_start[lo]);
  const Philox4x32 r = philox4x32({{0u, plan.index, counter_stream(v, plan.mask), kPurposeOffset}},
                                  v.seed_lo, v.seed_hi);
  plan.offset = static_cast<int>(
      uniform_below(r.v[0], static_cast<std::uint32_t>(v.length - v.grammar_length + 1)));
  return plan;
}

MINT_HD int draw_base(const ColumnThresholds& c, std::uint32_t u) {
  return static_cast<int>(u >= c.t[0]) + static_cast<int>(u >= c.t[1]) +
         static_cast<int>(u >= c.t[2]);
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
  const Philox4x32 r = philox4x32(
      {{static_cast<std::uint32_t>(block), plan.index, counter_stream(v, plan.mask), kPurposeBases}},
      v.seed_lo, v.seed_hi);
  for (int lane = 0; lane < 4; ++lane) {
    const int p = 4 * block + lane;
    if (p >= v.length) break;
    int column = 0;
    const int m = motif_at(v, plan, p, &column);
    const ColumnThresholds& t = m < 0 ? v.background : v.columns[v.column_index[m] + column];
    out[lane] = static_cast<std::uint8_t>(draw_base(t, r.v[lane]));
  }
}

}  // namespace mint

// The per-position scoring math of pipeline/score.cpp as __host__ __device__ functions, so the
// device stream's kernels (pipeline/stream/stream_device.cu) compute what the host computes:
//
//   position_score   one position's score (position_scores: the observed base's attribution,
//                    or ISM's mean over the three other bases; |·| unless signed)
//   truth_at         ground_truth's motif index at a position (-1: background)
//   motif_label      motif_labels' label and include bits of a position for one motif
//
// The grammar and the informative columns reach the device as a LabelPlanView (pointers only:
// host arrays for the host, device arrays for the kernels), built by make_label_plan.
// tests/pipeline/test_score_core.cpp checks, on the host, that these reproduce position_scores
// and label_motif_rows bit for bit.
#pragma once

#include <math.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "pipeline/score.hpp"

#if defined(__CUDACC__)
#define MINT_SCORE_HD __host__ __device__ __forceinline__
#else
#define MINT_SCORE_HD inline
#endif

namespace mint {

// Position p of one sequence: a its (4, L) attribution, c its (L) codes (0..3).
MINT_SCORE_HD float position_score(const float* a, const std::uint8_t* c, int length, int p,
                                   bool ism, bool signed_scores) {
  const std::size_t L = static_cast<std::size_t>(length), at = static_cast<std::size_t>(p);
  float v;
  if (!ism) {
    v = a[c[at] * L + at];
  } else {
    // Mean over the three other bases, summed in base order (position_scores').
    float sum = 0;
    for (std::uint32_t b = 0; b < 4; ++b) {
      if (b != c[at]) sum += a[b * L + at];
    }
    v = sum / 3.0f;
  }
  return signed_scores ? v : fabsf(v);
}

// The grammar and the positive rule, flat.
struct LabelPlanView {
  int n_motifs = 0;
  const int* start = nullptr;   // [n_motifs] the motif's offset from the grammar's start
  const int* length = nullptr;  // [n_motifs]
  // Concatenated per motif: column j of motif m counts as positive (informative[at[m] + j]);
  // null: every column does (PositiveRule::by_information false).
  const std::uint8_t* informative = nullptr;
  const int* informative_at = nullptr;  // [n_motifs]
};

// ground_truth()'s value at position p of a sequence of `length` with presence `mask` and
// grammar offset `offset`: the motif covering p, or -1.
MINT_SCORE_HD int truth_at(const LabelPlanView& v, std::uint32_t mask, int offset, int length,
                           int p) {
  int t = -1;
  for (int m = 0; m < v.n_motifs; ++m) {
    if (((mask >> m) & 1u) == 0) continue;
    const int begin = offset + v.start[m];
    if (p >= begin && p < begin + v.length[m] && p < length) t = m;
  }
  return t;
}

inline constexpr unsigned kLabelPositive = 1;  // motif_label's bits
inline constexpr unsigned kLabelInclude = 2;

// motif_labels()' label and include of position p for `motif` (truth: truth_at's value).
MINT_SCORE_HD unsigned motif_label(const LabelPlanView& v, int truth, int motif, int offset,
                                   int p) {
  const bool mine = truth == motif;
  const bool keep =
      truth < 0 ||
      (mine && (v.informative == nullptr ||
                v.informative[v.informative_at[motif] + p - offset - v.start[motif]] != 0));
  return (mine && keep ? kLabelPositive : 0u) | (keep ? kLabelInclude : 0u);
}

// Owns the arrays of a LabelPlanView (host memory).
struct LabelPlan {
  std::vector<int> start, length, informative_at;
  std::vector<std::uint8_t> informative;  // empty: every column is positive
  LabelPlanView view() const {
    LabelPlanView v;
    v.n_motifs = static_cast<int>(start.size());
    v.start = start.data();
    v.length = length.data();
    v.informative = informative.empty() ? nullptr : informative.data();
    v.informative_at = informative_at.data();
    return v;
  }
};

// The plan of label_motif_rows(split, grammar, motifs, rule).
inline LabelPlan make_label_plan(const Grammar& grammar, const MotifSet& motifs,
                                 const PositiveRule& rule) {
  LabelPlan p;
  p.start = grammar.start;
  p.length = grammar.length;
  for (std::size_t m = 0; m < motifs.size(); ++m) {
    p.informative_at.push_back(static_cast<int>(p.informative.size()));
    if (!rule.by_information) continue;
    const Motif& motif = motifs.motifs[m];
    for (std::size_t j = 0; j < motif.length(); ++j) {
      p.informative.push_back(motif.column_information(j) > rule.ic_threshold ? 1 : 0);
    }
  }
  return p;
}

// label_motif_rows' rows of sequences with presence masks `masks` (by sequence, then motif;
// sequence indices from 0), without their counts and curves.
inline std::vector<MotifScore> motif_rows(const std::uint32_t* masks, std::size_t n, int n_motifs) {
  std::vector<MotifScore> rows;
  for (std::size_t s = 0; s < n; ++s) {
    int present = 0;  // std::popcount (C++20; .cu files are C++17)
    for (std::uint32_t bits = masks[s]; bits != 0; bits &= bits - 1) ++present;
    for (int m = 0; m < n_motifs; ++m) {
      if (((masks[s] >> m) & 1u) == 0) continue;
      MotifScore r;
      r.sequence = static_cast<std::int64_t>(s);
      r.motif = m;
      r.n_present = present;
      rows.push_back(r);
    }
  }
  return rows;
}

}  // namespace mint

// Scoring attributions against ground truth given as a plain list of motif instances — for
// users who bring their own model and data — instead of a mint simulation (pipeline/score.hpp
// scores against a Simulation; both end in the same LabelledRows, curves and summaries).
//
//   instance         (sequence, [start, end), motif), 0-based and half-open, like a BED line
//                    and like <split>.truth.tsv; instances may overlap and a motif may occur
//                    several times in one sequence
//   rows             one per (sequence, motif with at least one instance in it), by sequence
//                    then motif; a sequence with no instance contributes no row
//   labels           positive: covered by an instance of the row's motif; negative: covered by
//                    no instance at all; left out (include 0): covered only by instances of
//                    other motifs. A position covered by both the row's motif and another is
//                    positive.
//   n_present        the number of distinct motifs with an instance in the sequence
//
// For a simulated split, label_instance_rows(split_instances(split, grammar)) is
// label_motif_rows(split, grammar, motifs) with the default PositiveRule, byte for byte
// (tests/pipeline/test_score_instances.cpp). The curves are score_labelled_rows'; memory is
// (rows, L) bytes each for labels and include, as for every LabelledRows.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dataset.hpp"
#include "core/grammar.hpp"
#include "pipeline/score.hpp"

namespace mint {

struct MotifInstance {
  std::int64_t sequence = 0;
  int start = 0, end = 0;  // 0-based, half-open [start, end)
  int motif = 0;           // 0..n_motifs-1
};

struct InstanceTruth {
  std::int64_t n = 0;                    // sequences
  int length = 0;                        // L
  int n_motifs = 0;                      // motif indices are 0..n_motifs-1
  std::vector<MotifInstance> instances;  // any order
};

// The rows to score (see above). mint::Error, one line naming the instance index and what is
// wrong, when a sequence is outside [0, n), start or end outside [0, L], start >= end or a
// motif outside [0, n_motifs); and when n < 0, L < 1 or n_motifs < 0.
LabelledRows label_instance_rows(const InstanceTruth& truth);

// The instances of a simulated split: per sequence, its motifs in the grammar's placement
// order (sequence, start, end, motif) — what <split>.truth.tsv holds, in its order.
InstanceTruth split_instances(const SplitData& split, const Grammar& grammar);

// The pooled curve of one group over labelled rows: every included position of every row with
// `motif` (and, when n_present >= 0, exactly that many motifs present), in row order, as one
// curve; NaN scores when the group has no row. `scores` is (N, L) position scores indexed by
// rows.source. pooled_motif_scores is this over label_motif_rows.
CurveScores pooled_labelled_scores(const float* scores, const LabelledRows& rows, int length,
                                   int motif, int n_present = -1);

// Each group's distribution, whiskers and pooled AUPRC (pooled_labelled_scores) — what
// summarize_groups gives for a simulation (it is this over label_motif_rows).
std::vector<GroupSummary> summarize_labelled_groups(const float* scores, const LabelledRows& rows,
                                                    int length,
                                                    const std::vector<MotifGroup>& groups,
                                                    const BootstrapOptions& bootstrap);

}  // namespace mint

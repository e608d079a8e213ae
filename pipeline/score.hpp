// Scoring attributions against the simulation's ground truth (SPEC §6):
//
//   position score   |Σ_c attr[c,p]·x[c,p]| — the attribution at the observed base, absolute
//                    (ScoreRule::observed); ISM's is |mean of Δ over the three other bases|
//                    (ScoreRule::ism). `signed_scores` keeps the sign (Koo & Ploenzke).
//   per motif        for each sequence and each motif m present in it: positives = the
//                    positions of m's instance, negatives = background positions; positions
//                    of the other motifs are left out. With PositiveRule::by_information only
//                    m's columns with information content > threshold are positives (its
//                    other columns are left out). AUPRC (trapezoid), average precision and
//                    ROC AUC exactly as scikit-learn (auprc.hpp).
//   summaries        median, quartiles (NumPy's linear percentiles), mean, with a percentile
//                    bootstrap confidence interval of the median; pooled AUPRC over every
//                    included position of every sequence of a group; the paired difference of
//                    medians between two models on the same sequences, with its bootstrap CI.
// Bootstrap resamples are drawn with Philox keyed by the seed, so results are reproducible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/device.hpp"
#include "ops/auprc/auprc.hpp"

namespace mint {

enum class ScoreRule { observed, ism };

// (N, L) position scores of (N, 4, L) attributions of the one-hot sequences `codes` (N, L).
std::vector<float> position_scores(const float* attr, const std::uint8_t* codes, std::int64_t n,
                                   int length, ScoreRule rule, bool signed_scores = false);

struct PositiveRule {
  bool by_information = false;  // false: the motif's whole span is positive
  double ic_threshold = 1.0;    // bits; used when by_information
};

// One (sequence, motif present in it) pair.
struct MotifScore {
  std::int64_t sequence = 0;
  int motif = 0;      // index in the motif set (file order)
  int n_present = 0;  // motifs present in the sequence
  int positives = 0, negatives = 0;
  CurveScores scores;
};

// The rows score_motifs scores, before their curves: one per (sequence, motif present in it),
// ordered by sequence then motif (positives and negatives counted), with each row's labels and
// include mask, (rows, L) each; a row's position scores are its sequence's.
struct LabelledRows {
  std::vector<MotifScore> rows;
  std::vector<std::int64_t> source;  // rows[i].sequence
  std::vector<std::uint8_t> labels, include;
};
LabelledRows label_motif_rows(const SplitData& split, const Grammar& grammar,
                              const MotifSet& motifs, const PositiveRule& rule = {});
// Sets each row's positives and negatives from its labels and include, (rows, L) each.
void count_row_labels(LabelledRows& rows, int length);
// Each row's curves (score_rows_shared over the sequences' (N, L) position scores, or
// score_rows_cuda on copies with Backend::cuda: the same bits).
std::vector<CurveScores> score_labelled_rows(const float* scores, const LabelledRows& rows,
                                             int length, Backend backend = Backend::cpu);

// Per-sequence, per-present-motif scores of a split; rows ordered by sequence, then motif.
// `scores` is (N, L) position scores for the split's sequences (N = split.size()). The curves
// are computed by score_rows, or with Backend::cuda by score_rows_cuda (the same bits).
std::vector<MotifScore> score_motifs(const float* scores, const SplitData& split,
                                     const Grammar& grammar, const MotifSet& motifs,
                                     const PositiveRule& rule = {}, Backend backend = Backend::cpu);

// The included positions of every sequence with `motif` present (and, when n_present >= 0,
// exactly that many motifs present) as one curve — the pooled AUPRC: pooled_labelled_scores
// (pipeline/score_instances.hpp) over label_motif_rows.
CurveScores pooled_motif_scores(const float* scores, const SplitData& split, const Grammar& grammar,
                                const MotifSet& motifs, int motif, int n_present = -1,
                                const PositiveRule& rule = {});

// NumPy's np.percentile(values, q) with the default linear interpolation (q in [0, 100]).
double percentile(std::vector<double> values, double q);

struct Distribution {
  std::size_t count = 0;  // finite values summarised (NaN are left out)
  double median = 0, q1 = 0, q3 = 0, mean = 0;
  double median_lo = 0, median_hi = 0;  // bootstrap CI of the median
};

// resamples in [0, kMaxBootstrap] (mint score --bootstrap, the experiment's "bootstrap").
inline constexpr int kMaxBootstrap = 1000000;
struct BootstrapOptions {
  int resamples = 1000;
  double level = 0.95;
  std::uint64_t seed = 0;
};

// NaN everywhere when no finite value is left.
Distribution summarize(const std::vector<double>& values, const BootstrapOptions& options = {});

struct Difference {
  std::size_t pairs = 0;  // pairs where both values are finite
  double delta = 0;       // median(a) − median(b)
  double lo = 0, hi = 0;  // paired bootstrap CI (the same resampled sequences for a and b)
};

// a[i] and b[i] belong to the same sequence (and motif); pairs with a NaN are left out.
Difference median_difference(const std::vector<double>& a, const std::vector<double>& b,
                             const BootstrapOptions& options = {});

// ---- scoring one attribution array, and its groups -------------------------------------------

// What a group summarises per sequence: AUPRC (the default), average precision or ROC AUC.
enum class Metric { auprc, ap, auroc };
Metric parse_metric(const std::string& name);  // "auprc" | "ap" | "auroc"
const char* to_string(Metric metric);
double metric_of(const CurveScores& scores, Metric metric);

struct ScoreOptions {
  PositiveRule positives;
  bool signed_scores = false;
  Backend backend = Backend::cpu;  // where the curves are computed
};

// One attribution array of a split, scored against its ground truth.
struct ScoredAttribution {
  std::vector<float> positions;  // (N, L) position scores
  std::vector<MotifScore> rows;  // per (sequence, motif present), by sequence then motif
  PositiveRule positives;
};

// attr: (N, 4, L) float32 for the split's N sequences, every value finite (mint::Error naming
// `source` and the flat index otherwise). ism: ISM's position score (|mean Δ over the other
// three bases|) instead of the observed base's.
ScoredAttribution score_attribution(const std::vector<float>& attr, const SplitData& split,
                                    const Simulation& data, bool ism, const ScoreOptions& options,
                                    const std::string& source);
// mint::Error naming `source` and the flat index of the first NaN or infinite value.
void check_finite_attributions(const float* attr, std::size_t size, const std::string& source);

// The same from `size` values at `attr` (read in place).
ScoredAttribution score_attribution(const float* attr, std::size_t size, const SplitData& split,
                                    const Simulation& data, bool ism, const ScoreOptions& options,
                                    const std::string& source);
// The same from an (N, 4, L) .npy file; a shape other than the split's is an error naming it.
ScoredAttribution score_attribution_file(const std::string& path, const SplitData& split,
                                         const Simulation& data, bool ism,
                                         const ScoreOptions& options);

// The values of one (motif, number present) group, in sequence order.
struct MotifGroup {
  int motif = 0;
  int n_present = 0;
  std::vector<double> values;
};
// Groups ordered by (motif, n_present).
std::vector<MotifGroup> group_scores(const std::vector<MotifScore>& rows, Metric metric);

// matplotlib's boxplot whiskers: the most extreme values within 1.5 IQR of the box.
struct Whiskers {
  double lo = 0, hi = 0;
};
Whiskers whiskers(const std::vector<double>& values, const Distribution& d);

struct GroupSummary {
  MotifGroup group;
  Distribution distribution;
  Whiskers whiskers;
  double pooled_auprc = 0;  // one curve over every included position of the group
};
// summarize_labelled_groups (pipeline/score_instances.hpp) over label_motif_rows of the split.
std::vector<GroupSummary> summarize_groups(const ScoredAttribution& scored,
                                           const std::vector<MotifGroup>& groups,
                                           const SplitData& split, const Simulation& data,
                                           const BootstrapOptions& bootstrap);

}  // namespace mint

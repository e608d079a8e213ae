// Labelled rows from a list of motif instances, pooled curves and group summaries over labelled
// rows; see pipeline/score_instances.hpp.
#include "pipeline/score_instances.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace mint {
namespace {

std::string describe(const MotifInstance& x) {
  return "(sequence " + std::to_string(x.sequence) + ", [" + std::to_string(x.start) + ", " +
         std::to_string(x.end) + "), motif " + std::to_string(x.motif) + ")";
}

void check_truth(const InstanceTruth& t) {
  if (t.n < 0) throw Error("instance truth: " + std::to_string(t.n) + " sequences (must be >= 0)");
  if (t.length < 1) {
    throw Error("instance truth: sequence length " + std::to_string(t.length) + " (must be >= 1)");
  }
  if (t.n_motifs < 0) {
    throw Error("instance truth: " + std::to_string(t.n_motifs) + " motifs (must be >= 0)");
  }
  const std::string L = std::to_string(t.length);
  for (std::size_t i = 0; i < t.instances.size(); ++i) {
    const MotifInstance& x = t.instances[i];
    std::string what;
    if (x.sequence < 0 || x.sequence >= t.n) {
      what = "sequence out of [0, " + std::to_string(t.n) + ")";
    } else if (x.start < 0 || x.start > t.length) {
      what = "start out of [0, " + L + "]";
    } else if (x.end < 0 || x.end > t.length) {
      what = "end out of [0, " + L + "]";
    } else if (x.start >= x.end) {
      what = "start >= end (an instance covers at least one position)";
    } else if (x.motif < 0 || x.motif >= t.n_motifs) {
      what = "motif out of [0, " + std::to_string(t.n_motifs) + ")";
    } else {
      continue;
    }
    throw Error("instance truth: instance " + std::to_string(i) + " " + describe(x) + ": " + what);
  }
}

// One row's labels: positive where the row's motif has an instance, left out where only other
// motifs do, negative elsewhere. `first`..`last` are the sequence's instances.
void instance_labels(const std::vector<MotifInstance>& all, const std::size_t* first,
                     const std::size_t* last, int motif, int length, std::uint8_t* labels,
                     std::uint8_t* include) {
  std::fill(labels, labels + length, std::uint8_t{0});
  std::fill(include, include + length, std::uint8_t{1});
  for (const std::size_t* i = first; i != last; ++i) {
    const MotifInstance& x = all[*i];
    if (x.motif != motif) std::fill(include + x.start, include + x.end, std::uint8_t{0});
  }
  for (const std::size_t* i = first; i != last; ++i) {
    const MotifInstance& x = all[*i];
    if (x.motif != motif) continue;
    std::fill(labels + x.start, labels + x.end, std::uint8_t{1});
    std::fill(include + x.start, include + x.end, std::uint8_t{1});
  }
}

}  // namespace

LabelledRows label_instance_rows(const InstanceTruth& truth) {
  check_truth(truth);
  const std::vector<MotifInstance>& all = truth.instances;
  // Instance indices by (sequence, motif): no array of size n, so a large n with few
  // instances costs nothing.
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return all[a].sequence != all[b].sequence ? all[a].sequence < all[b].sequence
                                              : all[a].motif < all[b].motif;
  });
  LabelledRows out;
  std::vector<std::size_t> seq_first, seq_last;  // per row: its sequence's range in `order`
  for (std::size_t a = 0; a < order.size();) {
    std::size_t b = a;
    while (b < order.size() && all[order[b]].sequence == all[order[a]].sequence) ++b;
    int present = 0;
    for (std::size_t i = a; i < b; ++i) {
      if (i == a || all[order[i]].motif != all[order[i - 1]].motif) ++present;
    }
    for (std::size_t i = a; i < b; ++i) {
      if (i != a && all[order[i]].motif == all[order[i - 1]].motif) continue;
      MotifScore r;
      r.sequence = all[order[i]].sequence;
      r.motif = all[order[i]].motif;
      r.n_present = present;
      out.rows.push_back(r);
      out.source.push_back(r.sequence);
      seq_first.push_back(a);
      seq_last.push_back(b);
    }
    a = b;
  }
  const auto cols = static_cast<std::size_t>(truth.length);
  const std::size_t n_rows = out.rows.size();
  out.labels.resize(n_rows * cols);
  out.include.resize(n_rows * cols);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n_rows; ++i) {
    instance_labels(all, order.data() + seq_first[i], order.data() + seq_last[i], out.rows[i].motif,
                    truth.length, out.labels.data() + i * cols, out.include.data() + i * cols);
  }
  count_row_labels(out, truth.length);
  return out;
}

InstanceTruth split_instances(const SplitData& split, const Grammar& grammar) {
  const auto n = static_cast<std::size_t>(split.size());
  if (split.offsets.size() != n) {
    throw Error("instances of split '" + split.name + "': " + std::to_string(n) +
                " presence masks but " + std::to_string(split.offsets.size()) + " offsets");
  }
  if (grammar.start.size() != static_cast<std::size_t>(split.n_motifs) ||
      grammar.length.size() != grammar.start.size()) {
    throw Error("instances of split '" + split.name + "': the grammar has " +
                std::to_string(grammar.start.size()) + " motifs, the split " +
                std::to_string(split.n_motifs));
  }
  InstanceTruth t;
  t.n = split.size();
  t.length = split.length;
  t.n_motifs = split.n_motifs;
  for (std::size_t s = 0; s < n; ++s) {
    for (int m : grammar.order) {
      if (!((split.masks[s] >> m) & 1u)) continue;
      const auto mi = static_cast<std::size_t>(m);
      const int start = split.offsets[s] + grammar.start[mi];
      t.instances.push_back({static_cast<std::int64_t>(s), start, start + grammar.length[mi], m});
    }
  }
  return t;
}

CurveScores pooled_labelled_scores(const float* scores, const LabelledRows& rows, int length,
                                   int motif, int n_present) {
  const auto cols = static_cast<std::size_t>(length);
  if (rows.labels.size() != rows.rows.size() * cols || rows.include.size() != rows.labels.size() ||
      rows.source.size() != rows.rows.size()) {
    throw Error("pooled scores: the labelled rows are not (rows, " + std::to_string(length) + ")");
  }
  std::vector<float> pooled;
  std::vector<std::uint8_t> pooled_labels;
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    const MotifScore& r = rows.rows[i];
    if (r.motif != motif || (n_present >= 0 && r.n_present != n_present)) continue;
    const float* s = scores + static_cast<std::size_t>(rows.source[i]) * cols;
    const std::uint8_t* labels = rows.labels.data() + i * cols;
    const std::uint8_t* include = rows.include.data() + i * cols;
    for (std::size_t p = 0; p < cols; ++p) {
      if (include[p]) {
        pooled.push_back(s[p]);
        pooled_labels.push_back(labels[p]);
      }
    }
  }
  if (pooled.empty()) {
    CurveScores none;
    none.auprc = none.average_precision = none.auroc = std::numeric_limits<double>::quiet_NaN();
    return none;
  }
  return score_curve(pooled.data(), pooled_labels.data(), pooled.size());
}

std::vector<GroupSummary> summarize_labelled_groups(const float* scores, const LabelledRows& rows,
                                                    int length,
                                                    const std::vector<MotifGroup>& groups,
                                                    const BootstrapOptions& bootstrap) {
  std::vector<GroupSummary> out;
  for (const MotifGroup& g : groups) {
    GroupSummary s;
    s.group = g;
    s.distribution = summarize(g.values, bootstrap);
    s.whiskers = whiskers(g.values, s.distribution);
    s.pooled_auprc = pooled_labelled_scores(scores, rows, length, g.motif, g.n_present).auprc;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mint

// Prediction metrics (Tables 2, 3, 6, 7 of the paper). See pipeline/evaluate.hpp.
#include "pipeline/evaluate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "io/dataset_io.hpp"

namespace mint {

bool classified_correctly(float logit, float label) { return (logit > 0.0f) == (label > 0.5f); }

std::vector<double> distinct_labels(int n_motifs, const DesignOptions& design) {
  std::vector<double> levels;
  for (std::uint32_t m = 0; m < (1u << n_motifs); ++m)
    levels.push_back(label_of(m, n_motifs, design));
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

bool binned_correctly(double prediction, double label, const std::vector<double>& levels) {
  const auto it = std::find(levels.begin(), levels.end(), label);
  if (it == levels.end())
    throw Error("label " + std::to_string(label) + " is not a level of the design");
  const std::size_t k = static_cast<std::size_t>(it - levels.begin());
  const double lo = k == 0 ? -INFINITY : (levels[k - 1] + levels[k]) / 2;
  const double hi = k + 1 == levels.size() ? INFINITY : (levels[k] + levels[k + 1]) / 2;
  return prediction >= lo && prediction < hi;
}

namespace {

void check_sizes(const std::vector<std::uint32_t>& masks, const std::vector<float>& labels,
                 const std::vector<float>& predictions) {
  if (masks.size() != labels.size() || labels.size() != predictions.size()) {
    throw Error("metrics: " + std::to_string(predictions.size()) + " predictions for " +
                std::to_string(labels.size()) + " labelled sequences");
  }
}

}  // namespace

std::vector<AccuracyRow> accuracy_by_count(const std::vector<std::uint32_t>& masks,
                                           const std::vector<float>& labels,
                                           const std::vector<float>& predictions, int n_motifs,
                                           const DesignOptions& design) {
  check_sizes(masks, labels, predictions);
  const bool regression = design.kind == DesignKind::regression;
  const std::vector<double> levels =
      regression ? distinct_labels(n_motifs, design) : std::vector<double>{};
  std::vector<AccuracyRow> rows(n_motifs + 1);
  for (int k = 0; k <= n_motifs; ++k) rows[k].group = std::to_string(k);
  AccuracyRow total{"total"};
  for (std::size_t i = 0; i < masks.size(); ++i) {
    const bool ok = regression ? binned_correctly(predictions[i], labels[i], levels)
                               : classified_correctly(predictions[i], labels[i]);
    AccuracyRow& row = rows[std::popcount(masks[i])];
    ++row.sequences;
    row.correct += ok;
    ++total.sequences;
    total.correct += ok;
  }
  std::vector<AccuracyRow> out;
  for (const AccuracyRow& r : rows)
    if (r.sequences > 0) out.push_back(r);
  out.push_back(total);
  return out;
}

std::vector<AccuracyRow> accuracy_by_pair(const std::vector<std::uint32_t>& masks,
                                          const std::vector<float>& labels,
                                          const std::vector<float>& predictions,
                                          const MotifSet& motifs, const DesignOptions& design) {
  check_sizes(masks, labels, predictions);
  const int n = static_cast<int>(motifs.size());
  const bool regression = design.kind == DesignKind::regression;
  const std::vector<double> levels =
      regression ? distinct_labels(n, design) : std::vector<double>{};
  std::map<std::uint32_t, AccuracyRow> by_mask;
  for (std::uint32_t m : canonical_subsets(n)) {
    if (std::popcount(m) == 2) by_mask[m].group = subset_name(m, motifs);
  }
  for (std::size_t i = 0; i < masks.size(); ++i) {
    if (std::popcount(masks[i]) != 2) continue;
    const bool ok = regression ? binned_correctly(predictions[i], labels[i], levels)
                               : classified_correctly(predictions[i], labels[i]);
    AccuracyRow& row = by_mask[masks[i]];
    ++row.sequences;
    row.correct += ok;
  }
  std::vector<AccuracyRow> out;
  for (std::uint32_t m : canonical_subsets(n)) {
    if (std::popcount(m) == 2 && by_mask[m].sequences > 0) out.push_back(by_mask[m]);
  }
  return out;
}

double split_accuracy(const std::vector<std::uint32_t>& masks, const std::vector<float>& labels,
                      const std::vector<float>& predictions, int n_motifs,
                      const DesignOptions& design) {
  return accuracy_by_count(masks, labels, predictions, n_motifs, design).back().accuracy();
}

namespace {

// Adds each row's accuracy / k into `mean`, created from the first model's rows.
void add_mean(std::vector<MeanAccuracy>& mean, const std::vector<AccuracyRow>& rows, double k) {
  if (mean.empty()) {
    for (const AccuracyRow& r : rows) mean.push_back({r.group, r.sequences, 0.0});
  }
  for (std::size_t i = 0; i < rows.size(); ++i) mean[i].accuracy += rows[i].accuracy() / k;
}

}  // namespace

Evaluation evaluate(const std::vector<std::vector<float>>& predictions, const SplitData& split,
                    const MotifSet& motifs, const DesignOptions& design) {
  if (predictions.empty()) throw Error("evaluate: no predictions");
  Evaluation e;
  e.classification = design.kind == DesignKind::classification;
  e.models = static_cast<int>(predictions.size());
  const double k = static_cast<double>(predictions.size());
  const int n_motifs = static_cast<int>(motifs.size());
  e.ensemble.assign(static_cast<std::size_t>(split.size()), 0.0);
  for (const std::vector<float>& pred : predictions) {
    check_sizes(split.masks, split.labels, pred);
    for (std::size_t i = 0; i < pred.size(); ++i) e.ensemble[i] += pred[i] / k;
    add_mean(e.by_count, accuracy_by_count(split.masks, split.labels, pred, n_motifs, design), k);
    if (e.classification) {
      add_mean(e.by_pair, accuracy_by_pair(split.masks, split.labels, pred, motifs, design), k);
      continue;
    }
    std::map<int, double> err;
    std::map<int, std::int64_t> count;
    for (std::size_t i = 0; i < pred.size(); ++i) {
      const int np = std::popcount(split.masks[i]);
      err[np] += std::fabs(static_cast<double>(pred[i]) - split.labels[i]);
      ++count[np];
    }
    for (const auto& [np, total] : err) {
      e.mean_abs_error[np] += total / static_cast<double>(count[np]) / k;
    }
  }
  return e;
}

}  // namespace mint

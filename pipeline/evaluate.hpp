// Evaluating predictions (SPEC §4): accuracy per number of present motifs (Table 2),
// accuracy per motif pair among two-motif negatives (Table 3), and for regression the binned
// accuracy per number of present motifs and in total (Tables 6, 7): bins split halfway
// between adjacent distinct label values, the outermost bins open-ended, and a prediction is
// right when it falls in the bin of its true label.
//
// evaluate() is what `mint evaluate` prints and the tables hold for a model or a set of seed
// models: each accuracy is the mean over the models of that model's accuracy (the paper's seed
// means), the mean absolute error likewise, and `ensemble` the models' mean prediction per
// sequence (the error an attribution is plotted against).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/design.hpp"
#include "core/motif.hpp"

namespace mint {

struct AccuracyRow {
  std::string group;  // "0", "1", … motifs present; "CREB1+NHLH1"; "total"
  std::int64_t sequences = 0;
  std::int64_t correct = 0;
  double accuracy() const {
    return sequences ? static_cast<double>(correct) / static_cast<double>(sequences) : 0.0;
  }
};

// Classification: a logit > 0 predicts the positive class (label 1).
bool classified_correctly(float logit, float label);

// The distinct label values of a design over all presence subsets, ascending.
std::vector<double> distinct_labels(int n_motifs, const DesignOptions& design);
// Whether a regression prediction falls in its label's bin.
bool binned_correctly(double prediction, double label, const std::vector<double>& levels);

// Table 2 / Table 6: one row per number of present motifs, then "total".
std::vector<AccuracyRow> accuracy_by_count(const std::vector<std::uint32_t>& masks,
                                           const std::vector<float>& labels,
                                           const std::vector<float>& predictions, int n_motifs,
                                           const DesignOptions& design);
// Table 3: one row per motif pair, among the sequences with exactly two motifs.
std::vector<AccuracyRow> accuracy_by_pair(const std::vector<std::uint32_t>& masks,
                                          const std::vector<float>& labels,
                                          const std::vector<float>& predictions,
                                          const MotifSet& motifs, const DesignOptions& design);

// Accuracy of a whole split (classification accuracy or binned accuracy).
double split_accuracy(const std::vector<std::uint32_t>& masks, const std::vector<float>& labels,
                      const std::vector<float>& predictions, int n_motifs,
                      const DesignOptions& design);

// An accuracy averaged over models.
struct MeanAccuracy {
  std::string group;  // as AccuracyRow::group
  std::int64_t sequences = 0;
  double accuracy = 0;
};

struct Evaluation {
  bool classification = true;
  int models = 0;
  std::vector<MeanAccuracy> by_count;    // per number of motifs present, then "total"
  std::vector<MeanAccuracy> by_pair;     // classification: per motif pair
  std::map<int, double> mean_abs_error;  // regression: per number of motifs present
  std::vector<double> ensemble;          // per sequence: the mean prediction over the models
};

// predictions: one vector per model, each with a value per sequence of `split`.
Evaluation evaluate(const std::vector<std::vector<float>>& predictions, const SplitData& split,
                    const MotifSet& motifs, const DesignOptions& design);

}  // namespace mint

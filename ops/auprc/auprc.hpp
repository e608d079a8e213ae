// AUPRC, average precision and ROC AUC of one ranking, exactly as current scikit-learn
// computes them (docs/reference-semantics.md §7):
//   auprc              sklearn.metrics.auc(recall, precision) of precision_recall_curve — the
//                      trapezoid, including the appended (recall 0, precision 1) point
//   average_precision  average_precision_score = max(0, −Σ diff(recall)·precision[:-1])
//   auroc              roc_auc_score — trapezoid under (fpr, tpr) with (0, 0) prepended
// Thresholds are the distinct score values by exact equality in the score's own type (float32
// scores one ulp apart are two thresholds); a tie group enters at once (one diagonal ROC step),
// so the order of tied pairs never matters. Sums follow NumPy's pairwise summation so values
// match scikit-learn to the last bit in the usual case.
// Degenerate inputs (current scikit-learn, not 1.2.1):
//   no positives  average_precision 0.0, auprc 0.5, auroc NaN; warnings (sklearn's texts)
//                 "No positive class found in y_true, recall is set to one for all thresholds."
//                 "Only one class is present in y_true. ROC AUC score is not defined in that case."
//   no negatives  average_precision 1.0, auprc 1.0, auroc NaN + the second warning
//   NaN score     mint::Error("Input contains NaN."); ±inf: "Input contains infinity or a value
//                 too large for dtype('float64')." (or 'float32'); empty input: mint::Error
// Labels are 0/1 (anything else is a mint::Error). `warnings` holds each distinct message once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mint {

struct CurveScores {
  double auprc = 0;              // trapezoid area under precision_recall_curve
  double average_precision = 0;  // step-function area (no interpolation)
  double auroc = 0;              // NaN when only one class is present
  std::vector<std::string> warnings;
};

inline constexpr const char* kNoPositiveWarning =
    "No positive class found in y_true, recall is set to one for all thresholds.";
inline constexpr const char* kOneClassWarning =
    "Only one class is present in y_true. ROC AUC score is not defined in that case.";

// One curve over n (score, label) pairs.
CurveScores score_curve(const double* scores, const std::uint8_t* labels, std::size_t n);
CurveScores score_curve(const float* scores, const std::uint8_t* labels, std::size_t n);

// One curve per row of (rows, cols) C-order arrays; positions with include[r·cols + c] == 0 are
// dropped from row r (include may be null: keep all). Rows run in parallel (OpenMP). An error in
// any row is rethrown with the row named ("row 3: Input contains NaN.").
std::vector<CurveScores> score_rows(const double* scores, const std::uint8_t* labels,
                                    const std::uint8_t* include, std::size_t rows,
                                    std::size_t cols);
std::vector<CurveScores> score_rows(const float* scores, const std::uint8_t* labels,
                                    const std::uint8_t* include, std::size_t rows,
                                    std::size_t cols);

// score_rows for rows that share their scores: row r ranks the scores of row source[r] of
// `scores` (sources, cols), with its own labels and include mask (rows, cols). Rows with the same
// source must be adjacent; each run is sorted once. The same bits as score_rows on the rows'
// copied scores (a tie group's order never matters).
std::vector<CurveScores> score_rows_shared(const float* scores, const std::int64_t* source,
                                           const std::uint8_t* labels, const std::uint8_t* include,
                                           std::size_t rows, std::size_t cols);

}  // namespace mint

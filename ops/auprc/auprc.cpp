// scikit-learn's _binary_clf_curve, precision_recall_curve, average_precision_score, auc and
// roc_auc_score (roc_curve with drop_intermediate=True) over one ranking; see auprc.hpp.
// Sums use NumPy's pairwise summation (blocks of 8 accumulators up to 128 elements, halving
// above) starting from the identity 0, which is what np.sum / add.reduce do on a contiguous
// float64 array; that is also why the no-positive AP would be −0.0 before the max(0, ·) clip.
#include "ops/auprc/auprc.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace mint {
namespace {

double pairwise_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// np.sum(a): add.reduce starts from the identity 0.
double np_sum(const std::vector<double>& a) { return 0. + pairwise_sum(a.data(), a.size()); }

// np.trapz(y, x) = Σ (x[k+1] − x[k])·(y[k+1] + y[k]) / 2.
double trapz(const std::vector<double>& y, const std::vector<double>& x,
             std::vector<double>& terms) {
  terms.resize(x.size() - 1);
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    terms[k] = (x[k + 1] - x[k]) * (y[k + 1] + y[k]) / 2.0;
  }
  return np_sum(terms);
}

// sklearn.metrics.auc: x must be monotonic; a non-increasing x flips the sign.
double sk_auc(const std::vector<double>& x, const std::vector<double>& y,
              std::vector<double>& terms) {
  bool any_neg = false, all_nonpos = true;
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    const double dx = x[k + 1] - x[k];
    any_neg = any_neg || dx < 0;
    all_nonpos = all_nonpos && dx <= 0;
  }
  double direction = 1;
  if (any_neg) {
    if (!all_nonpos) throw Error("auc: the curve's x is neither increasing nor decreasing");
    direction = -1;
  }
  return direction * trapz(y, x, terms);
}

template <typename S>
void check_pairs(const std::vector<std::pair<S, std::uint8_t>>& pairs) {
  if (pairs.empty()) throw Error("AUPRC of an empty input (no samples)");
  for (const auto& p : pairs) {
    if (std::isnan(p.first)) throw Error("Input contains NaN.");
    if (std::isinf(p.first)) {
      throw Error(std::string("Input contains infinity or a value too large for dtype('") +
                  (std::is_same_v<S, float> ? "float32" : "float64") + "').");
    }
    if (p.second > 1) {
      throw Error("labels must be 0 or 1, got " + std::to_string(p.second));
    }
  }
}

// The curves of pairs already in descending score order (checked).
template <typename S>
CurveScores score_sorted(const std::vector<std::pair<S, std::uint8_t>>& pairs) {
  const std::size_t n = pairs.size();
  // _binary_clf_curve: cumulative tp/fp at the last index of each distinct score.
  // Per-thread workspace: scoring runs millions of short curves.
  thread_local std::vector<double> tps, fps, terms, precision, recall, fpr, tpr;
  tps.clear();
  fps.clear();
  double tp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tp += pairs[i].second;
    if (i + 1 == n || pairs[i + 1].first != pairs[i].first) {
      tps.push_back(tp);
      fps.push_back(static_cast<double>(i + 1) - tp);
    }
  }
  const std::size_t m = tps.size();
  const double npos = tps.back(), nneg = fps.back();
  CurveScores out;

  // precision_recall_curve, reversed, with the final (recall 0, precision 1) point.
  precision.resize(m + 1);
  recall.resize(m + 1);
  if (npos == 0) out.warnings.emplace_back(kNoPositiveWarning);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t j = m - 1 - k;
    const double ps = tps[j] + fps[j];
    precision[k] = ps != 0 ? tps[j] / ps : 0.0;
    recall[k] = npos == 0 ? 1.0 : tps[j] / npos;
  }
  precision[m] = 1.0;
  recall[m] = 0.0;

  terms.resize(m);
  for (std::size_t k = 0; k < m; ++k) terms[k] = (recall[k + 1] - recall[k]) * precision[k];
  out.average_precision = std::max(0.0, -np_sum(terms));  // max(0.0, -0.0) is +0.0, as in Python
  out.auprc = sk_auc(recall, precision, terms);

  if (npos == 0 || nneg == 0) {
    out.warnings.emplace_back(kOneClassWarning);
    out.auroc = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  // roc_curve(drop_intermediate=True): keep the ends and every point where the second
  // difference of fps or tps is non-zero, then prepend (0, 0).
  fpr.assign(1, 0.0);
  tpr.assign(1, 0.0);
  for (std::size_t k = 0; k < m; ++k) {
    const bool keep = m <= 2 || k == 0 || k + 1 == m ||
                      (fps[k + 1] - 2 * fps[k] + fps[k - 1]) != 0 ||
                      (tps[k + 1] - 2 * tps[k] + tps[k - 1]) != 0;
    if (keep) {
      fpr.push_back(fps[k] / nneg);
      tpr.push_back(tps[k] / npos);
    }
  }
  out.auroc = sk_auc(fpr, tpr, terms);
  return out;
}

template <typename S>
CurveScores score_pairs(std::vector<std::pair<S, std::uint8_t>>& pairs) {
  check_pairs(pairs);
  // Descending by score; tied pairs form one threshold, so their order is irrelevant.
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  return score_sorted(pairs);
}

template <typename S>
CurveScores score_curve_impl(const S* scores, const std::uint8_t* labels, std::size_t n) {
  std::vector<std::pair<S, std::uint8_t>> pairs(n);
  for (std::size_t i = 0; i < n; ++i) pairs[i] = {scores[i], labels[i]};
  return score_pairs(pairs);
}

template <typename S>
std::vector<CurveScores> score_rows_impl(const S* scores, const std::uint8_t* labels,
                                         const std::uint8_t* include, std::size_t rows,
                                         std::size_t cols) {
  std::vector<CurveScores> out(rows);
  std::vector<std::string> errors(rows);
  const auto nrows = static_cast<long long>(rows);
#pragma omp parallel
  {
    std::vector<std::pair<S, std::uint8_t>> pairs;
#pragma omp for schedule(dynamic, 16)
    for (long long rr = 0; rr < nrows; ++rr) {
      const auto r = static_cast<std::size_t>(rr);
      pairs.clear();
      for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t i = r * cols + c;
        if (include == nullptr || include[i] != 0) pairs.emplace_back(scores[i], labels[i]);
      }
      try {
        out[r] = score_pairs(pairs);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (!errors[r].empty()) throw Error("row " + std::to_string(r) + ": " + errors[r]);
  }
  return out;
}

}  // namespace

namespace {

// The positions of `cols` finite scores ordered by descending score (ties in any order: a curve
// depends only on the tie groups), as keys whose low 32 bits are the position: an LSD radix sort
// of the scores' order-preserving images (-0.0 as +0.0), a byte a pass.
void descending_order(const float* s, std::size_t cols, std::vector<std::uint64_t>& keys,
                      std::vector<std::uint64_t>& spare) {
  keys.resize(cols);
  spare.resize(cols);
  if (cols == 0) return;
  for (std::size_t c = 0; c < cols; ++c) {
    std::uint32_t u = std::bit_cast<std::uint32_t>(s[c]);
    if (u == 0x80000000u) u = 0;
    u = (u & 0x80000000u) ? u : ~(u | 0x80000000u);  // larger score → smaller image
    keys[c] = std::uint64_t{u} << 32 | c;
  }
  constexpr int kBits = 8, kBuckets = 1 << kBits;
  std::uint32_t count[kBuckets];
  for (int shift = 32; shift < 64; shift += kBits) {
    std::fill(count, count + kBuckets, 0u);
    for (const std::uint64_t k : keys) ++count[(k >> shift) & (kBuckets - 1)];
    if (count[(keys[0] >> shift) & (kBuckets - 1)] == cols) continue;  // one digit: order kept
    std::uint32_t at = 0;
    for (std::uint32_t& n : count) at += std::exchange(n, at);
    for (const std::uint64_t k : keys) spare[count[(k >> shift) & (kBuckets - 1)]++] = k;
    keys.swap(spare);
  }
}

}  // namespace

std::vector<CurveScores> score_rows_shared(const float* scores, const std::int64_t* source,
                                           const std::uint8_t* labels, const std::uint8_t* include,
                                           std::size_t rows, std::size_t cols) {
  if (rows == 0) return {};
  // Runs of rows with the same source: one sort each.
  std::vector<std::size_t> runs{0};
  for (std::size_t r = 1; r < rows; ++r) {
    if (source[r] != source[r - 1]) runs.push_back(r);
  }
  runs.push_back(rows);
  std::vector<CurveScores> out(rows);
  std::vector<std::string> errors(rows);
  const auto nruns = static_cast<long long>(runs.size()) - 1;
#pragma omp parallel
  {
    std::vector<std::pair<float, std::uint32_t>> order;  // (score, position), descending
    std::vector<std::uint64_t> keys, spare;
    std::vector<std::pair<float, std::uint8_t>> pairs;
#pragma omp for schedule(dynamic, 8)
    for (long long k = 0; k < nruns; ++k) {
      const std::size_t first = runs[static_cast<std::size_t>(k)];
      const std::size_t end = runs[static_cast<std::size_t>(k) + 1];
      const float* s = scores + static_cast<std::size_t>(source[first]) * cols;
      bool finite = true;
      for (std::size_t c = 0; c < cols; ++c) finite = finite && std::isfinite(s[c]);
      order.clear();
      if (finite) {
        descending_order(s, cols, keys, spare);
        for (const std::uint64_t key : keys) {
          const auto c = static_cast<std::uint32_t>(key);
          order.emplace_back(s[c], c);
        }
      } else {
        for (std::size_t c = 0; c < cols; ++c)
          order.emplace_back(s[c], static_cast<std::uint32_t>(c));
      }
      for (std::size_t r = first; r < end; ++r) {
        const std::uint8_t* l = labels + r * cols;
        const std::uint8_t* in = include == nullptr ? nullptr : include + r * cols;
        pairs.clear();
        for (const auto& [score, c] : order) {
          if (in == nullptr || in[c] != 0) pairs.emplace_back(score, l[c]);
        }
        try {
          if (finite) {
            check_pairs(pairs);
            out[r] = score_sorted(pairs);
          } else {
            out[r] = score_pairs(pairs);  // the error the row's first bad value gives
          }
        } catch (const std::exception& e) {
          errors[r] = e.what();
        }
      }
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (!errors[r].empty()) throw Error("row " + std::to_string(r) + ": " + errors[r]);
  }
  return out;
}

CurveScores score_curve(const double* scores, const std::uint8_t* labels, std::size_t n) {
  return score_curve_impl(scores, labels, n);
}
CurveScores score_curve(const float* scores, const std::uint8_t* labels, std::size_t n) {
  return score_curve_impl(scores, labels, n);
}
std::vector<CurveScores> score_rows(const double* scores, const std::uint8_t* labels,
                                    const std::uint8_t* include, std::size_t rows,
                                    std::size_t cols) {
  return score_rows_impl(scores, labels, include, rows, cols);
}
std::vector<CurveScores> score_rows(const float* scores, const std::uint8_t* labels,
                                    const std::uint8_t* include, std::size_t rows,
                                    std::size_t cols) {
  return score_rows_impl(scores, labels, include, rows, cols);
}

}  // namespace mint

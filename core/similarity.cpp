// Motif similarity: Biopython 1.88's PositionSpecificScoringMatrix.dist_pearson, transcribed.
//
// Matrices are (length x 4) row-major, column j at [4j, 4j+4), bases A,C,G,T. For each offset
// o in -(la-1) .. lb-1 (in that order), Biopython correlates
//   o < 0:  a[pos - o] with b[pos]   (a.dist_pearson_at(b, -o))
//   o >= 0: b[pos + o] with a[pos]   (b.dist_pearson_at(a, o))
// over the overlapping columns, dividing the sums by norm = max(len_x, shift + len_y) * 4 — the
// whole span, so columns that hang over count as zeros in the means but not in the sums of
// products. The first offset with the strictly largest correlation wins; its offset is
// reported as Biopython reports it, -o. The arithmetic follows Biopython's order (per-column
// sums of four, then running sums) so the results agree to the last bits.
//
// Where Biopython would stop with ZeroDivisionError or "math domain error" (an offset whose
// span has no variance, e.g. a uniform column aligned alone), that offset is skipped; if no
// offset is defined the correlation is NaN at offset 0.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/motif.hpp"

namespace mint {

namespace {

// Biopython's x.dist_pearson_at(y, shift): x column pos + shift against y column pos.
// Returns NaN where the correlation is undefined.
double pearson_at(const std::vector<double>& x, std::size_t lx, const std::vector<double>& y,
                  std::size_t ly, std::size_t shift) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  const double norm = static_cast<double>(std::max(lx, shift + ly) * 4);
  const std::size_t overlap = std::min(lx - shift, ly);
  for (std::size_t pos = 0; pos < overlap; ++pos) {
    const double* xi = &x[4 * (pos + shift)];
    const double* yi = &y[4 * pos];
    double cx = 0, cy = 0, cxx = 0, cxy = 0, cyy = 0;
    for (int k = 0; k < 4; ++k) {
      cx += xi[k];
      cy += yi[k];
      cxx += xi[k] * xi[k];
      cxy += xi[k] * yi[k];
      cyy += yi[k] * yi[k];
    }
    sx += cx;
    sy += cy;
    sxx += cxx;
    sxy += cxy;
    syy += cyy;
  }
  sx /= norm;
  sy /= norm;
  sxx /= norm;
  sxy /= norm;
  syy /= norm;
  const double numerator = sxy - sx * sy;
  const double variance_product = (sxx - sx * sx) * (syy - sy * sy);
  if (!(variance_product > 0)) return std::numeric_limits<double>::quiet_NaN();
  return numerator / std::sqrt(variance_product);
}

std::size_t columns(const std::vector<double>& m, const char* which) {
  if (m.empty() || m.size() % 4 != 0) {
    throw Error(std::string("pearson_similarity: matrix ") + which + " has " +
                std::to_string(m.size()) + " values, expected a positive multiple of 4");
  }
  return m.size() / 4;
}

}  // namespace

PearsonSimilarity pearson_similarity(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t la = columns(a, "a"), lb = columns(b, "b");
  PearsonSimilarity best{std::numeric_limits<double>::quiet_NaN(), 0};
  double max_p = -2;
  const long first = -static_cast<long>(la) + 1, last = static_cast<long>(lb) - 1;
  for (long offset = first; offset <= last; ++offset) {
    const double p = offset < 0 ? pearson_at(a, la, b, lb, static_cast<std::size_t>(-offset))
                                : pearson_at(b, lb, a, la, static_cast<std::size_t>(offset));
    if (max_p < p) {  // NaN never wins
      max_p = p;
      best = {p, static_cast<int>(-offset)};
    }
  }
  return best;
}

std::vector<double> log_odds(const Motif& m, double eps) {
  // Biopython's math.log(p / b, 2) is log(p / b) / log(2); written the same way to match it.
  const double ln2 = std::log(2.0);
  std::vector<double> pssm = m.probabilities(eps);
  for (double& v : pssm) {
    v = v > 0 ? std::log(v / 0.25) / ln2 : -std::numeric_limits<double>::infinity();
  }
  return pssm;
}

PearsonSimilarity motif_similarity(const Motif& a, const Motif& b, double eps) {
  return pearson_similarity(log_odds(a, eps), log_odds(b, eps));
}

}  // namespace mint

// Aggregates over N in constant memory, for the streaming benchmark (pipeline/stream/stream.hpp).
// Every aggregate holds integers only (counts, fixed-point sums), so adding values in any order
// and merging shards in any order give the same bits: the result does not depend on the chunk
// size, the thread count or the shard split.
//
//   ValueHistogram   one per-sequence metric (AUPRC, AP, AUROC ∈ [0, 1]) of a group: 2^16 bins
//                    over [0, 1], each with its count and the fixed-point sum of its values'
//                    offsets from the bin's lower edge. An order statistic is estimated by the
//                    mean of its bin — exact when the bin's values are equal (a run of AUPRC 1.0),
//                    and never off by more than the bin width 2^-16 ≈ 1.5e-5 — so the median,
//                    quartiles and whiskers are within 2^-16 of NumPy's. The mean is exact up
//                    to 2^-62 per value. The bootstrap CI of the median resamples the histogram
//                    (multinomial draws of m values by binomial splits down a binary tree of the
//                    bins): the percentile bootstrap of the binned values, at any resample size m,
//                    which is how the CI width at other N is estimated (`convergence`).
//   PairedBootstrap  the paired bootstrap of a difference of medians, in the stream: every
//                    sequence gets a Poisson(1) weight per resample (Philox keyed by the seed and
//                    the sequence's index, so shards agree), added to per-resample histograms of
//                    2^10 bins for both models. CI endpoints are within 2^-10 of the unbinned
//                    resamples'.
//   PooledHistogram  every included position of a group, positives and negatives apart, in the
//                    fixed bins of pooled_bins.hpp (relative width 2^-11 for |score| in
//                    [2^-20, 2^12), one bin per octave outside), so its size does not depend on N.
//                    The pooled AUPRC is scikit-learn's trapezoid for the binned scores, exactly;
//                    bound() is a bound on its distance to the unbinned AUPRC: Σ over bins of
//                    (positives in the bin / P) × (the range of precision any order inside the bin
//                    can reach).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace mint::stream {

// Exact fixed-point sums (a GCC/Clang extension, spelled so -Wpedantic accepts it).
__extension__ typedef unsigned __int128 Wide;

// Little-endian binary state (checkpoints, shard files); errors name the file.
class StateWriter {
 public:
  void u64(std::uint64_t v);
  void u128(Wide v);
  void f64(double v);
  void text(const std::string& s);
  void words(const std::vector<std::uint64_t>& v);
  // Counts, packed: LEB128 varints, a run of zeros as 0 and the run's length − 1.
  template <typename T>
  void packed(const std::vector<T>& v);
  std::string bytes;
};

class StateReader {
 public:
  StateReader(std::string bytes, std::string source);
  std::uint64_t u64();
  Wide u128();
  double f64();
  std::string text();
  std::vector<std::uint64_t> words(std::size_t expected_max);
  // A packed array of exactly `size` counts, each at most `max`.
  template <typename T>
  std::vector<T> packed(std::size_t size, std::uint64_t max);
  bool done() const { return at_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string bytes_, source_;
  std::size_t at_ = 0;
};

inline constexpr int kValueBins = 1 << 16;
inline constexpr int kPairBins = 1 << 10;

class ValueHistogram {
 public:
  void add(double v);  // v in [0, 1], or NaN (counted apart, left out like summarize())
  void merge(const ValueHistogram& other);
  std::uint64_t count() const { return n_; }  // finite values
  std::uint64_t nans() const { return nan_; }
  double mean() const;
  // np.percentile(values, q), q in [0, 100], from the bins (see above); NaN when empty.
  double percentile(double q) const;
  // matplotlib's whiskers from the bins: the most extreme bin means within 1.5 IQR.
  std::pair<double, double> whiskers() const;
  // Percentile bootstrap CI of the median at `level` from `resamples` resamples of m values
  // drawn from the histogram; deterministic in `seed`.
  std::pair<double, double> median_ci(std::uint64_t m, int resamples, double level,
                                      std::uint64_t seed) const;

  void write(StateWriter& w) const;
  void read(StateReader& r);

 private:
  double bin_mean(std::size_t b) const;
  double order_statistic(std::uint64_t k) const;  // 0-based
  std::vector<std::uint64_t> counts_, offsets_;   // empty until the first value
  std::uint64_t n_ = 0, nan_ = 0;
  Wide sum_ = 0;  // Σ round(v · 2^62)
};

class PairedBootstrap {
 public:
  PairedBootstrap() = default;
  PairedBootstrap(int resamples, std::uint64_t seed);
  // A pair of one sequence (its index over the whole stream); pairs with a NaN are left out.
  void add(std::uint64_t sequence, double a, double b);
  void merge(const PairedBootstrap& other);
  std::uint64_t pairs() const { return pairs_; }
  // The percentile CI of median(a) − median(b) over the resamples.
  std::pair<double, double> ci(double level) const;

  void write(StateWriter& w) const;
  void read(StateReader& r);

 private:
  int resamples_ = 0;
  std::uint64_t seed_ = 0, pairs_ = 0;
  // (resamples, kPairBins) weighted counts; 32 bits halve the memory, and a count that would
  // pass 2^32 − 1 is an error (split the stream into shards of fewer sequences).
  std::vector<std::uint32_t> a_, b_;
};

class PooledHistogram {
 public:
  void add(float score, bool positive);
  // add(scores[i], labels[i] != 0) for each i < n with include[i] != 0.
  void add_row(const float* scores, const std::uint8_t* labels, const std::uint8_t* include,
               std::size_t n);
  // Counts binned elsewhere (the device stream): (kPooledBins, 2) as (positives, negatives).
  void add_counts(const std::uint64_t* counts);
  void merge(const PooledHistogram& other);
  double auprc() const;  // scikit-learn's trapezoid AUPRC of the binned scores
  double bound() const;  // |auprc() − AUPRC of the unbinned scores| <= bound()
  std::uint64_t positives() const;
  std::uint64_t negatives() const;

  void write(StateWriter& w) const;
  void read(StateReader& r);

 private:
  // The occupied bins, highest score first: (positives, negatives).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> descending() const;
  std::vector<std::uint64_t>& half(bool negative);
  // Negative and non-negative scores: empty, or all of the sign's bins as (pos, neg) pairs,
  // allocated whole at the sign's first score so that memory does not grow with N.
  std::vector<std::uint64_t> negative_, positive_;
};

}  // namespace mint::stream

// The streaming aggregates (pipeline/stream/aggregate.hpp).
#include "pipeline/stream/aggregate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/error.hpp"
#include "core/philox.hpp"
#include "ops/auprc/auprc_core.hpp"
#include "pipeline/score.hpp"
#include "pipeline/stream/pooled_bins.hpp"

namespace mint::stream {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kOffsetBits = 40;  // fixed-point offsets within a value bin

std::size_t value_bin(double v, int bins) {
  const double scaled = v * bins;  // exact: bins is a power of two
  return std::min(static_cast<std::size_t>(scaled), static_cast<std::size_t>(bins - 1));
}

void check_value(double v) {
  if (!(v >= 0.0 && v <= 1.0)) {
    throw Error("stream: a per-sequence metric outside [0, 1]: " + std::to_string(v));
  }
}

// NumPy's linear percentile from two neighbouring order statistics a <= b at fraction t.
double lerp(double a, double b, double t) {
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

void add_count(std::uint32_t& count, std::uint32_t add) {
  if (count > 0xFFFFFFFFu - add) {
    throw Error("stream: a bootstrap count passed 2^32 - 1; split the stream into --shard runs");
  }
  count += add;
}

// Poisson(1) from one uniform 32-bit word: inversion against the CDF's thresholds.
int poisson1(std::uint32_t u) {
  static const std::uint64_t* thresholds = [] {
    static std::uint64_t t[16];
    double p = std::exp(-1.0), cdf = 0;
    for (int k = 0; k < 16; ++k) {
      cdf += p;
      p /= k + 1;
      t[k] = static_cast<std::uint64_t>(std::min(cdf, 1.0) * 4294967296.0);
    }
    return t;
  }();
  int k = 0;
  while (k < 15 && u >= thresholds[k]) ++k;
  return k;
}

}  // namespace

// ---- binary state ------------------------------------------------------------------------------

void StateWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}
void StateWriter::u128(Wide v) {
  u64(static_cast<std::uint64_t>(v));
  u64(static_cast<std::uint64_t>(v >> 64));
}
void StateWriter::f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
void StateWriter::text(const std::string& s) {
  u64(s.size());
  bytes += s;
}
void StateWriter::words(const std::vector<std::uint64_t>& v) {
  u64(v.size());
  for (std::uint64_t x : v) u64(x);
}

namespace {

void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

}  // namespace

template <typename T>
void StateWriter::packed(const std::vector<T>& v) {
  u64(v.size());
  for (std::size_t i = 0; i < v.size();) {
    varint(bytes, v[i]);
    if (v[i] != 0) {
      ++i;
      continue;
    }
    std::size_t run = 1;
    while (i + run < v.size() && v[i + run] == 0) ++run;
    varint(bytes, run - 1);
    i += run;
  }
}
template void StateWriter::packed(const std::vector<std::uint64_t>&);
template void StateWriter::packed(const std::vector<std::uint32_t>&);

StateReader::StateReader(std::string bytes, std::string source)
    : bytes_(std::move(bytes)), source_(std::move(source)) {}

void StateReader::fail(const std::string& what) const {
  throw Error(source_ + ": " + what + " (byte " + std::to_string(at_) + ")");
}
std::uint64_t StateReader::u64() {
  if (bytes_.size() - at_ < 8) fail("truncated state");
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[at_ + i])) << (8 * i);
  }
  at_ += 8;
  return v;
}
Wide StateReader::u128() {
  const std::uint64_t lo = u64();
  return static_cast<Wide>(u64()) << 64 | lo;
}
double StateReader::f64() { return std::bit_cast<double>(u64()); }
std::string StateReader::text() {
  const std::uint64_t n = u64();
  if (n > bytes_.size() - at_) fail("truncated text");
  std::string s = bytes_.substr(at_, n);
  at_ += n;
  return s;
}
std::vector<std::uint64_t> StateReader::words(std::size_t expected_max) {
  const std::uint64_t n = u64();
  if (n > expected_max || n > (bytes_.size() - at_) / 8) fail("bad array length");
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = u64();
  return v;
}

template <typename T>
std::vector<T> StateReader::packed(std::size_t size, std::uint64_t max) {
  if (u64() != size) fail("bad array length");
  auto next = [&] {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (at_ >= bytes_.size() || shift > 63) fail("truncated or bad count");
      const auto byte = static_cast<unsigned char>(bytes_[at_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
  };
  std::vector<T> v(size, 0);
  for (std::size_t i = 0; i < size;) {
    const std::uint64_t x = next();
    if (x > max) fail("a count out of range");
    if (x != 0) {
      v[i++] = static_cast<T>(x);
      continue;
    }
    const std::uint64_t run = next() + 1;
    if (run > size - i) fail("a run of zeros past the end");
    i += run;
  }
  return v;
}
template std::vector<std::uint64_t> StateReader::packed(std::size_t, std::uint64_t);
template std::vector<std::uint32_t> StateReader::packed(std::size_t, std::uint64_t);

// ---- ValueHistogram ----------------------------------------------------------------------------

void ValueHistogram::add(double v) {
  if (std::isnan(v)) {
    ++nan_;
    return;
  }
  check_value(v);
  if (counts_.empty()) {
    counts_.assign(kValueBins, 0);
    offsets_.assign(kValueBins, 0);
  }
  const std::size_t b = value_bin(v, kValueBins);
  const double offset = v - std::ldexp(static_cast<double>(b), -16);  // exact
  ++counts_[b];
  offsets_[b] += static_cast<std::uint64_t>(std::llround(std::ldexp(offset, kOffsetBits)));
  sum_ += static_cast<Wide>(std::llround(std::ldexp(v, 62)));
  ++n_;
}

void ValueHistogram::merge(const ValueHistogram& o) {
  nan_ += o.nan_;
  if (o.n_ == 0) return;
  if (counts_.empty()) {
    counts_.assign(kValueBins, 0);
    offsets_.assign(kValueBins, 0);
  }
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    counts_[b] += o.counts_[b];
    offsets_[b] += o.offsets_[b];
  }
  n_ += o.n_;
  sum_ += o.sum_;
}

double ValueHistogram::mean() const {
  if (n_ == 0) return kNaN;
  // sum_ / n_ / 2^62, the quotient's integer part exact and the remainder's fraction added.
  const Wide q = sum_ / n_, r = sum_ % n_;
  return std::ldexp(static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(n_), -62);
}

double ValueHistogram::bin_mean(std::size_t b) const {
  const double lower = std::ldexp(static_cast<double>(b), -16);
  return lower + std::ldexp(static_cast<double>(offsets_[b]) / static_cast<double>(counts_[b]),
                            -kOffsetBits);
}

double ValueHistogram::order_statistic(std::uint64_t k) const {
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (k < seen) return bin_mean(b);
  }
  return kNaN;
}

double ValueHistogram::percentile(double q) const {
  if (n_ == 0) return kNaN;
  const double index = (static_cast<double>(n_) - 1) * q / 100.0;
  const auto lo = static_cast<std::uint64_t>(std::floor(index));
  const std::uint64_t hi = std::min(lo + 1, n_ - 1);
  return lerp(order_statistic(lo), order_statistic(hi), index - static_cast<double>(lo));
}

std::pair<double, double> ValueHistogram::whiskers() const {
  if (n_ == 0) return {kNaN, kNaN};
  const double q1 = percentile(25), q3 = percentile(75), reach = 1.5 * (q3 - q1);
  double lo = kNaN, hi = kNaN;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    if (counts_[b] == 0) continue;
    const double v = bin_mean(b);
    if (std::isnan(lo) && v >= q1 - reach) lo = v;
    if (v <= q3 + reach) hi = v;
  }
  return {lo, hi};
}

std::pair<double, double> ValueHistogram::median_ci(std::uint64_t m, int resamples, double level,
                                                    std::uint64_t seed) const {
  if (n_ == 0 || m == 0 || resamples <= 0) return {kNaN, kNaN};
  std::vector<std::uint64_t> prefix(counts_.size() + 1, 0);
  for (std::size_t b = 0; b < counts_.size(); ++b) prefix[b + 1] = prefix[b] + counts_[b];
  std::mt19937_64 rng(seed);
  const double index = (static_cast<double>(m) - 1) * 0.5;
  const auto k1 = static_cast<std::uint64_t>(std::floor(index));
  const std::uint64_t k2 = std::min(k1 + 1, m - 1);
  std::vector<double> medians(static_cast<std::size_t>(resamples));
  for (double& median : medians) {
    // Descend the bins with the m draws split binomially; ranks k1 and k2 share the path
    // until they part.
    std::size_t lo = 0, hi = counts_.size(), bin1 = 0, bin2 = 0;
    std::uint64_t r = m, a = k1, b = k2;
    bool apart = false;
    std::size_t lo2 = 0, hi2 = 0;
    std::uint64_t r2 = 0;
    auto split = [&](std::size_t l, std::size_t h, std::uint64_t draws) {
      const std::size_t mid = (l + h) / 2;
      const std::uint64_t left = prefix[mid] - prefix[l], all = prefix[h] - prefix[l];
      std::uint64_t to_left = 0;
      if (left == all) {
        to_left = draws;
      } else if (left > 0) {
        std::binomial_distribution<std::uint64_t> d(
            draws, static_cast<double>(left) / static_cast<double>(all));
        to_left = d(rng);
      }
      return std::pair<std::size_t, std::uint64_t>{mid, to_left};
    };
    while (hi - lo > 1) {
      const auto [mid, to_left] = split(lo, hi, r);
      const bool a_left = a < to_left, b_left = b < to_left;
      if (a_left != b_left && !apart) {
        apart = true;  // a goes left, b right
        lo2 = mid;
        hi2 = hi;
        r2 = r - to_left;
        b -= to_left;
        hi = mid;
        r = to_left;
        continue;
      }
      if (a_left) {
        hi = mid;
        r = to_left;
      } else {
        lo = mid;
        r -= to_left;
        a -= to_left;
        if (!apart) b -= to_left;
      }
    }
    bin1 = lo;
    if (apart) {
      while (hi2 - lo2 > 1) {
        const auto [mid, to_left] = split(lo2, hi2, r2);
        if (b < to_left) {
          hi2 = mid;
          r2 = to_left;
        } else {
          lo2 = mid;
          r2 -= to_left;
          b -= to_left;
        }
      }
      bin2 = lo2;
    } else {
      bin2 = lo;
    }
    median = lerp(bin_mean(bin1), bin_mean(bin2), index - static_cast<double>(k1));
  }
  const double tail = (1 - level) / 2 * 100;
  return {mint::percentile(medians, tail), mint::percentile(medians, 100 - tail)};
}

void ValueHistogram::write(StateWriter& w) const {
  w.u64(n_);
  w.u64(nan_);
  w.u128(sum_);
  // Sparse: the occupied bins only.
  std::vector<std::uint64_t> sparse;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    if (counts_[b] == 0) continue;
    sparse.insert(sparse.end(), {b, counts_[b], offsets_[b]});
  }
  w.words(sparse);
}

void ValueHistogram::read(StateReader& r) {
  n_ = r.u64();
  nan_ = r.u64();
  sum_ = r.u128();
  const std::vector<std::uint64_t> sparse = r.words(3 * std::size_t{kValueBins});
  if (sparse.size() % 3 != 0) r.fail("bad histogram");
  counts_.clear();
  offsets_.clear();
  if (n_ > 0) {
    counts_.assign(kValueBins, 0);
    offsets_.assign(kValueBins, 0);
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < sparse.size(); i += 3) {
    if (sparse[i] >= static_cast<std::uint64_t>(kValueBins) || counts_.empty())
      r.fail("bad histogram bin");
    counts_[sparse[i]] = sparse[i + 1];
    offsets_[sparse[i]] = sparse[i + 2];
    total += sparse[i + 1];
  }
  if (total != n_) r.fail("histogram counts do not add up");
}

// ---- PairedBootstrap ---------------------------------------------------------------------------

PairedBootstrap::PairedBootstrap(int resamples, std::uint64_t seed)
    : resamples_(resamples), seed_(seed) {
  const std::size_t size = static_cast<std::size_t>(std::max(resamples, 0)) * kPairBins;
  a_.assign(size, 0);
  b_.assign(size, 0);
}

void PairedBootstrap::add(std::uint64_t sequence, double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return;
  check_value(a);
  check_value(b);
  ++pairs_;
  const std::size_t ba = value_bin(a, kPairBins), bb = value_bin(b, kPairBins);
  const auto k0 = static_cast<std::uint32_t>(seed_), k1 = static_cast<std::uint32_t>(seed_ >> 32);
  for (int r = 0; r < resamples_; r += 4) {
    const Philox4x32 w = philox4x32(
        {{static_cast<std::uint32_t>(sequence), static_cast<std::uint32_t>(sequence >> 32),
          static_cast<std::uint32_t>(r / 4), 0xB0075u}},
        k0, k1);
    for (int j = 0; j < 4 && r + j < resamples_; ++j) {
      const int weight = poisson1(w.v[j]);
      if (weight == 0) continue;
      const std::size_t row = static_cast<std::size_t>(r + j) * kPairBins;
      add_count(a_[row + ba], static_cast<std::uint32_t>(weight));
      add_count(b_[row + bb], static_cast<std::uint32_t>(weight));
    }
  }
}

void PairedBootstrap::merge(const PairedBootstrap& o) {
  if (o.resamples_ != resamples_ || o.seed_ != seed_)
    throw Error("stream: merging bootstraps of different settings");
  pairs_ += o.pairs_;
  for (std::size_t i = 0; i < a_.size(); ++i) {
    add_count(a_[i], o.a_[i]);
    add_count(b_[i], o.b_[i]);
  }
}

namespace {

// Median of a weighted histogram of kPairBins bins (values at bin centres).
double weighted_median(const std::uint32_t* counts) {
  std::uint64_t total = 0;
  for (int b = 0; b < kPairBins; ++b) total += counts[b];
  if (total == 0) return kNaN;
  const double index = (static_cast<double>(total) - 1) * 0.5;
  const auto k1 = static_cast<std::uint64_t>(std::floor(index));
  const std::uint64_t k2 = std::min(k1 + 1, total - 1);
  double v1 = kNaN, v2 = kNaN;
  std::uint64_t seen = 0;
  for (int b = 0; b < kPairBins && std::isnan(v2); ++b) {
    seen += counts[b];
    const double centre = (b + 0.5) / kPairBins;
    if (std::isnan(v1) && k1 < seen) v1 = centre;
    if (k2 < seen) v2 = centre;
  }
  return lerp(v1, v2, index - static_cast<double>(k1));
}

}  // namespace

std::pair<double, double> PairedBootstrap::ci(double level) const {
  if (pairs_ == 0 || resamples_ <= 0) return {kNaN, kNaN};
  std::vector<double> deltas;
  for (int r = 0; r < resamples_; ++r) {
    const std::size_t row = static_cast<std::size_t>(r) * kPairBins;
    const double d = weighted_median(&a_[row]) - weighted_median(&b_[row]);
    if (!std::isnan(d)) deltas.push_back(d);
  }
  const double tail = (1 - level) / 2 * 100;
  return {mint::percentile(deltas, tail), mint::percentile(deltas, 100 - tail)};
}

void PairedBootstrap::write(StateWriter& w) const {
  w.u64(static_cast<std::uint64_t>(resamples_));
  w.u64(seed_);
  w.u64(pairs_);
  w.packed(a_);
  w.packed(b_);
}

void PairedBootstrap::read(StateReader& r) {
  resamples_ = static_cast<int>(r.u64());
  seed_ = r.u64();
  pairs_ = r.u64();
  const std::size_t size = static_cast<std::size_t>(resamples_) * kPairBins;
  if (resamples_ < 0 || resamples_ > 100000) r.fail("bad bootstrap state");
  a_ = r.packed<std::uint32_t>(size, 0xFFFFFFFFu);
  b_ = r.packed<std::uint32_t>(size, 0xFFFFFFFFu);
}

// ---- PooledHistogram ---------------------------------------------------------------------------

std::vector<std::uint64_t>& PooledHistogram::half(bool negative) {
  std::vector<std::uint64_t>& h = negative ? negative_ : positive_;
  if (h.empty()) h.assign(std::size_t{2} * kPooledHalf, 0);
  return h;
}

void PooledHistogram::add(float score, bool positive) {
  if (!std::isfinite(score)) throw Error("stream: a position score is not finite");
  const std::uint32_t bin = pooled_bin(score);
  const bool negative = bin < kPooledHalf;
  std::vector<std::uint64_t>& h = half(negative);
  ++h[2 * (negative ? bin : bin - kPooledHalf) + (positive ? 0 : 1)];
}

void PooledHistogram::add_row(const float* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t n) {
  std::uint64_t* halves[2] = {nullptr, nullptr};  // negative, non-negative
  for (std::size_t i = 0; i < n; ++i) {
    if (include[i] == 0) continue;
    if (!std::isfinite(scores[i])) throw Error("stream: a position score is not finite");
    const std::uint32_t bin = pooled_bin(scores[i]);
    const bool negative = bin < kPooledHalf;
    std::uint64_t*& h = halves[negative ? 0 : 1];
    if (h == nullptr) h = half(negative).data();
    ++h[2 * (negative ? bin : bin - kPooledHalf) + (labels[i] != 0 ? 0 : 1)];
  }
}

void PooledHistogram::add_counts(const std::uint64_t* counts) {
  for (const bool negative : {true, false}) {
    const std::uint64_t* c = counts + (negative ? 0 : std::size_t{2} * kPooledHalf);
    if (std::all_of(c, c + std::size_t{2} * kPooledHalf, [](std::uint64_t v) { return v == 0; })) {
      continue;
    }
    std::vector<std::uint64_t>& h = half(negative);
    for (std::size_t i = 0; i < h.size(); ++i) h[i] += c[i];
  }
}

void PooledHistogram::merge(const PooledHistogram& o) {
  for (const bool negative : {true, false}) {
    const std::vector<std::uint64_t>& from = negative ? o.negative_ : o.positive_;
    if (from.empty()) continue;
    std::vector<std::uint64_t>& h = half(negative);
    for (std::size_t i = 0; i < h.size(); ++i) h[i] += from[i];
  }
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> PooledHistogram::descending() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const std::vector<std::uint64_t>* h : {&positive_, &negative_}) {
    for (std::size_t i = h->size() / 2; i-- > 0;) {
      const std::uint64_t p = (*h)[2 * i], n = (*h)[2 * i + 1];
      if (p + n > 0) out.emplace_back(p, n);
    }
  }
  return out;
}

std::uint64_t PooledHistogram::positives() const {
  std::uint64_t n = 0;
  for (const auto& [p, q] : descending()) n += p;
  return n;
}

std::uint64_t PooledHistogram::negatives() const {
  std::uint64_t n = 0;
  for (const auto& [p, q] : descending()) n += q;
  return n;
}

double PooledHistogram::auprc() const {
  const auto bins = descending();
  if (bins.empty()) return kNaN;
  std::vector<std::uint64_t> tp(bins.size()), fp(bins.size());
  std::uint64_t t = 0, f = 0;
  for (std::size_t j = 0; j < bins.size(); ++j) {
    t += bins[j].first;
    f += bins[j].second;
    tp[j] = t;
    fp[j] = f;
  }
  if (t == 0) return 0.5;  // scikit-learn with no positives (auprc.hpp)
  if (f == 0) return 1.0;
  const auprc_detail::CurveGroups<std::uint64_t> g{tp.data(), fp.data(),
                                                   static_cast<std::int64_t>(bins.size()),
                                                   static_cast<double>(t), static_cast<double>(f)};
  const double sum = auprc_detail::pairwise_sum_reference(
      [&](std::int64_t k) { return g.pr_term(k); }, static_cast<std::int64_t>(bins.size()));
  return auprc_detail::finish_auprc(sum);
}

namespace {

// Precision at t positives and f negatives above the threshold (1 before the first point, as
// scikit-learn's appended (recall 0, precision 1)).
double precision_at(double t, double f) { return t + f > 0 ? t / (t + f) : 1.0; }

// How far the trapezoid of p positives entering one by one (t, f before them) can be from the
// binned chord: their exact order does not matter, only how many share a score.
double pure_bin_gap(double t, double f, std::uint64_t p, double total_pos) {
  if (p <= 1) return 0;
  const auto dp = static_cast<double>(p);
  if (p > 4096) {  // the precision range (a looser bound; such bins hold few recall steps' worth)
    return dp / total_pos * (precision_at(t + dp, f) - precision_at(t, f));
  }
  double steps = 0;
  for (std::uint64_t k = 1; k <= p; ++k) {
    const auto dk = static_cast<double>(k);
    steps += (precision_at(t + dk - 1, f) + precision_at(t + dk, f)) / 2;
  }
  const double chord = dp * (precision_at(t, f) + precision_at(t + dp, f)) / 2;
  return std::fabs(steps - chord) / total_pos;
}

}  // namespace

double PooledHistogram::bound() const {
  const auto bins = descending();
  double total_pos = 0, bound = 0;
  for (const auto& b : bins) total_pos += static_cast<double>(b.first);
  if (total_pos == 0) return 0;
  double t = 0, f = 0;
  for (const auto& [p, n] : bins) {
    const auto dp = static_cast<double>(p), dn = static_cast<double>(n);
    if (p > 0 && n == 0) {
      bound += pure_bin_gap(t, f, p, total_pos);
    } else if (p > 0) {
      // Any order of the bin's positives and negatives: every precision on the way lies between
      // the negatives-first start and the positives-first peak.
      const double hi = std::max(precision_at(t + dp, f), precision_at(t, f));
      const double lo = t + f + dn > 0 ? t / (t + f + dn) : 0;
      bound += dp / total_pos * (hi - lo);
    }
    t += dp;
    f += dn;
  }
  return bound;
}

void PooledHistogram::write(StateWriter& w) const {
  w.u64((negative_.empty() ? 0u : 1u) | (positive_.empty() ? 0u : 2u));
  if (!negative_.empty()) w.packed(negative_);
  if (!positive_.empty()) w.packed(positive_);
}

void PooledHistogram::read(StateReader& r) {
  const std::uint64_t halves = r.u64();
  if (halves > 3) r.fail("bad pooled histogram");
  negative_.clear();
  positive_.clear();
  const std::size_t size = std::size_t{2} * kPooledHalf;
  if (halves & 1u) negative_ = r.packed<std::uint64_t>(size, ~std::uint64_t{0});
  if (halves & 2u) positive_ = r.packed<std::uint64_t>(size, ~std::uint64_t{0});
}

}  // namespace mint::stream

// The streaming aggregates (pipeline/stream/aggregate.cpp) against the exact computations on
// all the values: percentiles within the stated 2^-16 (and exact for repeated values), the
// binned pooled AUPRC within its computed bound of scikit-learn's, bootstrap CIs close to the
// materialized bootstrap's, and the same bits for any order of adding and merging.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "ops/auprc/auprc.hpp"
#include "pipeline/score.hpp"
#include "pipeline/stream/aggregate.hpp"
#include "pipeline/stream/pooled_bins.hpp"

namespace mint::stream {
namespace {

// Values like per-sequence AUPRCs: a continuous part, and runs of exact 1.0 and 0.5.
std::vector<double> metric_like(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> ga(4.0, 1.0), gb(2.0, 1.0);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> v(n);
  for (double& x : v) {
    const double r = u(rng);
    if (r < 0.2) {
      x = 1.0;
    } else if (r < 0.25) {
      x = 0.5;
    } else {
      const double a = ga(rng), b = gb(rng);
      x = a / (a + b);
    }
  }
  return v;
}

std::string state_of(const ValueHistogram& h) {
  StateWriter w;
  h.write(w);
  return w.bytes;
}

TEST(StreamAggregate, PercentilesWithinTheBinWidthOfNumPys) {
  for (std::size_t n : {1u, 2u, 7u, 1000u, 20001u}) {
    const std::vector<double> v = metric_like(n, n);
    ValueHistogram h;
    for (double x : v) h.add(x);
    ASSERT_EQ(h.count(), n);
    for (double q : {0.0, 25.0, 50.0, 75.0, 100.0, 2.5, 97.5}) {
      EXPECT_NEAR(h.percentile(q), percentile(v, q), std::ldexp(1.0, -16)) << n << " q " << q;
    }
    long double sum = 0;
    for (double x : v) sum += x;
    EXPECT_NEAR(h.mean(), static_cast<double>(sum / static_cast<long double>(n)), 1e-15);
  }
}

TEST(StreamAggregate, RepeatedValuesAreExact) {
  ValueHistogram h;
  std::vector<double> v;
  for (int i = 0; i < 1001; ++i) v.push_back(i % 3 == 0 ? 1.0 : (i % 3 == 1 ? 0.75 : 0.123456789));
  for (double x : v) h.add(x);
  for (double q : {25.0, 50.0, 75.0}) {
    EXPECT_NEAR(h.percentile(q), percentile(v, q), 1e-12) << q;
  }
  EXPECT_EQ(h.percentile(100), 1.0);
  h.add(std::nan(""));
  EXPECT_EQ(h.count(), 1001u);
  EXPECT_EQ(h.nans(), 1u);
}

TEST(StreamAggregate, OrderAndMergingDoNotChangeABit) {
  const std::vector<double> v = metric_like(5000, 3);
  ValueHistogram one;
  for (double x : v) one.add(x);
  std::vector<double> shuffled = v;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(9));
  ValueHistogram parts[3];
  for (std::size_t i = 0; i < shuffled.size(); ++i) parts[i % 3].add(shuffled[i]);
  ValueHistogram merged;
  merged.merge(parts[2]);
  merged.merge(parts[0]);
  merged.merge(parts[1]);
  EXPECT_EQ(state_of(one), state_of(merged));
  EXPECT_EQ(one.mean(), merged.mean());
  EXPECT_EQ(one.median_ci(5000, 200, 0.95, 1), merged.median_ci(5000, 200, 0.95, 1));
  // And a state read back is the same state.
  StateWriter w;
  one.write(w);
  StateReader r(w.bytes, "test");
  ValueHistogram back;
  back.read(r);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(state_of(back), state_of(one));
}

TEST(StreamAggregate, MedianCiIsCloseToTheMaterializedBootstrap) {
  const std::vector<double> v = metric_like(3000, 11);
  ValueHistogram h;
  for (double x : v) h.add(x);
  BootstrapOptions b;
  b.resamples = 2000;
  const Distribution d = summarize(v, b);
  const auto [lo, hi] = h.median_ci(v.size(), 2000, 0.95, 5);
  const double width = d.median_hi - d.median_lo;
  ASSERT_GT(width, 0);
  EXPECT_NEAR(lo, d.median_lo, 0.25 * width + std::ldexp(1.0, -16));
  EXPECT_NEAR(hi, d.median_hi, 0.25 * width + std::ldexp(1.0, -16));
  EXPECT_LE(lo, h.percentile(50));
  EXPECT_GE(hi, h.percentile(50));
  // m-out-of-n: the CI shrinks about as 1/sqrt(m).
  const auto [lo100, hi100] = h.median_ci(100, 2000, 0.95, 5);
  const double ratio = (hi100 - lo100) / (hi - lo);
  EXPECT_GT(ratio, std::sqrt(30.0) * 0.6);
  EXPECT_LT(ratio, std::sqrt(30.0) * 1.6);
}

TEST(StreamAggregate, PairedCiIsCloseToTheMaterializedPairedBootstrap) {
  const std::vector<double> a = metric_like(3000, 21);
  std::vector<double> b = a;
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(-0.05, 0.05);
  for (double& x : b) x = std::clamp(x + noise(rng), 0.0, 1.0);
  BootstrapOptions o;
  o.resamples = 1000;
  const Difference d = median_difference(a, b, o);
  PairedBootstrap p(400, 7), parts[2] = {PairedBootstrap(400, 7), PairedBootstrap(400, 7)};
  for (std::size_t i = 0; i < a.size(); ++i) {
    p.add(i, a[i], b[i]);
    parts[i % 2].add(i, a[i], b[i]);
  }
  const auto [lo, hi] = p.ci(0.95);
  const double width = d.hi - d.lo;
  EXPECT_NEAR(lo, d.lo, 0.3 * width + std::ldexp(1.0, -10));
  EXPECT_NEAR(hi, d.hi, 0.3 * width + std::ldexp(1.0, -10));
  parts[1].merge(parts[0]);
  EXPECT_EQ(parts[1].ci(0.95), p.ci(0.95));
  EXPECT_EQ(parts[1].pairs(), a.size());
}

TEST(StreamAggregate, PooledAuprcWithinItsBoundOfScikitLearns) {
  std::mt19937_64 rng(8);
  std::normal_distribution<float> pos(1.0f, 1.0f), neg(0.0f, 1.0f);
  for (int n : {50, 2000, 100000}) {
    std::vector<float> scores;
    std::vector<std::uint8_t> labels;
    PooledHistogram h;
    for (int i = 0; i < n; ++i) {
      const bool p = i % 7 == 0;
      const float s = std::fabs(p ? pos(rng) : neg(rng));
      scores.push_back(s);
      labels.push_back(p);
      h.add(s, p);
    }
    const CurveScores exact = score_curve(scores.data(), labels.data(), scores.size());
    EXPECT_LE(std::fabs(h.auprc() - exact.auprc), h.bound()) << n;
    EXPECT_LT(h.bound(), 0.01) << n;
    EXPECT_NEAR(h.auprc(), exact.auprc, 2e-3) << n;
  }
}

TEST(StreamAggregate, PooledAuprcIsExactWhenEveryBinHoldsOneScore) {
  std::vector<float> scores;
  std::vector<std::uint8_t> labels;
  PooledHistogram h, a, b;
  for (int i = 0; i < 3000; ++i) {
    const float s = static_cast<float>(i % 37) * 0.25f - 3.0f;  // 37 distinct, tied scores
    const bool p = (i * 7919) % 11 < 4;
    scores.push_back(s);
    labels.push_back(p);
    h.add(s, p);
    (i % 2 ? a : b).add(s, p);
  }
  const CurveScores exact = score_curve(scores.data(), labels.data(), scores.size());
  EXPECT_EQ(h.auprc(), exact.auprc);
  a.merge(b);
  EXPECT_EQ(a.auprc(), exact.auprc);
  EXPECT_EQ(a.positives() + a.negatives(), 3000u);
}

TEST(StreamAggregate, PooledBinsAreOrderedAndFine) {
  // Non-decreasing in the score over every finite float class, and strictly increasing between
  // scores 2^-11 apart (relative) inside the fine window.
  std::mt19937_64 rng(12);
  std::vector<float> v = {-std::numeric_limits<float>::max(),
                          -3e38f,
                          -1e20f,
                          -4096.0f,
                          -1.0f,
                          -1e-6f,
                          -1e-30f,
                          -std::numeric_limits<float>::denorm_min(),
                          -0.0f,
                          0.0f,
                          std::numeric_limits<float>::denorm_min(),
                          1e-30f,
                          1e-6f,
                          1.0f,
                          4095.0f,
                          4096.0f,
                          1e20f,
                          std::numeric_limits<float>::max()};
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 100000; ++i) {
    const float f = std::bit_cast<float>(bits(rng));
    if (std::isfinite(f)) v.push_back(f);
  }
  std::sort(v.begin(), v.end());
  for (std::size_t i = 1; i < v.size(); ++i) {
    ASSERT_LE(pooled_bin(v[i - 1]), pooled_bin(v[i])) << v[i - 1] << " " << v[i];
    ASSERT_LT(pooled_bin(v[i]), kPooledBins);
  }
  EXPECT_EQ(pooled_bin(-0.0f), pooled_bin(0.0f));
  for (float bad : {INFINITY, -INFINITY, NAN, -NAN}) EXPECT_LT(pooled_bin(bad), kPooledBins);
  EXPECT_LT(pooled_bin(-std::numeric_limits<float>::denorm_min()), pooled_bin(0.0f));
  for (float x : {1e-6f, 0.37f, 1.0f, 2000.0f, -0.5f}) {
    EXPECT_NE(pooled_bin(x), pooled_bin(x * (1 + 1.0f / 1024))) << x;
    EXPECT_EQ(pooled_bin(x),
              pooled_bin(std::bit_cast<float>(std::bit_cast<std::uint32_t>(x) & ~0xFFFu)));
  }
  EXPECT_EQ(pooled_bin(1e-30f), pooled_bin(1.2e-30f));  // one bin per octave outside the window
}

TEST(StreamAggregate, PooledCountsAddAsScores) {
  std::mt19937_64 rng(13);
  std::normal_distribution<float> d(0.0f, 2.0f);
  PooledHistogram direct, counted, rowed;
  std::vector<std::uint64_t> counts(std::size_t{2} * kPooledBins, 0);
  std::vector<float> scores;
  std::vector<std::uint8_t> labels, include;
  for (int i = 0; i < 30000; ++i) {
    const float s = d(rng);
    const bool p = i % 5 == 0, in = i % 3 != 0;
    scores.push_back(s);
    labels.push_back(p);
    include.push_back(in);
    if (!in) continue;
    direct.add(s, p);
    ++counts[2 * pooled_bin(s) + (p ? 0 : 1)];
  }
  rowed.add_row(scores.data(), labels.data(), include.data(), scores.size());
  EXPECT_EQ(direct.auprc(), rowed.auprc());
  EXPECT_EQ(direct.negatives(), rowed.negatives());
  counted.add_counts(counts.data());
  EXPECT_EQ(direct.auprc(), counted.auprc());
  EXPECT_EQ(direct.bound(), counted.bound());
  StateWriter w;
  counted.write(w);
  StateReader r(w.bytes, "test");
  PooledHistogram back;
  back.read(r);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(back.auprc(), direct.auprc());
  EXPECT_EQ(back.positives(), 4000u);
  EXPECT_EQ(back.negatives(), 16000u);
  scores[7] = NAN;
  EXPECT_THROW(rowed.add_row(scores.data(), labels.data(), include.data(), scores.size()), Error);
}

}  // namespace
}  // namespace mint::stream

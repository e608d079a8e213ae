// Scoring attributions (pipeline/score.cpp): position scores, per-motif AUPRC against the
// simulation's ground truth (checked against a brute force that builds each row's labels
// from ground_truth() and calls score_curve), pooled AUPRC, NumPy's percentile, and the
// bootstrap summaries.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/motif.hpp"
#include "pipeline/score.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

Simulation small_simulation() {
  SimulationOptions o;
  o.seed = 5;
  o.length = 120;
  o.design.kind = DesignKind::classification;
  o.design.negatives = Negatives::with_subsets;
  o.design.train = 64;
  o.design.valid = 32;
  o.design.test_positives = 20;
  o.design.test_per_subset = 4;
  return simulate(load_motifs("distinct_1"), o);
}

const SplitData& test_split(const Simulation& sim) {
  for (const SplitData& s : sim.splits) {
    if (s.name == "test") return s;
  }
  throw Error("no test split");
}

std::vector<float> random_scores(std::size_t n, std::uint64_t seed, int levels = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) {
    x = u(rng);
    if (levels > 0) x = std::floor(x * static_cast<float>(levels)) / static_cast<float>(levels);
  }
  return v;
}

TEST(PositionScores, ObservedBaseIsmMeanAndSign) {
  // Two positions, L = 2: codes C, T.
  const std::uint8_t codes[] = {1, 3};
  // attr[c][p], channels A,C,G,T.
  const float attr[] = {0.5f,  1.0f,    // A
                        -2.0f, 3.0f,    // C
                        1.0f,  -6.0f,   // G
                        4.0f,  0.25f};  // T
  auto s = position_scores(attr, codes, 1, 2, ScoreRule::observed);
  EXPECT_EQ(s, (std::vector<float>{2.0f, 0.25f}));
  s = position_scores(attr, codes, 1, 2, ScoreRule::observed, true);
  EXPECT_EQ(s, (std::vector<float>{-2.0f, 0.25f}));
  s = position_scores(attr, codes, 1, 2, ScoreRule::ism);
  EXPECT_FLOAT_EQ(s[0], (0.5f + 1.0f + 4.0f) / 3.0f);
  EXPECT_FLOAT_EQ(s[1], std::abs((1.0f + 3.0f - 6.0f) / 3.0f));
  s = position_scores(attr, codes, 1, 2, ScoreRule::ism, true);
  EXPECT_FLOAT_EQ(s[1], -2.0f / 3.0f);
}

TEST(MotifScores, MatchBruteForceOverGroundTruth) {
  const Simulation sim = small_simulation();
  const SplitData& split = test_split(sim);
  const int L = split.length;
  for (int levels : {0, 4}) {  // continuous scores, and heavy ties
    const auto scores = random_scores(static_cast<std::size_t>(split.size()) * L, 17, levels);
    for (bool by_ic : {false, true}) {
      PositiveRule rule;
      rule.by_information = by_ic;
      rule.ic_threshold = 1.0;
      const auto rows = score_motifs(scores.data(), split, sim.grammar, sim.motifs, rule);
      std::size_t expected_rows = 0;
      for (std::uint32_t m : split.masks)
        expected_rows += static_cast<std::size_t>(std::popcount(m));
      ASSERT_EQ(rows.size(), expected_rows);
      std::vector<std::int8_t> truth(static_cast<std::size_t>(L));
      for (const MotifScore& r : rows) {
        const auto s = static_cast<std::size_t>(r.sequence);
        ground_truth(sim.grammar, split.masks[s], split.offsets[s], L, truth.data());
        const Motif& motif = sim.motifs.motifs[static_cast<std::size_t>(r.motif)];
        const int start = split.offsets[s] + sim.grammar.start[static_cast<std::size_t>(r.motif)];
        std::vector<float> kept;
        std::vector<std::uint8_t> labels;
        for (int p = 0; p < L; ++p) {
          const int t = truth[static_cast<std::size_t>(p)];
          bool positive = t == r.motif;
          if (positive && by_ic) {
            positive = motif.column_information(static_cast<std::size_t>(p - start)) > 1.0;
            if (!positive) continue;  // low-information column: left out
          }
          if (t >= 0 && t != r.motif) continue;
          kept.push_back(scores[s * static_cast<std::size_t>(L) + static_cast<std::size_t>(p)]);
          labels.push_back(positive ? 1 : 0);
        }
        const CurveScores want = score_curve(kept.data(), labels.data(), kept.size());
        EXPECT_EQ(r.scores.auprc, want.auprc) << r.sequence << " " << r.motif;
        EXPECT_EQ(r.scores.average_precision, want.average_precision);
        EXPECT_EQ(r.scores.auroc, want.auroc);
        EXPECT_EQ(r.n_present, std::popcount(split.masks[s]));
        int pos = 0;
        for (auto l : labels) pos += l;
        EXPECT_EQ(r.positives, pos);
        EXPECT_EQ(r.negatives, static_cast<int>(labels.size()) - pos);
        if (!by_ic) {
          EXPECT_EQ(r.positives, static_cast<int>(motif.length()));
        }
      }
    }
  }
}

TEST(MotifScores, CudaGivesTheCpuBits) {
  MINT_REQUIRE_GPU();
  const Simulation sim = small_simulation();
  const SplitData& split = test_split(sim);
  const auto scores = random_scores(static_cast<std::size_t>(split.size()) * split.length, 9, 6);
  const auto cpu = score_motifs(scores.data(), split, sim.grammar, sim.motifs, {}, Backend::cpu);
  const auto gpu = score_motifs(scores.data(), split, sim.grammar, sim.motifs, {}, Backend::cuda);
  ASSERT_EQ(cpu.size(), gpu.size());
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_EQ(cpu[i].scores.auprc, gpu[i].scores.auprc) << i;
    EXPECT_EQ(cpu[i].scores.average_precision, gpu[i].scores.average_precision) << i;
    EXPECT_EQ(cpu[i].scores.auroc, gpu[i].scores.auroc) << i;
  }
}

TEST(MotifScores, PerfectAndConstantAttributions) {
  const Simulation sim = small_simulation();
  const SplitData& split = test_split(sim);
  const int L = split.length;
  std::vector<float> perfect(static_cast<std::size_t>(split.size()) * L, 0.0f);
  std::vector<std::int8_t> truth(static_cast<std::size_t>(L));
  for (std::int64_t s = 0; s < split.size(); ++s) {
    const auto si = static_cast<std::size_t>(s);
    ground_truth(sim.grammar, split.masks[si], split.offsets[si], L, truth.data());
    for (int p = 0; p < L; ++p) {
      if (truth[static_cast<std::size_t>(p)] >= 0)
        perfect[si * L + static_cast<std::size_t>(p)] = 1.0f;
    }
  }
  for (const MotifScore& r : score_motifs(perfect.data(), split, sim.grammar, sim.motifs)) {
    EXPECT_EQ(r.scores.auprc, 1.0);
    EXPECT_EQ(r.scores.average_precision, 1.0);
    EXPECT_EQ(r.scores.auroc, 1.0);
  }
  const std::vector<float> constant(perfect.size(), 0.5f);
  for (const MotifScore& r : score_motifs(constant.data(), split, sim.grammar, sim.motifs)) {
    const double pi = static_cast<double>(r.positives) / (r.positives + r.negatives);
    EXPECT_NEAR(r.scores.auprc, (1 + pi) / 2, 1e-15);  // reference-semantics §9.5
    EXPECT_NEAR(r.scores.average_precision, pi, 1e-15);
    EXPECT_EQ(r.scores.auroc, 0.5);
  }
}

TEST(MotifScores, PooledEqualsOneCurveOverTheGroup) {
  const Simulation sim = small_simulation();
  const SplitData& split = test_split(sim);
  const int L = split.length;
  const auto scores = random_scores(static_cast<std::size_t>(split.size()) * L, 3, 8);
  const int motif = 1;
  for (int n_present : {-1, 2, 4}) {
    std::vector<float> kept;
    std::vector<std::uint8_t> labels;
    std::vector<std::int8_t> truth(static_cast<std::size_t>(L));
    for (std::int64_t s = 0; s < split.size(); ++s) {
      const auto si = static_cast<std::size_t>(s);
      if (!(split.masks[si] >> motif & 1u)) continue;
      if (n_present >= 0 && std::popcount(split.masks[si]) != n_present) continue;
      ground_truth(sim.grammar, split.masks[si], split.offsets[si], L, truth.data());
      for (int p = 0; p < L; ++p) {
        const int t = truth[static_cast<std::size_t>(p)];
        if (t >= 0 && t != motif) continue;
        kept.push_back(scores[si * L + static_cast<std::size_t>(p)]);
        labels.push_back(t == motif ? 1 : 0);
      }
    }
    ASSERT_FALSE(kept.empty());
    const CurveScores want = score_curve(kept.data(), labels.data(), kept.size());
    const CurveScores got =
        pooled_motif_scores(scores.data(), split, sim.grammar, sim.motifs, motif, n_present);
    EXPECT_EQ(got.auprc, want.auprc) << n_present;
    EXPECT_EQ(got.average_precision, want.average_precision);
  }
  // No sequence in the group: NaN, not an error.
  EXPECT_TRUE(std::isnan(
      pooled_motif_scores(scores.data(), split, sim.grammar, sim.motifs, motif, 0).auprc));
  EXPECT_THROW(pooled_motif_scores(scores.data(), split, sim.grammar, sim.motifs, 9), Error);
}

TEST(Summaries, PercentileIsNumpyLinear) {
  // np.percentile values.
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 50), 2.0);
  EXPECT_DOUBLE_EQ(percentile({0.1, 0.2, 0.7, 0.9, 1.0}, 25), 0.2);
  EXPECT_DOUBLE_EQ(percentile({0.1, 0.2, 0.7, 0.9, 1.0}, 90), 0.96);
  EXPECT_DOUBLE_EQ(percentile({5}, 75), 5.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
}

TEST(Summaries, BootstrapIntervalOfTheMedian) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal(0.6, 0.1);
  std::vector<double> small(50), large(2000);
  for (double& x : small) x = normal(rng);
  for (double& x : large) x = normal(rng);
  BootstrapOptions o;
  o.seed = 42;
  const Distribution a = summarize(small, o), b = summarize(large, o);
  EXPECT_EQ(a.count, 50u);
  EXPECT_LE(a.median_lo, a.median);
  EXPECT_GE(a.median_hi, a.median);
  EXPECT_LT(a.q1, a.median);
  EXPECT_GT(a.q3, a.median);
  // A 40× larger sample gives a clearly narrower interval (≈ √40 ≈ 6×).
  EXPECT_LT((b.median_hi - b.median_lo) * 3, a.median_hi - a.median_lo);
  EXPECT_NEAR(b.median, 0.6, 0.02);
  // Same seed → same interval; NaN values are left out.
  std::vector<double> with_nan = small;
  with_nan.push_back(std::nan(""));
  const Distribution c = summarize(with_nan, o);
  EXPECT_EQ(c.count, 50u);
  EXPECT_EQ(c.median_lo, a.median_lo);
  EXPECT_EQ(c.median_hi, a.median_hi);
  EXPECT_TRUE(std::isnan(summarize({std::nan("")}, o).median));
  o.level = 1.5;
  EXPECT_THROW(summarize(small, o), Error);
}

TEST(Summaries, PairedMedianDifference) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> base(400), shifted(400), other(400);
  for (std::size_t i = 0; i < base.size(); ++i) {
    base[i] = u(rng);
    shifted[i] = base[i] + 0.125;  // exact in binary: medians differ by exactly 0.125
    other[i] = u(rng);
  }
  BootstrapOptions o;
  o.seed = 3;
  const Difference d = median_difference(shifted, base, o);
  EXPECT_EQ(d.pairs, 400u);
  EXPECT_NEAR(d.delta, 0.125, 1e-12);
  // Paired resampling: every resample's difference is 0.125 too.
  EXPECT_NEAR(d.lo, 0.125, 1e-12);
  EXPECT_NEAR(d.hi, 0.125, 1e-12);
  const Difference n = median_difference(other, base, o);
  EXPECT_LT(n.lo, n.delta);
  EXPECT_GT(n.hi, n.delta);
  EXPECT_LT(n.lo, 0.0);  // two samples of one distribution: 0 inside the interval
  EXPECT_GT(n.hi, 0.0);
  EXPECT_THROW(median_difference(base, std::vector<double>(3, 0.5), o), Error);
}

}  // namespace
}  // namespace mint

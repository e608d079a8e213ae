// Designs: canonical subset order, exact balance of subset counts (with the remainder rule),
// the shared test split, labels equal F(x) for every effect, and size errors.
#include <gtest/gtest.h>

#include <bit>
#include <map>

#include "core/design.hpp"
#include "core/error.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/simulate.hpp"

namespace mint {
namespace {

TEST(Design, CanonicalOrderBySizeThenLexicographic) {
  EXPECT_EQ(canonical_subsets(1), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(canonical_subsets(3), (std::vector<std::uint32_t>{0, 1, 2, 4, 3, 5, 6, 7}));
  // n = 4, size 2: {0,1} {0,2} {0,3} {1,2} {1,3} {2,3}
  const auto s4 = canonical_subsets(4);
  EXPECT_EQ(std::vector<std::uint32_t>(s4.begin() + 5, s4.begin() + 11),
            (std::vector<std::uint32_t>{3, 5, 9, 6, 10, 12}));
}

TEST(Design, EvenShareGivesRemainderToFirstGroups) {
  EXPECT_EQ(even_share(10, 3, 0), 4);
  EXPECT_EQ(even_share(10, 3, 1), 3);
  EXPECT_EQ(even_share(10, 3, 2), 3);
  EXPECT_EQ(even_share(2, 5, 1), 1);
  EXPECT_EQ(even_share(2, 5, 2), 0);
}

std::map<std::uint32_t, std::int64_t> counts(const SplitPlan& p) {
  std::map<std::uint32_t, std::int64_t> c;
  for (const Group& g : p.groups) c[g.mask] += g.count;
  return c;
}

TEST(Design, ClassificationWithSubsetsDefaults) {
  const auto plans = plan_splits(4, DesignOptions{});
  ASSERT_EQ(plans.size(), 3u);
  // train: 20,000 negatives over 15 proper subsets (1333 each, the first 5 get 1334).
  const auto& train = plans[0];
  EXPECT_EQ(train.total(), 40000);
  ASSERT_EQ(train.groups.size(), 16u);
  const auto order = canonical_subsets(4);
  for (int i = 0; i < 15; ++i) {
    EXPECT_EQ(train.groups[i].mask, order[i]);
    EXPECT_EQ(train.groups[i].count, i < 5 ? 1334 : 1333);
  }
  EXPECT_EQ(train.groups[15].mask, 15u);
  EXPECT_EQ(train.groups[15].count, 20000);
  EXPECT_EQ(plans[1].total(), 5000);
  // test: 500 per proper subset and 10,000 positives.
  const auto test = counts(plans[2]);
  ASSERT_EQ(test.size(), 16u);
  for (const auto& [mask, c] : test) EXPECT_EQ(c, mask == 15 ? 10000 : 500);
}

TEST(Design, WithoutNegativesSharesTheTestSplit) {
  DesignOptions o;
  o.negatives = Negatives::without;
  o.train = 1001;
  const auto plans = plan_splits(4, o);
  ASSERT_EQ(plans[0].groups.size(), 2u);
  EXPECT_EQ(plans[0].groups[0].mask, 0u);
  EXPECT_EQ(plans[0].groups[0].count, 501);  // the odd one goes to the first class
  EXPECT_EQ(plans[0].groups[1].count, 500);
  DesignOptions w = o;
  w.negatives = Negatives::with_subsets;
  EXPECT_EQ(counts(plans[2]), counts(plan_splits(4, w)[2]));
}

TEST(Design, RegressionBalancesEverySubsetAndEveryCount) {
  DesignOptions o;
  o.kind = DesignKind::regression;
  const auto plans = plan_splits(4, o);
  for (const Group& g : plans[0].groups) EXPECT_EQ(g.count, 2500);
  std::map<int, std::int64_t> per_count;
  for (const Group& g : plans[2].groups) per_count[std::popcount(g.mask)] += g.count;
  for (int k = 0; k <= 4; ++k) EXPECT_EQ(per_count[k], 2500) << k << " motifs";
  // 2 motifs: 2500 over 6 subsets = 417, 417, 417, 417, 416, 416.
  std::vector<std::int64_t> two;
  for (const Group& g : plans[2].groups)
    if (std::popcount(g.mask) == 2) two.push_back(g.count);
  EXPECT_EQ(two, (std::vector<std::int64_t>{417, 417, 417, 417, 416, 416}));
}

TEST(Design, LabelsFollowTheEffects) {
  DesignOptions o;
  o.kind = DesignKind::regression;
  for (std::uint32_t mask = 0; mask < 16; ++mask) {
    const int k = std::popcount(mask);
    const bool all = mask == 15;
    o.effect = Effect::additive;
    EXPECT_EQ(label_of(mask, 4, o), k);
    o.effect = Effect::enhancing;
    EXPECT_EQ(label_of(mask, 4, o), k + (all ? 2 : 0));
    o.effect = Effect::inhibiting;
    EXPECT_EQ(label_of(mask, 4, o), k + (all ? -2 : 0));
    o.effect = Effect::quadratic;
    EXPECT_EQ(label_of(mask, 4, o), k * k);
  }
  o.effect = Effect::inhibiting;
  EXPECT_EQ(label_of(15, 4, o), label_of(3, 4, o)) << "c = -2: the full set labels like two";
  o.effect = Effect::enhancing;
  o.weights = {0.5, 1, 2, 4};
  o.interaction = 10;
  o.interaction_set = true;
  EXPECT_DOUBLE_EQ(label_of(15, 4, o), 7.5 + 10);
  EXPECT_DOUBLE_EQ(label_of(5, 4, o), 2.5);
  DesignOptions c;
  EXPECT_EQ(label_of(15, 4, c), 1.0);
  EXPECT_EQ(label_of(7, 4, c), 0.0);
}

TEST(Design, SimulatedLabelsEqualFOfPresence) {
  const MotifSet motifs = load_motifs("distinct_1");
  for (Effect e : {Effect::additive, Effect::enhancing, Effect::inhibiting, Effect::quadratic}) {
    SimulationOptions o;
    o.design.kind = DesignKind::regression;
    o.design.effect = e;
    o.design.train = 64;
    o.design.valid = 16;
    o.design.test_per_count = 12;
    const Simulation sim = simulate(motifs, o);
    for (const SplitData& s : sim.splits) {
      for (std::int64_t i = 0; i < s.size(); ++i) {
        ASSERT_EQ(s.labels[i], static_cast<float>(label_of(s.masks[i], 4, o.design)));
      }
    }
  }
}

TEST(Design, ImpossibleSizesFail) {
  DesignOptions o;
  o.train = 29;  // 15 negative subsets need 15 negatives and as many positives
  EXPECT_THROW(plan_splits(4, o), Error);
  o.train = 30;
  EXPECT_NO_THROW(plan_splits(4, o));
  o.valid = -1;
  EXPECT_THROW(plan_splits(4, o), Error);
  DesignOptions r;
  r.kind = DesignKind::regression;
  r.test_per_count = 5;  // 6 subsets have two motifs
  EXPECT_THROW(plan_splits(4, r), Error);
  r.test_per_count = 6;
  r.weights = {1, 2};
  EXPECT_THROW(plan_splits(4, r), Error);
  EXPECT_THROW(parse_effect("multiplicative"), Error);
  EXPECT_THROW(parse_design("ranking"), Error);
  EXPECT_THROW(parse_negatives("some"), Error);
}

}  // namespace
}  // namespace mint

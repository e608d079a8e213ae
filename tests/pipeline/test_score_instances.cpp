// Scoring against a list of motif instances (pipeline/score_instances.cpp): a hand-made case
// with overlapping instances first, then every validation error, then simulated splits, where
// label_instance_rows(split_instances(...)) must reproduce label_motif_rows byte for byte and
// summarize_labelled_groups must reproduce summarize_groups bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "io/dataset_io.hpp"
#include "pipeline/score.hpp"
#include "pipeline/score_instances.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

constexpr std::uint64_t kSimulationSeeds[] = {5, 11, 2026};
constexpr std::uint64_t kScoreSeed = 17;

Simulation small_simulation(std::uint64_t seed, DesignKind kind) {
  SimulationOptions o;
  o.seed = seed;
  o.length = 120;
  o.design.kind = kind;
  o.design.negatives = Negatives::with_subsets;
  o.design.train = 64;
  o.design.valid = 32;
  o.design.test_positives = 20;
  o.design.test_per_subset = 4;
  o.design.test_per_count = 9;
  return simulate(load_motifs("distinct_1"), o);
}

std::vector<float> random_scores(std::size_t n, std::uint64_t seed, int levels) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) {
    x = u(rng);
    if (levels > 0) x = std::floor(x * static_cast<float>(levels)) / static_cast<float>(levels);
  }
  return v;
}

// "0110" → {0, 1, 1, 0}
std::vector<std::uint8_t> bits(const std::string& s) {
  std::vector<std::uint8_t> v;
  for (char c : s) v.push_back(c == '1' ? 1 : 0);
  return v;
}

// The bytes of one row of a (rows, L) array.
std::vector<std::uint8_t> row_of(const std::vector<std::uint8_t>& a, std::size_t i, int length) {
  const auto cols = static_cast<std::size_t>(length);
  return {a.begin() + static_cast<std::ptrdiff_t>(i * cols),
          a.begin() + static_cast<std::ptrdiff_t>((i + 1) * cols)};
}

// Bit for bit, NaN equal to NaN (the NaN summaries of empty groups).
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Three sequences of L = 10, three motifs, listed out of order:
//   sequence 0: motif 1 at [2, 5) and again at [8, 10) (ending at L), motif 0 at [4, 7)
//               (overlapping the first motif 1 at position 4);
//   sequence 1: nothing (no rows);
//   sequence 2: motif 2 at [1, 4) and [0, 3) (overlapping each other).
InstanceTruth hand_made() {
  InstanceTruth t;
  t.n = 3;
  t.length = 10;
  t.n_motifs = 3;
  t.instances = {{2, 1, 4, 2}, {0, 8, 10, 1}, {0, 4, 7, 0}, {2, 0, 3, 2}, {0, 2, 5, 1}};
  return t;
}

TEST(InstanceRows, HandMadeOverlapsAndRepeats) {
  const LabelledRows l = label_instance_rows(hand_made());
  ASSERT_EQ(l.rows.size(), 3u);
  EXPECT_EQ(l.source, (std::vector<std::int64_t>{0, 0, 2}));
  struct Want {
    std::int64_t sequence;
    int motif, n_present, positives, negatives;
    const char *labels, *include;
  };
  const Want want[] = {
      // motif 0: [4, 7) positive (4 too, though motif 1 covers it); 2, 3, 8, 9 only motif 1's.
      {0, 0, 2, 3, 3, "0000111000", "1100111100"},
      // motif 1: both instances positive; 5, 6 only motif 0's.
      {0, 1, 2, 5, 3, "0011100011", "1111100111"},
      // motif 2: the union of its two overlapping instances.
      {2, 2, 1, 4, 6, "1111000000", "1111111111"},
  };
  for (std::size_t i = 0; i < 3; ++i) {
    const MotifScore& r = l.rows[i];
    EXPECT_EQ(r.sequence, want[i].sequence) << i;
    EXPECT_EQ(r.motif, want[i].motif) << i;
    EXPECT_EQ(r.n_present, want[i].n_present) << i;
    EXPECT_EQ(r.positives, want[i].positives) << i;
    EXPECT_EQ(r.negatives, want[i].negatives) << i;
    EXPECT_EQ(row_of(l.labels, i, 10), bits(want[i].labels)) << i;
    EXPECT_EQ(row_of(l.include, i, 10), bits(want[i].include)) << i;
  }
}

TEST(InstanceRows, HandMadePooledCurve) {
  const LabelledRows l = label_instance_rows(hand_made());
  std::vector<float> scores(30);
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<float>(i % 7) * 0.25f;
  // Motif 1, any n_present: sequence 0's row, included positions 0-4 and 7-9.
  const std::vector<float> kept = {scores[0], scores[1], scores[2], scores[3],
                                   scores[4], scores[7], scores[8], scores[9]};
  const std::vector<std::uint8_t> labels = bits("00111011");
  const CurveScores want = score_curve(kept.data(), labels.data(), kept.size());
  for (int n_present : {-1, 2}) {
    const CurveScores got = pooled_labelled_scores(scores.data(), l, 10, 1, n_present);
    EXPECT_TRUE(same_bits(got.auprc, want.auprc)) << n_present;
    EXPECT_TRUE(same_bits(got.average_precision, want.average_precision)) << n_present;
    EXPECT_TRUE(same_bits(got.auroc, want.auroc)) << n_present;
  }
  // No row in the group: NaN, not an error.
  EXPECT_TRUE(std::isnan(pooled_labelled_scores(scores.data(), l, 10, 1, 1).auprc));
  EXPECT_TRUE(std::isnan(pooled_labelled_scores(scores.data(), l, 10, 7).auprc));
  // Row 1 (sequence 0, motif 1) is that group's only row: its own curve is the same one.
  const std::vector<CurveScores> curves = score_labelled_rows(scores.data(), l, 10);
  ASSERT_EQ(curves.size(), 3u);
  EXPECT_TRUE(same_bits(curves[1].auprc, want.auprc));
  EXPECT_TRUE(same_bits(curves[1].auroc, want.auroc));
}

TEST(InstanceRows, NoInstancesNoRows) {
  InstanceTruth t;
  t.n = 4;
  t.length = 5;
  t.n_motifs = 2;
  const LabelledRows l = label_instance_rows(t);
  EXPECT_TRUE(l.rows.empty());
  EXPECT_TRUE(l.labels.empty());
  t.n = 0;
  EXPECT_TRUE(label_instance_rows(t).rows.empty());
}

TEST(InstanceRows, ValidationErrorsNameTheInstance) {
  struct Case {
    MotifInstance bad;
    const char* what;
  };
  // n = 3, L = 10, 2 motifs; the bad instance is index 1.
  const Case cases[] = {
      {{-1, 0, 2, 0}, "sequence out of [0, 3)"},
      {{3, 0, 2, 0}, "sequence out of [0, 3)"},
      {{0, -1, 2, 0}, "start out of [0, 10]"},
      {{0, 11, 12, 0}, "start out of [0, 10]"},
      {{0, 0, 11, 0}, "end out of [0, 10]"},
      {{0, 0, -2, 0}, "end out of [0, 10]"},
      {{0, 4, 4, 0}, "start >= end"},
      {{0, 5, 4, 0}, "start >= end"},
      {{0, 0, 2, -1}, "motif out of [0, 2)"},
      {{0, 0, 2, 2}, "motif out of [0, 2)"},
  };
  for (const Case& c : cases) {
    InstanceTruth t;
    t.n = 3;
    t.length = 10;
    t.n_motifs = 2;
    t.instances = {{1, 0, 10, 1}, c.bad};
    const std::string msg = test::error_of([&] { label_instance_rows(t); });
    EXPECT_NE(msg.find("instance 1 "), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  InstanceTruth t;
  t.n = -1;
  t.length = 10;
  EXPECT_NE(test::error_of([&] { label_instance_rows(t); }).find("-1 sequences"),
            std::string::npos);
  t.n = 1;
  t.length = 0;
  EXPECT_NE(test::error_of([&] { label_instance_rows(t); }).find("sequence length 0"),
            std::string::npos);
  t.length = 10;
  t.n_motifs = -2;
  EXPECT_NE(test::error_of([&] { label_instance_rows(t); }).find("-2 motifs"), std::string::npos);
}

void expect_same_rows(const LabelledRows& want, const LabelledRows& got) {
  ASSERT_EQ(got.rows.size(), want.rows.size());
  for (std::size_t i = 0; i < want.rows.size(); ++i) {
    const MotifScore &w = want.rows[i], &g = got.rows[i];
    ASSERT_EQ(std::tie(g.sequence, g.motif, g.n_present, g.positives, g.negatives),
              std::tie(w.sequence, w.motif, w.n_present, w.positives, w.negatives))
        << "row " << i;
  }
  EXPECT_EQ(got.source, want.source);
  EXPECT_TRUE(got.labels == want.labels);
  EXPECT_TRUE(got.include == want.include);
}

TEST(InstanceRows, SimulatedSplitsEqualMotifRows) {
  for (std::uint64_t seed : kSimulationSeeds) {
    for (DesignKind kind : {DesignKind::classification, DesignKind::regression}) {
      const Simulation sim = small_simulation(seed, kind);
      for (const SplitData& split : sim.splits) {
        SCOPED_TRACE(split.name + " seed " + std::to_string(seed));
        const LabelledRows want = label_motif_rows(split, sim.grammar, sim.motifs);
        ASSERT_FALSE(want.rows.empty());
        expect_same_rows(want, label_instance_rows(split_instances(split, sim.grammar)));
      }
    }
  }
}

TEST(InstanceRows, SplitInstancesAreTheTruthFile) {
  const Simulation sim = small_simulation(kSimulationSeeds[0], DesignKind::classification);
  const std::string dir = test::scratch_dir("score_instances_truth");
  write_dataset(sim, dir);
  const InstanceTruth t = split_instances(find_split(sim, "test"), sim.grammar);
  std::ifstream in(dir + "/test.truth.tsv");
  std::string line, previous;
  std::getline(in, line);  // header
  std::size_t i = 0;
  for (; std::getline(in, line); ++i) {
    ASSERT_LT(i, t.instances.size());
    std::istringstream fields(line);
    std::string id, motif_id;
    int start = 0, end = 0;
    fields >> id >> start >> end >> motif_id;
    const MotifInstance& x = t.instances[i];
    EXPECT_EQ(start, x.start) << line;
    EXPECT_EQ(end, x.end) << line;
    EXPECT_EQ(motif_id, sim.motifs.motifs[static_cast<std::size_t>(x.motif)].id) << line;
    if (i > 0) {
      EXPECT_EQ(id == previous, x.sequence == t.instances[i - 1].sequence) << line;
    }
    previous = id;
  }
  EXPECT_EQ(i, t.instances.size());
}

// The pooled curve of a group straight from ground_truth() (as test_score.cpp's brute force):
// an independent check of the pooled AUPRC, which summarize_groups now shares.
CurveScores brute_pooled(const std::vector<float>& scores, const SplitData& split,
                         const Grammar& grammar, int motif, int n_present) {
  const int L = split.length;
  std::vector<float> kept;
  std::vector<std::uint8_t> labels;
  std::vector<std::int8_t> truth(static_cast<std::size_t>(L));
  for (std::int64_t s = 0; s < split.size(); ++s) {
    const auto si = static_cast<std::size_t>(s);
    if (!(split.masks[si] >> motif & 1u)) continue;
    if (n_present >= 0 && std::popcount(split.masks[si]) != n_present) continue;
    ground_truth(grammar, split.masks[si], split.offsets[si], L, truth.data());
    for (int p = 0; p < L; ++p) {
      const int t = truth[static_cast<std::size_t>(p)];
      if (t >= 0 && t != motif) continue;
      kept.push_back(scores[si * static_cast<std::size_t>(L) + static_cast<std::size_t>(p)]);
      labels.push_back(t == motif ? 1 : 0);
    }
  }
  return score_curve(kept.data(), labels.data(), kept.size());
}

void expect_same_summaries(const std::vector<GroupSummary>& want,
                           const std::vector<GroupSummary>& got) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const GroupSummary &w = want[i], &g = got[i];
    EXPECT_EQ(g.group.motif, w.group.motif);
    EXPECT_EQ(g.group.n_present, w.group.n_present);
    ASSERT_EQ(g.group.values.size(), w.group.values.size());
    for (std::size_t k = 0; k < w.group.values.size(); ++k) {
      EXPECT_TRUE(same_bits(g.group.values[k], w.group.values[k])) << i << " " << k;
    }
    const Distribution &a = w.distribution, &b = g.distribution;
    EXPECT_EQ(b.count, a.count);
    for (auto [x, y] : {std::pair{a.median, b.median},
                        {a.q1, b.q1},
                        {a.q3, b.q3},
                        {a.mean, b.mean},
                        {a.median_lo, b.median_lo},
                        {a.median_hi, b.median_hi},
                        {w.whiskers.lo, g.whiskers.lo},
                        {w.whiskers.hi, g.whiskers.hi}}) {
      EXPECT_TRUE(same_bits(x, y)) << "group " << i << ": " << x << " vs " << y;
    }
    EXPECT_TRUE(same_bits(g.pooled_auprc, w.pooled_auprc))
        << "group " << i << ": " << w.pooled_auprc << " vs " << g.pooled_auprc;
  }
}

TEST(InstanceSummaries, EqualSummarizeGroups) {
  BootstrapOptions boot;
  boot.resamples = 200;
  boot.seed = 3;
  for (std::uint64_t seed : kSimulationSeeds) {
    const Simulation sim = small_simulation(seed, DesignKind::classification);
    const SplitData& split = find_split(sim, "test");
    const int L = split.length;
    for (int levels : {0, 4}) {  // continuous scores, and heavy ties
      SCOPED_TRACE("seed " + std::to_string(seed) + " levels " + std::to_string(levels));
      ScoredAttribution scored;
      scored.positions =
          random_scores(static_cast<std::size_t>(split.size()) * L, kScoreSeed + seed, levels);
      scored.rows = score_motifs(scored.positions.data(), split, sim.grammar, sim.motifs);
      for (Metric metric : {Metric::auprc, Metric::auroc}) {
        const std::vector<MotifGroup> groups = group_scores(scored.rows, metric);
        const auto want = summarize_groups(scored, groups, split, sim, boot);

        LabelledRows rows = label_instance_rows(split_instances(split, sim.grammar));
        const std::vector<CurveScores> curves =
            score_labelled_rows(scored.positions.data(), rows, L);
        for (std::size_t i = 0; i < rows.rows.size(); ++i) rows.rows[i].scores = curves[i];
        const auto got = summarize_labelled_groups(scored.positions.data(), rows, L,
                                                   group_scores(rows.rows, metric), boot);
        expect_same_summaries(want, got);
        for (const GroupSummary& g : got) {
          const CurveScores b =
              brute_pooled(scored.positions, split, sim.grammar, g.group.motif, g.group.n_present);
          EXPECT_TRUE(same_bits(g.pooled_auprc, b.auprc))
              << g.group.motif << " " << g.group.n_present;
        }
      }
      // The pooled curve over every sequence with the motif (any n_present), all its values.
      const LabelledRows rows = label_instance_rows(split_instances(split, sim.grammar));
      for (int motif = 0; motif < split.n_motifs; ++motif) {
        const CurveScores a =
            pooled_motif_scores(scored.positions.data(), split, sim.grammar, sim.motifs, motif);
        const CurveScores b = pooled_labelled_scores(scored.positions.data(), rows, L, motif);
        EXPECT_TRUE(same_bits(a.auprc, b.auprc)) << motif;
        EXPECT_TRUE(same_bits(a.average_precision, b.average_precision)) << motif;
        EXPECT_TRUE(same_bits(a.auroc, b.auroc)) << motif;
      }
    }
  }
}

}  // namespace
}  // namespace mint

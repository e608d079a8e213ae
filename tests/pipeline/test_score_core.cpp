// pipeline/score_core.hpp: the __host__ __device__ scoring math the device stream's kernels run
// (position_score, truth_at, motif_label, motif_rows, make_label_plan) reproduces the host's
// position_scores and label_motif_rows bit for bit — on the host, no GPU needed. Edge cases
// first (one position, homopolymers, ±0, a grammar cut off at the sequence's end), then seeded
// random inputs.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "core/grammar.hpp"
#include "pipeline/score.hpp"
#include "pipeline/score_core.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// (n, L) scores of the shared function, position by position.
std::vector<float> shared_scores(const std::vector<float>& attr,
                                 const std::vector<std::uint8_t>& codes, std::int64_t n, int L,
                                 bool ism, bool signed_scores) {
  std::vector<float> out(static_cast<std::size_t>(n) * L);
  for (std::int64_t s = 0; s < n; ++s) {
    const std::size_t a = static_cast<std::size_t>(s) * 4 * L, c = static_cast<std::size_t>(s) * L;
    for (int p = 0; p < L; ++p) {
      out[c + p] = position_score(attr.data() + a, codes.data() + c, L, p, ism, signed_scores);
    }
  }
  return out;
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) {
      if (bad++ < 5) ADD_FAILURE() << "index " << i << ": " << a[i] << " vs " << b[i];
    }
  }
  EXPECT_EQ(bad, 0u);
}

void check_scores(const std::vector<float>& attr, const std::vector<std::uint8_t>& codes,
                  std::int64_t n, int L) {
  for (const bool ism : {false, true}) {
    for (const bool sign : {false, true}) {
      SCOPED_TRACE(std::string(ism ? "ism" : "observed") + (sign ? " signed" : " abs"));
      expect_same_bits(position_scores(attr.data(), codes.data(), n, L,
                                       ism ? ScoreRule::ism : ScoreRule::observed, sign),
                       shared_scores(attr, codes, n, L, ism, sign));
    }
  }
}

TEST(ScoreCore, PositionScoresEdgeCases) {
  // One position, each base; ±0, a denormal, large and tiny values, a NaN and an infinity.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (std::uint8_t base = 0; base < 4; ++base) {
    check_scores({-0.0f, 0.0f, 1e-40f, -3.5f}, {base}, 1, 1);
    check_scores({nan, -inf, 1e30f, -1e-30f}, {base}, 1, 1);
  }
  // Homopolymers of every base, L 7.
  std::vector<float> attr(4 * 7);
  for (std::size_t i = 0; i < attr.size(); ++i) attr[i] = static_cast<float>(i) * 0.37f - 4.1f;
  for (std::uint8_t base = 0; base < 4; ++base)
    check_scores(attr, std::vector<std::uint8_t>(7, base), 1, 7);
}

TEST(ScoreCore, PositionScoresRandom) {
  for (const std::uint64_t seed : test::kSeeds) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    for (const auto& [n, L] : {std::pair<std::int64_t, int>{1, 33}, {7, 65}, {13, 250}}) {
      std::vector<float> attr(static_cast<std::size_t>(n) * 4 * L);
      std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * L);
      for (float& v : attr) v = normal(rng) * std::ldexp(1.0f, static_cast<int>(rng() % 20) - 10);
      for (auto& c : codes) c = static_cast<std::uint8_t>(rng() % 4);
      check_scores(attr, codes, n, L);
    }
  }
}

// label_motif_rows of `split` against the shared functions, row by row and position by position.
void check_labels(const SplitData& split, const Grammar& grammar, const MotifSet& motifs,
                  const PositiveRule& rule) {
  const LabelledRows want = label_motif_rows(split, grammar, motifs, rule);
  const LabelPlan plan = make_label_plan(grammar, motifs, rule);
  const LabelPlanView v = plan.view();
  const std::vector<MotifScore> rows =
      motif_rows(split.masks.data(), split.masks.size(), split.n_motifs);
  ASSERT_EQ(rows.size(), want.rows.size());
  const int L = split.length;
  const std::size_t cols = static_cast<std::size_t>(L);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const MotifScore& r = rows[i];
    ASSERT_EQ(std::tie(r.sequence, r.motif, r.n_present),
              std::tie(want.rows[i].sequence, want.rows[i].motif, want.rows[i].n_present))
        << "row " << i;
    ASSERT_EQ(want.source[i], r.sequence);
    const auto s = static_cast<std::size_t>(r.sequence);
    int positives = 0, kept = 0;
    for (int p = 0; p < L; ++p) {
      const int t = truth_at(v, split.masks[s], split.offsets[s], L, p);
      const unsigned bits = motif_label(v, t, r.motif, split.offsets[s], p);
      const std::uint8_t label = (bits & kLabelPositive) != 0 ? 1 : 0;
      const std::uint8_t keep = (bits & kLabelInclude) != 0 ? 1 : 0;
      ASSERT_EQ(label, want.labels[i * cols + static_cast<std::size_t>(p)]) << i << " " << p;
      ASSERT_EQ(keep, want.include[i * cols + static_cast<std::size_t>(p)]) << i << " " << p;
      positives += label;
      kept += keep;
    }
    EXPECT_EQ(positives, want.rows[i].positives) << "row " << i;
    EXPECT_EQ(kept - positives, want.rows[i].negatives) << "row " << i;
  }
}

// n sequences of random presence masks and offsets (codes random: labels do not read them);
// offsets up to L - 1, so that some grammars run past the sequence's end.
SplitData random_split(const Grammar& grammar, int n_motifs, int L, int n, std::mt19937_64& rng) {
  SplitData d;
  d.name = "test";
  d.length = L;
  d.n_motifs = n_motifs;
  d.codes.resize(static_cast<std::size_t>(n) * L);
  for (auto& c : d.codes) c = static_cast<std::uint8_t>(rng() % 4);
  const int fits = std::max(L - grammar.span, 0);
  for (int i = 0; i < n; ++i) {
    d.masks.push_back(static_cast<std::uint32_t>(rng() % (1u << n_motifs)));
    const bool cut = rng() % 5 == 0;
    d.offsets.push_back(
        static_cast<std::int32_t>(rng() % static_cast<unsigned>(cut ? L : fits + 1)));
    d.labels.push_back(0.0f);
  }
  return d;
}

TEST(ScoreCore, LabelsEqualLabelMotifRows) {
  for (const char* set : {"distinct_1", "MEF2A"}) {
    const MotifSet motifs = load_motifs(set);
    const int n_motifs = static_cast<int>(motifs.size());
    for (const std::uint64_t seed : test::kSeeds) {
      const Grammar grammar = make_grammar(motifs, GrammarOptions{}, seed);
      std::mt19937_64 rng(seed);
      for (const int L : {grammar.span, grammar.span + 1, grammar.span + 37, 250}) {
        const SplitData split = random_split(grammar, n_motifs, L, 23, rng);
        for (const bool by_information : {false, true}) {
          SCOPED_TRACE(std::string(set) + " L " + std::to_string(L) +
                       (by_information ? " ic" : " span"));
          PositiveRule rule;
          rule.by_information = by_information;
          rule.ic_threshold = 0.8;
          check_labels(split, grammar, motifs, rule);
        }
      }
    }
  }
}

TEST(ScoreCore, NoMotifPresentGivesNoRows) {
  const MotifSet motifs = load_motifs("distinct_1");
  const Grammar grammar = make_grammar(motifs, GrammarOptions{}, 3);
  std::mt19937_64 rng(3);
  SplitData split = random_split(grammar, static_cast<int>(motifs.size()), 120, 5, rng);
  std::fill(split.masks.begin(), split.masks.end(), 0u);
  EXPECT_TRUE(motif_rows(split.masks.data(), split.masks.size(), split.n_motifs).empty());
  check_labels(split, grammar, motifs, PositiveRule{});
}

}  // namespace
}  // namespace mint

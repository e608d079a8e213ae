// Grammar: order and gaps drawn from the seed, explicit overrides and their errors, and the
// placement of every motif instance in simulated sequences (inside, in order, with the
// grammar's gaps; absent motifs leave background; ground truth matches the bases).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/grammar.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// A motif whose every column is one base with certainty (with pseudocount 0).
Motif certain_motif(const std::string& id, const std::string& bases) {
  Motif m;
  m.id = id;
  m.name = id;
  for (int b = 0; b < 4; ++b) m.counts[b].assign(bases.size(), 0.0);
  for (std::size_t j = 0; j < bases.size(); ++j) {
    const int b = static_cast<int>(std::find(kBases, kBases + 4, bases[j]) - kBases);
    m.counts[b][j] = 10;
  }
  return m;
}

MotifSet gc_motifs() {
  MotifSet s;
  s.name = "test";
  s.motifs = {certain_motif("m0", "CCGG"), certain_motif("m1", "GGGCCC"),
              certain_motif("m2", "CGC")};
  return s;
}

TEST(Grammar, DefaultOrderIsFileOrderAndGapsAreInRange) {
  const MotifSet motifs = load_motifs("distinct_1");
  for (std::uint64_t seed : test::kSeeds) {
    const Grammar g = make_grammar(motifs, {}, seed);
    const int k = 13;  // longest motif (TEAD1)
    EXPECT_EQ(g.filter_width, k);
    EXPECT_EQ(g.order, (std::vector<int>{0, 1, 2, 3}));
    ASSERT_EQ(g.gaps.size(), 3u);
    for (int gap : g.gaps) {
      EXPECT_GE(gap, k + 1);
      EXPECT_LE(gap, 2 * k);
    }
    int pos = 0;
    for (int i = 0; i < 4; ++i) {
      const int m = g.order[i];
      EXPECT_EQ(g.start[m], pos);
      EXPECT_EQ(g.length[m], static_cast<int>(motifs.motifs[m].length()));
      pos += g.length[m] + (i < 3 ? g.gaps[i] : 0);
    }
    EXPECT_EQ(g.span, pos);
    EXPECT_EQ(make_grammar(motifs, {}, seed).gaps, g.gaps) << "same seed, same grammar";
  }
}

TEST(Grammar, GapsVaryWithSeedAndCoverTheRange) {
  const MotifSet motifs = load_motifs("distinct_1");
  GrammarOptions o;
  o.filter_width = 5;
  std::vector<int> seen(11, 0);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    for (int gap : make_grammar(motifs, o, seed).gaps) {
      ASSERT_GE(gap, 6);
      ASSERT_LE(gap, 10);
      ++seen[gap];
    }
  }
  for (int gap = 6; gap <= 10; ++gap) EXPECT_GT(seen[gap], 60) << "gap " << gap;
}

TEST(Grammar, RandomOrderIsAPermutation) {
  const MotifSet motifs = load_motifs("distinct_1");
  GrammarOptions o;
  o.random_order = true;
  bool any_not_identity = false;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<int> order = make_grammar(motifs, o, seed).order;
    any_not_identity |= order != std::vector<int>{0, 1, 2, 3};
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  }
  EXPECT_TRUE(any_not_identity);
}

TEST(Grammar, ExplicitOrderAndGaps) {
  const MotifSet motifs = gc_motifs();
  GrammarOptions o;
  o.order = {2, 0, 1};
  o.gaps = {7, 9};
  o.filter_width = 6;
  const Grammar g = make_grammar(motifs, o, 1);
  EXPECT_EQ(g.start, (std::vector<int>{3 + 7, 3 + 7 + 4 + 9, 0}));
  EXPECT_EQ(g.span, 3 + 7 + 4 + 9 + 6);
}

TEST(Grammar, Errors) {
  const MotifSet motifs = gc_motifs();
  auto expect_error = [&](GrammarOptions o, const std::string& text) {
    try {
      make_grammar(motifs, o, 1);
      ADD_FAILURE() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  GrammarOptions o;
  o.gaps = {7};
  expect_error(o, "--gaps needs 2 values");
  o.gaps = {7, 6};
  expect_error(o, "not longer than the filter width 6");
  o = {};
  o.order = {0, 0, 1};
  expect_error(o, "--order must be a permutation");

  const Grammar g = make_grammar(load_motifs("distinct_1"), {}, 1);
  EXPECT_THROW(check_grammar_fits(g, g.span - 1), Error);
  EXPECT_NO_THROW(check_grammar_fits(g, g.span));
  try {
    check_grammar_fits(g, 12);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("longer than the sequence length"), std::string::npos);
  }
}

// Simulate with certain motifs on an A/T-only background: motif bases (C/G) must appear
// exactly where the ground truth says, in grammar order, with the grammar's gaps.
TEST(Grammar, InstancesInsideInOrderWithGapsAndTruthMatchesBases) {
  const MotifSet motifs = gc_motifs();
  for (std::uint64_t seed : test::kSeeds) {
    SimulationOptions o;
    o.seed = seed;
    o.gc = 0.0;
    o.pseudocount = 0.0;
    o.length = 61;  // not a multiple of 4
    o.grammar.random_order = true;
    o.design.kind = DesignKind::regression;
    o.design.train = 80;
    o.design.valid = 8;
    o.design.test_per_count = 3;
    const Simulation sim = simulate(motifs, o);
    const Grammar& g = sim.grammar;
    for (const SplitData& s : sim.splits) {
      std::vector<std::int8_t> truth(o.length);
      for (std::int64_t i = 0; i < s.size(); ++i) {
        const int offset = s.offsets[i];
        ASSERT_GE(offset, 0);
        ASSERT_LE(offset + g.span, o.length);
        ground_truth(g, s.masks[i], offset, o.length, truth.data());
        const std::uint8_t* row = s.codes.data() + i * o.length;
        for (int p = 0; p < o.length; ++p) {
          const bool is_gc = row[p] == 1 || row[p] == 2;
          ASSERT_EQ(is_gc, truth[p] >= 0) << "sequence " << i << " position " << p;
          if (truth[p] >= 0) {
            const Motif& m = motifs.motifs[truth[p]];
            const int column = p - offset - g.start[truth[p]];
            ASSERT_EQ(kBases[row[p]], m.consensus()[column]);
          }
        }
        // Present motifs appear in grammar order with the grammar's spacing.
        int previous_end = -1;
        for (std::size_t k = 0; k < g.order.size(); ++k) {
          const int m = g.order[k];
          if (!((s.masks[i] >> m) & 1u)) continue;
          const int start = offset + g.start[m];
          EXPECT_GT(start, previous_end);
          previous_end = start + g.length[m] - 1;
        }
      }
    }
  }
}

}  // namespace
}  // namespace mint

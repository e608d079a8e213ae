// Motif similarity against Biopython 1.88's PSSM.dist_pearson: hand-worked one- and two-column
// cases (the offset sign, the first-maximum rule, the span normalisation that ignores
// overhanging columns, undefined correlations), then every pair stored in
// tests/data/similarity_biopython.json (log-odds PSSMs and plain probability matrices), then
// invariants: self-similarity 1 at offset 0, symmetric correlation, opposite offsets.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/motif.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// Tolerance against Biopython: the same operations in the same order; the inputs (our
// probabilities vs Biopython's renormalised PositionWeightMatrix) differ by a few ulps.
// kBioAtol only guards correlations that are close to 0.
constexpr double kBioRtol = 1e-12;
constexpr double kBioAtol = 1e-15;

std::string source_path(const std::string& rel) { return std::string(MINT_SOURCE_DIR) + "/" + rel; }

using Matrix = std::vector<double>;

// ---- hand-worked cases ------------------------------------------------------------------------

TEST(Similarity, OneColumnIdenticalIsOneAtOffsetZero) {
  const PearsonSimilarity s = pearson_similarity({1, 2, 3, 4}, {1, 2, 3, 4});
  EXPECT_EQ(s.correlation, 1.0);
  EXPECT_EQ(s.offset, 0);
}

TEST(Similarity, OneColumnPlainPearson) {
  // Equal lengths at offset 0: norm = 4, so this is the ordinary Pearson correlation of 4 values.
  EXPECT_DOUBLE_EQ(pearson_similarity({1, 0, 0, 0}, {0, 1, 0, 0}).correlation, -1.0 / 3);
  EXPECT_DOUBLE_EQ(pearson_similarity({1, 2, 3, 4}, {4, 3, 2, 1}).correlation, -1.0);
}

TEST(Similarity, OffsetSignFollowsBiopython) {
  // b's second column equals a: Biopython reports offset -1; swapped, +1.
  const Matrix a = {1, 0, 0, 0};
  const Matrix b = {0, 1, 0, 0, 1, 0, 0, 0};
  PearsonSimilarity s = pearson_similarity(a, b);
  EXPECT_EQ(s.correlation, 1.0);
  EXPECT_EQ(s.offset, -1);
  s = pearson_similarity(b, a);
  EXPECT_EQ(s.correlation, 1.0);
  EXPECT_EQ(s.offset, 1);
  // b's first column equals a: offset 0.
  s = pearson_similarity(a, {1, 0, 0, 0, 0, 1, 0, 0});
  EXPECT_EQ(s.correlation, 1.0);
  EXPECT_EQ(s.offset, 0);
}

TEST(Similarity, SpanNormalisationAndFirstMaximum) {
  // One aligned column in a span of 2: the sums are divided by norm = 8, not 4, so the
  // anti-correlated pair scores -1/7 instead of -1/3. Both offsets tie at -1/7; the first
  // (Biopython loop offset 0, reported 0) wins.
  const PearsonSimilarity s = pearson_similarity({1, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 1, 0});
  EXPECT_DOUBLE_EQ(s.correlation, -1.0 / 7);
  EXPECT_EQ(s.offset, 0);
}

TEST(Similarity, OverhangingColumnsDoNotEnterTheSums) {
  // a matches b's middle column exactly; b's other columns only widen the span.
  const PearsonSimilarity s =
      pearson_similarity({1, 2, 3, 4}, {5, 5, 5, 5, 1, 2, 3, 4, 9, 9, 9, 9});
  EXPECT_DOUBLE_EQ(s.correlation, 1.0);
  EXPECT_EQ(s.offset, -1);
}

TEST(Similarity, UndefinedCorrelationIsNaN) {
  // A uniform column alone has no variance: Biopython divides by zero; we report NaN.
  const PearsonSimilarity s = pearson_similarity({0, 0, 0, 0}, {1, 2, 3, 4});
  EXPECT_TRUE(std::isnan(s.correlation));
  EXPECT_EQ(s.offset, 0);
  Motif uniform;
  uniform.id = uniform.name = "u";
  for (auto& row : uniform.counts) row = {3};
  EXPECT_TRUE(std::isnan(motif_similarity(uniform, uniform).correlation));
}

TEST(Similarity, BadShapesFail) {
  EXPECT_THROW(pearson_similarity({}, {1, 2, 3, 4}), Error);
  EXPECT_THROW(pearson_similarity({1, 2, 3, 4}, {1, 2, 3}), Error);
}

TEST(Similarity, LogOddsLayoutAndValues) {
  Motif m;
  m.id = m.name = "m";
  m.counts = {std::vector<double>{4, 1}, {0, 1}, {0, 1}, {0, 1}};
  const Matrix lo = log_odds(m);
  ASSERT_EQ(lo.size(), 8u);
  EXPECT_NEAR(lo[0], std::log2(4 * 1.01 / 1.04), 1e-15);  // column 0, A
  EXPECT_NEAR(lo[1], std::log2(4 * 0.01 / 1.04), 1e-15);  // column 0, C
  for (int k = 4; k < 8; ++k) EXPECT_EQ(lo[k], 0.0);      // column 1 uniform
  const Matrix lo0 = log_odds(m, 0.0);
  EXPECT_EQ(lo0[0], 2.0);
  EXPECT_EQ(lo0[1], -INFINITY);
}

// ---- against Biopython ------------------------------------------------------------------------

struct Fixture {
  nlohmann::json doc;
  std::map<std::string, MotifSet> sets;
  const Motif& motif(const std::string& set, const std::string& id) const {
    for (const Motif& m : sets.at(set).motifs) {
      if (m.id == id) return m;
    }
    throw Error("test: motif " + id + " not in " + set);
  }
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    std::ifstream in(MINT_TEST_DATA_DIR "/similarity_biopython.json");
    if (!in) throw Error("missing fixture; run tests/data/make_similarity_fixture.py");
    x.doc = nlohmann::json::parse(in);
    for (const auto& [name, rel] : x.doc.at("sets").items()) {
      x.sets[name] = read_motif_file(source_path(rel.get<std::string>()));
    }
    return x;
  }();
  return f;
}

TEST(SimilarityBiopython, EveryStoredPair) {
  const Fixture& f = fixture();
  const double eps = f.doc.at("pseudocount").get<double>();
  Matrix ref_lo, got_lo, ref_p, got_p;
  int pairs = 0;
  for (const auto& rec : f.doc.at("pairs")) {
    const Motif& a = f.motif(rec.at("set_a").get<std::string>(), rec.at("a").get<std::string>());
    const Motif& b = f.motif(rec.at("set_b").get<std::string>(), rec.at("b").get<std::string>());
    SCOPED_TRACE(a.id + " vs " + b.id);

    const PearsonSimilarity lo = motif_similarity(a, b, eps);
    ref_lo.push_back(rec.at("log_odds").at("correlation").get<double>());
    got_lo.push_back(lo.correlation);
    EXPECT_EQ(lo.offset, rec.at("log_odds").at("offset").get<int>());
    EXPECT_NEAR(1 - lo.correlation, rec.at("log_odds").at("distance").get<double>(), 1e-12);

    const PearsonSimilarity p = pearson_similarity(a.probabilities(eps), b.probabilities(eps));
    ref_p.push_back(rec.at("probabilities").at("correlation").get<double>());
    got_p.push_back(p.correlation);
    EXPECT_EQ(p.offset, rec.at("probabilities").at("offset").get<int>());
    EXPECT_NEAR(1 - p.correlation, rec.at("probabilities").at("distance").get<double>(), 1e-12);
    ++pairs;
  }
  EXPECT_TRUE(test::all_close(ref_lo, got_lo, kBioRtol, kBioAtol)) << "log-odds PSSMs";
  EXPECT_TRUE(test::all_close(ref_p, got_p, kBioRtol, kBioAtol)) << "probability matrices";
  EXPECT_GE(pairs, 64 + 21 * 21);
}

TEST(SimilarityBiopython, TheDistinctSetIsLessSimilarThanTheHomologousOne) {
  // What the paper used the measure for: on average, the heterologous set's motifs are less
  // alike than the homologous MEF2A set's (0.55 vs 0.88). Not so pair by pair: Biopython's
  // maximum often lands on a one-column overlap at the edge (ETS1 vs NHLH1: 0.825 at offset 9,
  // above MEF2A's lowest pair, 0.771), so only the means are compared.
  const Fixture& f = fixture();
  auto mean_off_diagonal = [](const MotifSet& s) {
    double sum = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (std::size_t j = 0; j < s.size(); ++j) {
        if (i != j) sum += motif_similarity(s.motifs[i], s.motifs[j]).correlation;
      }
    }
    return sum / static_cast<double>(s.size() * (s.size() - 1));
  };
  const double distinct = mean_off_diagonal(f.sets.at("distinct_1"));
  const double mef2a = mean_off_diagonal(f.sets.at("MEF2A"));
  EXPECT_NEAR(distinct, 0.55, 0.01);
  EXPECT_NEAR(mef2a, 0.88, 0.01);
}

// ---- invariants -------------------------------------------------------------------------------

TEST(SimilarityInvariants, SelfSimilarityIsOneAtOffsetZero) {
  const MotifSet all = read_motif_file(MINT_TEST_DATA_DIR "/jaspar_core_vertebrates_nr.jaspar");
  for (const Motif& m : all.motifs) {
    for (const double eps : {0.01, 0.1}) {
      const PearsonSimilarity s = motif_similarity(m, m, eps);
      EXPECT_NEAR(s.correlation, 1.0, 1e-15) << m.id;
      EXPECT_EQ(s.offset, 0) << m.id;
    }
  }
}

TEST(SimilarityInvariants, SymmetricCorrelationOppositeOffsets) {
  // Biopython evaluates the same alignments in both orders (the fixture generator checks this
  // on its data), so swapping the arguments gives the same correlation bit for bit and the
  // opposite offset (ties between offsets would break this; real motifs have none).
  const Fixture& f = fixture();
  EXPECT_TRUE(f.doc.at("checks").at("correlation_symmetric").get<bool>());
  EXPECT_TRUE(f.doc.at("checks").at("offset_antisymmetric").get<bool>());
  std::vector<const Motif*> motifs;  // the fixture's 29, across its sets
  for (const auto& ref : f.doc.at("motifs")) {
    motifs.push_back(&f.motif(ref.at("set").get<std::string>(), ref.at("id").get<std::string>()));
  }
  for (const double eps : {0.01, 0.1}) {
    for (const Motif* a : motifs) {
      for (const Motif* b : motifs) {
        const PearsonSimilarity ab = motif_similarity(*a, *b, eps);
        const PearsonSimilarity ba = motif_similarity(*b, *a, eps);
        EXPECT_EQ(ab.correlation, ba.correlation) << a->id << " " << b->id;
        EXPECT_EQ(ab.offset, -ba.offset) << a->id << " " << b->id;
        EXPECT_LE(ab.correlation, 1.0 + 1e-15);
        EXPECT_GE(ab.correlation, -1.0 - 1e-15);
      }
    }
  }
}

}  // namespace
}  // namespace mint

// Motif readers and summaries: hand-written edge cases (one column, ties, layout variants),
// then the bundled sets and single-matrix files against data/motifs/README.md, the
// pseudocount formula on matrices whose column totals differ (MA0098.3), information content
// and consensus against Biopython (tests/data/similarity_biopython.json), MEME against JASPAR
// on the 746-matrix JASPAR 2020 collection, and one bad file per failure in
// tests/data/motifs_bad/ (message "path:line: reason").
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/motif.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// Tolerances:
//   kSumTol    four probabilities that sum to 1 in exact arithmetic (a few ulps)
//   kBioTol    our IC against Biopython's (same formula, different summation order)
//   kMemeTol   MEME probabilities are rounded to 6 decimals (error <= 5e-7 each); after
//              renormalising a column (its rounded sum is off by up to 2e-6) and the
//              pseudocount, p may move by up to ~2.5e-6.
constexpr double kSumTol = 1e-15;
constexpr double kBioTol = 1e-12;
constexpr double kMemeTol = 3e-6;

std::string source_path(const std::string& rel) { return std::string(MINT_SOURCE_DIR) + "/" + rel; }
std::string data_path(const std::string& rel) {
  return std::string(MINT_TEST_DATA_DIR) + "/" + rel;
}

using test::error_of;

const Motif& find_motif(const MotifSet& set, const std::string& id) {
  for (const Motif& m : set.motifs) {
    if (m.id == id) return m;
  }
  throw Error("test: motif " + id + " not in " + set.name);
}

// ---- hand-written edge cases ------------------------------------------------------------------

TEST(Motif, OneColumnMotif) {
  const MotifSet s = parse_jaspar(">m1\nA [ 3 ]\nC [ 1 ]\nG [ 0 ]\nT [ 0 ]\n", "one.jaspar");
  ASSERT_EQ(s.size(), 1u);
  const Motif& m = s.motifs[0];
  EXPECT_EQ(m.id, "m1");
  EXPECT_EQ(m.name, "m1");  // no name: the id
  EXPECT_EQ(m.length(), 1u);
  EXPECT_EQ(s.max_length(), 1u);
  EXPECT_EQ(m.consensus(), "A");
  EXPECT_EQ(m.probability(0, 0, 0.0), 0.75);
  EXPECT_EQ(m.probability(1, 0, 0.0), 0.25);
  EXPECT_EQ(m.probability(2, 0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(m.probability(2, 0, 0.01), 0.01 / 1.04);
  EXPECT_DOUBLE_EQ(m.probability(0, 0, 0.01), 0.76 / 1.04);
}

TEST(Motif, ConsensusTiesGoToTheFirstOfACGT) {
  // Columns: A=C tie, C=G tie, G=T tie, all equal, only T, only G.
  const MotifSet s = parse_jaspar(
      ">ties\n"
      "A [ 5 1 1 2 0 0 ]\n"
      "C [ 5 7 1 2 0 0 ]\n"
      "G [ 1 7 4 2 0 1 ]\n"
      "T [ 1 1 4 2 9 0 ]\n",
      "ties.jaspar");
  EXPECT_EQ(s.motifs[0].consensus(), "ACGATG");
  // Homopolymer.
  EXPECT_EQ(parse_jaspar(">h\nA [ 0 0 0 ]\nC [ 0 0 0 ]\nG [ 0 0 0 ]\nT [ 2 2 2 ]\n", "h")
                .motifs[0]
                .consensus(),
            "TTT");
}

TEST(Motif, JasparLayoutVariants) {
  // Rows in any order, lower-case letters, no brackets, tabs, CRLF, blank lines, a name with
  // spaces, decimals, a '+' sign and an exponent, and a UTF-8 byte-order mark.
  const std::string text =
      "\xEF\xBB\xBF\r\n"
      ">MA9999.1 \t a long name \r\n"
      "\r\n"
      "t\t1 2\r\n"
      "g [3 4]\r\n"
      "\r\n"
      "c   [ +5   6e0 ]\r\n"
      "A[7 88.235]\r\n"
      ">MA9998.1\tSECOND\n"
      "A [ 1 ]\nC [ 0 ]\nG [ 0 ]\nT [ 0 ]";  // no final newline
  const MotifSet s = parse_jaspar(text, "variants.jaspar");
  ASSERT_EQ(s.size(), 2u);
  const Motif& m = s.motifs[0];
  EXPECT_EQ(m.id, "MA9999.1");
  EXPECT_EQ(m.name, "a long name");
  EXPECT_EQ(m.counts[0], (std::vector<double>{7, 88.235}));
  EXPECT_EQ(m.counts[1], (std::vector<double>{5, 6}));
  EXPECT_EQ(m.counts[2], (std::vector<double>{3, 4}));
  EXPECT_EQ(m.counts[3], (std::vector<double>{1, 2}));
  EXPECT_EQ(s.motifs[1].name, "SECOND");
  EXPECT_EQ(s.max_length(), 2u);
}

TEST(Motif, PseudocountFormula) {
  const Motif m =
      parse_jaspar(">p\nA [ 6 0 1 ]\nC [ 2 0 1 ]\nG [ 0 4 1 ]\nT [ 0 0 1 ]\n", "p").motifs[0];
  for (const double eps : {0.0, 0.01, 0.1, 1.0}) {
    for (std::size_t j = 0; j < m.length(); ++j) {
      const double total = m.counts[0][j] + m.counts[1][j] + m.counts[2][j] + m.counts[3][j];
      double sum = 0;
      for (int b = 0; b < 4; ++b) {
        const double expected = (m.counts[b][j] / total + eps) / (1 + 4 * eps);
        EXPECT_EQ(m.probability(b, j, eps), expected) << "eps " << eps << " b " << b << " j " << j;
        sum += m.probability(b, j, eps);
      }
      EXPECT_NEAR(sum, 1.0, kSumTol);
    }
  }
  // The uniform column stays uniform; the default pseudocount is 0.01.
  EXPECT_EQ(m.probability(3, 2), 0.25);
  EXPECT_EQ(m.probability(3, 0), m.probability(3, 0, 0.01));
  // probabilities(): (length x 4) row-major.
  const std::vector<double> p = m.probabilities(0.0);
  ASSERT_EQ(p.size(), 12u);
  EXPECT_TRUE(test::all_close(
      p, std::vector<double>{0.75, 0.25, 0, 0, 0, 0, 1, 0, 0.25, 0.25, 0.25, 0.25}));
}

TEST(Motif, InformationContentByHand) {
  const Motif m =
      parse_jaspar(">ic\nA [ 10 5 1 ]\nC [ 0 5 1 ]\nG [ 0 0 1 ]\nT [ 0 0 1 ]\n", "ic").motifs[0];
  // Without pseudocount: a certain column holds 2 bits, a half/half column 1, uniform 0.
  EXPECT_EQ(m.column_information(0, 0.0), 2.0);
  EXPECT_EQ(m.column_information(1, 0.0), 1.0);
  EXPECT_EQ(m.column_information(2, 0.0), 0.0);
  EXPECT_EQ(m.information_content(0.0), 3.0);
  // With eps = 0.01: column 0 is (1.01, 0.01, 0.01, 0.01) / 1.04.
  const double hi = 1.01 / 1.04, lo = 0.01 / 1.04;
  const double col0 = hi * std::log2(hi / 0.25) + 3 * lo * std::log2(lo / 0.25);
  EXPECT_NEAR(m.column_information(0), col0, 1e-14);
  EXPECT_NEAR(col0, 1.7657, 1e-4);  // a sanity anchor for the formula itself
  const double mid = 0.51 / 1.04;
  const double col1 = 2 * mid * std::log2(mid / 0.25) + 2 * lo * std::log2(lo / 0.25);
  EXPECT_NEAR(m.information_content(), col0 + col1, 1e-14);
}

TEST(Motif, MemeHandWritten) {
  const std::string text =
      "MEME version 5\n"
      "\n"
      "ALPHABET= ACGT\n"
      "strands: + -\n"
      "\n"
      "Background letter frequencies (from uniform background):\n"
      "A 0.30000 C 0.20000 G 0.20000 T 0.30000\n"
      "\n"
      "MOTIF M1 first\n"
      "letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 1.5e-3\n"
      "  0.500000  0.250000  0.250000  0.000000\n"
      "  0.000000  0.000000  0.000000  1.000000\n"
      "URL http://example.org/M1\n"
      "\n"
      "MOTIF M2\r\n"
      "letter-probability matrix:\r\n"
      " 0.1 0.2 0.3 0.4\r\n";
  const MotifSet s = parse_meme(text, "hand.meme");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.motifs[0].id, "M1");
  EXPECT_EQ(s.motifs[0].name, "first");
  EXPECT_EQ(s.motifs[0].counts[0], (std::vector<double>{10, 0}));  // probability x nsites
  EXPECT_EQ(s.motifs[0].counts[3], (std::vector<double>{0, 20}));
  EXPECT_EQ(s.motifs[0].consensus(), "AT");
  EXPECT_EQ(s.motifs[1].name, "M2");
  EXPECT_EQ(s.motifs[1].length(), 1u);
  EXPECT_EQ(s.motifs[1].counts[2], (std::vector<double>{0.3}));  // no nsites: counts = p
}

// ---- the bundled sets and data/motifs -------------------------------------------------------

struct Expected {
  const char* id;
  const char* name;
  std::size_t length;
  const char* consensus;
};
// data/motifs/README.md, "Matrices".
const Expected kDistinct1[] = {{"MA0018.3", "CREB1", 12, "GGTGACGTCACC"},
                               {"MA0048.1", "NHLH1", 12, "GCGCAGCTGCGT"},
                               {"MA0098.3", "ETS1", 10, "ACCGGAAGTG"},
                               {"MA0090.3", "TEAD1", 13, "CCACATTCCAGGC"}};
const Expected kMef2a[] = {{"MA0052.1", "MEF2A", 10, "CTATTTATAG"},
                           {"MA0052.2", "MEF2A", 15, "AGCTAAAAATAGCAT"},
                           {"MA0052.3", "MEF2A", 12, "TCTAAAAATAGA"},
                           {"MA0052.4", "MEF2A", 15, "TTCTAAAAATAGAAA"}};

template <std::size_t N>
void expect_set(const MotifSet& s, const Expected (&expected)[N]) {
  ASSERT_EQ(s.size(), N) << s.name;
  for (std::size_t i = 0; i < N; ++i) {
    const Motif& m = s.motifs[i];
    EXPECT_EQ(m.id, expected[i].id);
    EXPECT_EQ(m.name, expected[i].name);
    EXPECT_EQ(m.length(), expected[i].length) << m.id;
    EXPECT_EQ(m.consensus(), expected[i].consensus) << m.id;
    for (int b = 0; b < 4; ++b) EXPECT_EQ(m.counts[b].size(), m.length()) << m.id;
  }
}

TEST(Motif, BundledSetsMatchTheReadme) {
  const MotifSet d = load_motifs("distinct_1");
  EXPECT_EQ(d.name, "distinct_1");
  expect_set(d, kDistinct1);
  EXPECT_EQ(d.max_length(), 13u);
  const MotifSet m = load_motifs("MEF2A");
  EXPECT_EQ(m.name, "MEF2A");
  expect_set(m, kMef2a);
  EXPECT_EQ(m.max_length(), 15u);
  // Known counts: MA0018.3 column 1 and MA0048.1's last column (README tables).
  EXPECT_EQ(d.motifs[0].counts[0][0], 1935);
  EXPECT_EQ(d.motifs[0].counts[3][0], 2102);
  EXPECT_EQ(d.motifs[1].counts[3][11], 20);
}

TEST(Motif, BundledSetsEqualTheirFiles) {
  for (const char* name : {"distinct_1", "MEF2A"}) {
    const std::string path = source_path(std::string("data/motifs/") + name + ".jaspar");
    const MotifSet bundled = load_motifs(name);
    const MotifSet by_path = load_motifs(path);
    EXPECT_EQ(by_path.name, path);
    const MotifSet read = read_motif_file(path);
    ASSERT_EQ(bundled.size(), by_path.size());
    ASSERT_EQ(bundled.size(), read.size());
    for (std::size_t i = 0; i < bundled.size(); ++i) {
      EXPECT_EQ(bundled.motifs[i].id, by_path.motifs[i].id);
      EXPECT_EQ(bundled.motifs[i].name, by_path.motifs[i].name);
      EXPECT_EQ(bundled.motifs[i].counts, by_path.motifs[i].counts);
      EXPECT_EQ(bundled.motifs[i].counts, read.motifs[i].counts);
    }
  }
}

TEST(Motif, EverySingleMatrixFile) {
  const MotifSet d = load_motifs("distinct_1"), m = load_motifs("MEF2A");
  std::vector<std::pair<Expected, const MotifSet*>> all;
  for (const Expected& e : kDistinct1) all.push_back({e, &d});
  for (const Expected& e : kMef2a) all.push_back({e, &m});
  for (const auto& [e, set] : all) {
    const MotifSet s = read_motif_file(source_path(std::string("data/motifs/") + e.id + ".jaspar"));
    ASSERT_EQ(s.size(), 1u) << e.id;
    EXPECT_EQ(s.motifs[0].id, e.id);
    EXPECT_EQ(s.motifs[0].name, e.name);
    EXPECT_EQ(s.motifs[0].length(), e.length);
    EXPECT_EQ(s.motifs[0].consensus(), e.consensus);
    EXPECT_EQ(s.motifs[0].counts, find_motif(*set, e.id).counts) << e.id;
  }
}

TEST(Motif, VaryingColumnTotalsNormaliseEachColumn) {
  const MotifSet set = load_motifs("distinct_1");
  const Motif& m = find_motif(set, "MA0098.3");
  std::set<double> totals;
  for (std::size_t j = 0; j < m.length(); ++j) {
    totals.insert(m.counts[0][j] + m.counts[1][j] + m.counts[2][j] + m.counts[3][j]);
  }
  ASSERT_GT(totals.size(), 1u) << "MA0098.3 should have differing column totals";
  EXPECT_EQ(*totals.begin(), 2683);
  EXPECT_EQ(*totals.rbegin(), 3774);

  const std::vector<double> p = m.probabilities();
  ASSERT_EQ(p.size(), 4 * m.length());
  for (std::size_t j = 0; j < m.length(); ++j) {
    const double total = m.counts[0][j] + m.counts[1][j] + m.counts[2][j] + m.counts[3][j];
    double sum = 0;
    for (std::size_t b = 0; b < 4; ++b) {
      EXPECT_EQ(p[4 * j + b], (m.counts[b][j] / total + 0.01) / 1.04) << "column " << j;
      sum += p[4 * j + b];
    }
    EXPECT_NEAR(sum, 1.0, kSumTol) << "column " << j;
  }
}

TEST(Motif, InformationContentAndConsensusMatchBiopython) {
  std::ifstream in(data_path("similarity_biopython.json"));
  ASSERT_TRUE(in) << "missing fixture; run tests/data/make_similarity_fixture.py";
  const nlohmann::json doc = nlohmann::json::parse(in);
  const double eps = doc.at("pseudocount").get<double>();
  std::map<std::string, MotifSet> sets;
  for (const auto& [name, rel] : doc.at("sets").items()) {
    sets[name] = read_motif_file(source_path(rel.get<std::string>()));
  }
  int checked = 0;
  for (const auto& ref : doc.at("motifs")) {
    const Motif& m =
        find_motif(sets.at(ref.at("set").get<std::string>()), ref.at("id").get<std::string>());
    SCOPED_TRACE(m.id);
    EXPECT_EQ(m.name, ref.at("name").get<std::string>());
    EXPECT_EQ(m.length(), ref.at("length").get<std::size_t>());
    EXPECT_EQ(m.consensus(), ref.at("consensus").get<std::string>());
    std::vector<double> ic(m.length());
    for (std::size_t j = 0; j < m.length(); ++j) ic[j] = m.column_information(j, eps);
    EXPECT_TRUE(test::all_close(ref.at("column_information").get<std::vector<double>>(), ic,
                                kBioTol, kBioTol));
    const double total = ref.at("information_content").get<double>();
    EXPECT_NEAR(m.information_content(eps), total, kBioTol * total);
    ++checked;
  }
  EXPECT_GE(checked, 29);
}

TEST(Motif, MemeAndJasparReadingsOfTheJasparCollectionAgree) {
  const MotifSet jaspar = read_motif_file(data_path("jaspar_core_vertebrates_nr.jaspar"));
  const MotifSet meme = read_motif_file(data_path("jaspar_core_vertebrates_nr.meme"));
  ASSERT_EQ(jaspar.size(), 746u);
  ASSERT_EQ(meme.size(), 746u);
  for (std::size_t i = 0; i < jaspar.size(); ++i) {
    const Motif& a = jaspar.motifs[i];
    const Motif& b = meme.motifs[i];
    SCOPED_TRACE(a.id);
    ASSERT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.length(), b.length());
    EXPECT_TRUE(test::all_close(a.probabilities(), b.probabilities(), 0, kMemeTol));
    EXPECT_TRUE(test::all_close(a.probabilities(0.0), b.probabilities(0.0), 0, kMemeTol));
  }
  // The one matrix with decimal counts.
  const Motif& smad4 = find_motif(jaspar, "MA1153.1");
  EXPECT_EQ(smad4.counts[0][0], 88.235);
  EXPECT_EQ(smad4.counts[3][0], 580.882);
}

TEST(Motif, FormatIsChosenByContent) {
  const std::string dir = test::scratch_dir("motif_format");
  // A MEME file named .jaspar and a JASPAR file named .meme.
  {
    std::ofstream(dir + "/a.jaspar")
        << "\nMEME version 4\nMOTIF X\nletter-probability matrix:\n1 0 0 0\n";
    std::ofstream(dir + "/b.meme") << ">Y\nA [ 1 ]\nC [ 0 ]\nG [ 0 ]\nT [ 0 ]\n";
  }
  EXPECT_EQ(read_motif_file(dir + "/a.jaspar").motifs.at(0).id, "X");
  EXPECT_EQ(read_motif_file(dir + "/b.meme").motifs.at(0).id, "Y");
  EXPECT_EQ(load_motifs(dir + "/a.jaspar").name, dir + "/a.jaspar");
}

// ---- errors -----------------------------------------------------------------------------------

struct BadFile {
  const char* file;
  long line;
  const char* message;  // a distinctive part of the reason
};
// One file per failure in tests/data/motifs_bad/ (see its README.md).
const BadFile kBadFiles[] = {
    {"empty.jaspar", 1, "empty file: no motifs found"},
    {"only_blank_lines.jaspar", 1, "empty file: no motifs found"},
    {"rows_before_header.jaspar", 1, "expected a header line '>ID NAME' before matrix rows"},
    {"header_without_id.jaspar", 1, "header line has no motif id"},
    {"unknown_letter.jaspar", 5, "row 'U': unknown base letter (expected A, C, G or T)"},
    {"row_without_letter.jaspar", 2, "matrix row without a base letter"},
    {"duplicate_row.jaspar", 4, "duplicate row 'A' in motif MA0001.1 (first at line 2)"},
    {"missing_row.jaspar", 1, "motif MA0001.1 has only 3 of the 4 rows A, C, G, T (missing T)"},
    {"unequal_rows.jaspar", 3, "row 'C' has 11 counts, expected 12"},
    {"not_a_number.jaspar", 3, "'1x2' is not a number"},
    {"negative_count.jaspar", 4, "negative count -3"},
    {"nan_count.jaspar", 5, "non-finite count 'nan'"},
    {"infinite_count.jaspar", 2, "non-finite count 'inf'"},
    {"unclosed_bracket.jaspar", 3, "unclosed '['"},
    {"text_after_bracket.jaspar", 5, "unexpected text '8' after ']'"},
    {"zero_column.jaspar", 1, "column 5 of MA0001.1 sums to 0"},
    // Finite counts whose column total overflows (gave NaN probabilities: a wrong PWM).
    {"overflowing_counts.jaspar", 1, "column 1 of MA0001.1 sums to infinity"},
    {"no_columns.jaspar", 1, "motif MA0001.1 has no columns"},
    {"crlf_second_motif.jaspar", 11, "row 'G' has 3 counts, expected 4"},
    {"meme_no_version.meme", 1, "not a MEME file: missing 'MEME version' line"},
    {"meme_wrong_alphabet.meme", 3,
     "ALPHABET= ACDEFGHIKLMNPQRSTVWY: only the DNA alphabet ACGT is supported"},
    {"meme_alength.meme", 4, "alength= 5: only the DNA alphabet ACGT is supported"},
    {"meme_w_mismatch.meme", 6, "w= 10 but 9 rows follow"},
    {"meme_row_3_values.meme", 6, "letter-probability matrix row has 3 values, expected 4"},
    {"meme_negative_probability.meme", 6, "negative probability -0.5"},
    {"meme_zero_row.meme", 6, "column 2 of M1 sums to 0"},
    {"meme_row_sum.meme", 8, "letter-probability matrix row sums to 20, not 1"},
    {"meme_no_matrix.meme", 3, "motif M1 has no letter-probability matrix"},
    {"meme_matrix_before_motif.meme", 3, "letter-probability matrix before any MOTIF line"},
    {"meme_no_motifs.meme", 5, "no motifs found"},
    {"meme_unexpected_line.meme", 4, "unexpected line 'this is not a matrix'"},
};

TEST(MotifErrors, EveryBadFileFailsWithFileLineAndReason) {
  for (const BadFile& bad : kBadFiles) {
    const std::string path = data_path(std::string("motifs_bad/") + bad.file);
    SCOPED_TRACE(path);
    ASSERT_TRUE(std::filesystem::exists(path));
    for (const bool via_load : {false, true}) {
      const std::string msg =
          error_of([&] { via_load ? load_motifs(path) : read_motif_file(path); });
      const std::string prefix = path + ":" + std::to_string(bad.line) + ": ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << "message: " << msg << "\nexpected prefix: " << prefix;
      EXPECT_NE(msg.find(bad.message), std::string::npos) << "message: " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }
}

TEST(MotifErrors, EveryFileInMotifsBadIsInTheTable) {
  std::set<std::string> listed;
  for (const BadFile& bad : kBadFiles) listed.insert(bad.file);
  for (const auto& entry : std::filesystem::directory_iterator(data_path("motifs_bad"))) {
    const std::string name = entry.path().filename().string();
    if (name == "README.md") continue;
    EXPECT_TRUE(listed.count(name)) << name << " has no row in kBadFiles";
  }
}

TEST(MotifErrors, SourceNameAndLineInParsedText) {
  EXPECT_EQ(
      error_of([] { parse_jaspar("\n\n>m\nA [ 1 ]\nC [ 1 ]\nG [ 1 ]\nX [ 1 ]\n", "<text>"); }),
      "<text>:7: row 'X': unknown base letter (expected A, C, G or T)");
  EXPECT_EQ(error_of([] { parse_meme("", "<text>"); }), "<text>:1: empty file: no motifs found");
  EXPECT_EQ(error_of([] { parse_meme(">m\nA [ 1 ]\n", "<text>"); }),
            "<text>:1: not a MEME file: missing 'MEME version' line (expected as the first line)");
  // A row that is too long for a readable message is shortened.
  const std::string msg =
      error_of([] { parse_jaspar(">m\nA [ 1 " + std::string(100, '9') + "x ]\n", "<text>"); });
  EXPECT_LT(msg.size(), 80u) << msg;
}

TEST(MotifErrors, EveryTruncationOrCorruptionParsesOrThrowsError) {
  // Cut a real file at every byte, and overwrite single bytes with awkward characters: the
  // reader either succeeds or throws mint::Error, nothing else (run under ASan/UBSan too).
  std::string jaspar;
  for (const BundledMotifSet& b : bundled_motif_sets()) jaspar += b.jaspar_text;
  std::ifstream in(data_path("jaspar_core_vertebrates_nr.meme"));
  std::string meme(4000, '\0');
  in.read(meme.data(), static_cast<std::streamsize>(meme.size()));
  meme.resize(static_cast<std::size_t>(in.gcount()));
  int parsed = 0, failed = 0;
  auto attempt = [&](const std::string& text, bool as_meme) {
    try {
      as_meme ? parse_meme(text, "t") : parse_jaspar(text, "t");
      ++parsed;
    } catch (const Error&) {
      ++failed;
    }
  };
  for (std::size_t n = 0; n <= jaspar.size(); ++n) attempt(jaspar.substr(0, n), false);
  for (std::size_t n = 0; n <= meme.size(); ++n) attempt(meme.substr(0, n), true);
  for (std::size_t i = 0; i < jaspar.size(); i += 7) {
    for (const char c : {'\0', '[', ']', '>', '-', 'x', '\n'}) {
      std::string t = jaspar;
      t[i] = c;
      attempt(t, false);
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

TEST(MotifErrors, UnknownSetOrMissingFile) {
  EXPECT_EQ(error_of([] { load_motifs("distinct_2"); }),
            "unknown motif set 'distinct_2': not a bundled set (distinct_1, MEF2A) and no such "
            "file");
  const std::string missing = data_path("motifs_bad/does_not_exist.jaspar");
  EXPECT_EQ(error_of([&] { read_motif_file(missing); }),
            missing + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([] { read_motif_file(MINT_TEST_DATA_DIR); }),
            std::string(MINT_TEST_DATA_DIR) + ": cannot open: is a directory");
}

}  // namespace
}  // namespace mint

namespace mint {
namespace {

// Tables name motifs by name, by id where names are shared (MEF2A), by id#index beyond that.
TEST(MotifSet, LabelsAreUnique) {
  EXPECT_EQ(load_motifs("distinct_1").labels(),
            (std::vector<std::string>{"CREB1", "NHLH1", "ETS1", "TEAD1"}));
  EXPECT_EQ(load_motifs("MEF2A").labels(),
            (std::vector<std::string>{"MA0052.1", "MA0052.2", "MA0052.3", "MA0052.4"}));
  MotifSet set = load_motifs("distinct_1");
  set.motifs[2].name = "CREB1";
  set.motifs[3] = set.motifs[2];
  EXPECT_EQ(set.labels(),
            (std::vector<std::string>{"MA0018.3", "NHLH1", "MA0098.3#2", "MA0098.3#3"}));
}

}  // namespace
}  // namespace mint

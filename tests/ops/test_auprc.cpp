// AUPRC / average precision / ROC AUC against scikit-learn: hand-written cases first (the two
// worked examples of reference-semantics.md §7, constant scores, the degenerate classes, errors),
// then every case of tests/data/auprc/manifest.json (expected = current scikit-learn), then
// invariants: values in [0, 1] and unchanged by reordering the (score, label) pairs.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/npy.hpp"
#include "ops/auprc/auprc.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// NumPy sums pairwise and mint does too, but scikit-learn's cumsum/divide order could in
// principle differ in the last bit: finite values compare at 1e-12 relative.
constexpr double kSklearnTol = 1e-12;

const std::string kDir = std::string(MINT_TEST_DATA_DIR) + "/auprc/";

::testing::AssertionResult near(double ref, double got) {
  if (std::isnan(ref) && std::isnan(got)) return ::testing::AssertionSuccess();
  return test::all_close(std::vector<double>{ref}, std::vector<double>{got}, kSklearnTol);
}

bool has(const CurveScores& s, const std::string& w) {
  return std::find(s.warnings.begin(), s.warnings.end(), w) != s.warnings.end();
}

std::vector<std::uint8_t> u8(const std::vector<int>& v) { return {v.begin(), v.end()}; }

TEST(Auprc, WorkedExampleDoc) {
  const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
  const auto y = u8({0, 0, 1, 1});
  const CurveScores r = score_curve(s.data(), y.data(), s.size());
  EXPECT_EQ(r.average_precision, 0.8333333333333333);
  EXPECT_EQ(r.auprc, 0.7916666666666666);
  EXPECT_EQ(r.auroc, 0.75);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Auprc, WorkedExampleTies) {
  const std::vector<double> s{0.9, 0.7, 0.7, 0.5, 0.5, 0.5, 0.2, 0.2};
  const auto y = u8({1, 1, 0, 1, 0, 0, 1, 0});
  const CurveScores r = score_curve(s.data(), y.data(), s.size());
  EXPECT_EQ(r.average_precision, 0.6666666666666666);
  EXPECT_EQ(r.auprc, 0.7291666666666666);
  EXPECT_EQ(r.auroc, 0.625);
}

TEST(Auprc, ConstantScores) {
  for (const std::size_t n : {1u, 7u, 50u, 333u}) {
    std::vector<double> s(n, 0.25);
    std::vector<std::uint8_t> y(n, 0);
    const std::size_t npos = (n + 2) / 3;
    for (std::size_t i = 0; i < npos; ++i) y[i * 3 % n] = 1;
    std::size_t p = 0;
    for (auto v : y) p += v;
    const double pi = static_cast<double>(p) / static_cast<double>(n);
    const CurveScores r = score_curve(s.data(), y.data(), n);
    EXPECT_TRUE(near(pi, r.average_precision)) << n;
    EXPECT_TRUE(near((1 + pi) / 2, r.auprc)) << n;
    if (p == n) {
      EXPECT_TRUE(std::isnan(r.auroc));
    } else {
      EXPECT_EQ(r.auroc, 0.5) << n;
    }
  }
}

TEST(Auprc, NoPositives) {
  const std::vector<float> s{0.3f, 0.1f, 0.7f};
  const auto y = u8({0, 0, 0});
  const CurveScores r = score_curve(s.data(), y.data(), s.size());
  EXPECT_EQ(r.average_precision, 0.0);
  EXPECT_FALSE(std::signbit(r.average_precision));
  EXPECT_EQ(r.auprc, 0.5);
  EXPECT_TRUE(std::isnan(r.auroc));
  EXPECT_TRUE(has(r, kNoPositiveWarning));
  EXPECT_TRUE(has(r, kOneClassWarning));
  EXPECT_EQ(r.warnings.size(), 2u);
}

TEST(Auprc, NoNegatives) {
  const std::vector<double> s{0.3, 0.1, 0.7, 0.7};
  const auto y = u8({1, 1, 1, 1});
  const CurveScores r = score_curve(s.data(), y.data(), s.size());
  EXPECT_TRUE(near(1.0, r.average_precision));
  EXPECT_TRUE(near(1.0, r.auprc));
  EXPECT_TRUE(std::isnan(r.auroc));
  EXPECT_EQ(r.warnings, std::vector<std::string>{kOneClassWarning});
}

TEST(Auprc, SingleSample) {
  const double s = 0.5;
  const std::uint8_t one = 1, zero = 0;
  EXPECT_EQ(score_curve(&s, &one, 1).average_precision, 1.0);
  EXPECT_EQ(score_curve(&s, &zero, 1).average_precision, 0.0);
}

TEST(Auprc, Errors) {
  const std::vector<double> s{0.1, std::nan(""), 0.3};
  const auto y = u8({0, 1, 0});
  try {
    score_curve(s.data(), y.data(), s.size());
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Input contains NaN.");
  }
  const std::vector<float> inf{0.1f, INFINITY};
  EXPECT_THROW(score_curve(inf.data(), y.data(), 2), Error);
  EXPECT_THROW(score_curve(s.data(), y.data(), 0), Error);
  const auto bad = u8({0, 2, 1});
  const std::vector<double> ok{0.1, 0.2, 0.3};
  EXPECT_THROW(score_curve(ok.data(), bad.data(), 3), Error);
  try {
    score_rows(s.data(), y.data(), nullptr, 1, 3);
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "row 0: Input contains NaN.");
  }
  const std::vector<std::uint8_t> none(3, 0);
  EXPECT_THROW(score_rows(ok.data(), y.data(), none.data(), 1, 3), Error);
}

TEST(Auprc, Float32OneUlpIsAThreshold) {
  const float a = 0.1f, b = std::nextafter(a, 1.0f);
  const std::vector<float> s{b, a};
  const auto y = u8({0, 1});
  // Two thresholds: the negative ranks first, so ROC AUC is 0; tied it would be 0.5.
  EXPECT_EQ(score_curve(s.data(), y.data(), 2).auroc, 0.0);
  const std::vector<float> t{a, a};
  EXPECT_EQ(score_curve(t.data(), y.data(), 2).auroc, 0.5);
}

// ---- Parity with the scikit-learn fixtures ----

nlohmann::json manifest() {
  std::ifstream f(kDir + "manifest.json");
  return nlohmann::json::parse(f);
}

double value_of(const nlohmann::json& v) {
  const auto& x = v.at("value");
  if (x.is_string()) {
    EXPECT_EQ(x.get<std::string>(), "nan");
    return std::nan("");
  }
  return x.get<double>();
}

std::vector<std::string> warnings_of(const nlohmann::json& v) {
  std::vector<std::string> w;
  if (v.contains("warnings")) {
    for (const auto& x : v["warnings"]) w.push_back(x.at("message").get<std::string>());
  }
  return w;
}

CurveScores score_npy(const NpyArray& s, const std::vector<std::uint8_t>& y) {
  if (s.dtype == "f4") return score_curve(s.as<float>(), y.data(), y.size());
  return score_curve(s.as<double>(), y.data(), y.size());
}

std::vector<std::uint8_t> labels_of(const NpyArray& a) {
  const auto v = a.to_vector<double>();
  return {v.begin(), v.end()};
}

TEST(AuprcFixtures, EveryCase) {
  const nlohmann::json m = manifest();
  int checked = 0;
  for (const auto& [name, c] : m.at("cases").items()) {
    if (!c.contains("expected")) continue;
    SCOPED_TRACE(name);
    const NpyArray s = read_npy(kDir + name + "/scores.npy");
    const NpyArray l = read_npy(kDir + name + "/labels.npy");
    EXPECT_EQ(s.dtype, c["files"]["scores.npy"]["dtype"] == "float32" ? "f4" : "f8");
    const std::vector<std::uint8_t> y = labels_of(l);
    const auto& e = c["expected"];
    const auto& ap = e.at("average_precision_score");
    if (ap.contains("raises")) {
      try {
        score_npy(s, y);
        ADD_FAILURE() << "no error";
      } catch (const Error& err) {
        EXPECT_EQ(std::string(err.what()), ap["message"].get<std::string>());
      }
      ++checked;
      continue;
    }
    const CurveScores r = score_npy(s, y);
    const auto& pr = e.at("auc(recall, precision)");
    const auto& roc = e.at("roc_auc_score");
    EXPECT_TRUE(near(value_of(ap), r.average_precision)) << "average_precision";
    EXPECT_TRUE(near(value_of(pr), r.auprc)) << "auprc";
    EXPECT_TRUE(near(value_of(roc), r.auroc)) << "auroc";
    EXPECT_EQ(std::signbit(r.average_precision), ap.at("signbit").get<bool>());
    std::vector<std::string> want;
    for (const auto* v : {&ap, &pr, &roc}) {
      for (const auto& w : warnings_of(*v)) {
        if (std::find(want.begin(), want.end(), w) == want.end()) want.push_back(w);
      }
    }
    EXPECT_EQ(r.warnings, want);
    ++checked;
  }
  EXPECT_EQ(checked, 13);
}

TEST(AuprcFixtures, PerSequence10x250) {
  const std::string d = kDir + "per_sequence_10x250/";
  const NpyArray s = read_npy(d + "scores.npy"), l = read_npy(d + "labels.npy"),
                 inc = read_npy(d + "include.npy");
  ASSERT_EQ(s.dtype, "f4");
  ASSERT_EQ(s.shape, (std::vector<std::int64_t>{10, 250}));
  const auto y = labels_of(l);
  const auto keep = labels_of(inc);
  const auto rows = score_rows(s.as<float>(), y.data(), keep.data(), 10, 250);
  const auto ap = read_npy(d + "expected_ap.npy").to_vector<double>();
  const auto pr = read_npy(d + "expected_auc_pr.npy").to_vector<double>();
  const auto roc = read_npy(d + "expected_roc_auc.npy").to_vector<double>();
  std::vector<double> got_ap, got_pr, got_roc;
  for (const auto& r : rows) {
    got_ap.push_back(r.average_precision);
    got_pr.push_back(r.auprc);
    got_roc.push_back(r.auroc);
  }
  EXPECT_TRUE(test::all_close(ap, got_ap, kSklearnTol));
  EXPECT_TRUE(test::all_close(pr, got_pr, kSklearnTol));
  EXPECT_TRUE(test::all_close(roc, got_roc, kSklearnTol));
  // The manifest's JSON values agree with the .npy arrays.
  const nlohmann::json m = manifest();
  const auto& e = m["cases"]["per_sequence_10x250"]["expected_per_sequence"];
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_TRUE(near(value_of(e["average_precision_score"][i]), got_ap[i])) << i;
    EXPECT_TRUE(near(value_of(e["auc(recall, precision)"][i]), got_pr[i])) << i;
    EXPECT_TRUE(near(value_of(e["roc_auc_score"][i]), got_roc[i])) << i;
  }
  // Pooled: all included positions of all rows, row-major.
  std::vector<float> ps;
  std::vector<std::uint8_t> py;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (keep[i]) {
      ps.push_back(s.as<float>()[i]);
      py.push_back(y[i]);
    }
  }
  const CurveScores pooled = score_curve(ps.data(), py.data(), ps.size());
  const auto& p = m["cases"]["per_sequence_10x250"]["expected_pooled"];
  EXPECT_TRUE(near(value_of(p["average_precision_score"]), pooled.average_precision));
  EXPECT_TRUE(near(value_of(p["auc(recall, precision)"]), pooled.auprc));
  EXPECT_TRUE(near(value_of(p["roc_auc_score"]), pooled.auroc));
}

// ---- Invariants ----

TEST(AuprcInvariants, RangeAndShuffle) {
  for (const std::uint64_t seed : test::kSeeds) {
    std::mt19937_64 rng(seed);
    for (const std::size_t n : {1u, 2u, 7u, 33u, 65u, 1000u}) {
      std::vector<float> s(n);
      std::vector<std::uint8_t> y(n);
      for (std::size_t i = 0; i < n; ++i) {
        s[i] = static_cast<float>(rng() % 17) / 16.0f;  // many ties
        y[i] = static_cast<std::uint8_t>(rng() % 3 == 0);
      }
      const CurveScores a = score_curve(s.data(), y.data(), n);
      for (const double v : {a.auprc, a.average_precision, a.auroc}) {
        if (!std::isnan(v)) {
          EXPECT_GE(v, 0.0);
          EXPECT_LE(v, 1.0 + 1e-15);
        }
      }
      std::vector<std::size_t> perm(n);
      for (std::size_t i = 0; i < n; ++i) perm[i] = i;
      std::shuffle(perm.begin(), perm.end(), rng);
      std::vector<float> s2(n);
      std::vector<std::uint8_t> y2(n);
      for (std::size_t i = 0; i < n; ++i) {
        s2[i] = s[perm[i]];
        y2[i] = y[perm[i]];
      }
      const CurveScores b = score_curve(s2.data(), y2.data(), n);
      // Tie groups enter at once, so the results are bit-identical.
      EXPECT_TRUE(near(a.auprc, b.auprc) && a.auprc == b.auprc) << seed << " " << n;
      EXPECT_EQ(a.average_precision, b.average_precision);
      EXPECT_TRUE(std::isnan(a.auroc) ? std::isnan(b.auroc) : a.auroc == b.auroc);
      EXPECT_EQ(a.warnings, b.warnings);
    }
  }
}

TEST(AuprcInvariants, RowsMatchSingleCurves) {
  std::mt19937_64 rng(test::kSeeds[2]);
  const std::size_t rows = 37, cols = 65;
  std::vector<double> s(rows * cols);
  std::vector<std::uint8_t> y(rows * cols), inc(rows * cols);
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i] = static_cast<double>(rng() % 1000) / 999.0;
    y[i] = static_cast<std::uint8_t>(rng() % 4 == 0);
    inc[i] = static_cast<std::uint8_t>(rng() % 5 != 0 || i % cols == 0);
  }
  const auto all = score_rows(s.data(), y.data(), inc.data(), rows, cols);
  ASSERT_EQ(all.size(), rows);
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<double> rs;
    std::vector<std::uint8_t> ry;
    for (std::size_t c = 0; c < cols; ++c) {
      if (inc[r * cols + c]) {
        rs.push_back(s[r * cols + c]);
        ry.push_back(y[r * cols + c]);
      }
    }
    const CurveScores one = score_curve(rs.data(), ry.data(), rs.size());
    EXPECT_EQ(all[r].auprc, one.auprc);
    EXPECT_EQ(all[r].average_precision, one.average_precision);
    EXPECT_TRUE(std::isnan(one.auroc) ? std::isnan(all[r].auroc) : all[r].auroc == one.auroc);
  }
}

// Rows sharing their scores (one sort per source) give score_rows' bits on copied scores,
// ties, left-out positions and one-class rows included, and the same error for a NaN.
TEST(AuprcInvariants, SharedRowsMatchCopiedRows) {
  std::mt19937_64 rng(test::kSeeds[3]);
  const std::size_t sources = 23, cols = 70;
  std::vector<float> s(sources * cols);
  // Many ties, both signs, ±0 and far exponents (the shared path radix-sorts the float bits).
  const float special[] = {-0.0f, 0.0f, 1e-30f, -1e-30f, 3e20f, -3e20f, 1e-40f};
  for (float& v : s) {
    const auto r = rng() % 60;
    v = r < 50 ? static_cast<float>(static_cast<int>(r) - 25) / 7.0f : special[r % 7];
  }
  std::vector<std::int64_t> source;
  for (std::size_t k = 0; k < sources; ++k) {
    for (std::size_t j = 0; j < 1 + rng() % 3; ++j) source.push_back(static_cast<std::int64_t>(k));
  }
  const std::size_t rows = source.size();
  std::vector<float> copies(rows * cols);
  std::vector<std::uint8_t> y(rows * cols), inc(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    const bool one_class = r % 9 == 4;
    for (std::size_t c = 0; c < cols; ++c) {
      copies[r * cols + c] = s[static_cast<std::size_t>(source[r]) * cols + c];
      y[r * cols + c] = static_cast<std::uint8_t>(!one_class && rng() % 4 == 0);
      inc[r * cols + c] = static_cast<std::uint8_t>(rng() % 5 != 0 || c == 0);
    }
  }
  const auto shared = score_rows_shared(s.data(), source.data(), y.data(), inc.data(), rows, cols);
  const auto copied = score_rows(copies.data(), y.data(), inc.data(), rows, cols);
  ASSERT_EQ(shared.size(), rows);
  EXPECT_TRUE(score_rows_shared(s.data(), source.data(), y.data(), inc.data(), 0, cols).empty());
  for (std::size_t r = 0; r < rows; ++r) {
    EXPECT_EQ(shared[r].auprc, copied[r].auprc) << r;
    EXPECT_EQ(shared[r].average_precision, copied[r].average_precision) << r;
    EXPECT_TRUE(std::isnan(copied[r].auroc) ? std::isnan(shared[r].auroc)
                                            : shared[r].auroc == copied[r].auroc)
        << r;
    EXPECT_EQ(shared[r].warnings, copied[r].warnings) << r;
  }
  s[5 * cols + 3] = std::nanf("");
  for (std::size_t r = 0; r < rows; ++r) {
    if (source[r] == 5) inc[r * cols + 3] = 1;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    copies[r * cols + 3] = s[static_cast<std::size_t>(source[r]) * cols + 3];
  }
  const std::string want =
      test::error_of([&] { score_rows(copies.data(), y.data(), inc.data(), rows, cols); });
  EXPECT_NE(want.find("Input contains NaN."), std::string::npos);
  EXPECT_EQ(test::error_of([&] {
              score_rows_shared(s.data(), source.data(), y.data(), inc.data(), rows, cols);
            }),
            want);
}

}  // namespace
}  // namespace mint

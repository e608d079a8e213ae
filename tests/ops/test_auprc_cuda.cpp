// Device-side AUPRC (ops/auprc/auprc*.cu) against the CPU reference (score_rows / score_curve):
//   without a GPU — the arithmetic the kernels share with the host (auprc_detail in
//     auprc_core.hpp): the slot decomposition of NumPy's pairwise sum against a copy of
//     auprc.cpp's pairwise_sum, bit for bit, and the whole curve computed the kernels' way
//     (tie groups → CurveGroups terms → chunked pairwise sums) against score_rows, bit for bit;
//     and the no-GPU error (skipped when a GPU is present);
//   with a GPU — hand-written edge cases first (one entry, all tied, no positives, only
//     positives, ±0.0 ties, one-ulp neighbours, denormals, ±FLT_MAX, excluded entries), then
//     seeded random tied rows over awkward column counts on every path (block, segmented,
//     automatic), float32 and float64, long rows (10^5), zero rows, errors with score_rows'
//     messages, the pooled curve against score_curve on the concatenation, the device entry
//     point with guard values after its outputs and a reused workspace.
// Results must be bit-identical to the CPU's (same operations in the same order; NaN where the
// CPU has NaN), and the warnings equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/auprc/auprc.hpp"
#include "ops/auprc/auprc_core.hpp"
#include "ops/auprc/auprc_cuda.hpp"
#include "test_util.hpp"

#if defined(MINT_WITH_CUDA)
#include <cuda_runtime.h>
#endif

namespace mint {
namespace {

using namespace auprc_detail;

constexpr std::uint64_t kSeeds[] = {1, 7, 20261126};
const AuprcCudaPath kPaths[] = {AuprcCudaPath::automatic, AuprcCudaPath::block,
                                AuprcCudaPath::segmented};

const char* path_name(AuprcCudaPath p) {
  return p == AuprcCudaPath::block       ? "block"
         : p == AuprcCudaPath::segmented ? "segmented"
                                         : "automatic";
}

// ---- exact comparison ------------------------------------------------------------------------

bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(double)) == 0;  // +0.0 ≠ −0.0 here
}

// Bit-identical values (NaN matches NaN) and equal warnings, row by row.
::testing::AssertionResult identical(const std::vector<CurveScores>& ref,
                                     const std::vector<CurveScores>& got) {
  if (ref.size() != got.size()) {
    return ::testing::AssertionFailure()
           << "rows differ: ref " << ref.size() << ", got " << got.size();
  }
  std::size_t bad = 0;
  std::string first;
  for (std::size_t r = 0; r < ref.size(); ++r) {
    const CurveScores &a = ref[r], &b = got[r];
    const bool ok = same_bits(a.auprc, b.auprc) &&
                    same_bits(a.average_precision, b.average_precision) &&
                    same_bits(a.auroc, b.auroc) && a.warnings == b.warnings;
    if (!ok && bad++ < 5) {
      char buf[320];
      std::snprintf(buf, sizeof(buf),
                    "\n  row %zu: ref (auprc %.17g, ap %.17g, auroc %.17g, %zu warnings) got "
                    "(%.17g, %.17g, %.17g, %zu warnings)",
                    r, a.auprc, a.average_precision, a.auroc, a.warnings.size(), b.auprc,
                    b.average_precision, b.auroc, b.warnings.size());
      first += buf;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << ref.size() << " rows differ" << first;
}

::testing::AssertionResult identical(const CurveScores& ref, const CurveScores& got) {
  return identical(std::vector<CurveScores>{ref}, std::vector<CurveScores>{got});
}

// ---- random data -----------------------------------------------------------------------------

// Rows of (scores, labels, include) with many ties: each row draws its own number of score
// levels (1 = all tied), its prevalence (0 and 1 included) and its inclusion rate.
template <typename S>
struct Rows {
  std::size_t rows = 0, cols = 0;
  std::vector<S> scores;
  std::vector<std::uint8_t> labels, include;
};

template <typename S>
Rows<S> random_rows(std::size_t rows, std::size_t cols, std::uint64_t seed, bool mask) {
  std::mt19937_64 rng(seed);
  Rows<S> d;
  d.rows = rows;
  d.cols = cols;
  d.scores.resize(rows * cols);
  d.labels.resize(rows * cols);
  if (mask) d.include.resize(rows * cols);
  const int levels_choice[] = {1, 2, 3, 5, 17, 200, 0};  // 0: continuous
  const double prevalence_choice[] = {0.0, 0.02, 0.1, 0.3, 0.5, 1.0};
  const double include_choice[] = {1.0, 0.9, 0.5, 0.05};
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const int levels = levels_choice[rng() % 7];
    const double prevalence = prevalence_choice[rng() % 6];
    const double keep = include_choice[rng() % 4];
    const bool signed_scores = rng() % 3 == 0;
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t i = r * cols + c;
      double v = levels == 0 ? u(rng)
                             : static_cast<double>(rng() % static_cast<unsigned>(levels)) /
                                   static_cast<double>(levels);
      if (signed_scores) v = v - 0.5;  // crosses zero; 0.0 can come out as −0.0 below
      if (v == 0.0 && rng() % 2 == 0) v = -0.0;
      d.scores[i] = static_cast<S>(v);
      d.labels[i] = u(rng) < prevalence ? 1 : 0;
      if (mask) d.include[i] = u(rng) < keep ? 1 : 0;
    }
    if (mask) d.include[r * cols + rng() % cols] = 1;  // never empty
  }
  return d;
}

template <typename S>
std::vector<CurveScores> cpu_rows(const Rows<S>& d) {
  return score_rows(d.scores.data(), d.labels.data(),
                    d.include.empty() ? nullptr : d.include.data(), d.rows, d.cols);
}

// ---- the kernels' arithmetic on the host (no GPU needed) ------------------------------------

// ops/auprc/auprc.cpp's pairwise_sum (NumPy's), verbatim: the reference for the slot decomposition.
double numpy_pairwise_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

struct VectorTerm {
  const std::vector<double>* v;
  double operator()(std::int64_t k) const { return (*v)[static_cast<std::size_t>(k)]; }
};

// Terms of wildly different magnitudes and signs, so any change of order shows in the sum.
std::vector<double> wild_terms(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), e(-12.0, 12.0);
  std::vector<double> a(n);
  for (double& x : a) x = u(rng) * std::pow(10.0, e(rng));
  return a;
}

TEST(AuprcCudaArithmetic, FrontierDepthBoundsEveryNode) {
  for (const std::int64_t leaf : {kPairwiseLeaf, kPairwiseChunk}) {
    for (std::int64_t len = 0; len <= 40000; len += (len < 5000 ? 1 : 37)) {
      const int d = pairwise_slots_log2(len, leaf);
      if (leaf == kPairwiseLeaf && len <= kPairwiseChunk) {
        ASSERT_LE(d, 5) << len;  // a chunk fits one warp's 32 slots
      }
      std::int64_t covered = 0;
      for (std::uint64_t s = 0; s < (std::uint64_t{1} << d); ++s) {
        const PairwiseNode node = pairwise_node(len, leaf, d, s);
        ASSERT_LE(node.len, leaf) << "len " << len << " slot " << s;
        if (pairwise_owner(node, d, s)) {
          ASSERT_EQ(node.off, covered) << "len " << len << " slot " << s;  // in order, no gaps
          covered += node.len;
        }
      }
      ASSERT_EQ(covered, len);
    }
  }
}

TEST(AuprcCudaArithmetic, SlotSumsArePairwiseSumBitForBit) {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (const std::size_t n : {383u, 384u, 385u, 1000u, 1023u, 1024u, 1025u, 2040u, 2047u, 2048u,
                              2049u, 2056u, 4095u, 4096u, 4097u, 9999u, 65537u, 100003u}) {
    lengths.push_back(n);
  }
  lengths.push_back(1000003);
  for (const std::uint64_t seed : kSeeds) {
    for (const std::size_t n : lengths) {
      const std::vector<double> a = wild_terms(n, seed + n);
      const double ref = numpy_pairwise_sum(a.data(), n);
      const VectorTerm term{&a};
      ASSERT_TRUE(same_bits(ref, pairwise_sum_reference(term, static_cast<std::int64_t>(n))))
          << "n " << n << " seed " << seed;
      if (n <= static_cast<std::size_t>(kPairwiseChunk)) {
        ASSERT_TRUE(same_bits(ref, pairwise_chunk_reference(term, 0, static_cast<std::int64_t>(n))))
            << "n " << n << " seed " << seed;
      }
    }
  }
}

// One curve the kernels' way on the host: sorted tie groups → CurveGroups → the ROC points kept
// → terms → pairwise sums (materialised terms in one chunk like the block path, or computed on
// the fly through the chunked tree like the segmented path) → finish_*.
template <typename S>
CurveScores curve_the_kernels_way(const S* scores, const std::uint8_t* labels,
                                  const std::uint8_t* include, std::size_t n, bool block_style) {
  std::vector<std::pair<S, std::uint8_t>> pairs;
  for (std::size_t i = 0; i < n; ++i) {
    if (include == nullptr || include[i] != 0) pairs.emplace_back(scores[i], labels[i]);
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::int64_t> tp, fp;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    t += pairs[i].second;
    if (i + 1 == pairs.size() || pairs[i + 1].first != pairs[i].first) {
      tp.push_back(t);
      fp.push_back(static_cast<std::int64_t>(i) + 1 - t);
    }
  }
  const auto m = static_cast<std::int64_t>(tp.size());
  const std::int64_t npos = tp.back(), nneg = fp.back();
  const CurveGroups<std::int64_t> g{tp.data(), fp.data(), m, static_cast<double>(npos),
                                    static_cast<double>(nneg)};
  std::vector<std::int64_t> kept;
  for (std::int64_t k = 0; k < m; ++k) {
    if (g.roc_keep(k)) kept.push_back(k);
  }
  const bool one_class = npos == 0 || nneg == 0;
  const auto roc_len = one_class ? 0 : static_cast<std::int64_t>(kept.size());
  double ap = 0, pr = 0, roc = 0;
  if (block_style) {
    std::vector<double> a(static_cast<std::size_t>(m)), p(a.size()), o(kept.size());
    for (std::int64_t k = 0; k < m; ++k) {
      a[static_cast<std::size_t>(k)] = g.ap_term(k);
      p[static_cast<std::size_t>(k)] = g.pr_term(k);
    }
    for (std::int64_t k = 0; k < roc_len; ++k)
      o[static_cast<std::size_t>(k)] = g.roc_term(kept.data(), k);
    ap = pairwise_chunk_reference(VectorTerm{&a}, 0, m);
    pr = pairwise_chunk_reference(VectorTerm{&p}, 0, m);
    roc = pairwise_chunk_reference(VectorTerm{&o}, 0, roc_len);
  } else {
    ap = pairwise_sum_reference([&](std::int64_t k) { return g.ap_term(k); }, m);
    pr = pairwise_sum_reference([&](std::int64_t k) { return g.pr_term(k); }, m);
    roc =
        pairwise_sum_reference([&](std::int64_t k) { return g.roc_term(kept.data(), k); }, roc_len);
  }
  CurveScores out;
  out.average_precision = finish_average_precision(ap);
  out.auprc = finish_auprc(pr);
  out.auroc = one_class ? std::numeric_limits<double>::quiet_NaN() : finish_auroc(roc);
  if (npos == 0) out.warnings.emplace_back(kNoPositiveWarning);
  if (one_class) out.warnings.emplace_back(kOneClassWarning);
  return out;
}

template <typename S>
void check_kernels_way(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  const Rows<S> d = random_rows<S>(rows, cols, seed, true);
  const std::vector<CurveScores> ref = cpu_rows(d);
  for (const bool block_style : {true, false}) {
    if (block_style && cols > static_cast<std::size_t>(kPairwiseChunk)) continue;
    std::vector<CurveScores> got(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      got[r] = curve_the_kernels_way(d.scores.data() + r * cols, d.labels.data() + r * cols,
                                     d.include.data() + r * cols, cols, block_style);
    }
    EXPECT_TRUE(identical(ref, got))
        << rows << " x " << cols << " seed " << seed << (block_style ? " block" : " segmented");
  }
}

TEST(AuprcCudaArithmetic, CurvesMatchScoreRowsBitForBit) {
  for (const std::uint64_t seed : kSeeds) {
    for (const std::size_t cols : {1u, 2u, 7u, 33u, 250u, 1024u}) {
      check_kernels_way<float>(400, cols, seed);
      check_kernels_way<double>(100, cols, seed + 1);
    }
    check_kernels_way<float>(3, 100000, seed);
  }
}

TEST(AuprcCudaArithmetic, FirstErrorIsScoreCurvesMessage) {
  const float s[] = {0.5f, std::numeric_limits<float>::quiet_NaN(), 1.0f};
  const std::uint8_t y[] = {0, 1, 1}, keep_all[] = {1, 1, 1}, skip_nan[] = {1, 0, 1},
                     none[] = {0, 0, 0};
  for (const auto* inc : {static_cast<const std::uint8_t*>(nullptr), keep_all, skip_nan, none}) {
    std::string cpu;
    try {
      score_rows(s, y, inc, 1, 3);
    } catch (const Error& e) {
      cpu = e.what();
    }
    const std::string got = first_error(s, y, inc, 3);
    EXPECT_EQ(cpu, got.empty() ? std::string() : "row 0: " + got);
  }
  const double inf[] = {std::numeric_limits<double>::infinity()};
  const std::uint8_t two[] = {2};
  EXPECT_EQ(first_error(inf, y, nullptr, 1),
            "Input contains infinity or a value too large for dtype('float64').");
  EXPECT_EQ(first_error(s, two, nullptr, 1), "labels must be 0 or 1, got 2");
}

// ---- without a GPU ---------------------------------------------------------------------------

TEST(AuprcCuda, NoGpuIsACleanError) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const float s[] = {0.5f};
  const std::uint8_t y[] = {1};
  const std::string reason = cuda_unavailable_reason();
  ASSERT_FALSE(reason.empty());
  try {
    score_rows_cuda(s, y, nullptr, 1, 1);
    FAIL() << "score_rows_cuda did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
  EXPECT_THROW(score_pooled_cuda(s, y, nullptr, 1, 1), Error);
  AuprcCudaWorkspace ws;
  EXPECT_THROW(score_rows_cuda_device(s, y, nullptr, 1, 1, RowCurveScoresDevice{}, ws,
                                      AuprcCudaPath::automatic, nullptr),
               Error);
  EXPECT_THROW(score_pooled_cuda_device(s, y, nullptr, 1, 1, ws, nullptr), Error);
}

// ---- with a GPU ------------------------------------------------------------------------------

template <typename S>
void expect_rows_match(const Rows<S>& d, AuprcCudaPath path, const std::string& what) {
  const std::vector<CurveScores> ref = cpu_rows(d);
  const RowCurveScores got =
      score_rows_cuda(d.scores.data(), d.labels.data(),
                      d.include.empty() ? nullptr : d.include.data(), d.rows, d.cols, path);
  EXPECT_TRUE(identical(ref, got.to_curve_scores())) << what << " path " << path_name(path);
  std::size_t no_pos = 0, one_class = 0;
  for (const CurveScores& c : ref) {
    no_pos += std::count(c.warnings.begin(), c.warnings.end(), kNoPositiveWarning);
    one_class += std::count(c.warnings.begin(), c.warnings.end(), kOneClassWarning);
  }
  EXPECT_EQ(got.no_positive_rows, no_pos) << what;
  EXPECT_EQ(got.one_class_rows, one_class) << what;
}

template <typename S>
Rows<S> one_row(const std::vector<double>& s, const std::vector<int>& y,
                const std::vector<int>& inc = {}) {
  Rows<S> d;
  d.rows = 1;
  d.cols = s.size();
  for (const double v : s) d.scores.push_back(static_cast<S>(v));
  for (const int v : y) d.labels.push_back(static_cast<std::uint8_t>(v));
  for (const int v : inc) d.include.push_back(static_cast<std::uint8_t>(v));
  return d;
}

template <typename S>
void hand_written_cases() {
  const double big = std::numeric_limits<S>::max(), tiny = std::numeric_limits<S>::denorm_min();
  const double one = 1.0, next = static_cast<double>(std::nextafter(static_cast<S>(1), S(2)));
  const std::vector<Rows<S>> cases = {
      one_row<S>({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}),  // doc example
      one_row<S>({0.9, 0.7, 0.7, 0.5, 0.5, 0.5, 0.2, 0.2}, {1, 1, 0, 1, 0, 0, 1, 0}),  // ties
      one_row<S>({0.3}, {1}),                                                          // one entry
      one_row<S>({0.3}, {0}),
      one_row<S>({0.25, 0.25, 0.25, 0.25, 0.25}, {1, 0, 0, 1, 0}),   // all tied
      one_row<S>({0.1, 0.2, 0.3}, {0, 0, 0}),                        // no positives
      one_row<S>({0.1, 0.2, 0.3}, {1, 1, 1}),                        // only positives
      one_row<S>({0.0, -0.0, 0.0, -0.0, 1.0}, {1, 0, 0, 1, 0}),      // ±0 tie
      one_row<S>({one, next, one, next}, {1, 0, 0, 1}),              // one ulp apart
      one_row<S>({tiny, 0.0, -tiny, 2 * tiny}, {1, 0, 1, 0}),        // denormals
      one_row<S>({big, -big, 0.0, big}, {0, 1, 1, 0}),               // extremes
      one_row<S>({0.9, 0.1, 0.5, 0.7}, {1, 0, 1, 0}, {0, 1, 0, 1}),  // excluded
      one_row<S>({0.9, 0.1, 0.5, 0.7}, {1, 0, 1, 0}, {0, 0, 1, 0}),  // one left
  };
  for (const AuprcCudaPath path : kPaths) {
    for (std::size_t c = 0; c < cases.size(); ++c) {
      expect_rows_match(cases[c], path, "case " + std::to_string(c));
    }
  }
}

TEST(AuprcCuda, HandWrittenCasesFloat) {
  MINT_REQUIRE_GPU();
  hand_written_cases<float>();
}

TEST(AuprcCuda, HandWrittenCasesDouble) {
  MINT_REQUIRE_GPU();
  hand_written_cases<double>();
}

TEST(AuprcCuda, RandomTiedRowsEveryPath) {
  MINT_REQUIRE_GPU();
  for (const std::uint64_t seed : kSeeds) {
    for (const std::size_t cols :
         {1u, 7u, 33u, 65u, 128u, 129u, 250u, 256u, 257u, 511u, 512u, 513u, 1000u, 1024u}) {
      for (const bool mask : {false, true}) {
        const Rows<float> d = random_rows<float>(cols <= 256 ? 3000 : 500, cols, seed + cols, mask);
        for (const AuprcCudaPath path : kPaths) {
          expect_rows_match(d, path,
                            "float " + std::to_string(cols) + " cols seed " + std::to_string(seed) +
                                (mask ? " masked" : ""));
        }
      }
      const Rows<double> dd = random_rows<double>(300, cols, seed + 2 * cols, true);
      for (const AuprcCudaPath path : kPaths) {
        expect_rows_match(dd, path, "double " + std::to_string(cols) + " cols");
      }
    }
  }
}

// Invariant: permuting the (score, label, include) triples within each row changes nothing,
// not even the last bit (tie groups enter at once; the sort's order among ties is irrelevant).
TEST(AuprcCuda, RowPermutationChangesNoBit) {
  MINT_REQUIRE_GPU();
  for (const std::size_t cols : {250u, 3000u}) {
    const Rows<float> d = random_rows<float>(500, cols, 17 + cols, true);
    Rows<float> p = d;
    std::mt19937_64 rng(99);
    for (std::size_t r = 0; r < d.rows; ++r) {
      std::vector<std::size_t> perm(cols);
      for (std::size_t c = 0; c < cols; ++c) perm[c] = c;
      std::shuffle(perm.begin(), perm.end(), rng);
      for (std::size_t c = 0; c < cols; ++c) {
        p.scores[r * cols + c] = d.scores[r * cols + perm[c]];
        p.labels[r * cols + c] = d.labels[r * cols + perm[c]];
        p.include[r * cols + c] = d.include[r * cols + perm[c]];
      }
    }
    for (const AuprcCudaPath path : {AuprcCudaPath::automatic, AuprcCudaPath::segmented}) {
      const auto a =
          score_rows_cuda(d.scores.data(), d.labels.data(), d.include.data(), d.rows, cols, path);
      const auto b =
          score_rows_cuda(p.scores.data(), p.labels.data(), p.include.data(), p.rows, cols, path);
      EXPECT_TRUE(identical(a.to_curve_scores(), b.to_curve_scores()))
          << cols << " cols " << path_name(path);
    }
  }
}

TEST(AuprcCuda, LongRowsSegmented) {
  MINT_REQUIRE_GPU();
  for (const std::uint64_t seed : kSeeds) {
    for (const std::size_t cols : {1025u, 3000u, 100000u}) {
      const Rows<float> d = random_rows<float>(cols > 10000 ? 4 : 60, cols, seed, true);
      expect_rows_match(d, AuprcCudaPath::automatic, "float " + std::to_string(cols) + " cols");
    }
    const Rows<double> dd = random_rows<double>(3, 100000, seed + 5, false);
    expect_rows_match(dd, AuprcCudaPath::segmented, "double 100000 cols");
  }
  // The block path refuses rows it cannot hold.
  const Rows<float> d = random_rows<float>(2, 1025, 3, false);
  EXPECT_THROW(
      score_rows_cuda(d.scores.data(), d.labels.data(), nullptr, 2, 1025, AuprcCudaPath::block),
      Error);
}

TEST(AuprcCuda, ZeroRowsAndZeroColumns) {
  MINT_REQUIRE_GPU();
  const float s[] = {0.0f};
  const std::uint8_t y[] = {0};
  for (const AuprcCudaPath path : kPaths) {
    const RowCurveScores r = score_rows_cuda(s, y, nullptr, 0, 250, path);
    EXPECT_EQ(r.size(), 0u);
    try {
      score_rows_cuda(s, y, nullptr, 3, 0, path);
      ADD_FAILURE() << "no error for zero columns";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "row 0: AUPRC of an empty input (no samples)");
    }
  }
}

// The CPU's message, or "" when it does not throw.
template <typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AuprcCuda, ErrorsAreScoreRowsErrors) {
  MINT_REQUIRE_GPU();
  for (const std::size_t cols : {250u, 2000u}) {
    Rows<float> d = random_rows<float>(8, cols, 11, true);
    const auto at = [&](std::size_t r, std::size_t c) { return r * cols + c; };
    std::vector<Rows<float>> bad(5, d);
    bad[0].scores[at(3, 5)] = std::numeric_limits<float>::quiet_NaN();
    bad[0].include[at(3, 5)] = 1;
    bad[1].scores[at(6, 0)] = -std::numeric_limits<float>::infinity();
    bad[1].include[at(6, 0)] = 1;
    bad[2].labels[at(2, 9)] = 2;
    bad[2].include[at(2, 9)] = 1;
    for (std::size_t c = 0; c < cols; ++c) bad[3].include[at(4, c)] = 0;  // empty row 4
    bad[4] = bad[0];  // NaN in row 3, but an excluded NaN in row 1 and a label 7 in row 5
    bad[4].scores[at(1, 2)] = std::numeric_limits<float>::quiet_NaN();
    bad[4].include[at(1, 2)] = 0;
    bad[4].labels[at(5, 1)] = 7;
    bad[4].include[at(5, 1)] = 1;
    for (std::size_t k = 0; k < bad.size(); ++k) {
      const Rows<float>& b = bad[k];
      const std::string cpu = message_of([&] { cpu_rows(b); });
      ASSERT_FALSE(cpu.empty()) << k;
      for (const AuprcCudaPath path : kPaths) {
        if (path == AuprcCudaPath::block && cols > kAuprcBlockMaxCols) continue;
        const std::string gpu = message_of([&] {
          score_rows_cuda(b.scores.data(), b.labels.data(), b.include.data(), b.rows, b.cols, path);
        });
        EXPECT_EQ(cpu, gpu) << "case " << k << " cols " << cols << " path " << path_name(path);
      }
    }
  }
}

template <typename S>
CurveScores cpu_pooled(const Rows<S>& d) {
  std::vector<S> s;
  std::vector<std::uint8_t> y;
  for (std::size_t i = 0; i < d.scores.size(); ++i) {
    if (d.include.empty() || d.include[i] != 0) {
      s.push_back(d.scores[i]);
      y.push_back(d.labels[i]);
    }
  }
  return score_curve(s.data(), y.data(), s.size());
}

TEST(AuprcCuda, PooledMatchesScoreCurveOnTheConcatenation) {
  MINT_REQUIRE_GPU();
  for (const std::uint64_t seed : kSeeds) {
    for (const bool mask : {false, true}) {
      for (const auto& [rows, cols] :
           {std::pair<std::size_t, std::size_t>{1, 1}, {1, 7}, {1000, 250}, {7, 33}, {3, 100000}}) {
        const Rows<float> d = random_rows<float>(rows, cols, seed, mask);
        const CurveScores got = score_pooled_cuda(d.scores.data(), d.labels.data(),
                                                  mask ? d.include.data() : nullptr, rows, cols);
        EXPECT_TRUE(identical(cpu_pooled(d), got)) << rows << " x " << cols << " seed " << seed;
      }
    }
    const Rows<double> dd = random_rows<double>(500, 250, seed, true);
    EXPECT_TRUE(identical(cpu_pooled(dd), score_pooled_cuda(dd.scores.data(), dd.labels.data(),
                                                            dd.include.data(), 500, 250)));
  }
  // One class overall, all tied overall.
  Rows<float> d = random_rows<float>(50, 250, 9, false);
  std::fill(d.labels.begin(), d.labels.end(), 0);
  EXPECT_TRUE(identical(cpu_pooled(d),
                        score_pooled_cuda(d.scores.data(), d.labels.data(), nullptr, 50, 250)));
  std::fill(d.scores.begin(), d.scores.end(), 0.5f);
  d.labels[17] = 1;
  EXPECT_TRUE(identical(cpu_pooled(d),
                        score_pooled_cuda(d.scores.data(), d.labels.data(), nullptr, 50, 250)));
}

TEST(AuprcCuda, PooledErrors) {
  MINT_REQUIRE_GPU();
  Rows<float> d = random_rows<float>(20, 250, 4, true);
  std::vector<std::uint8_t> none(d.include.size(), 0);
  EXPECT_EQ(message_of(
                [&] { score_pooled_cuda(d.scores.data(), d.labels.data(), none.data(), 20, 250); }),
            "AUPRC of an empty input (no samples)");
  EXPECT_EQ(
      message_of([&] { score_pooled_cuda(d.scores.data(), d.labels.data(), nullptr, 0, 250); }),
      "AUPRC of an empty input (no samples)");
  d.scores[1234] = std::numeric_limits<float>::infinity();
  d.include[1234] = 1;
  d.labels[3000] = 9;
  d.include[3000] = 1;
  const std::string cpu = message_of([&] { cpu_pooled(d); });
  ASSERT_FALSE(cpu.empty());
  EXPECT_EQ(cpu, message_of([&] {
              score_pooled_cuda(d.scores.data(), d.labels.data(), d.include.data(), 20, 250);
            }));
}

#if defined(MINT_WITH_CUDA)
#define CHECK_CUDA(expr) ASSERT_EQ((expr), cudaSuccess) << #expr

// The device entry point: outputs followed by guard values that must survive, one workspace
// reused across calls of growing and shrinking sizes and both paths.
TEST(AuprcCuda, DeviceEntryPointGuardsAndWorkspaceReuse) {
  MINT_REQUIRE_GPU();
  constexpr std::size_t kGuard = 64;
  constexpr double kGuardValue = -12345.5;
  AuprcCudaWorkspace ws;
  const std::pair<std::size_t, std::size_t> shapes[] = {{500, 250},  {40, 3000}, {1, 1},
                                                        {2000, 100}, {3, 20000}, {700, 250}};
  for (const auto& [rows, cols] : shapes) {
    for (const AuprcCudaPath path : {AuprcCudaPath::automatic, AuprcCudaPath::segmented}) {
      const Rows<float> d = random_rows<float>(rows, cols, rows + cols, true);
      const std::size_t n = rows * cols;
      float* d_scores = nullptr;
      std::uint8_t *d_labels = nullptr, *d_include = nullptr, *d_status = nullptr;
      double* d_values = nullptr;  // auprc | ap | auroc, each rows + kGuard
      CHECK_CUDA(cudaMalloc(&d_scores, n * sizeof(float)));
      CHECK_CUDA(cudaMalloc(&d_labels, n));
      CHECK_CUDA(cudaMalloc(&d_include, n));
      CHECK_CUDA(cudaMalloc(&d_values, 3 * (rows + kGuard) * sizeof(double)));
      CHECK_CUDA(cudaMalloc(&d_status, rows + kGuard));
      CHECK_CUDA(cudaMemcpy(d_scores, d.scores.data(), n * sizeof(float), cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(d_labels, d.labels.data(), n, cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(d_include, d.include.data(), n, cudaMemcpyHostToDevice));
      std::vector<double> h_values(3 * (rows + kGuard), kGuardValue);
      std::vector<std::uint8_t> h_status(rows + kGuard, 0xEE);
      CHECK_CUDA(cudaMemcpy(d_values, h_values.data(), h_values.size() * sizeof(double),
                            cudaMemcpyHostToDevice));
      CHECK_CUDA(cudaMemcpy(d_status, h_status.data(), h_status.size(), cudaMemcpyHostToDevice));
      const std::size_t stride = rows + kGuard;
      const RowCurveScoresDevice out{d_values, d_values + stride, d_values + 2 * stride, d_status};
      cudaStream_t stream = nullptr;
      CHECK_CUDA(cudaStreamCreate(&stream));
      score_rows_cuda_device(d_scores, d_labels, d_include, rows, cols, out, ws, path, stream);
      CHECK_CUDA(cudaStreamSynchronize(stream));
      CHECK_CUDA(cudaStreamDestroy(stream));
      CHECK_CUDA(cudaMemcpy(h_values.data(), d_values, h_values.size() * sizeof(double),
                            cudaMemcpyDeviceToHost));
      CHECK_CUDA(cudaMemcpy(h_status.data(), d_status, h_status.size(), cudaMemcpyDeviceToHost));
      const CurveScores pooled =
          score_pooled_cuda_device(d_scores, d_labels, d_include, rows, cols, ws, nullptr);
      CHECK_CUDA(cudaFree(d_scores));
      CHECK_CUDA(cudaFree(d_labels));
      CHECK_CUDA(cudaFree(d_include));
      CHECK_CUDA(cudaFree(d_values));
      CHECK_CUDA(cudaFree(d_status));

      RowCurveScores got;
      for (std::size_t r = 0; r < rows; ++r) {
        got.auprc.push_back(h_values[r]);
        got.average_precision.push_back(h_values[stride + r]);
        got.auroc.push_back(h_values[2 * stride + r]);
        got.status.push_back(h_status[r]);
      }
      const std::string what =
          std::to_string(rows) + " x " + std::to_string(cols) + " " + path_name(path);
      EXPECT_TRUE(identical(cpu_rows(d), got.to_curve_scores())) << what;
      for (std::size_t k = 0; k < kGuard; ++k) {
        for (int a = 0; a < 3; ++a) {
          ASSERT_EQ(h_values[a * stride + rows + k], kGuardValue) << what << " guard " << k;
        }
        ASSERT_EQ(h_status[rows + k], 0xEE) << what << " guard " << k;
      }
      EXPECT_TRUE(identical(cpu_pooled(d), pooled)) << what << " pooled";
    }
  }
}
#endif

}  // namespace
}  // namespace mint

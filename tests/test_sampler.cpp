// The sampler: hand-written edge cases first, then sampling statistics (chi-square of base
// frequencies at every motif column against the PWM, background against the requested GC),
// determinism across thread counts, streams shared between designs, and CPU vs CUDA bytes.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "mint/error.hpp"
#include "mint/sampler.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// One split holding `count` sequences of a single presence subset.
SplitPlan single_group(std::uint32_t mask, std::int64_t count) {
  return SplitPlan{"train", 0, {{mask, count}}};
}

std::vector<std::uint8_t> sample(const SamplerTables& t, int threads) {
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(t.sequences()) * t.length());
  sample_codes_cpu(t, 0, t.sequences(), codes.data(), threads);
  return codes;
}

// Chi-square statistic of observed counts against expected probabilities.
double chi_square(const std::array<double, 4>& observed, const std::array<double, 4>& p) {
  double total = 0, chi = 0;
  for (double o : observed) total += o;
  for (int b = 0; b < 4; ++b) {
    const double e = total * p[b];
    chi += (observed[b] - e) * (observed[b] - e) / e;
  }
  return chi;
}
// 3 degrees of freedom, p = 1e-6: a correct sampler fails one column in a million.
constexpr double kChiSquare3Dof1e6 = 30.66;

TEST(Sampler, ThresholdsMapProbabilitiesExactly) {
  const double certain[4] = {0, 0, 1, 0};
  const ColumnThresholds t = column_thresholds(certain);
  EXPECT_EQ(draw_base(t, 0u), 2);
  EXPECT_EQ(draw_base(t, 0xffffffffu), 2);
  const double uniform[4] = {0.25, 0.25, 0.25, 0.25};
  const ColumnThresholds u = column_thresholds(uniform);
  EXPECT_EQ(draw_base(u, 0x3fffffffu), 0);
  EXPECT_EQ(draw_base(u, 0x40000000u), 1);
  EXPECT_EQ(draw_base(u, 0xbfffffffu), 2);
  EXPECT_EQ(draw_base(u, 0xc0000000u), 3);
  const double no_t[4] = {0.5, 0.25, 0.25, 0};
  EXPECT_EQ(draw_base(column_thresholds(no_t), 0xffffffffu), 2);
}

TEST(Sampler, GrammarFillingTheSequenceHasOffsetZero) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  const Grammar g = make_grammar(motifs, {}, o.seed);
  o.length = g.span;
  const SamplerTables t(motifs, g, o, single_group(15, 9));
  std::vector<std::int32_t> offsets(9);
  sample_offsets(t, 0, 9, offsets.data());
  for (int offset : offsets) EXPECT_EQ(offset, 0);
  const auto codes = sample(t, 1);
  for (std::uint8_t c : codes) EXPECT_LE(c, 3);
}

TEST(Sampler, SingleSequenceAndOddLengths) {
  const MotifSet motifs = load_motifs("distinct_1");
  for (int length : {109, 110, 111, 113, 250}) {
    SimulationOptions o;
    o.length = length;
    o.grammar.gaps = {14, 14, 14};
    const Grammar g = make_grammar(motifs, o.grammar, o.seed);
    ASSERT_LE(g.span, length);
    const SamplerTables t(motifs, g, o, single_group(5, 1));
    const auto one = sample(t, 1);
    ASSERT_EQ(one.size(), static_cast<std::size_t>(length));
    // A sub-range gives the same bytes as the whole.
    const SamplerTables t3(motifs, g, o, single_group(5, 3));
    std::vector<std::uint8_t> middle(length);
    sample_codes_cpu(t3, 1, 1, middle.data(), 1);
    const auto all3 = sample(t3, 2);
    EXPECT_EQ(std::vector<std::uint8_t>(all3.begin() + length, all3.begin() + 2 * length), middle);
    EXPECT_EQ(std::vector<std::uint8_t>(all3.begin(), all3.begin() + length), one);
  }
}

TEST(Sampler, RangeOutsideTheSplitFails) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  const Grammar g = make_grammar(motifs, {}, o.seed);
  const SamplerTables t(motifs, g, o, single_group(15, 4));
  std::vector<std::uint8_t> codes(5 * 250);
  EXPECT_THROW(sample_codes_cpu(t, 0, 5, codes.data(), 1), Error);
  EXPECT_THROW(sample_codes_cpu(t, -1, 1, codes.data(), 1), Error);
}

// ≥ 100k draws per column: the base frequencies at every motif column match the PWM.
TEST(Sampler, MotifColumnsFollowThePwm) {
  for (const char* set : {"distinct_1", "MEF2A"}) {
    const MotifSet motifs = load_motifs(set);
    SimulationOptions o;
    o.seed = 20261126;
    o.length = 250;
    const Grammar g = make_grammar(motifs, {}, o.seed);
    const std::int64_t n = 100000;
    const SamplerTables t(motifs, g, o, single_group((1u << motifs.size()) - 1, n));
    const auto codes = sample(t, 0);
    std::vector<std::int32_t> offsets(n);
    sample_offsets(t, 0, n, offsets.data());
    for (std::size_t m = 0; m < motifs.size(); ++m) {
      const Motif& motif = motifs.motifs[m];
      for (std::size_t j = 0; j < motif.length(); ++j) {
        std::array<double, 4> observed{}, p{};
        for (int b = 0; b < 4; ++b) p[b] = motif.probability(b, j, o.pseudocount);
        for (std::int64_t i = 0; i < n; ++i) {
          ++observed[codes[i * o.length + offsets[i] + g.start[m] + static_cast<int>(j)]];
        }
        EXPECT_LT(chi_square(observed, p), kChiSquare3Dof1e6)
            << set << " " << motif.id << " column " << j;
      }
    }
  }
}

TEST(Sampler, BackgroundFollowsGc) {
  const MotifSet motifs = load_motifs("distinct_1");
  for (double gc : {0.5, 0.3, 0.62}) {
    SimulationOptions o;
    o.gc = gc;
    o.length = 120;
    const Grammar g = make_grammar(motifs, {}, o.seed);
    const std::int64_t n = 2000;  // 240k background positions
    const SamplerTables t(motifs, g, o, single_group(0, n));
    std::array<double, 4> observed{};
    for (std::uint8_t c : sample(t, 2)) ++observed[c];
    const std::array<double, 4> p = {(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2};
    EXPECT_LT(chi_square(observed, p), kChiSquare3Dof1e6) << "gc " << gc;
  }
}

TEST(Sampler, OffsetsAreUniform) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  const Grammar g = make_grammar(motifs, {}, o.seed);
  o.length = g.span + 3;  // 4 possible offsets
  const SamplerTables t(motifs, g, o, single_group(15, 40000));
  std::vector<std::int32_t> offsets(40000);
  sample_offsets(t, 0, 40000, offsets.data());
  std::array<double, 4> observed{};
  for (int offset : offsets) ++observed[offset];
  EXPECT_LT(chi_square(observed, {0.25, 0.25, 0.25, 0.25}), kChiSquare3Dof1e6);
}

TEST(Sampler, SameBytesForAnyThreadCount) {
  const MotifSet motifs = load_motifs("distinct_1");
  for (std::uint64_t seed : test::kSeeds) {
    SimulationOptions o;
    o.seed = seed;
    o.length = 131;  // not a multiple of 4
    o.design.train = 3001;
    o.design.valid = 33;
    o.design.test_positives = 65;
    o.design.test_per_subset = 7;
    const Simulation one = simulate(motifs, o, Backend::cpu, 1);
    for (int threads : {2, 3, 8}) {
      const Simulation many = simulate(motifs, o, Backend::cpu, threads);
      for (std::size_t k = 0; k < one.splits.size(); ++k) {
        ASSERT_EQ(one.splits[k].codes, many.splits[k].codes) << threads << " threads";
        ASSERT_EQ(one.splits[k].offsets, many.splits[k].offsets);
      }
    }
  }
}

TEST(Sampler, SeedsGiveDifferentData) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions a, b;
  a.design.train = b.design.train = 60;
  a.design.valid = b.design.valid = 30;
  a.design.test_positives = b.design.test_positives = 1;
  a.design.test_per_subset = b.design.test_per_subset = 1;
  b.seed = a.seed + 1;
  EXPECT_NE(simulate(motifs, a).splits[0].codes, simulate(motifs, b).splits[0].codes);
}

// M_w and M_wo see the same positives; the regression effects share their sequences.
TEST(Sampler, DesignsShareSequences) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions w;
  w.design.train = 600;
  w.design.valid = 60;
  w.design.test_positives = 20;
  w.design.test_per_subset = 2;
  SimulationOptions wo = w;
  wo.design.negatives = Negatives::without;
  const Simulation a = simulate(motifs, w), b = simulate(motifs, wo);
  const std::size_t positives = 300 * 250;
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& ca = a.splits[k].codes;
    const auto& cb = b.splits[k].codes;
    const std::size_t pos = (k == 0 ? 300 : 30) * 250;
    EXPECT_TRUE(std::equal(ca.end() - pos, ca.end(), cb.end() - pos)) << a.splits[k].name;
  }
  EXPECT_EQ(a.splits[2].codes, b.splits[2].codes) << "the test split is shared";
  (void)positives;

  SimulationOptions r = w;
  r.design.kind = DesignKind::regression;
  r.design.test_per_count = 6;
  const Simulation additive = simulate(motifs, r);
  r.design.effect = Effect::quadratic;
  const Simulation quadratic = simulate(motifs, r);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(additive.splits[k].codes, quadratic.splits[k].codes);
    EXPECT_NE(additive.splits[k].labels, quadratic.splits[k].labels);
  }
}

TEST(SamplerCuda, SameBytesAsCpu) {
  MINT_REQUIRE_GPU();
  for (const char* set : {"distinct_1", "MEF2A"}) {
    const MotifSet motifs = load_motifs(set);
    for (std::uint64_t seed : test::kSeeds) {
      for (int length : {61, 250, 1000}) {
        SimulationOptions o;
        o.seed = seed;
        o.length = length;
        o.gc = 0.41;
        o.grammar.gaps = std::vector<int>(motifs.size() - 1, 16);
        o.design.kind = DesignKind::regression;
        o.design.train = 1537;
        o.design.valid = 65;
        o.design.test_per_count = 33;
        if (static_cast<int>(make_grammar(motifs, o.grammar, seed).span) > length) continue;
        const Simulation cpu = simulate(motifs, o, Backend::cpu, 2);
        const Simulation gpu = simulate(motifs, o, Backend::cuda);
        for (std::size_t k = 0; k < cpu.splits.size(); ++k) {
          ASSERT_EQ(cpu.splits[k].codes, gpu.splits[k].codes)
              << set << " seed " << seed << " L " << length << " split " << k;
        }
      }
    }
  }
}

TEST(SamplerCuda, SubRangeMatchesCpu) {
  MINT_REQUIRE_GPU();
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  const Grammar g = make_grammar(motifs, {}, o.seed);
  const SamplerTables t(motifs, g, o, single_group(11, 10007));
  std::vector<std::uint8_t> cpu(777 * 250), gpu(777 * 250);
  sample_codes_cpu(t, 5000, 777, cpu.data(), 2);
  sample_codes_cuda(t, 5000, 777, gpu.data());
  EXPECT_EQ(cpu, gpu);
}

TEST(SamplerCuda, ReportsWhyItIsUnavailable) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present; this checks the no-GPU path";
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  o.design.train = 40;
  o.design.valid = 40;
  try {
    simulate(motifs, o, Backend::cuda);
    ADD_FAILURE() << "no error without a GPU";
  } catch (const Error& e) {
    EXPECT_FALSE(std::string(e.what()).empty());
  }
  EXPECT_THROW(use_cuda(DeviceChoice::cuda), Error);
  EXPECT_FALSE(use_cuda(DeviceChoice::auto_select));
}

}  // namespace
}  // namespace mint

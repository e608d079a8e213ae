// The sampler: hand-written edge cases first, then sampling statistics (chi-square of base
// frequencies at every motif column against the PWM, background against the requested GC),
// determinism across thread counts, streams shared between designs, the minimum-instance-score
// filter, and CPU vs CUDA bytes.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/simulate.hpp"
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

// log2-odds of a sampled instance against the background, in double.
double instance_score(const Motif& motif, double pseudocount, const double bg[4],
                      const std::uint8_t* bases) {
  double score = 0;
  for (std::size_t j = 0; j < motif.length(); ++j) {
    score += std::log2(motif.probability(bases[j], j, pseudocount) / bg[bases[j]]);
  }
  return score;
}

double consensus_score(const Motif& motif, double pseudocount, const double bg[4]) {
  double score = 0;
  for (std::size_t j = 0; j < motif.length(); ++j) {
    double best = -1e300;
    for (int b = 0; b < 4; ++b) {
      best = std::max(best, std::log2(motif.probability(b, j, pseudocount) / bg[b]));
    }
    score += best;
  }
  return score;
}

// The minimum-score filter: every present instance reaches F x the consensus's score;
// instances whose first draw already did, and all background, keep the unfiltered bytes; the
// share of kept first draws matches instance_acceptance(); any thread count gives the same bytes.
TEST(Sampler, MinInstanceScoreHoldsForEveryInstance) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions plain;
  plain.seed = 20261127;
  plain.gc = 0.41;
  plain.design.kind = DesignKind::regression;
  plain.design.train = 4000;
  plain.design.valid = 32;
  plain.design.test_per_count = 6;
  const double at = (1 - plain.gc) / 2, cg = plain.gc / 2;
  const double bg[4] = {at, cg, cg, at};
  for (double f : {0.0, 0.6}) {
    SimulationOptions filtered = plain;
    filtered.min_instance_score = f;
    const Simulation a = simulate(motifs, plain, Backend::cpu, 2);
    const Simulation b = simulate(motifs, filtered, Backend::cpu, 1);
    EXPECT_EQ(b.splits[0].codes, simulate(motifs, filtered, Backend::cpu, 3).splits[0].codes);
    const std::vector<double> acceptance = instance_acceptance(motifs, filtered);
    EXPECT_EQ(b.first_draws_kept, acceptance) << "simulate() keeps what it checked";
    const SplitData& sa = a.splits[0];
    const SplitData& sb = b.splits[0];
    ASSERT_EQ(sa.offsets, sb.offsets);
    const int length = sa.length;
    std::vector<std::int8_t> truth(static_cast<std::size_t>(length));
    for (std::size_t m = 0; m < motifs.size(); ++m) {
      const Motif& motif = motifs.motifs[m];
      const double threshold = f * consensus_score(motif, plain.pseudocount, bg);
      std::int64_t present = 0, kept = 0, passing_first = 0;
      for (std::int64_t i = 0; i < sa.size(); ++i) {
        if (!((sa.masks[i] >> m) & 1u)) continue;
        const std::size_t at_start =
            static_cast<std::size_t>(i * length + sa.offsets[i] + b.grammar.start[m]);
        const std::uint8_t* first = sa.codes.data() + at_start;
        const std::uint8_t* final = sb.codes.data() + at_start;
        ++present;
        // Fixed-point rounding moves the threshold by at most 13 cells x 2^-21 bits.
        ASSERT_GE(instance_score(motif, plain.pseudocount, bg, final), threshold - 1e-5)
            << motif.name << " sequence " << i;
        const bool same = std::equal(first, first + motif.length(), final);
        kept += same;
        if (instance_score(motif, plain.pseudocount, bg, first) >= threshold + 1e-5) {
          ++passing_first;
          EXPECT_TRUE(same) << motif.name << " sequence " << i << ": a passing draw was re-drawn";
        }
      }
      const double share = static_cast<double>(kept) / static_cast<double>(present);
      // Binomial SE with ~2,000 instances is <= 0.011; 5 SE.
      EXPECT_NEAR(share, acceptance[m], 0.055) << motif.name << " F " << f;
      EXPECT_GE(kept, passing_first);
      if (f > 0.5) {
        EXPECT_LT(share, 0.9) << motif.name << ": the filter re-drew few instances";
      }
    }
    for (std::int64_t i = 0; i < sa.size(); ++i) {  // background is untouched
      ground_truth(a.grammar, sa.masks[i], sa.offsets[i], length, truth.data());
      for (int p = 0; p < length; ++p) {
        if (truth[p] < 0) {
          ASSERT_EQ(sa.codes[i * length + p], sb.codes[i * length + p]) << i << ":" << p;
        }
      }
    }
  }
}

TEST(Sampler, MinInstanceScoreRejectsBadValues) {
  const MotifSet motifs = load_motifs("distinct_1");
  SimulationOptions o;
  o.design.train = 60;
  o.design.valid = 30;
  o.design.test_positives = 15;
  o.design.test_per_subset = 1;
  for (double f : {-0.1, 1.5, std::nan("")}) {
    o.min_instance_score = f;
    EXPECT_NE(
        test::error_of([&] { simulate(motifs, o); }).find("--min-instance-score must be in [0, 1]"),
        std::string::npos);
  }
  o.min_instance_score = 1.0;  // only the consensus itself
  EXPECT_NE(test::error_of([&] { simulate(motifs, o); }).find("draws reach it (at least 1% must)"),
            std::string::npos);
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
        for (std::optional<double> f : {std::optional<double>{}, std::optional<double>{0.6}}) {
          o.min_instance_score = f;
          const Simulation cpu = simulate(motifs, o, Backend::cpu, 2);
          const Simulation gpu = simulate(motifs, o, Backend::cuda);
          for (std::size_t k = 0; k < cpu.splits.size(); ++k) {
            ASSERT_EQ(cpu.splits[k].codes, gpu.splits[k].codes)
                << set << " seed " << seed << " L " << length << " split " << k
                << (f ? " min-instance-score 0.6" : "");
          }
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

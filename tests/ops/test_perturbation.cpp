// Perturbation attributions (ops/perturbation: incremental.cpp, perturbation.cpp):
//   - hand-written edge cases of the incremental evaluator first: homopolymers and a random
//     sequence, the evaluator's own logit against CpuCnn::predict, an unchanged column and a
//     change that reaches only never-pooled conv positions (exactly 0), first/middle/last
//     column changes against two full passes;
//   - parity with every Captum fixture case: incremental ISM against ism.npy, and
//     FeaturePermutation replaying fp_perms.npy against feature_permutation.npy (float32 here
//     against PyTorch's float64, relative norm ≤ 1e-4; the doc measured ≤ 6.5e-6), one-hot
//     and dense paths;
//   - FeaturePermutation against full forward passes of the permuted batches; exact zeros;
//     replay errors; batches of one; determinism for 1 and 2 threads; `used` replays to the
//     same bits; Target::prob against sigmoids of brute-force logits.
// ISM against brute force (ism() and float64) is test_ism.cpp; the architectures both files run
// are perturbation_test_util.hpp's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "perturbation_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::kFloat32Tol;
using test::max_abs_diff;
using test::onehot;
using test::random_codes;
using test::random_model;
using test::rel_norm;
using test::small_config;

using perturbation_test::codes_input;
using perturbation_test::configs;
using perturbation_test::describe;
using Perms = std::vector<std::vector<std::int64_t>>;

// ---- Edge cases of the evaluator ----

TEST(IncrementalEvaluator, EdgeCases) {
  int never_pooled = 0;
  for (const ModelConfig& c : configs()) {
    const Model m = random_model(c, test::kSeeds[0]);
    const IncrementalModel im(c, m.params);
    IncrementalEvaluator ev(im);
    CpuCnn cnn(c, 4, 1);
    // Homopolymers A..T and a random sequence: the cached logit matches a full forward pass.
    std::vector<std::vector<std::uint8_t>> seqs;
    for (std::uint8_t b = 0; b < 4; ++b) seqs.emplace_back(static_cast<std::size_t>(c.length), b);
    seqs.push_back(random_codes(1, c.length, 5));
    for (const auto& s : seqs) {
      float ref;
      cnn.predict(m.params, codes_input(s), 1, &ref);
      const float got = ev.set_codes(s.data());
      EXPECT_NEAR(got, ref, 1e-5 * (1 + std::abs(ref))) << describe(c);
      // Dense entry point: the same sequence as floats.
      const auto x = onehot(s, 1, c.length);
      const std::vector<float> xf(x.begin(), x.end());
      EXPECT_EQ(ev.set_dense(xf.data()), got) << describe(c);
      // Unchanged column → exactly 0.
      ColumnChange same;
      same.position = c.length / 2;
      same.column = ev.column(same.position);
      float delta = 1.0f;
      ev.evaluate(1, &same, &delta);
      EXPECT_EQ(delta, 0.0f);
      // First, middle and last column set to the next base: Δ against two full passes.
      for (int p : {0, c.length / 2, c.length - 1}) {
        std::vector<std::uint8_t> mutant(s);
        mutant[static_cast<std::size_t>(p)] =
            static_cast<std::uint8_t>((s[static_cast<std::size_t>(p)] + 1) % 4);
        float ref_mut;
        cnn.predict(m.params, codes_input(mutant), 1, &ref_mut);
        ColumnChange ch;
        ch.position = p;
        ch.column[mutant[static_cast<std::size_t>(p)]] = 1.0f;
        ev.evaluate(1, &ch, &delta);
        EXPECT_NEAR(delta, ref_mut - ref, 1e-5 * (1 + std::abs(ref))) << describe(c) << " p " << p;
      }
    }
    // A change that only reaches never-pooled conv positions: exactly 0.
    const int lc = c.conv_length(), pooled_end = c.pooled_length() * c.pool;
    if (lc > pooled_end) {
      ev.set_codes(seqs.back().data());
      // Conv position j covers inputs j − pad .. j − pad + K − 1; the last input position
      // touches only j ≥ L − 1 + pad − (K − 1).
      const int p = c.length - 1;
      if (p + c.pad_left() - c.width + 1 >= pooled_end) {
        ColumnChange ch;
        ch.position = p;
        ch.column = {0.3f, -1.0f, 2.0f, 0.5f};
        float delta = 1.0f;
        ev.evaluate(1, &ch, &delta);
        EXPECT_EQ(delta, 0.0f) << describe(c);
        ++never_pooled;
      }
    }
  }
  EXPECT_GT(never_pooled, 0);
}

TEST(IncrementalEvaluator, RejectsMismatchedParameters) {
  const ModelConfig c = small_config();
  Model m = random_model(c, 1);
  m.params.fc1_weight.pop_back();
  EXPECT_THROW(IncrementalModel(c, m.params), Error);
  const auto codes = random_codes(2, c.length, 1);
  EXPECT_THROW(ism_incremental(c, m.params, codes_input(codes), 2), Error);
}

// ---- Captum fixtures ----

TEST(PerturbationFixtures, MatchCaptum) {
  for (const char* name : kCases) {
    const std::string dir = case_dir(name);
    const Model model = load_model(dir + "weights.safetensors");
    const SequenceInput input = read_sequences(dir + "inputs.npy");
    ASSERT_TRUE(input.one_hot) << name;
    const int n = static_cast<int>(input.n);
    const std::vector<float> dense = read_npy(dir + "inputs.npy").to_vector<float>();
    const auto ism_ref = read_npy(dir + "ism.npy").to_vector<double>();
    const auto fp_ref = read_npy(dir + "feature_permutation.npy").to_vector<double>();
    const Perms replay = read_permutations(dir + "fp_perms.npy");
    for (int path = 0; path < 2; ++path) {
      CnnInput in;
      if (path == 0)
        in.codes = input.codes.data();
      else
        in.dense = dense.data();
      const char* label = path == 0 ? "one-hot" : "dense";

      const auto got_ism = ism_incremental(model.config, model.params, in, n, Target::logit, 2);
      ASSERT_EQ(got_ism.size(), ism_ref.size()) << name;
      const double rn_ism = rel_norm(ism_ref, got_ism);
      EXPECT_LT(rn_ism, kFixtureTol) << name << " ism " << label;
      for (std::size_t i = 0; i < ism_ref.size(); ++i) {
        if (ism_ref[i] == 0.0 && got_ism[i] != 0.0f) {
          ADD_FAILURE() << name << " ism " << label << " [" << i << "] " << got_ism[i];
          break;
        }
      }

      FpOptions o;
      o.batch_size = std::max(128, n);  // the whole set in one batch, as the fixture's call
      o.replay = &replay;
      o.threads = 2;
      Perms used;
      const auto got_fp = feature_permutation(model.config, model.params, in, n, o, &used);
      ASSERT_EQ(got_fp.size(), fp_ref.size()) << name;
      const double rn_fp = rel_norm(fp_ref, got_fp);
      EXPECT_LT(rn_fp, kFixtureTol) << name << " feature permutation " << label;
      EXPECT_EQ(used.size(), static_cast<std::size_t>(model.config.length)) << name;
      for (std::size_t i = 0; i < fp_ref.size(); ++i) {
        if (fp_ref[i] == 0.0 && got_fp[i] != 0.0f) {
          ADD_FAILURE() << name << " fp " << label << " [" << i << "] " << got_fp[i];
          break;
        }
      }
      if (path == 0) {
        std::printf("  %-13s ism.npy                 rel norm %.2e  max abs %.2e\n", name, rn_ism,
                    max_abs_diff(ism_ref, got_ism));
        std::printf("  %-13s feature_permutation.npy rel norm %.2e  max abs %.2e\n", name, rn_fp,
                    max_abs_diff(fp_ref, got_fp));
      }
    }
  }
}

// ---- FeaturePermutation ----

// Brute force: for each batch and position, the permuted batch through CpuCnn::predict.
std::vector<double> brute_force_fp(const ModelConfig& c, const ModelParams& params,
                                   const CnnInput& in, int n, int batch_size, const Perms& perms,
                                   Target target) {
  const int length = c.length;
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> x(static_cast<std::size_t>(n) * row, 0.0f);  // dense copy of the input
  for (int s = 0; s < n; ++s) {
    for (int p = 0; p < length; ++p) {
      for (int ch = 0; ch < 4; ++ch) {
        float v;
        if (in.codes != nullptr) {
          v = in.codes[static_cast<std::size_t>(s) * length + p] == ch
                  ? (in.scale != nullptr ? in.scale[s] : 1.0f)
                  : 0.0f;
        } else {
          v = in.dense[(static_cast<std::size_t>(s) * 4 + ch) * length + p];
        }
        x[static_cast<std::size_t>(s) * row + static_cast<std::size_t>(ch) * length + p] = v;
      }
    }
  }
  auto g = [&](float z) {
    return target == Target::logit ? static_cast<double>(z)
                                   : 1.0 / (1.0 + std::exp(-static_cast<double>(z)));
  };
  CpuCnn cnn(c, batch_size, 1);
  std::vector<double> out(x.size(), 0.0);
  std::vector<float> base(static_cast<std::size_t>(batch_size)), pl(base.size());
  std::size_t k = 0;
  for (int first = 0; first < n; first += batch_size) {
    const int size = std::min(batch_size, n - first);
    CnnInput bin;
    bin.dense = x.data() + static_cast<std::size_t>(first) * row;
    cnn.predict(params, bin, size, base.data());
    for (int p = 0; p < length; ++p) {
      const auto& perm = perms.at(k++);
      std::vector<float> xp(x.begin() + static_cast<std::ptrdiff_t>(first * row),
                            x.begin() + static_cast<std::ptrdiff_t>((first + size) * row));
      for (int i = 0; i < size; ++i) {
        for (int ch = 0; ch < 4; ++ch) {
          xp[static_cast<std::size_t>(i) * row + static_cast<std::size_t>(ch) * length + p] =
              x[static_cast<std::size_t>(first + perm[static_cast<std::size_t>(i)]) * row +
                static_cast<std::size_t>(ch) * length + p];
        }
      }
      bin.dense = xp.data();
      cnn.predict(params, bin, size, pl.data());
      for (int i = 0; i < size; ++i) {
        const double a = g(base[static_cast<std::size_t>(i)]) - g(pl[static_cast<std::size_t>(i)]);
        for (int ch = 0; ch < 4; ++ch) {
          out[static_cast<std::size_t>(first + i) * row + static_cast<std::size_t>(ch) * length +
              p] = a;
        }
      }
    }
  }
  return out;
}

TEST(FeaturePermutation, EqualsBruteForce) {
  for (const ModelConfig& c : configs()) {
    const Model m = random_model(c, test::kSeeds[3]);
    const int n = 8, length = c.length;
    const auto codes = random_codes(n, length, 23);
    for (Target target : {Target::logit, Target::prob}) {
      FpOptions o;
      o.batch_size = 3;  // batches 3, 3, 2
      o.seed = 42;
      o.target = target;
      o.threads = 2;
      Perms used;
      const auto got = feature_permutation(c, m.params, codes_input(codes), n, o, &used);
      ASSERT_EQ(used.size(), static_cast<std::size_t>(3 * length));
      const auto ref = brute_force_fp(c, m.params, codes_input(codes), n, 3, used, target);
      EXPECT_LE(rel_norm(ref, got), kFloat32Tol) << describe(c);
      // Exactly 0 where the sequence met itself or the swapped base is the same; the same
      // value on all 4 channels.
      std::size_t zeros = 0;
      for (int s = 0; s < n; ++s) {
        const int batch = s / 3, i = s % 3, first = batch * 3;
        for (int p = 0; p < length; ++p) {
          const auto& perm = used[static_cast<std::size_t>(batch * length + p)];
          const auto src = first + perm[static_cast<std::size_t>(i)];
          const std::size_t at = static_cast<std::size_t>(s) * 4 * length + p;
          if (codes[static_cast<std::size_t>(src) * length + p] ==
              codes[static_cast<std::size_t>(s) * length + p]) {
            EXPECT_EQ(got[at], 0.0f) << describe(c) << " s " << s << " p " << p;
            ++zeros;
          }
          for (int ch = 1; ch < 4; ++ch)
            EXPECT_EQ(got[at + static_cast<std::size_t>(ch) * length], got[at]);
        }
      }
      EXPECT_GT(zeros, 0u);
    }
    // Dense real-valued and scaled inputs.
    std::mt19937 rng(3);
    std::normal_distribution<float> gd(0.0f, 0.7f);
    std::vector<float> dense(static_cast<std::size_t>(n) * 4 * length);
    for (float& v : dense) v = gd(rng);
    CnnInput din;
    din.dense = dense.data();
    FpOptions o;
    o.batch_size = 4;
    o.seed = 7;
    Perms used;
    auto got = feature_permutation(c, m.params, din, n, o, &used);
    EXPECT_LE(rel_norm(brute_force_fp(c, m.params, din, n, 4, used, Target::logit), got),
              kFloat32Tol)
        << describe(c) << " dense";
    std::vector<float> scale(static_cast<std::size_t>(n));
    for (int s = 0; s < n; ++s)
      scale[static_cast<std::size_t>(s)] = 0.5f + 0.25f * static_cast<float>(s);
    CnnInput sin = codes_input(codes);
    sin.scale = scale.data();
    got = feature_permutation(c, m.params, sin, n, o, &used);
    EXPECT_LE(rel_norm(brute_force_fp(c, m.params, sin, n, 4, used, Target::logit), got),
              kFloat32Tol)
        << describe(c) << " scaled";
  }
}

TEST(FeaturePermutation, ZeroWherePermutationFixesASequence) {
  const ModelConfig c = small_config();
  const Model m = random_model(c, 5);
  const int n = 4;
  const auto codes = random_codes(n, c.length, 8);
  // Every position: swap sequences 0 and 1, keep 2 and 3.
  const Perms replay(static_cast<std::size_t>(c.length), std::vector<std::int64_t>{1, 0, 2, 3});
  FpOptions o;
  o.replay = &replay;
  const auto got = feature_permutation(c, m.params, codes_input(codes), n, o);
  for (std::size_t i = 2 * 4 * static_cast<std::size_t>(c.length); i < got.size(); ++i) {
    ASSERT_EQ(got[i], 0.0f) << i;
  }
  double mass = 0;
  for (std::size_t i = 0; i < 2 * 4 * static_cast<std::size_t>(c.length); ++i)
    mass += std::abs(got[i]);
  EXPECT_GT(mass, 0.0);
}

TEST(FeaturePermutation, SeededIsDeterministicAcrossThreads) {
  const ModelConfig c = configs()[4];
  const Model m = random_model(c, 9);
  const int n = 11;
  const auto codes = random_codes(n, c.length, 4);
  FpOptions o;
  o.batch_size = 4;  // batches 4, 4, 3
  o.seed = 2026;
  o.threads = 1;
  Perms used1, used2;
  const auto a = feature_permutation(c, m.params, codes_input(codes), n, o, &used1);
  o.threads = 2;
  const auto b = feature_permutation(c, m.params, codes_input(codes), n, o, &used2);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_EQ(used1, used2);
  // Replaying what was used gives the same bits.
  FpOptions r;
  r.batch_size = 4;
  r.replay = &used1;
  const auto replayed = feature_permutation(c, m.params, codes_input(codes), n, r);
  EXPECT_EQ(std::memcmp(a.data(), replayed.data(), a.size() * sizeof(float)), 0);
  // Identity rows in a replay are rejected draws: skipping them changes nothing.
  Perms with_rejects;
  for (std::size_t k = 0; k < used1.size(); ++k) {
    if (k % 7 == 0) {
      std::vector<std::int64_t> id(used1[k].size());
      for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::int64_t>(i);
      with_rejects.push_back(id);
    }
    with_rejects.push_back(used1[k]);
  }
  r.replay = &with_rejects;
  const auto rejected = feature_permutation(c, m.params, codes_input(codes), n, r);
  EXPECT_EQ(std::memcmp(a.data(), rejected.data(), a.size() * sizeof(float)), 0);
  // Another seed draws other permutations.
  o.seed = 2027;
  Perms used3;
  const auto other = feature_permutation(c, m.params, codes_input(codes), n, o, &used3);
  EXPECT_NE(used1, used3);
  EXPECT_NE(std::memcmp(a.data(), other.data(), a.size() * sizeof(float)), 0);
}

TEST(FeaturePermutation, SeededDrawsArePermutationsAndNeverTheIdentity) {
  for (int size : {2, 3, 7, 128, 129}) {
    for (int p = 0; p < 40; ++p) {
      const auto perm = fp_permutation(1234, p % 3, p, size);
      ASSERT_EQ(perm.size(), static_cast<std::size_t>(size));
      std::vector<int> seen(static_cast<std::size_t>(size), 0);
      bool identity = true;
      for (int i = 0; i < size; ++i) {
        const auto v = perm[static_cast<std::size_t>(i)];
        ASSERT_GE(v, 0);
        ASSERT_LT(v, size);
        ++seen[static_cast<std::size_t>(v)];
        identity = identity && v == i;
      }
      EXPECT_FALSE(identity) << size;
      for (int s : seen) EXPECT_EQ(s, 1);
      EXPECT_EQ(perm, fp_permutation(1234, p % 3, p, size));  // a pure function of its key
    }
  }
  EXPECT_THROW(fp_permutation(1, 0, 0, 1), Error);
}

TEST(FeaturePermutation, Errors) {
  const ModelConfig c = small_config();
  const Model m = random_model(c, 2);
  const auto codes = random_codes(9, c.length, 1);
  const CnnInput in = codes_input(codes);
  auto expect_error = [&](int n, const FpOptions& o, const std::string& needle) {
    try {
      feature_permutation(c, m.params, in, n, o);
      ADD_FAILURE() << "no error, expected one containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  FpOptions o;
  expect_error(1, o, "at least 2");  // a single sequence
  o.batch_size = 4;
  expect_error(9, o,
               "last batch of one sequence, which cannot be permuted; choose another batch size "
               "(--batch-size), e.g. 3");  // 4, 4, 1: trailing batch of one
  o.batch_size = 1;
  expect_error(4, o, "batch size 1");
  EXPECT_TRUE(feature_permutation(c, m.params, in, 0, FpOptions{}).empty());

  // Replay: a row that is not a permutation, a wrong length, too few rows, rows left over.
  const std::vector<std::int64_t> swap{1, 0, 2};
  Perms rows(static_cast<std::size_t>(c.length), swap);
  FpOptions r;
  r.replay = &rows;
  EXPECT_NO_THROW(feature_permutation(c, m.params, in, 3, r));
  rows[5] = {0, 0, 2};
  expect_error(3, r, "row 5 (batch 0, position 5) is not a permutation");
  rows[5] = {0, 1, 3};
  expect_error(3, r, "row 5 (batch 0, position 5) is not a permutation");
  rows[5] = {1, 0};
  expect_error(3, r, "row 5 (batch 0, position 5) has 2 entries");
  rows[5] = swap;
  rows.pop_back();
  expect_error(3, r, "run out");
  rows.push_back(swap);
  rows.push_back(swap);
  expect_error(3, r, "left over");
  rows.back() = {0, 1, 2};  // a trailing rejected draw is harmless
  EXPECT_NO_THROW(feature_permutation(c, m.params, in, 3, r));

  // Bad inputs.
  CnnInput none;
  EXPECT_THROW(feature_permutation(c, m.params, none, 3, FpOptions{}), Error);
  std::vector<std::uint8_t> bad(codes);
  bad[7] = 4;
  EXPECT_THROW(ism_incremental(c, m.params, codes_input(bad), 2), Error);
}

TEST(FeaturePermutation, ReadPermutations) {
  const Perms fixture = read_permutations(case_dir("small") + "fp_perms.npy");
  const NpyArray a = read_npy(case_dir("small") + "fp_perms.npy");
  ASSERT_EQ(fixture.size(), static_cast<std::size_t>(a.shape[0]));
  EXPECT_EQ(fixture[3][2], a.as<std::int64_t>()[3 * a.shape[1] + 2]);
  const std::string dir = test::scratch_dir("perturbation");
  const std::vector<float> f{0, 1, 1, 0};
  write_npy(dir + "/bad.npy", {2, 2}, f.data());
  try {
    read_permutations(dir + "/bad.npy");
    ADD_FAILURE() << "float permutations accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos) << e.what();
  }
  const std::vector<std::int64_t> one{1, 0};
  write_npy(dir + "/flat.npy", {2}, one.data());
  EXPECT_THROW(read_permutations(dir + "/flat.npy"), Error);
  const std::vector<std::int32_t> i4{1, 0, 0, 1};
  write_npy(dir + "/i4.npy", {2, 2}, i4.data());
  EXPECT_EQ(read_permutations(dir + "/i4.npy"), (Perms{{1, 0}, {0, 1}}));
}

}  // namespace
}  // namespace mint

namespace mint {
namespace {

// The backend route (full forward passes, used for --device cuda) against the incremental CPU
// path: the same permutations give the same attributions up to float32 rounding — seeded over
// several batches with a ragged last one, and replaying the fixture's Captum draws.
TEST(FeaturePermutation, BackendRouteEqualsIncremental) {
  ModelConfig c = test::small_config();
  c.padding = Padding::same;
  const int n = 11;
  const Model m = test::random_model(c, 77);
  const auto codes = test::random_codes(n, c.length, 78);
  CnnInput in;
  in.codes = codes.data();
  auto backend = make_cpu_backend(c, 16, 2);
  backend->set_params(m.params);
  for (Target target : {Target::logit, Target::prob}) {
    FpOptions o;
    o.batch_size = 4;  // batches of 4, 4, 3
    o.seed = 5;
    o.target = target;
    std::vector<std::vector<std::int64_t>> used_a, used_b;
    const auto want = feature_permutation(c, m.params, in, n, o, &used_a);
    const auto got = feature_permutation(*backend, in, n, o, &used_b);
    EXPECT_EQ(used_a, used_b);
    std::vector<double> ref(want.begin(), want.end());
    EXPECT_LT(test::rel_norm(ref, got), 1e-5);
  }
  const std::string dir = test::case_dir("small");
  const Model fixture = load_model(dir + "weights.safetensors");
  const SequenceInput x = read_sequences(dir + "inputs.npy");
  const auto perms = read_permutations(dir + "fp_perms.npy");
  auto fb = make_cpu_backend(fixture.config, 5, 1);
  fb->set_params(fixture.params);
  FpOptions o;
  o.replay = &perms;
  const auto got = feature_permutation(*fb, x.slice(0), static_cast<int>(x.n), o);
  const auto ref = read_npy(dir + "feature_permutation.npy").to_vector<double>();
  EXPECT_LT(test::rel_norm(ref, got), test::kFixtureTol);
}

TEST(FeaturePermutation, CudaMatchesCpu) {
  MINT_REQUIRE_GPU();
  const ModelConfig c;  // the paper's size
  const int n = 40;
  const Model m = test::random_model(c, 79);
  const auto codes = test::random_codes(n, c.length, 80);
  CnnInput in;
  in.codes = codes.data();
  auto gpu = make_cuda_backend(c, 256);
  gpu->set_params(m.params);
  FpOptions o;
  o.batch_size = 16;
  o.seed = 3;
  const auto want = feature_permutation(c, m.params, in, n, o);
  const auto got = feature_permutation(*gpu, in, n, o);
  std::vector<double> ref(want.begin(), want.end());
  EXPECT_LT(test::rel_norm(ref, got), 1e-4);  // differences of logits: float32 cancellation
}

}  // namespace
}  // namespace mint

// DeepLIFT, ISM and Feature Permutation of a general sequential network on the GPU
// (ops/seqnet/seqnet_cuda.hpp: seqnet_deeplift_cuda.cu, seqnet_perturbation_cuda.cu) against the
// CPU functions (seqnet_deeplift, seqnet_ism, seqnet_feature_permutation), the reference, on
// fresh random weights and inputs:
//   - architectures: A–D of tests/seqnet_test_util.hpp (every layer type; overlapping and
//     whole-length max pools, a first layer that is not a Conv1d), the three fixture
//     architectures of tests/data/sequential, and the paper's model as a sequential architecture;
//   - DeepLIFT in both compat modes, the logit and its sigmoid, every output; one-hot and dense
//     inputs; more sequences than one device batch (captum-0.8's row-0 gradient carried over);
//   - ISM on one-hot and dense inputs (three or four variants per column); more variants than one
//     device batch;
//   - FP with seeded permutations over several batches (the permutations used must be the CPU's,
//     exactly) and with a replay.
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU); the no-GPU error test skips with one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/model.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"
#include "model_test_util.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "seqnet_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using seqnet_test::rel_l2;

// Tolerances (relative L2 over the whole array). Both sides compute in float32 with the same
// operations at every rule and variant; only the sums' order differs (cuDNN and cuBLAS against
// the CPU's blocked sums). How far that moves a result depends on the problem's float32
// conditioning, which the CPU measures itself: the change that one ulp of every weight and bias
// (up or down at random: as large a change as rounding a sum) makes in the CPU's result. The GPU
// must be within ten times that, and at least within
//   - 1e-5 for DeepLIFT (3e-7–3e-5 measured for that change on these models: DeepLIFT's ratios
//     of small differences, Δout/Δin and u/Δa, are the largest on B and on A's overlapping pool);
//   - 1e-4 for ISM and FP, differences of two outputs f(variant) − f(x), each within ~1e-7·|f|:
//     where the difference is small against |f| its relative error grows by |f|/|Δf|
//     (5e-7–2e-4 measured);
// and never more than 1e-3 — a wrong rule, variant or permutation is an error of order 1.
constexpr double kDeepLiftTol = 1e-5;
constexpr double kPerturbTol = 1e-4;
constexpr double kMostTol = 1e-3;

// m with one ulp added to or taken from every weight and bias.
SequentialModel nudged(const SequentialModel& m) {
  SequentialModel q = m;
  std::mt19937_64 rng(5);
  for (LayerParams& l : q.params.layers) {
    for (std::vector<float>* v : {&l.weight, &l.bias}) {
      for (float& w : *v) w = std::nextafter(w, (rng() & 1) != 0 ? INFINITY : -INFINITY);
    }
  }
  return q;
}

// The CPU's result cpu(m) against the GPU's gpu(m), within the tolerance above.
template <typename Cpu, typename Gpu>
void expect_gpu_close(const SequentialModel& m, double floor, Cpu&& cpu, Gpu&& gpu) {
  const std::vector<float> ref = cpu(m);
  const std::vector<float> got = gpu(m);
  ASSERT_EQ(ref.size(), got.size());
  const double tol = std::min(kMostTol, std::max(floor, 10 * rel_l2(ref, cpu(nudged(m)))));
  EXPECT_LT(rel_l2(ref, got), tol) << "tolerance " << tol;
}

using seqnet_test::Named;

SequentialArchitecture fixture_arch(const std::string& name) {
  const std::string path =
      std::string(MINT_TEST_DATA_DIR) + "/sequential/" + name + "/model.safetensors";
  return sequential_from_safetensors(read_safetensors(path), name).arch;
}

// The paper's model (same padding, BatchNorm, ReLU, MaxPool1d, two hidden layers) as a
// sequential architecture.
SequentialArchitecture paper_arch() {
  ModelConfig c;
  c.length = 60;
  c.filters = 6;
  c.width = 7;
  c.pool = 4;
  c.hidden1 = 8;
  c.hidden2 = 6;
  return paper_architecture(c);
}

// The small architectures, the fixtures' and the paper's.
std::vector<Named> architectures() {
  std::vector<Named> all = seqnet_test::small_architectures();
  for (const char* name : {"dilated_conv_maxpool", "exp_global_avgpool", "two_output_head"}) {
    all.push_back({std::string("fixture ") + name, fixture_arch(name)});
  }
  all.push_back({"paper", paper_arch()});
  return all;
}

// A model with random weights; its one-hot (codes) and dense inputs.
struct Inputs {
  std::vector<std::uint8_t> codes;
  std::vector<float> dense;
  CnnInput of_codes() const {
    CnnInput in;
    in.codes = codes.data();
    return in;
  }
  CnnInput of_dense() const {
    CnnInput in;
    in.dense = dense.data();
    return in;
  }
};

Inputs random_inputs(const SequentialArchitecture& a, int n, std::uint64_t seed) {
  return {seqnet_test::random_codes(n, a.length, seed),
          seqnet_test::random_dense(n, a.length, seed + 1, -1.5f, 1.5f)};
}

std::string describe(const std::string& arch, bool codes, const char* mode, Target t, int output) {
  return arch + (codes ? ", one-hot, " : ", dense, ") + mode +
         (t == Target::logit ? ", logit" : ", prob") + ", output " + std::to_string(output);
}

TEST(SeqNetCudaMethods, DeepLiftEqualsCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 7;
  for (const Named& a : architectures()) {
    const SequentialModel m{a.arch, seqnet_test::random_params(a.arch, 31)};
    const Inputs x = random_inputs(a.arch, n, 12);
    for (const bool codes : {true, false}) {
      const CnnInput in = codes ? x.of_codes() : x.of_dense();
      for (const DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
        for (const Target t : {Target::logit, Target::prob}) {
          for (int output = 0; output < m.arch.outputs(); ++output) {
            SCOPED_TRACE(describe(a.name, codes,
                                  compat == DeepLiftCompat::none ? "compat none" : "captum-0.8", t,
                                  output));
            SeqAttributeOptions o;
            o.target = t;
            o.output = output;
            expect_gpu_close(
                m, kDeepLiftTol,
                [&](const SequentialModel& q) { return seqnet_deeplift(q, in, n, compat, o); },
                [&](const SequentialModel& q) {
                  return seqnet_deeplift_cuda(q, in, n, compat, o);
                });
          }
        }
      }
    }
  }
}

// The two modes differ on A (so DeepLIFT's comparisons tell them apart): captum-0.8's stale
// gradient and row-0 fallback move attribution at its ReLU → MaxPool1d. A CPU check of the test
// itself; it runs without a GPU too.
SequentialModel modes_model() {
  return {seqnet_test::arch_a(0.0), seqnet_test::random_params(seqnet_test::arch_a(0.0), 8)};
}

TEST(SeqNetCudaMethods, DeepLiftModesDifferOnTheTestModel) {
  constexpr int n = 9;
  const SequentialModel m = modes_model();
  const Inputs x = random_inputs(m.arch, n, 3);
  const SeqAttributeOptions o;
  EXPECT_GT(rel_l2(seqnet_deeplift(m, x.of_codes(), n, DeepLiftCompat::none, o),
                   seqnet_deeplift(m, x.of_codes(), n, DeepLiftCompat::captum_0_8, o)),
            100 * kDeepLiftTol);
}

TEST(SeqNetCudaMethods, DeepLiftFollowsEachMode) {
  MINT_REQUIRE_GPU();
  constexpr int n = 9;
  const SequentialModel m = modes_model();
  const Inputs x = random_inputs(m.arch, n, 3);
  const SeqAttributeOptions o;
  const CnnInput in = x.of_codes();
  for (const DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
    expect_gpu_close(
        m, kDeepLiftTol,
        [&](const SequentialModel& q) { return seqnet_deeplift(q, in, n, compat, o); },
        [&](const SequentialModel& q) { return seqnet_deeplift_cuda(q, in, n, compat, o); });
  }
}

// More sequences than one device batch (2,048 rows for these small models): later batches keep
// the first batch's sequence-0 gradient in captum-0.8 mode, and the batches join in order.
TEST(SeqNetCudaMethods, DeepLiftAcrossDeviceBatchesEqualsCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 2 * 2048 + 5;
  const SequentialModel m{seqnet_test::arch_a(0.0),
                          seqnet_test::random_params(seqnet_test::arch_a(0.0), 4)};
  const Inputs x = random_inputs(m.arch, n, 21);
  SeqAttributeOptions o;
  o.output = 1;
  const CnnInput in = x.of_codes();
  for (const DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
    SCOPED_TRACE(compat == DeepLiftCompat::none ? "compat none" : "captum-0.8");
    expect_gpu_close(
        m, kDeepLiftTol,
        [&](const SequentialModel& q) { return seqnet_deeplift(q, in, n, compat, o); },
        [&](const SequentialModel& q) { return seqnet_deeplift_cuda(q, in, n, compat, o); });
  }
}

TEST(SeqNetCudaMethods, IsmEqualsCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 5;
  for (const Named& a : architectures()) {
    const SequentialModel m{a.arch, seqnet_test::random_params(a.arch, 41)};
    const Inputs x = random_inputs(a.arch, n, 17);
    for (const bool codes : {true, false}) {
      const CnnInput in = codes ? x.of_codes() : x.of_dense();
      for (const Target t : {Target::logit, Target::prob}) {
        for (int output = 0; output < m.arch.outputs(); ++output) {
          SCOPED_TRACE(describe(a.name, codes, "", t, output));
          SeqAttributeOptions o;
          o.target = t;
          o.output = output;
          expect_gpu_close(
              m, kPerturbTol, [&](const SequentialModel& q) { return seqnet_ism(q, in, n, o); },
              [&](const SequentialModel& q) { return seqnet_ism_cuda(q, in, n, o); });
          if (codes) {  // exactly 0 at the observed base, as on the CPU
            const std::vector<float> gpu = seqnet_ism_cuda(m, in, n, o);
            const std::size_t L = static_cast<std::size_t>(a.arch.length);
            for (std::size_t s = 0; s < static_cast<std::size_t>(n); ++s) {
              for (std::size_t p = 0; p < L; ++p) {
                EXPECT_EQ(gpu[(s * 4 + x.codes[s * L + p]) * L + p], 0.0f);
              }
            }
          }
        }
      }
    }
  }
}

// 60 sequences × 3 variants × 60 columns of the paper model: more variants than one batch.
TEST(SeqNetCudaMethods, IsmAcrossDeviceBatchesEqualsCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 60;
  const SequentialModel m{paper_arch(), seqnet_test::random_params(paper_arch(), 6)};
  const Inputs x = random_inputs(m.arch, n, 8);
  const SeqAttributeOptions o;
  const CnnInput in = x.of_codes();
  expect_gpu_close(
      m, kPerturbTol, [&](const SequentialModel& q) { return seqnet_ism(q, in, n, o); },
      [&](const SequentialModel& q) { return seqnet_ism_cuda(q, in, n, o); });
}

TEST(SeqNetCudaMethods, FeaturePermutationEqualsCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 10;  // batches of 4: 4, 4, 2
  for (const Named& a : architectures()) {
    const SequentialModel m{a.arch, seqnet_test::random_params(a.arch, 51)};
    const Inputs x = random_inputs(a.arch, n, 19);
    for (const bool codes : {true, false}) {
      const CnnInput in = codes ? x.of_codes() : x.of_dense();
      for (const Target t : {Target::logit, Target::prob}) {
        for (int output = 0; output < m.arch.outputs(); ++output) {
          SCOPED_TRACE(describe(a.name, codes, "", t, output));
          SeqAttributeOptions o;
          o.target = t;
          o.output = output;
          FpOptions fp;
          fp.batch_size = 4;
          fp.seed = 77 + static_cast<std::uint64_t>(output);
          std::vector<std::vector<std::int64_t>> used_cpu, used_gpu;
          expect_gpu_close(
              m, kPerturbTol,
              [&](const SequentialModel& q) {
                return seqnet_feature_permutation(q, in, n, fp, o, &used_cpu);
              },
              [&](const SequentialModel& q) {
                return seqnet_feature_permutation_cuda(q, in, n, fp, o, &used_gpu);
              });
          EXPECT_EQ(used_cpu, used_gpu);
          const std::vector<float> gpu = seqnet_feature_permutation_cuda(m, in, n, fp, o);
          // A replay of those permutations gives the same attributions (the same batches of
          // variants: equal up to cuDNN's choice of algorithm).
          FpOptions replay = fp;
          replay.replay = &used_cpu;
          EXPECT_LT(rel_l2(gpu, seqnet_feature_permutation_cuda(m, in, n, replay, o)), 1e-6);
        }
      }
    }
  }
}

TEST(SeqNetCudaMethods, WithoutGpuEveryEntryPointSaysWhy) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const SequentialModel m{seqnet_test::arch_d(),
                          seqnet_test::random_params(seqnet_test::arch_d(), 1)};
  const std::vector<std::uint8_t> codes = seqnet_test::random_codes(4, m.arch.length, 1);
  CnnInput in;
  in.codes = codes.data();
  const SeqAttributeOptions o;
  FpOptions fp;
  fp.batch_size = 2;
  for (const std::string& msg :
       {test::error_of([&] { seqnet_deeplift_cuda(m, in, 4, DeepLiftCompat::none, o); }),
        test::error_of([&] { seqnet_deeplift_cuda(m, in, 4, DeepLiftCompat::captum_0_8, o); }),
        test::error_of([&] { seqnet_ism_cuda(m, in, 4, o); }),
        test::error_of([&] { seqnet_feature_permutation_cuda(m, in, 4, fp, o); })}) {
    EXPECT_NE(msg.find("sequential network on the GPU"), std::string::npos) << msg;
  }
  // Bad arguments are reported before the device is looked for.
  SeqAttributeOptions bad;
  bad.output = 5;
  EXPECT_NE(test::error_of([&] { seqnet_ism_cuda(m, in, 4, bad); }).find("target index 5"),
            std::string::npos);
}

}  // namespace
}  // namespace mint

// Integrated Gradients on the GPU (ops/ig/ig.cu) against its CPU twin integrated_gradients_onehot
// — the reference — and against Captum's fixtures; the tests that exercise IG and DeepLIFT
// together (both kernels share ops/common/sequence_kernel.cuh) live here too:
//   - edge cases first: n = 0, one sequence, homopolymers (exact max-pool ties, first maximum
//     wins on both backends), alternating bases — IG and DeepLIFT;
//   - seeded random models at the paper size and at odd shapes (F 11, valid padding, no
//     BatchNorm, exp, even F with 'same' padding), a few hundred sequences, scale given or not,
//     both targets, several quadratures: relative norm ≤ 1e-5 and exact zeros at absent bases;
//   - a model too large for shared memory (the global-scratch path), IG and DeepLIFT;
//   - the device-pointer entry points (IntegratedGradientsCuda, DeepLiftCuda): guard values
//     after the output, a bad code gives a NaN row, bitwise equal to the host entry point and
//     reproducible;
//   - the Captum fixtures (≤ 1e-4, float32 vs PyTorch's float64), IG and DeepLIFT; errors.
// DeepLIFT's own kernel tests (random models, chunks sharing row 0) are test_deeplift_cuda.cpp.
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU); the no-GPU test skips with one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "attribution_cuda_test_util.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"
#include "test_util.hpp"

#if defined(MINT_WITH_CUDA)
#include <cuda_runtime.h>
#endif

namespace mint {
namespace {

using attribution_cuda_test::cpu_deeplift;
using attribution_cuda_test::kCudaTol;
using attribution_cuda_test::kSeeds;
using attribution_cuda_test::odd_config;
using attribution_cuda_test::random_scale;
using attribution_cuda_test::rel_norm;
using attribution_cuda_test::Shape;
using attribution_cuda_test::shapes;
using attribution_cuda_test::zero_at_absent_bases;
using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::random_codes;
using test::random_model;

// Both methods on one model and input against the CPU.
void expect_both_match_cpu(const Model& m, const std::vector<std::uint8_t>& codes, int n,
                           const std::string& what) {
  const int L = m.config.length;
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 50);
  const auto ig_ref = integrated_gradients_onehot(m.config, m.params, codes.data(), nullptr, n, q);
  const auto ig = integrated_gradients_cuda(m.config, m.params, codes.data(), nullptr, n, q);
  EXPECT_LE(rel_norm(ig_ref, ig), kCudaTol) << what << " IG";
  EXPECT_TRUE(zero_at_absent_bases(ig, codes, n, L)) << what << " IG";
  if (m.config.activation != Activation::relu) return;
  for (DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
    const auto ref = cpu_deeplift(m, codes, nullptr, n, compat, Target::logit);
    const auto got = deeplift_cuda(m.config, m.params, codes.data(), n, compat);
    EXPECT_LE(rel_norm(ref, got), kCudaTol) << what << " DeepLIFT " << deeplift_compat_name(compat);
    EXPECT_TRUE(zero_at_absent_bases(got, codes, n, L)) << what << " DeepLIFT";
  }
}

// ---- edge cases ----

TEST(AttributionCuda, EmptyInputGivesEmptyOutput) {
  MINT_REQUIRE_GPU();
  const Model m = random_model(ModelConfig{}, kSeeds[0]);
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 50);
  EXPECT_TRUE(integrated_gradients_cuda(m.config, m.params, nullptr, nullptr, 0, q).empty());
  EXPECT_TRUE(deeplift_cuda(m.config, m.params, nullptr, 0).empty());
  EXPECT_TRUE(deeplift_cuda(m.config, m.params, nullptr, 0, DeepLiftCompat::captum_0_8).empty());
  IntegratedGradientsCuda ig_engine(m.config, m.params);
  ig_engine.integrated_gradients(nullptr, nullptr, 0, q, Target::logit, nullptr);
  DeepLiftCuda dl_engine(m.config, m.params);
  dl_engine.deeplift(nullptr, nullptr, 0, DeepLiftCompat::captum_0_8, Target::prob, nullptr);
}

TEST(AttributionCuda, OneSequenceHomopolymersAndAlternatingBases) {
  MINT_REQUIRE_GPU();
  for (const Shape& shape : shapes()) {
    const Model m = random_model(shape.config, kSeeds[0]);
    const int L = shape.config.length;
    // AAAA…, CCCC…, GGGG…, TTTT… (every interior window a tie), then ACGTACGT…, ATATAT….
    std::vector<std::uint8_t> codes;
    for (int b = 0; b < 4; ++b)
      codes.insert(codes.end(), static_cast<std::size_t>(L), static_cast<std::uint8_t>(b));
    for (int p = 0; p < L; ++p) codes.push_back(static_cast<std::uint8_t>(p % 4));
    for (int p = 0; p < L; ++p) codes.push_back(static_cast<std::uint8_t>(p % 2 == 0 ? 0 : 3));
    const int n = static_cast<int>(codes.size()) / L;
    expect_both_match_cpu(m, codes, n, std::string(shape.name) + " edge cases");
    const std::vector<std::uint8_t> one = random_codes(1, L, 3);
    expect_both_match_cpu(m, one, 1, std::string(shape.name) + " one sequence");
  }
}

// ---- random models against the CPU ----

TEST(AttributionCuda, IntegratedGradientsMatchesCpu) {
  MINT_REQUIRE_GPU();
  struct Variant {
    IgMethod method;
    int steps;
    bool scale;
    Target target;
  };
  const Variant variants[] = {{IgMethod::gausslegendre, 50, false, Target::logit},
                              {IgMethod::gausslegendre, 50, true, Target::prob},
                              {IgMethod::riemann_trapezoid, 13, true, Target::logit},
                              {IgMethod::riemann_right, 3, false, Target::prob}};
  for (const Shape& shape : shapes()) {
    for (const std::uint64_t seed : kSeeds) {
      const Model m = random_model(shape.config, seed);
      const auto codes = random_codes(shape.n, shape.config.length, seed + 1);
      const auto scale = random_scale(shape.n, seed + 2);
      for (const Variant& v : variants) {
        const Quadrature q = ig_quadrature(v.method, v.steps);
        const float* s = v.scale ? scale.data() : nullptr;
        const auto ref = integrated_gradients_onehot(shape.config, m.params, codes.data(), s,
                                                     shape.n, q, v.target);
        const auto got = integrated_gradients_cuda(shape.config, m.params, codes.data(), s, shape.n,
                                                   q, v.target);
        const double rn = rel_norm(ref, got);
        const std::string what = std::string(shape.name) + " seed " + std::to_string(seed) + " " +
                                 ig_method_name(v.method) + "-" + std::to_string(v.steps) +
                                 (v.scale ? " scaled" : "") +
                                 (v.target == Target::prob ? " prob" : " logit");
        EXPECT_LE(rn, kCudaTol) << what;
        EXPECT_TRUE(zero_at_absent_bases(got, codes, shape.n, shape.config.length)) << what;
        std::printf("  IG %-40s rel norm %.2e\n", what.c_str(), rn);
      }
    }
  }
}

// Conv length × filters beyond one block's shared memory: the scratch lives in global memory.
TEST(AttributionCuda, LongSequencesUseGlobalScratch) {
  MINT_REQUIRE_GPU();
  ModelConfig c;
  c.length = 1000;  // U·Fs = 1000 × 33 floats, twice: 264 KB > 227 KB
  const Model m = random_model(c, kSeeds[1]);
  const int n = 9;
  const auto codes = random_codes(n, c.length, 5);
  const auto scale = random_scale(n, 6);
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 20);
  for (Target target : {Target::logit, Target::prob}) {
    const auto ref =
        integrated_gradients_onehot(c, m.params, codes.data(), scale.data(), n, q, target);
    const auto got =
        integrated_gradients_cuda(c, m.params, codes.data(), scale.data(), n, q, target);
    EXPECT_LE(rel_norm(ref, got), kCudaTol) << "IG";
    EXPECT_TRUE(zero_at_absent_bases(got, codes, n, c.length));
    for (DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
      const auto dref = cpu_deeplift(m, codes, scale.data(), n, compat, target);
      const auto dgot = deeplift_cuda(c, m.params, codes.data(), n, compat, target, scale.data());
      EXPECT_LE(rel_norm(dref, dgot), kCudaTol) << "DeepLIFT " << deeplift_compat_name(compat);
      EXPECT_TRUE(zero_at_absent_bases(dgot, codes, n, c.length));
    }
  }
}

// ---- Captum fixtures ----

TEST(AttributionCuda, MatchesCaptumFixtures) {
  MINT_REQUIRE_GPU();
  struct Method {
    const char* file;
    IgMethod method;
    int steps;
  };
  const Method ig_methods[] = {{"ig_gausslegendre_50.npy", IgMethod::gausslegendre, 50},
                               {"ig_riemann_trapezoid_50.npy", IgMethod::riemann_trapezoid, 50},
                               {"ig_riemann_right_20.npy", IgMethod::riemann_right, 20}};
  for (const char* name : kCases) {
    const std::string dir = case_dir(name);
    const Model m = load_model(dir + "weights.safetensors");
    const SequenceInput input = read_sequences(dir + "inputs.npy");
    ASSERT_TRUE(input.one_hot) << name;
    const int n = static_cast<int>(input.n), L = m.config.length;
    for (const Method& method : ig_methods) {
      const auto ref = read_npy(dir + method.file).to_vector<double>();
      const auto got = integrated_gradients_cuda(m.config, m.params, input.codes.data(), nullptr, n,
                                                 ig_quadrature(method.method, method.steps));
      const double rn = test::rel_norm(ref, got);
      EXPECT_LT(rn, kFixtureTol) << name << " " << method.file;
      EXPECT_TRUE(zero_at_absent_bases(got, input.codes, n, L)) << name << " " << method.file;
      std::printf("  %-13s %-28s rel norm %.2e  max abs %.2e\n", name, method.file, rn,
                  test::max_abs_diff(ref, got));
    }
    for (DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
      const char* file =
          compat == DeepLiftCompat::none ? "deeplift.npy" : "deeplift_captum_0_8_0.npy";
      const auto ref = read_npy(dir + file).to_vector<double>();
      const auto got = deeplift_cuda(m.config, m.params, input.codes.data(), n, compat);
      const double rn = test::rel_norm(ref, got);
      EXPECT_LT(rn, kFixtureTol) << name << " " << file;
      EXPECT_TRUE(zero_at_absent_bases(got, input.codes, n, L)) << name << " " << file;
      std::printf("  %-13s %-28s rel norm %.2e  max abs %.2e\n", name, file, rn,
                  test::max_abs_diff(ref, got));
    }
  }
}

// ---- the device-pointer entry point ----

#if defined(MINT_WITH_CUDA)
#define CHECK_CUDA(expr) ASSERT_EQ((expr), cudaSuccess) << #expr

// Owns a cudaMalloc'd array (the test's own RAII; ops/common/cuda_check.cuh is private to .cu).
template <typename T>
struct DeviceArray {
  T* ptr = nullptr;
  explicit DeviceArray(std::size_t n) {
    if (cudaMalloc(reinterpret_cast<void**>(&ptr), n * sizeof(T)) != cudaSuccess) ptr = nullptr;
  }
  ~DeviceArray() { cudaFree(ptr); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
};

TEST(AttributionCuda, DeviceEntryPointGuardsNanRowsAndReproducibility) {
  MINT_REQUIRE_GPU();
  constexpr std::size_t kGuard = 64;
  constexpr float kGuardValue = -12345.5f;
  const Model m = random_model(ModelConfig{}, kSeeds[0]);
  const int n = 67, L = m.config.length;
  const std::size_t row = 4 * static_cast<std::size_t>(L), total = n * row;
  auto codes = random_codes(n, L, 11);
  const auto scale = random_scale(n, 12);
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 50);
  const auto ig_host =
      integrated_gradients_cuda(m.config, m.params, codes.data(), scale.data(), n, q);
  const auto dl_host = deeplift_cuda(m.config, m.params, codes.data(), n,
                                     DeepLiftCompat::captum_0_8, Target::logit, scale.data());
  // Sequence 5 gets an invalid code: NaN in all of its outputs, every other row unchanged.
  codes[5 * static_cast<std::size_t>(L) + 17] = 7;
  DeviceArray<std::uint8_t> d_codes(codes.size());
  DeviceArray<float> d_scale(n), d_out(total + kGuard);
  ASSERT_NE(d_codes.ptr, nullptr);
  ASSERT_NE(d_scale.ptr, nullptr);
  ASSERT_NE(d_out.ptr, nullptr);
  CHECK_CUDA(cudaMemcpy(d_codes.ptr, codes.data(), codes.size(), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(d_scale.ptr, scale.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  cudaStream_t stream = nullptr;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  IntegratedGradientsCuda ig_engine(m.config, m.params);
  DeepLiftCuda dl_engine(m.config, m.params);
  for (int method = 0; method < 2; ++method) {
    std::vector<float> got(total + kGuard, kGuardValue);
    CHECK_CUDA(
        cudaMemcpy(d_out.ptr, got.data(), got.size() * sizeof(float), cudaMemcpyHostToDevice));
    // A pageable cudaMemcpy may return before its DMA lands; the kernels run on another stream.
    CHECK_CUDA(cudaDeviceSynchronize());
    for (int repeat = 0; repeat < 2; ++repeat) {
      if (method == 0) {
        ig_engine.integrated_gradients(d_codes.ptr, d_scale.ptr, n, q, Target::logit, d_out.ptr,
                                       stream);
      } else {
        dl_engine.deeplift(d_codes.ptr, d_scale.ptr, n, DeepLiftCompat::captum_0_8, Target::logit,
                           d_out.ptr, stream);
      }
      CHECK_CUDA(cudaStreamSynchronize(stream));
      std::vector<float> again(total + kGuard);
      CHECK_CUDA(cudaMemcpy(again.data(), d_out.ptr, again.size() * sizeof(float),
                            cudaMemcpyDeviceToHost));
      if (repeat == 1) {
        EXPECT_EQ(0, std::memcmp(again.data(), got.data(), total * sizeof(float)))
            << "not reproducible, method " << method;
      }
      got = again;
    }
    const std::vector<float>& host = method == 0 ? ig_host : dl_host;
    for (int s = 0; s < n; ++s) {
      for (std::size_t k = 0; k < row; ++k) {
        const float g = got[s * row + k];
        if (s == 5) {
          ASSERT_TRUE(std::isnan(g)) << "method " << method << " [" << k << "]";
        } else {
          ASSERT_EQ(std::memcmp(&g, &host[s * row + k], sizeof g), 0)
              << "method " << method << " sequence " << s << " [" << k << "] " << g << " vs "
              << host[s * row + k];
        }
      }
    }
    for (std::size_t k = 0; k < kGuard; ++k)
      ASSERT_EQ(got[total + k], kGuardValue) << "guard " << k;
  }
  CHECK_CUDA(cudaStreamDestroy(stream));
}
#endif

// ---- errors ----

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AttributionCuda, ErrorsMatchTheCpu) {
  MINT_REQUIRE_GPU();
  const Model m = random_model(odd_config(), kSeeds[0]);
  auto codes = random_codes(3, m.config.length, 1);
  codes[m.config.length + 4] = 4;
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 10);
  const std::string ig_cpu = message_of(
      [&] { integrated_gradients_onehot(m.config, m.params, codes.data(), nullptr, 3, q); });
  ASSERT_FALSE(ig_cpu.empty());
  EXPECT_EQ(ig_cpu, message_of([&] {
              integrated_gradients_cuda(m.config, m.params, codes.data(), nullptr, 3, q);
            }));
  const std::string dl_cpu =
      message_of([&] { cpu_deeplift(m, codes, nullptr, 3, DeepLiftCompat::none, Target::logit); });
  ASSERT_FALSE(dl_cpu.empty());
  EXPECT_EQ(dl_cpu, message_of([&] { deeplift_cuda(m.config, m.params, codes.data(), 3); }));
  // DeepLIFT rejects exp models, as the CPU.
  Model e = m;
  e.config.activation = Activation::exp;
  const auto good = random_codes(2, m.config.length, 2);
  const std::string exp_cpu =
      message_of([&] { cpu_deeplift(e, good, nullptr, 2, DeepLiftCompat::none, Target::logit); });
  ASSERT_FALSE(exp_cpu.empty());
  EXPECT_EQ(exp_cpu, message_of([&] { deeplift_cuda(e.config, e.params, good.data(), 2); }));
  EXPECT_THROW(deeplift_cuda(m.config, m.params, good.data(), -1), Error);
  EXPECT_THROW(integrated_gradients_cuda(m.config, m.params, good.data(), nullptr, -1, q), Error);
  Quadrature bad = q;
  bad.weights.pop_back();
  EXPECT_THROW(integrated_gradients_cuda(m.config, m.params, good.data(), nullptr, 2, bad), Error);
  ModelParams wrong = m.params;
  wrong.fc1_weight.pop_back();
  EXPECT_THROW(integrated_gradients_cuda(m.config, wrong, good.data(), nullptr, 2, q), Error);
  EXPECT_THROW(IntegratedGradientsCuda(m.config, wrong), Error);
  EXPECT_THROW(DeepLiftCuda(m.config, wrong), Error);
}

// Without a GPU (or without CUDA) every entry point throws, naming the reason.
TEST(AttributionCuda, WithoutGpuEveryEntryPointThrows) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const std::string reason = cuda_unavailable_reason();
  ASSERT_FALSE(reason.empty());
  const Model m = random_model(odd_config(), kSeeds[0]);
  const auto codes = random_codes(2, m.config.length, 1);
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 10);
  const std::string messages[] = {
      message_of(
          [&] { integrated_gradients_cuda(m.config, m.params, codes.data(), nullptr, 2, q); }),
      message_of([&] { deeplift_cuda(m.config, m.params, codes.data(), 2); }),
      message_of([&] { IntegratedGradientsCuda engine(m.config, m.params); }),
      message_of([&] { DeepLiftCuda engine(m.config, m.params); }),
  };
  for (const std::string& msg : messages) {
    EXPECT_NE(msg.find(reason), std::string::npos) << "'" << msg << "'";
    EXPECT_NE(msg.find("CUDA attribution"), std::string::npos) << "'" << msg << "'";
  }
}

}  // namespace
}  // namespace mint

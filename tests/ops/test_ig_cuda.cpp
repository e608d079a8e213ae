// Integrated Gradients and DeepLIFT on the GPU (kernels/attribution.cu) against their CPU twins
// (integrated_gradients_onehot, deeplift) — the reference — and against Captum's fixtures:
//   - edge cases first: n = 0, one sequence, homopolymers (exact max-pool ties, first maximum
//     wins on both backends), alternating bases;
//   - seeded random models at the paper size and at odd shapes (F 11, valid padding, no
//     BatchNorm, exp for IG, even F with 'same' padding), a few hundred sequences, scale given
//     or not, both targets, several quadratures, both DeepLIFT modes: relative norm ≤ 1e-5 and
//     exact zeros at absent bases;
//   - a model too large for shared memory (the global-scratch path);
//   - more sequences than one host chunk, with captum-0.8's row 0 taken from the whole call;
//   - the device-pointer entry point: guard values after the output, a bad code gives a NaN
//     row, bitwise equal to the host entry point and reproducible;
//   - the Captum fixtures (≤ 1e-4, float32 vs PyTorch's float64); errors.
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU); the no-GPU test skips with one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig_cuda.hpp"
#include "test_util.hpp"

#if defined(MINT_WITH_CUDA)
#include <cuda_runtime.h>
#endif

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::random_codes;
using test::random_model;

// CUDA against the CPU: both float32, the same formulas in the same order except the CPU's
// vectorised reductions (and FMA contraction), so only rounding differs.
constexpr double kCudaTol = test::kFloat32Tol;
constexpr std::uint64_t kSeeds[] = {1, 20261126};

double rel_norm(const std::vector<float>& ref, const std::vector<float>& got) {
  if (ref.size() != got.size()) return std::numeric_limits<double>::infinity();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - static_cast<double>(got[i]);
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);  // NaN stays NaN: fails EXPECT_LE
}

// x ⊙ m: every absent base exactly 0, nothing NaN.
::testing::AssertionResult zero_at_absent_bases(const std::vector<float>& a,
                                                const std::vector<std::uint8_t>& codes, int n,
                                                int length) {
  if (a.size() != static_cast<std::size_t>(n) * 4 * length) {
    return ::testing::AssertionFailure() << "size " << a.size();
  }
  for (int s = 0; s < n; ++s)
    for (int ch = 0; ch < 4; ++ch)
      for (int p = 0; p < length; ++p) {
        const float v = a[(static_cast<std::size_t>(s) * 4 + ch) * length + p];
        const bool observed = codes[static_cast<std::size_t>(s) * length + p] == ch;
        if (std::isnan(v) || (!observed && v != 0.0f)) {
          return ::testing::AssertionFailure()
                 << "sequence " << s << " channel " << ch << " position " << p << ": " << v;
        }
      }
  return ::testing::AssertionSuccess();
}

// Odd shapes: F 11 with 'valid' padding and no BatchNorm (L − K + 1 = 53 not a multiple of P),
// the same with BatchNorm and exp (IG only), and an even F with 'same' padding and even K.
ModelConfig odd_config() {
  ModelConfig c;
  c.length = 57;
  c.filters = 11;
  c.width = 5;
  c.pool = 4;
  c.hidden1 = 13;
  c.hidden2 = 6;
  c.padding = Padding::valid;
  c.batchnorm = false;
  return c;
}

struct Shape {
  const char* name;
  ModelConfig config;
  int n;  // sequences per case
};

std::vector<Shape> shapes() {
  ModelConfig exp_c = odd_config();
  exp_c.activation = Activation::exp;
  exp_c.batchnorm = true;
  ModelConfig same_c = odd_config();
  same_c.padding = Padding::same;
  same_c.filters = 16;
  same_c.width = 8;
  return {{"paper", ModelConfig{}, 300},
          {"odd_valid_nobn", odd_config(), 200},
          {"odd_exp_bn", exp_c, 200},
          {"even_same", same_c, 200}};
}

std::vector<float> random_scale(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  std::vector<float> s(static_cast<std::size_t>(n));
  for (float& v : s) v = u(rng);
  return s;
}

std::vector<float> cpu_deeplift(const Model& m, const std::vector<std::uint8_t>& codes,
                                const float* scale, int n, DeepLiftCompat compat, Target target) {
  CnnInput in;
  in.codes = codes.data();
  in.scale = scale;
  return deeplift(m.config, m.params, in, n, compat, target);
}

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
  AttributionCuda engine(m.config, m.params);
  engine.integrated_gradients(nullptr, nullptr, 0, q, Target::logit, nullptr);
  engine.deeplift(nullptr, nullptr, 0, DeepLiftCompat::captum_0_8, Target::prob, nullptr);
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

TEST(AttributionCuda, DeepLiftMatchesCpu) {
  MINT_REQUIRE_GPU();
  for (const Shape& shape : shapes()) {
    if (shape.config.activation != Activation::relu) continue;
    for (const std::uint64_t seed : kSeeds) {
      const Model m = random_model(shape.config, seed);
      const auto codes = random_codes(shape.n, shape.config.length, seed + 1);
      const auto scale = random_scale(shape.n, seed + 2);
      for (DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
        for (Target target : {Target::logit, Target::prob}) {
          for (bool scaled : {false, true}) {
            const float* s = scaled ? scale.data() : nullptr;
            const auto ref = cpu_deeplift(m, codes, s, shape.n, compat, target);
            const auto got =
                deeplift_cuda(shape.config, m.params, codes.data(), shape.n, compat, target, s);
            const double rn = rel_norm(ref, got);
            const std::string what = std::string(shape.name) + " seed " + std::to_string(seed) +
                                     " " + deeplift_compat_name(compat) +
                                     (target == Target::prob ? " prob" : " logit") +
                                     (scaled ? " scaled" : "");
            EXPECT_LE(rn, kCudaTol) << what;
            EXPECT_TRUE(zero_at_absent_bases(got, codes, shape.n, shape.config.length)) << what;
            std::printf("  DeepLIFT %-40s rel norm %.2e\n", what.c_str(), rn);
          }
        }
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

// More sequences than one host chunk (65536): captum-0.8's fallback must use row 0 of the whole
// call in every chunk. maxpool_ties has relu1 inputs exactly equal to the reference's, where
// that fallback shows; sequence i is fixture row i mod 7, so the second chunk starts with a
// different row than the first.
TEST(AttributionCuda, ChunksShareRowZero) {
  MINT_REQUIRE_GPU();
  const std::string dir = case_dir("maxpool_ties");
  const Model m = load_model(dir + "weights.safetensors");
  const SequenceInput input = read_sequences(dir + "inputs.npy");
  ASSERT_TRUE(input.one_hot);
  const int L = m.config.length, n = 65536 + 37;
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * L);
  for (int i = 0; i < n; ++i) {
    std::memcpy(codes.data() + static_cast<std::size_t>(i) * L,
                input.codes.data() + static_cast<std::size_t>(i % 7) * L, L);
  }
  const auto ref = cpu_deeplift(m, codes, nullptr, n, DeepLiftCompat::captum_0_8, Target::logit);
  const auto got = deeplift_cuda(m.config, m.params, codes.data(), n, DeepLiftCompat::captum_0_8);
  EXPECT_LE(rel_norm(ref, got), kCudaTol);
  // The tail alone (its own row 0) differs from the tail of the whole call: the check bites.
  const int tail = n - 65536;
  const std::vector<std::uint8_t> tail_codes(codes.end() - static_cast<std::ptrdiff_t>(tail) * L,
                                             codes.end());
  const auto alone =
      cpu_deeplift(m, tail_codes, nullptr, tail, DeepLiftCompat::captum_0_8, Target::logit);
  const std::vector<float> ref_tail(ref.end() - static_cast<std::ptrdiff_t>(tail) * 4 * L,
                                    ref.end());
  const std::vector<float> got_tail(got.end() - static_cast<std::ptrdiff_t>(tail) * 4 * L,
                                    got.end());
  EXPECT_GT(rel_norm(ref_tail, alone), 1e-3);
  EXPECT_LE(rel_norm(ref_tail, got_tail), kCudaTol);
  // IG and the default DeepLIFT across the chunk boundary.
  const Quadrature q = ig_quadrature(IgMethod::riemann_right, 20);
  const auto ig_ref = integrated_gradients_onehot(m.config, m.params, codes.data(), nullptr, n, q);
  const auto ig = integrated_gradients_cuda(m.config, m.params, codes.data(), nullptr, n, q);
  EXPECT_LE(rel_norm(ig_ref, ig), kCudaTol);
  const auto dref = cpu_deeplift(m, codes, nullptr, n, DeepLiftCompat::none, Target::logit);
  const auto dgot = deeplift_cuda(m.config, m.params, codes.data(), n);
  EXPECT_LE(rel_norm(dref, dgot), kCudaTol);
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

// Owns a cudaMalloc'd array (the test's own RAII; kernels/cuda_check.cuh is not public).
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
  AttributionCuda engine(m.config, m.params);
  for (int method = 0; method < 2; ++method) {
    std::vector<float> got(total + kGuard, kGuardValue);
    CHECK_CUDA(
        cudaMemcpy(d_out.ptr, got.data(), got.size() * sizeof(float), cudaMemcpyHostToDevice));
    // A pageable cudaMemcpy may return before its DMA lands; the kernels run on another stream.
    CHECK_CUDA(cudaDeviceSynchronize());
    for (int repeat = 0; repeat < 2; ++repeat) {
      if (method == 0) {
        engine.integrated_gradients(d_codes.ptr, d_scale.ptr, n, q, Target::logit, d_out.ptr,
                                    stream);
      } else {
        engine.deeplift(d_codes.ptr, d_scale.ptr, n, DeepLiftCompat::captum_0_8, Target::logit,
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
  EXPECT_THROW(AttributionCuda(m.config, wrong), Error);
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
      message_of([&] { AttributionCuda engine(m.config, m.params); }),
  };
  for (const std::string& msg : messages) {
    EXPECT_NE(msg.find(reason), std::string::npos) << "'" << msg << "'";
    EXPECT_NE(msg.find("CUDA attribution"), std::string::npos) << "'" << msg << "'";
  }
}

}  // namespace
}  // namespace mint

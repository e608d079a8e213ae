// Helpers shared by the fused CUDA attribution tests (tests/ops/test_ig_cuda.cpp,
// tests/ops/test_deeplift_cuda.cpp): the CUDA-against-CPU tolerance and seeds, a float32
// relative norm, the exact-zeros-at-absent-bases check, the model shapes every kernel test
// runs (the paper's size and odd ones), random row scales, and the CPU DeepLIFT of codes.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "test_util.hpp"

namespace mint::attribution_cuda_test {

// CUDA against the CPU: both float32, the same formulas in the same order except the CPU's
// vectorised reductions (and FMA contraction), so only rounding differs.
inline constexpr double kCudaTol = test::kFloat32Tol;
inline constexpr std::uint64_t kSeeds[] = {1, 20261126};

inline double rel_norm(const std::vector<float>& ref, const std::vector<float>& got) {
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
inline ::testing::AssertionResult zero_at_absent_bases(const std::vector<float>& a,
                                                       const std::vector<std::uint8_t>& codes,
                                                       int n, int length) {
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
inline ModelConfig odd_config() {
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

inline std::vector<Shape> shapes() {
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

inline std::vector<float> random_scale(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  std::vector<float> s(static_cast<std::size_t>(n));
  for (float& v : s) v = u(rng);
  return s;
}

inline std::vector<float> cpu_deeplift(const Model& m, const std::vector<std::uint8_t>& codes,
                                       const float* scale, int n, DeepLiftCompat compat,
                                       Target target) {
  CnnInput in;
  in.codes = codes.data();
  in.scale = scale;
  return deeplift(m.config, m.params, in, n, compat, target);
}

}  // namespace mint::attribution_cuda_test

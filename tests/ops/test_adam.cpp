// Adam on the CPU (ops/adam/adam.hpp): adam_update_cpu against mint::adam_update applied element
// by element (bit for bit, at awkward sizes on both sides of the parallel threshold, for several
// thread counts and steps), one step against the float64 formula, and the first step's
// invariant: with |g| ≫ ε every parameter moves by lr·sign(g). The CUDA kernel is checked
// against the host update through the backend (tests/ops/test_cnn_cuda.cpp,
// CnnCuda.AdamKernelMatchesTheHostUpdate).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "ops/adam/adam.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

struct State {
  std::vector<float> params, grads, m, v;
};

State random_state(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  State s;
  for (std::size_t e = 0; e < count; ++e) {
    s.params.push_back(normal(rng));
    s.grads.push_back(normal(rng));
    s.m.push_back(0.1f * normal(rng));
    s.v.push_back(0.01f * std::abs(normal(rng)));
  }
  return s;
}

TEST(AdamCpu, MatchesTheElementUpdate) {
  AdamOptions options;
  options.lr = 3e-3f;
  for (std::size_t count : {0u, 1u, 7u, 33u, 4096u, 4097u, 10000u}) {
    for (int threads : {1, 3}) {
      for (std::uint64_t seed : test::kSeeds) {
        State got = random_state(count, seed), want = got;
        for (long step = 1; step <= 3; ++step) {
          const AdamStep s = adam_step_constants(options, step);
          adam_update_cpu(s, count, got.grads.data(), got.params.data(), got.m.data(), got.v.data(),
                          threads);
          for (std::size_t e = 0; e < count; ++e) {
            adam_update(s, want.grads[e], want.params[e], want.m[e], want.v[e]);
          }
          EXPECT_EQ(got.params, want.params) << count << " threads " << threads << " step " << step;
          EXPECT_EQ(got.m, want.m);
          EXPECT_EQ(got.v, want.v);
        }
      }
    }
  }
}

// One step of PyTorch's formula in float64, from zero moments.
TEST(AdamCpu, FirstStepMatchesTheFloat64Formula) {
  const AdamOptions o;
  State s = random_state(65, 11);
  std::fill(s.m.begin(), s.m.end(), 0.0f);
  std::fill(s.v.begin(), s.v.end(), 0.0f);
  std::vector<double> want(s.params.size());
  for (std::size_t e = 0; e < want.size(); ++e) {
    const double g = s.grads[e], m = (1 - o.beta1) * g, v = (1 - o.beta2) * g * g;
    const double bc1 = 1 - o.beta1, bc2 = 1 - o.beta2;
    want[e] = s.params[e] - (o.lr / bc1) * m / (std::sqrt(v) / std::sqrt(bc2) + o.eps);
  }
  adam_update_cpu(adam_step_constants(o, 1), s.params.size(), s.grads.data(), s.params.data(),
                  s.m.data(), s.v.data(), 2);
  const std::vector<double> got(s.params.begin(), s.params.end());
  // Float32 arithmetic on values of order 1: a few ulp.
  EXPECT_TRUE(test::all_close(want, got, 1e-6, 1e-7));
}

// m̂ = g and v̂ = g² after one step, so p moves by lr·g/(|g| + ε) ≈ lr·sign(g).
TEST(AdamCpu, FirstStepMovesByTheLearningRate) {
  AdamOptions o;
  o.lr = 0.01f;
  State s = random_state(100, 12);
  std::fill(s.m.begin(), s.m.end(), 0.0f);
  std::fill(s.v.begin(), s.v.end(), 0.0f);
  const std::vector<float> before = s.params;
  adam_update_cpu(adam_step_constants(o, 1), s.params.size(), s.grads.data(), s.params.data(),
                  s.m.data(), s.v.data(), 1);
  for (std::size_t e = 0; e < before.size(); ++e) {
    if (std::abs(s.grads[e]) < 1e-3f) continue;  // ε no longer negligible
    const double step = static_cast<double>(before[e]) - s.params[e];
    EXPECT_NEAR(step, s.grads[e] > 0 ? o.lr : -o.lr, 1e-6) << e;
  }
}

}  // namespace
}  // namespace mint

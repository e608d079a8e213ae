// Integrated Gradients (ops/ig) against Captum's quadratures and against the float64 reference:
//   - the IG quadrature tables against every fixture manifest's ig_quadrature and §3's worked
//     example (GL-4);
//   - properties on random models in float64 where float32 routing noise could flip a ReLU or
//     a max-pool winner: IG completeness tightening with the number of steps, float32 IG close
//     to float64 IG;
//   - the fused one-hot path against the batched path over the model variants it special-cases
//     and at negative and zero row scales; the same bits for any thread count.
// Parity with the Captum fixtures (IG among every gradient method) is in test_gradient.cpp, the
// CUDA kernel in test_ig_cuda.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/ig/ig.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::onehot;
using test::random_codes;
using test::random_model;
using test::rel_norm;
using test::small_config;

TEST(IgQuadrature, GaussLegendreMatchesWorkedExample) {
  const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 4);
  const double alphas[] = {0.0694318442, 0.3300094782, 0.6699905218, 0.9305681558};
  const double weights[] = {0.1739274263381958, 0.3260725736618042, 0.3260725736618042,
                            0.1739274263381958};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(q.alphas[i], alphas[i], 1e-10);
    EXPECT_EQ(q.weights[i], weights[i]);
  }
  // f(x) = relu(x − 0.3), x = 1: Σ w_i·[α_i > 0.3] = 0.8260725736618042.
  double ig = 0;
  for (int i = 0; i < 4; ++i) ig += q.alphas[i] > 0.3 ? q.weights[i] : 0.0;
  EXPECT_DOUBLE_EQ(ig, 0.8260725736618042);
}

TEST(IgQuadrature, RiemannWorkedExamples) {
  Quadrature q = ig_quadrature(IgMethod::riemann_trapezoid, 5);
  const double nodes[] = {0, 0.25, 0.5, 0.75, 1};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.alphas[i], nodes[i]);
  EXPECT_EQ(q.weights[0], static_cast<double>(0.1f));
  EXPECT_EQ(q.weights[2], static_cast<double>(0.2f));
  q = ig_quadrature(IgMethod::riemann_right, 4);
  EXPECT_EQ(q.alphas.back(), 1.0);
  q = ig_quadrature(IgMethod::riemann_left, 4);
  EXPECT_EQ(q.alphas.front(), 0.0);
  EXPECT_EQ(q.alphas.back(), 0.75);
  q = ig_quadrature(IgMethod::riemann_middle, 4);
  EXPECT_EQ(q.alphas.front(), 0.125);
  EXPECT_THROW(ig_quadrature(IgMethod::riemann_right, 1), Error);
  EXPECT_THROW(ig_quadrature(IgMethod::gausslegendre, 0), Error);
  EXPECT_THROW(parse_ig_method("simpson"), Error);
  EXPECT_EQ(parse_ig_method("riemann_middle"), IgMethod::riemann_middle);
}

TEST(IgQuadrature, GaussLegendreIsExactForPolynomials) {
  for (int n : {1, 2, 7, 50, 200, 301}) {
    std::vector<double> t, w;
    gauss_legendre(n, t, w);
    // ∫_{-1}^{1} x^k dx for k ≤ 2n − 1.
    for (int k = 0; k <= std::min(2 * n - 1, 12); ++k) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += w[i] * std::pow(t[i], k);
      EXPECT_NEAR(s, k % 2 == 0 ? 2.0 / (k + 1) : 0.0, 1e-13) << n << " " << k;
    }
    for (int i = 1; i < n; ++i) EXPECT_LT(t[i - 1], t[i]);
  }
}

TEST(IgQuadrature, MatchesEveryManifest) {
  for (const char* name : kCases) {
    std::ifstream f(case_dir(name) + "manifest.json");
    const nlohmann::json m = nlohmann::json::parse(f);
    ASSERT_TRUE(m.contains("ig_quadrature")) << name;
    for (const auto& [key, entry] : m["ig_quadrature"].items()) {
      const IgMethod method = parse_ig_method(entry["method"].get<std::string>());
      const int steps = entry["n_steps"].get<int>();
      const Quadrature q = ig_quadrature(method, steps);
      const auto alphas = entry["alphas"].get<std::vector<double>>();
      const auto weights = entry["weights_as_used"].get<std::vector<double>>();
      ASSERT_EQ(q.alphas.size(), alphas.size()) << name << " " << key;
      for (std::size_t i = 0; i < alphas.size(); ++i) {
        if (method == IgMethod::gausslegendre) {
          EXPECT_NEAR(q.alphas[i], alphas[i], 1e-15) << name << " " << key << " " << i;
        } else {
          EXPECT_EQ(q.alphas[i], alphas[i])
              << name << " " << key << " " << i << std::setprecision(17) << ": " << q.alphas[i]
              << " vs " << alphas[i];
        }
        EXPECT_EQ(q.weights[i], weights[i]) << name << " " << key << " " << i;
      }
    }
  }
}

// ---- Properties on random models, in float64 where routing noise matters ----

// Float64 IG: x ⊙ Σ_i w_i ∇f(α_i x), with the same quadrature.
std::vector<double> reference_ig(const ModelConfig& c, const ReferenceParams& p,
                                 const std::vector<double>& x, int n, const Quadrature& q) {
  std::vector<double> acc(x.size(), 0.0);
  const std::vector<double> ones(static_cast<std::size_t>(n), 1.0);
  for (std::size_t i = 0; i < q.alphas.size(); ++i) {
    std::vector<double> xi(x);
    for (double& v : xi) v *= q.alphas[i];
    std::vector<std::vector<double>> grads;
    std::vector<double> dx;
    reference_forward_backward(c, p, xi, n, Mode::eval, &ones, &grads, &dx);
    for (std::size_t k = 0; k < x.size(); ++k) acc[k] += q.weights[i] * dx[k];
  }
  for (std::size_t k = 0; k < x.size(); ++k) acc[k] *= x[k];
  return acc;
}

TEST(AttributionProperties, IgCompletenessTightensWithSteps) {
  const ModelConfig c = small_config();
  const int n = 6;
  for (std::uint64_t seed : test::kSeeds) {
    const Model m = random_model(c, seed);
    const ReferenceParams rp = to_reference(m.params);
    const std::vector<double> x = onehot(random_codes(n, c.length, seed + 1), n, c.length);
    const auto fx = reference_forward_backward(c, rp, x, n, Mode::eval, nullptr, nullptr, nullptr);
    const auto f0 = reference_forward_backward(c, rp, std::vector<double>(x.size(), 0.0), n,
                                               Mode::eval, nullptr, nullptr, nullptr);
    double err[2] = {0, 0};
    const int steps[2] = {20, 200};
    for (int t = 0; t < 2; ++t) {
      const auto a = reference_ig(c, rp, x, n, ig_quadrature(IgMethod::gausslegendre, steps[t]));
      for (int s = 0; s < n; ++s) {
        double sum = 0;
        for (int k = 0; k < 4 * c.length; ++k)
          sum += a[static_cast<std::size_t>(s) * 4 * c.length + k];
        err[t] += std::abs(sum - (fx[s] - f0[s])) / n;
      }
    }
    EXPECT_LT(err[1], err[0]) << "seed " << seed;
    EXPECT_LT(err[1], 0.05) << "seed " << seed;
  }
}

TEST(AttributionProperties, Float32IgAgreesWithFloat64) {
  const ModelConfig c = small_config();
  const int n = 5;
  for (std::uint64_t seed : test::kSeeds) {
    const Model m = random_model(c, seed);
    const ReferenceParams rp = to_reference(m.params);
    const auto codes = random_codes(n, c.length, seed + 2);
    const std::vector<double> x = onehot(codes, n, c.length);
    for (IgMethod method :
         {IgMethod::gausslegendre, IgMethod::riemann_middle, IgMethod::riemann_left}) {
      const Quadrature q = ig_quadrature(method, 16);
      const auto ref = reference_ig(c, rp, x, n, q);
      CpuCnn cnn(c, 11, 2);
      CnnInput in;
      in.codes = codes.data();
      const auto got = integrated_gradients(cnn, m.params, in, n, method, 16);
      // Random weights can put a routing decision within float32 noise (§8): loose bound.
      EXPECT_LT(rel_norm(ref, got), 1e-3) << "seed " << seed << " " << ig_method_name(method);
    }
  }
}

// The fused one-hot IG against the batched path (the backend route), over the model variants
// it special-cases: padding, BatchNorm, exp activation, a row scale, the probability target,
// every quadrature.
TEST(AttributionProperties, FusedOneHotIgEqualsBatchedIg) {
  struct Variant {
    Padding padding;
    bool batchnorm;
    Activation activation;
    Target target;
    IgMethod method;
    int steps;
  };
  const Variant variants[] = {
      {Padding::valid, true, Activation::relu, Target::logit, IgMethod::gausslegendre, 50},
      {Padding::same, true, Activation::relu, Target::prob, IgMethod::riemann_trapezoid, 20},
      {Padding::same, false, Activation::relu, Target::logit, IgMethod::riemann_left, 7},
      {Padding::valid, true, Activation::exp, Target::logit, IgMethod::riemann_middle, 9},
      {Padding::same, false, Activation::exp, Target::prob, IgMethod::riemann_right, 12},
  };
  int index = 0;
  for (const Variant& v : variants) {
    ModelConfig c = small_config();
    c.filters = 11;  // not a multiple of 8: exercises the padded filter lanes
    c.padding = v.padding;
    c.batchnorm = v.batchnorm;
    c.activation = v.activation;
    const int n = 13;
    Model m = random_model(c, 40 + static_cast<std::uint64_t>(index));
    if (v.activation == Activation::exp) {
      for (float& w : m.params.conv_weight) w *= 0.3f;  // keep exp() moderate
    }
    const auto codes = random_codes(n, c.length, 50 + static_cast<std::uint64_t>(index));
    std::vector<float> scale(n);
    for (int s = 0; s < n; ++s)
      scale[static_cast<std::size_t>(s)] = 0.5f + 0.1f * static_cast<float>(s);
    for (bool scaled : {false, true}) {
      CnnInput in;
      in.codes = codes.data();
      if (scaled) in.scale = scale.data();
      CpuCnn cnn(c, 16, 2);
      const auto fused = integrated_gradients(cnn, m.params, in, n, v.method, v.steps, v.target);
      auto backend = make_cpu_backend(c, 16, 2);
      backend->set_params(m.params);
      const auto batched = integrated_gradients(*backend, in, n, v.method, v.steps, v.target);
      std::vector<double> ref(batched.begin(), batched.end());
      EXPECT_LT(test::rel_norm(ref, fused), 1e-5) << "variant " << index << " scaled " << scaled;
      for (std::size_t i = 0; i < ref.size(); ++i) {
        if (ref[i] == 0.0 && fused[i] != 0.0f) {
          ADD_FAILURE() << "variant " << index << ": non-zero at an absent base, " << i;
          break;
        }
      }
    }
    ++index;
  }
}

// The fused path works per sequence: the same bits for any thread count and on every call,
// for both of its paths (ReLU: routes and segments; exp: step by step), with a row scale and
// the probability target.
TEST(AttributionProperties, FusedOneHotIgSameBitsForAnyThreadCount) {
  for (Activation activation : {Activation::relu, Activation::exp}) {
    ModelConfig c = small_config();
    c.filters = 13;
    c.length = 61;
    c.activation = activation;
    Model m = random_model(c, test::kSeeds[1]);
    if (activation == Activation::exp) {
      for (float& w : m.params.conv_weight) w *= 0.3f;  // keep exp() moderate
    }
    const int n = 37;
    const auto codes = random_codes(n, c.length, 77);
    std::vector<float> scale(n);
    for (int s = 0; s < n; ++s)
      scale[static_cast<std::size_t>(s)] = 0.25f * static_cast<float>(s - 9);
    const Quadrature q = ig_quadrature(IgMethod::gausslegendre, 50);
    const auto one =
        integrated_gradients_onehot(c, m.params, codes.data(), scale.data(), n, q, Target::prob, 1);
    for (int threads : {1, 2, 3}) {
      EXPECT_EQ(one, integrated_gradients_onehot(c, m.params, codes.data(), scale.data(), n, q,
                                                 Target::prob, threads))
          << to_string(activation) << " threads " << threads;
    }
  }
}

// Negative and zero row scales: the path points a·x with a ≤ 0 put each window's maximum at
// its smallest conv sum (the ReLU path's routes), and a = 0 at its first position.
TEST(AttributionProperties, FusedOneHotIgEqualsBatchedIgAtNegativeScales) {
  ModelConfig c = small_config();
  c.filters = 9;
  const int n = 7;
  const Model m = random_model(c, test::kSeeds[2]);
  const auto codes = random_codes(n, c.length, 78);
  const std::vector<float> scale = {-1.0f, -0.5f, 0.0f, -2.0f, 1.0f, -0.125f, -1.5f};
  CnnInput in;
  in.codes = codes.data();
  in.scale = scale.data();
  CpuCnn cnn(c, 16, 2);
  const auto fused = integrated_gradients(cnn, m.params, in, n, IgMethod::gausslegendre, 24);
  auto backend = make_cpu_backend(c, 16, 2);
  backend->set_params(m.params);
  const auto batched = integrated_gradients(*backend, in, n, IgMethod::gausslegendre, 24);
  EXPECT_LT(test::rel_norm(std::vector<double>(batched.begin(), batched.end()), fused), 1e-5);
  for (int p = 0; p < 4 * c.length; ++p) EXPECT_EQ(fused[2 * 4 * c.length + p], 0.0f);
}

}  // namespace
}  // namespace mint

// Attribution methods (src/attribution.cpp) against Captum and against the float64 reference:
//   - the IG quadrature tables against every fixture manifest's ig_quadrature and §3's worked
//     example (GL-4);
//   - parity with every Captum fixture case (float32 here against PyTorch's float64, relative
//     norm ≤ 1e-4; the doc measured ≤ 6.5e-6) for gradient, saliency, input×gradient, the three
//     IG variants and ISM, through both the one-hot and the dense path;
//   - properties on random models in float64 where float32 routing noise could flip a ReLU or
//     a max-pool winner: IG completeness tightening with the number of steps, ISM equal to
//     brute-force re-evaluation, float32 IG close to float64 IG;
//   - batching: a CpuCnn of capacity 1, 3 or 7 gives the same attributions as one batch.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/gradient/gradient.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::max_abs_diff;
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

TEST(AttributionFixtures, EveryMethodMatchesCaptum) {
  struct Method {
    const char* file;
    std::vector<float> (*run)(CpuCnn&, const ModelParams&, const CnnInput&, int);
  };
  const Method methods[] = {
      {"gradient.npy", [](CpuCnn& c, const ModelParams& p, const CnnInput& in,
                          int n) { return gradient(c, p, in, n); }},
      {"saliency_abs.npy", [](CpuCnn& c, const ModelParams& p, const CnnInput& in,
                              int n) { return saliency(c, p, in, n); }},
      {"input_x_gradient.npy", [](CpuCnn& c, const ModelParams& p, const CnnInput& in,
                                  int n) { return input_x_gradient(c, p, in, n); }},
      {"ig_gausslegendre_50.npy",
       [](CpuCnn& c, const ModelParams& p, const CnnInput& in, int n) {
         return integrated_gradients(c, p, in, n, IgMethod::gausslegendre, 50);
       }},
      {"ig_riemann_trapezoid_50.npy",
       [](CpuCnn& c, const ModelParams& p, const CnnInput& in, int n) {
         return integrated_gradients(c, p, in, n, IgMethod::riemann_trapezoid, 50);
       }},
      {"ig_riemann_right_20.npy",
       [](CpuCnn& c, const ModelParams& p, const CnnInput& in, int n) {
         return integrated_gradients(c, p, in, n, IgMethod::riemann_right, 20);
       }},
      {"ism.npy",
       [](CpuCnn& c, const ModelParams& p, const CnnInput& in, int n) { return ism(c, p, in, n); }},
  };
  for (const char* name : kCases) {
    const std::string dir = case_dir(name);
    const Model model = load_model(dir + "weights.safetensors");
    const SequenceInput input = read_sequences(dir + "inputs.npy");
    ASSERT_TRUE(input.one_hot) << name;
    const int n = static_cast<int>(input.n);
    const std::vector<float> dense = read_npy(dir + "inputs.npy").to_vector<float>();
    for (const Method& m : methods) {
      const auto ref = read_npy(dir + m.file).to_vector<double>();
      for (int path = 0; path < 2; ++path) {
        CnnInput in;
        if (path == 0)
          in.codes = input.codes.data();
        else
          in.dense = dense.data();
        // A capacity that does not divide the rows, to exercise the batching.
        CpuCnn cnn(model.config, 37, 2);
        const std::vector<float> got = m.run(cnn, model.params, in, n);
        ASSERT_EQ(got.size(), ref.size()) << name << " " << m.file;
        const double rn = rel_norm(ref, got);
        EXPECT_LT(rn, kFixtureTol) << name << " " << m.file << (path ? " dense" : " one-hot");
        if (path == 0) {
          std::printf("  %-13s %-28s rel norm %.2e  max abs %.2e\n", name, m.file, rn,
                      max_abs_diff(ref, got));
        }
        if (std::string(m.file) == "ism.npy" || std::string(m.file) == "input_x_gradient.npy" ||
            std::string(m.file).rfind("ig_", 0) == 0) {
          // Exactly zero wherever the reference is (observed base for ISM, absent bases for
          // x ⊙ ·).
          for (std::size_t i = 0; i < ref.size(); ++i) {
            if (ref[i] == 0.0 && got[i] != 0.0f) {
              ADD_FAILURE() << name << " " << m.file << " [" << i << "] " << got[i];
              break;
            }
          }
        }
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

TEST(AttributionProperties, IsmEqualsBruteForce) {
  const ModelConfig c = small_config();
  const int n = 4;
  for (std::uint64_t seed : test::kSeeds) {
    const Model m = random_model(c, seed);
    const ReferenceParams rp = to_reference(m.params);
    const auto codes = random_codes(n, c.length, seed + 3);
    const std::vector<double> x = onehot(codes, n, c.length);
    const auto fx = reference_forward_backward(c, rp, x, n, Mode::eval, nullptr, nullptr, nullptr);
    std::vector<double> ref(x.size(), 0.0);
    for (int s = 0; s < n; ++s) {
      for (int p = 0; p < c.length; ++p) {
        for (int b = 0; b < 4; ++b) {
          std::vector<double> xm(x.begin() + static_cast<std::ptrdiff_t>(s) * 4 * c.length,
                                 x.begin() + static_cast<std::ptrdiff_t>(s + 1) * 4 * c.length);
          for (int ch = 0; ch < 4; ++ch) xm[static_cast<std::size_t>(ch) * c.length + p] = ch == b;
          const auto fm =
              reference_forward_backward(c, rp, xm, 1, Mode::eval, nullptr, nullptr, nullptr);
          ref[(static_cast<std::size_t>(s) * 4 + b) * c.length + p] = fm[0] - fx[s];
        }
      }
    }
    CpuCnn cnn(c, 13, 2);
    CnnInput in;
    in.codes = codes.data();
    const auto got = ism(cnn, m.params, in, n);
    std::vector<double> got_d(got.begin(), got.end());
    EXPECT_TRUE(test::all_close(ref, got_d, 1e-4, 1e-5)) << "seed " << seed;
    for (int s = 0; s < n; ++s) {
      for (int p = 0; p < c.length; ++p) {
        const auto obs = codes[static_cast<std::size_t>(s) * c.length + p];
        EXPECT_EQ(got[(static_cast<std::size_t>(s) * 4 + obs) * c.length + p], 0.0f);
      }
    }
    // A scaled one-hot input (scale 1) goes the dense way and agrees.
    const std::vector<float> ones(static_cast<std::size_t>(n), 1.0f);
    in.scale = ones.data();
    EXPECT_TRUE(test::all_close(got, ism(cnn, m.params, in, n), 1e-6, 1e-6));
  }
}

TEST(AttributionProperties, BatchingDoesNotChangeResults) {
  const ModelConfig c = small_config();
  const int n = 9;
  const Model m = random_model(c, test::kSeeds[0]);
  const auto codes = random_codes(n, c.length, 99);
  CnnInput in;
  in.codes = codes.data();
  CpuCnn whole(c, n * 8, 2);
  const auto g = gradient(whole, m.params, in, n);
  const auto ig = integrated_gradients(whole, m.params, in, n, IgMethod::gausslegendre, 8);
  const auto mut = ism(whole, m.params, in, n);
  for (int cap : {1, 3, 7}) {
    CpuCnn cnn(c, cap, 2);
    EXPECT_TRUE(test::all_close(g, gradient(cnn, m.params, in, n), 1e-6, 1e-7)) << cap;
    EXPECT_TRUE(test::all_close(
        ig, integrated_gradients(cnn, m.params, in, n, IgMethod::gausslegendre, 8), 1e-6, 1e-7))
        << cap;
    EXPECT_TRUE(test::all_close(mut, ism(cnn, m.params, in, n), 1e-6, 1e-7)) << cap;
  }
  EXPECT_TRUE(gradient(whole, m.params, in, 0).empty());
  EXPECT_TRUE(integrated_gradients(whole, m.params, in, 0).empty());
  EXPECT_TRUE(ism(whole, m.params, in, 0).empty());
}

TEST(AttributionProperties, SaliencyAndInputTimesGradientFollowGradient) {
  const ModelConfig c = small_config();
  const int n = 3;
  const Model m = random_model(c, test::kSeeds[1]);
  const auto codes = random_codes(n, c.length, 5);
  CnnInput in;
  in.codes = codes.data();
  CpuCnn cnn(c, 4, 2);
  const auto g = gradient(cnn, m.params, in, n);
  const auto sal = saliency(cnn, m.params, in, n);
  const auto ixg = input_x_gradient(cnn, m.params, in, n);
  for (int s = 0; s < n; ++s) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int p = 0; p < c.length; ++p) {
        const std::size_t k = (static_cast<std::size_t>(s) * 4 + ch) * c.length + p;
        EXPECT_EQ(sal[k], std::abs(g[k]));
        EXPECT_EQ(ixg[k], codes[static_cast<std::size_t>(s) * c.length + p] == ch ? g[k] : 0.0f);
      }
    }
  }
}

}  // namespace
}  // namespace mint

namespace mint {
namespace {

using test::random_codes;
using test::random_model;
using test::small_config;

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

TEST(AttributionTarget, ProbabilityIsTheLogitsAttributionTimesTheSigmoidSlope) {
  const ModelConfig c = small_config();
  const int n = 5;
  const Model m = random_model(c, 11);
  const auto codes = random_codes(n, c.length, 12);
  CnnInput in;
  in.codes = codes.data();
  CpuCnn cnn(c, 16, 1);
  std::vector<float> logits(n);
  cnn.predict(m.params, in, n, logits.data());
  const auto g = gradient(cnn, m.params, in, n);
  const auto gp = gradient(cnn, m.params, in, n, Target::prob);
  const std::size_t row = 4 * static_cast<std::size_t>(c.length);
  for (int s = 0; s < n; ++s) {
    const double p = sigmoid(logits[static_cast<std::size_t>(s)]);
    for (std::size_t k = 0; k < row; ++k) {
      const std::size_t i = static_cast<std::size_t>(s) * row + k;
      EXPECT_NEAR(gp[i], p * (1 - p) * g[i], 1e-6 * (std::abs(g[i]) + 1e-3));
    }
  }
  // ISM of the probability: differences of sigmoids of the logit ISM's mutants.
  const auto d = ism(cnn, m.params, in, n);
  const auto dp = ism(cnn, m.params, in, n, Target::prob);
  for (int s = 0; s < n; ++s) {
    const double f = logits[static_cast<std::size_t>(s)];
    for (std::size_t k = 0; k < row; ++k) {
      const std::size_t i = static_cast<std::size_t>(s) * row + k;
      EXPECT_NEAR(dp[i], sigmoid(f + d[i]) - sigmoid(f), 2e-6);
    }
  }
  // IG of the probability is complete: Σ attr ≈ σ(f(x)) − σ(f(0)).
  const auto ig =
      integrated_gradients(cnn, m.params, in, n, IgMethod::gausslegendre, 64, Target::prob);
  const std::vector<float> zeros(static_cast<std::size_t>(n) * row, 0.0f);
  CnnInput zero;
  zero.dense = zeros.data();
  std::vector<float> f0(n);
  cnn.predict(m.params, zero, n, f0.data());
  for (int s = 0; s < n; ++s) {
    double sum = 0;
    for (std::size_t k = 0; k < row; ++k) sum += ig[static_cast<std::size_t>(s) * row + k];
    EXPECT_NEAR(
        sum,
        sigmoid(logits[static_cast<std::size_t>(s)]) - sigmoid(f0[static_cast<std::size_t>(s)]),
        0.01)
        << s;
  }
  EXPECT_THROW(parse_target("probability"), Error);
  EXPECT_EQ(parse_target("prob"), Target::prob);
}

// The CnnBackend entry points give the CpuCnn results on the CPU backend, and (GPU-gated)
// the CUDA backend agrees with them.
std::vector<std::vector<float>> every_method(CnnBackend& b, const CnnInput& in, int n) {
  return {gradient(b, in, n),
          saliency(b, in, n),
          input_x_gradient(b, in, n),
          integrated_gradients(b, in, n, IgMethod::gausslegendre, 16),
          integrated_gradients(b, in, n, IgMethod::riemann_trapezoid, 10, Target::prob),
          ism(b, in, n)};
}

TEST(AttributionBackends, CpuBackendEqualsCpuCnn) {
  ModelConfig c = small_config();
  c.padding = Padding::same;
  const int n = 9;
  const Model m = random_model(c, 21);
  const auto codes = random_codes(n, c.length, 22);
  CnnInput in;
  in.codes = codes.data();
  CpuCnn cnn(c, 7, 2);
  auto backend = make_cpu_backend(c, 7, 2);
  backend->set_params(m.params);
  const auto got = every_method(*backend, in, n);
  const std::vector<std::vector<float>> want = {
      gradient(cnn, m.params, in, n),
      saliency(cnn, m.params, in, n),
      input_x_gradient(cnn, m.params, in, n),
      integrated_gradients(cnn, m.params, in, n, IgMethod::gausslegendre, 16),
      integrated_gradients(cnn, m.params, in, n, IgMethod::riemann_trapezoid, 10, Target::prob),
      ism(cnn, m.params, in, n)};
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (i == 3 || i == 4) {
      // CpuCnn's IG of codes input is the fused integrated_gradients_onehot: other rounding.
      std::vector<double> ref(got[i].begin(), got[i].end());
      EXPECT_LT(test::rel_norm(ref, want[i]), 1e-5) << "method " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "method " << i;
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

TEST(AttributionBackends, CudaMatchesCpu) {
  MINT_REQUIRE_GPU();
  for (bool batchnorm : {true, false}) {
    ModelConfig c;  // the paper's size: L 250, F 32
    c.batchnorm = batchnorm;
    const int n = 40;
    const Model m = random_model(c, 31);
    const auto codes = random_codes(n, c.length, 32);
    CnnInput in;
    in.codes = codes.data();
    auto cpu = make_cpu_backend(c, 64, 0);
    auto gpu = make_cuda_backend(c, 64);
    cpu->set_params(m.params);
    gpu->set_params(m.params);
    const auto want = every_method(*cpu, in, n);
    const auto got = every_method(*gpu, in, n);
    for (std::size_t i = 0; i < want.size(); ++i) {
      std::vector<double> ref(want[i].begin(), want[i].end());
      // ISM (index 5) is a difference of logits: float32 cancellation, so 1e-4.
      EXPECT_LT(test::rel_norm(ref, got[i]), i == 5 ? 1e-4 : 1e-5)
          << "method " << i << " batchnorm " << batchnorm;
    }
  }
}

}  // namespace
}  // namespace mint

// Gradient, saliency and input × gradient (ops/gradient) against Captum, and the checks that
// run every gradient-based method together (gradient, saliency, input×gradient, IG and the
// brute-force ISM, which share gradient_net.hpp's batching):
//   - parity with every Captum fixture case (float32 here against PyTorch's float64, relative
//     norm ≤ 1e-4; the doc measured ≤ 6.5e-6) for gradient, saliency, input×gradient, the three
//     IG variants and ISM, through both the one-hot and the dense path;
//   - batching: a CpuCnn of capacity 1, 3 or 7 gives the same attributions as one batch;
//   - saliency and input × gradient follow the gradient exactly; Target::prob scales by σ';
//   - the CnnBackend entry points equal the CpuCnn ones, and (GPU-gated) CUDA agrees.
// IG's own tests are test_ig.cpp, ISM against float64 brute force test_ism.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::max_abs_diff;
using test::random_codes;
using test::random_model;
using test::rel_norm;
using test::small_config;

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

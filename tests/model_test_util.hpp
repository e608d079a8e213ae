// Helpers shared by the model and attribution tests (test_cnn, test_cnn_cuda, test_gradient,
// test_ig, test_ism, test_deeplift, test_perturbation, test_ig_cuda, test_deeplift_cuda): the
// Captum fixture cases, comparison norms, and random models with non-trivial BatchNorm
// statistics.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace mint::test {

inline const char* kCases[] = {"small", "paper4", "paper32", "maxpool_ties"};
// float32 against PyTorch's float64 (reference-semantics.md §8: worst measured 6.5e-6).
constexpr double kFixtureTol = 1e-4;

inline std::string case_dir(const char* name) {
  return std::string(MINT_TEST_DATA_DIR) + "/captum/" + name + "/";
}

inline double rel_norm(const std::vector<double>& ref, const std::vector<float>& got) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = ref[i] - static_cast<double>(got[i]);
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

inline double max_abs_diff(const std::vector<double>& ref, const std::vector<float>& got) {
  double m = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    m = std::max(m, std::abs(ref[i] - static_cast<double>(got[i])));
  }
  return m;
}

// A small 'valid'-padding model: L 23, F 5, K 4, P 3 (Lc 20, W 6: two conv positions are never
// pooled).
inline ModelConfig small_config() {
  ModelConfig c;
  c.length = 23;
  c.filters = 5;
  c.width = 4;
  c.pool = 3;
  c.hidden1 = 7;
  c.hidden2 = 5;
  c.padding = Padding::valid;
  return c;
}

// PyTorch initialisation plus random BatchNorm statistics and a larger fc3, so attributions
// are not tiny.
inline Model random_model(const ModelConfig& c, std::uint64_t seed) {
  Model m = init_model(c, seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (std::size_t f = 0; f < m.params.bn_weight.size(); ++f) {
    m.params.bn_weight[f] = 1.0f + u(rng);
    m.params.bn_bias[f] = u(rng);
    m.params.bn_running_mean[f] = u(rng);
    m.params.bn_running_var[f] = 0.6f + u(rng);
  }
  for (float& w : m.params.fc3_weight) w *= 3.0f;
  return m;
}

inline std::vector<std::uint8_t> random_codes(int n, int length, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * length);
  for (auto& c : codes) c = static_cast<std::uint8_t>(rng() % 4);
  return codes;
}

// (N, 4, L) one-hot of byte codes, float64.
inline std::vector<double> onehot(const std::vector<std::uint8_t>& codes, int n, int length) {
  std::vector<double> x(static_cast<std::size_t>(n) * 4 * length, 0.0);
  for (int s = 0; s < n; ++s) {
    for (int p = 0; p < length; ++p) {
      x[(static_cast<std::size_t>(s) * 4 + codes[static_cast<std::size_t>(s) * length + p]) *
            length +
        p] = 1.0;
    }
  }
  return x;
}

}  // namespace mint::test

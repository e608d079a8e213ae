// Helpers shared by the general sequential network's tests (tests/ops/test_seqnet.cpp,
// test_seqnet_train.cpp): small architectures that together use every layer type and setting
// (parsed from JSON, so the shapes are walked as for a model file), parameters with non-trivial
// BatchNorm statistics, random inputs and comparison norms.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/sequential.hpp"
#include "io/sequential_io.hpp"

namespace mint::seqnet_test {

// A: dilated 'same' conv, BatchNorm, ReLU, MaxPool1d (stride `pool_stride`, kernel 3: stride 2
// overlaps the windows), a conv without bias with integer padding 3 > its span 1 (the input
// gradient's transposed conv crops), GELU (erf), AvgPool1d, Flatten, Linear, Tanh, Dropout,
// two outputs. Input (4, 26).
inline std::string arch_a_json(double dropout_p, int pool_stride = 2) {
  const int pooled = (26 - 3) / pool_stride + 1, features = 4 * ((pooled + 6 - 1) / 2);
  return R"({"input": {"channels": 4, "length": 26}, "layers": [
    {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": 5, "kernel_size": 5,
     "padding": "same", "dilation": 2, "bias": true},
    {"type": "BatchNorm1d", "name": "bn", "num_features": 5, "eps": 1e-5, "momentum": 0.1},
    {"type": "ReLU", "name": "r"},
    {"type": "MaxPool1d", "name": "mp", "kernel_size": 3, "stride": )" +
         std::to_string(pool_stride) + R"(},
    {"type": "Conv1d", "name": "c1", "out_channels": 4, "kernel_size": 2, "padding": 3,
     "in_channels": 5, "bias": false},
    {"type": "GELU", "name": "g", "approximate": "none"},
    {"type": "AvgPool1d", "name": "ap", "kernel_size": 2},
    {"type": "Flatten", "name": "f"},
    {"type": "Linear", "name": "l0", "in_features": )" +
         std::to_string(features) + R"(, "out_features": 6},
    {"type": "Tanh", "name": "t"},
    {"type": "Dropout", "name": "d", "p": )" +
         std::to_string(dropout_p) + R"(},
    {"type": "Linear", "name": "l1", "in_features": 6, "out_features": 2}]})";
}

// B: Softplus (beta 2, threshold 3: both branches on inputs in ±2.5) on the input itself, a
// 'valid' conv, GELU (tanh), a dilated 'same' conv, BatchNorm, Exp, GlobalAvgPool1d, Flatten,
// Linear, Sigmoid, Linear. Input (4, 24).
inline const char* kArchB = R"({"input": {"channels": 4, "length": 24}, "layers": [
    {"type": "Softplus", "name": "sp", "beta": 2, "threshold": 3},
    {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": 6, "kernel_size": 4,
     "padding": "valid"},
    {"type": "GELU", "name": "g", "approximate": "tanh"},
    {"type": "Conv1d", "name": "c1", "in_channels": 6, "out_channels": 3, "kernel_size": 3,
     "padding": "same", "dilation": 3},
    {"type": "BatchNorm1d", "name": "bn", "num_features": 3},
    {"type": "Exp", "name": "e"},
    {"type": "GlobalAvgPool1d", "name": "gap"},
    {"type": "Flatten", "name": "f"},
    {"type": "Linear", "name": "l0", "in_features": 3, "out_features": 4},
    {"type": "Sigmoid", "name": "s"},
    {"type": "Linear", "name": "l1", "in_features": 4, "out_features": 1}]})";

// C: an even-width 'same' conv (pads 1 left, 2 right), Softplus (defaults), Tanh, global max
// pooling — `pool` is "GlobalMaxPool1d" or the equivalent MaxPool1d over the whole length —
// Flatten, Linear, ReLU, Linear. Input (4, 20).
inline std::string arch_c_json(const std::string& pool = "GlobalMaxPool1d") {
  const std::string pool_layer =
      pool == "GlobalMaxPool1d" ? R"({"type": "GlobalMaxPool1d", "name": "gmp"})"
      : pool == "GlobalAvgPool1d"
          ? R"({"type": "GlobalAvgPool1d", "name": "gmp"})"
          : R"({"type": ")" + pool + R"(", "name": "gmp", "kernel_size": 20})";
  return R"({"input": {"channels": 4, "length": 20}, "layers": [
    {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": 4, "kernel_size": 4,
     "padding": "same"},
    {"type": "Softplus", "name": "sp"},
    {"type": "Tanh", "name": "t"},
    )" + pool_layer +
         R"(,
    {"type": "Flatten", "name": "f"},
    {"type": "Linear", "name": "l0", "in_features": 4, "out_features": 3},
    {"type": "ReLU", "name": "r"},
    {"type": "Linear", "name": "l1", "in_features": 3, "out_features": 2}]})";
}

// D: a first conv without bias whose integer padding 4 exceeds its span 2 (output longer than
// the input), ReLU, AvgPool1d with stride 2 < kernel 3, Flatten, Linear. Input (4, 16): conv
// length 22, pooled 10.
inline const char* kArchD = R"({"input": {"channels": 4, "length": 16}, "layers": [
    {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": 3, "kernel_size": 3,
     "padding": 4, "bias": false},
    {"type": "ReLU", "name": "r"},
    {"type": "AvgPool1d", "name": "ap", "kernel_size": 3, "stride": 2},
    {"type": "Flatten", "name": "f"},
    {"type": "Linear", "name": "l0", "in_features": 30, "out_features": 2}]})";

inline SequentialArchitecture parse(const std::string& json) {
  return parse_architecture(json, "test architecture");
}

inline SequentialArchitecture arch_a(double dropout_p, int pool_stride = 2) {
  return parse(arch_a_json(dropout_p, pool_stride));
}
inline SequentialArchitecture arch_b() { return parse(kArchB); }
inline SequentialArchitecture arch_d() { return parse(kArchD); }
inline SequentialArchitecture arch_c(const std::string& pool = "GlobalMaxPool1d") {
  return parse(arch_c_json(pool));
}

struct Named {
  std::string name;
  SequentialArchitecture arch;
};

// The small architectures above, with each pooling variant of C: what the GPU tests compare
// with the CPU.
inline std::vector<Named> small_architectures() {
  return {{"A", arch_a(0.3)},
          {"A stride 1", arch_a(0.0, 1)},
          {"B", arch_b()},
          {"C global max", arch_c("GlobalMaxPool1d")},
          {"C whole-length max", arch_c("MaxPool1d")},
          {"C global avg", arch_c("GlobalAvgPool1d")},
          {"C whole-length avg", arch_c("AvgPool1d")},
          {"D", arch_d()}};
}

// PyTorch's initialisation (init_sequential), BatchNorm given random affine parameters and
// running statistics, and the last Linear scaled up so the outputs are not tiny.
inline SequentialParams random_params(const SequentialArchitecture& a, std::uint64_t seed) {
  SequentialParams p = init_sequential(a, seed);
  std::mt19937_64 rng(seed + 17);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    LayerParams& l = p.layers[i];
    if (a.layers[i].type != LayerType::batchnorm1d) continue;
    for (std::size_t c = 0; c < l.weight.size(); ++c) {
      l.weight[c] = 1.0f + u(rng);
      l.bias[c] = u(rng);
      l.running_mean[c] = u(rng);
      l.running_var[c] = 0.6f + u(rng);
    }
    l.num_batches_tracked = 3;
  }
  for (float& w : p.layers.back().weight) w *= 3.0f;
  return p;
}

// (n, 4, length) dense input, uniform in [lo, hi), kept at least `gap` away from `avoid` (a kink
// of the first layer).
inline std::vector<float> random_dense(int n, int length, std::uint64_t seed, float lo, float hi,
                                       float avoid = 1e9f, float gap = 0.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> x(static_cast<std::size_t>(n) * 4 * length);
  for (float& v : x) {
    v = u(rng);
    if (std::fabs(v - avoid) < gap) v = v < avoid ? avoid - gap : avoid + gap;
  }
  return x;
}

inline std::vector<std::uint8_t> random_codes(int n, int length, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * length);
  for (auto& c : codes) c = static_cast<std::uint8_t>(rng() % 4);
  return codes;
}

// ‖got − ref‖ / ‖ref‖ (‖got − ref‖ when ref is 0).
template <typename A, typename B>
double rel_l2(const std::vector<A>& ref, const std::vector<B>& got) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size() && i < got.size(); ++i) {
    const double d = static_cast<double>(got[i]) - static_cast<double>(ref[i]);
    num += d * d;
    den += static_cast<double>(ref[i]) * static_cast<double>(ref[i]);
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

template <typename T>
double l2(const std::vector<T>& v) {
  double s = 0;
  for (T x : v) s += static_cast<double>(x) * static_cast<double>(x);
  return std::sqrt(s);
}

}  // namespace mint::seqnet_test

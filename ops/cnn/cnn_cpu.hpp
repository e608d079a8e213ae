// Helpers the CPU backend's files share (cnn.cpp: forward; cnn_backward.cpp: backward and the
// ordered sums over a batch). Private to ops/cnn.
#pragma once

#include <cstddef>

#include "core/model.hpp"
#include "ops/cnn/cnn_core.hpp"

namespace mint::cnn_cpu {

// Offsets of each trainable tensor in a flat gradient buffer (CpuCnn's grad_total_ and block
// sums). The conv weight is
// accumulated transposed, (K, 4, F), like the forward pass reads it.
struct GradLayout {
  std::size_t conv_w, conv_b, bn_w, bn_b, fc1_w, fc1_b, fc2_w, fc2_b, fc3_w, fc3_b, total;
  explicit GradLayout(const ModelConfig& c) {
    const std::size_t f = c.filters;
    std::size_t at = 0;
    auto take = [&](std::size_t n) {
      const std::size_t s = at;
      at += n;
      return s;
    };
    conv_w = take(f * 4 * c.width);
    conv_b = take(f);
    bn_w = take(c.batchnorm ? f : 0);
    bn_b = take(c.batchnorm ? f : 0);
    fc1_w = take(static_cast<std::size_t>(c.hidden1) * c.fc1_inputs());
    fc1_b = take(c.hidden1);
    fc2_w = take(static_cast<std::size_t>(c.hidden2) * c.hidden1);
    fc2_b = take(c.hidden2);
    fc3_w = take(c.hidden2);
    fc3_b = take(1);
    total = at;
  }
};

// The activation's slope at pre-activation v (ReLU: 1 where v > 0; exp: exp(v)).
inline float activation_slope(bool exp_activation, float v) {
  return activation_slope_from_output(exp_activation, activate(exp_activation, v));
}

inline float dot(const float* a, const float* b, int n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

inline void axpy(float alpha, const float* x, float* y, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace mint::cnn_cpu

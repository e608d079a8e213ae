// The elementwise math of the general sequential network, shared by the CPU (seqnet_layers.cpp)
// and the CUDA kernels (seqnet_kernels.cu) so the two cannot drift: PyTorch's formulas for
// ReLU, Exp, GELU (erf or tanh), Softplus (beta, threshold), Sigmoid and Tanh and their
// derivatives, and the Dropout keep/drop decision (Philox keyed by seed, counter (element, row,
// step, layer)). Only C math functions that exist on both sides (::exp, ::erf, ...) are used.
// Compiles without CUDA. Internal to ops/seqnet.
#pragma once

#include <math.h>

#include <cstdint>

#include "core/philox.hpp"  // MINT_HD
#include "core/sequential.hpp"

namespace mint::seqnet {

// What an elementwise layer's formula needs, as plain values (a kernel argument).
struct ActParams {
  LayerType type = LayerType::relu;
  bool gelu_tanh = false;           // GELU(approximate='tanh')
  double beta = 1, threshold = 20;  // Softplus
};

inline ActParams act_params(const SequentialLayer& l) {
  ActParams a;
  a.type = l.type;
  a.gelu_tanh = l.approximate == "tanh";
  a.beta = l.beta;
  a.threshold = l.threshold;
  return a;
}

namespace core_detail {
inline constexpr double kPi = 3.14159265358979323846;
}

MINT_HD float gelu_value(float x, bool tanh_approx) {
  const double v = x;
  if (tanh_approx) {
    const double k = ::sqrt(2.0 / core_detail::kPi);
    return static_cast<float>(0.5 * v * (1 + ::tanh(k * (v + 0.044715 * v * v * v))));
  }
  return static_cast<float>(0.5 * v * (1 + ::erf(v / ::sqrt(2.0))));
}

MINT_HD float gelu_derivative(float x, bool tanh_approx) {
  const double v = x;
  if (tanh_approx) {
    const double k = ::sqrt(2.0 / core_detail::kPi), inner = k * (v + 0.044715 * v * v * v);
    const double t = ::tanh(inner);
    return static_cast<float>(0.5 * (1 + t) +
                              0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v));
  }
  const double cdf = 0.5 * (1 + ::erf(v / ::sqrt(2.0)));
  const double pdf = ::exp(-0.5 * v * v) / ::sqrt(2 * core_detail::kPi);
  return static_cast<float>(cdf + v * pdf);
}

// f(x) of an elementwise layer (other types: the identity).
MINT_HD float activation_value(const ActParams& a, float x) {
  switch (a.type) {
    case LayerType::relu:
      return x > 0.0f ? x : 0.0f;
    case LayerType::exp:
      return ::expf(x);
    case LayerType::gelu:
      return gelu_value(x, a.gelu_tanh);
    case LayerType::softplus: {
      const double bx = static_cast<double>(x) * a.beta;
      if (bx > a.threshold) return x;
      return static_cast<float>(::log1p(::exp(bx)) / a.beta);
    }
    case LayerType::sigmoid:
      return static_cast<float>(1.0 / (1.0 + ::exp(-static_cast<double>(x))));
    case LayerType::tanh:
      return ::tanhf(x);
    default:
      return x;
  }
}

// f'(x), given y = f(x) (other types: 1).
MINT_HD float activation_derivative(const ActParams& a, float x, float y) {
  switch (a.type) {
    case LayerType::relu:
      return x > 0.0f ? 1.0f : 0.0f;
    case LayerType::exp:
      return y;
    case LayerType::gelu:
      return gelu_derivative(x, a.gelu_tanh);
    case LayerType::softplus: {
      const double bx = static_cast<double>(x) * a.beta;
      if (bx > a.threshold) return 1.0f;
      const double z = ::exp(bx);
      return static_cast<float>(z / (z + 1));
    }
    case LayerType::sigmoid:
      return y * (1.0f - y);
    case LayerType::tanh:
      return 1.0f - y * y;
    default:
      return 1.0f;
  }
}

// Dropout's multiplier of element k of row r of layer `layer` in train mode: 0 with probability
// p, else keep_scale = 1 / (1 − p). Philox keyed by seed, counter (k, r, step, 7 + layer·256).
MINT_HD float dropout_multiplier(std::uint64_t seed, std::uint64_t step, std::uint64_t layer,
                                 std::uint32_t row, std::uint32_t k, double p, float keep_scale) {
  const Philox4x32 u = philox4x32(
      {{k, row, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(7 + (layer << 8))}},
      static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
  const double v = static_cast<double>(u.v[0] >> 8) * 0x1p-24;
  return v < p ? 0.0f : keep_scale;
}

// keep_scale of dropout_multiplier: 1 / (1 − p), 0 when p = 1.
inline float dropout_keep_scale(double p) {
  return p < 1 ? static_cast<float>(1.0 / (1.0 - p)) : 0.0f;
}

}  // namespace mint::seqnet

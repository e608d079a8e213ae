// DeepLIFT's per-element rules, shared by the CPU code (deeplift.cpp) and the CUDA kernel
// (deeplift.cu) so the two cannot drift: the same formulas, the same NaN behaviour, in the
// working precision of the caller (float on both sides; the sigmoid factor in double).
//
//   relu_delta      relu(v_x) − relu(v_r), exactly the input delta where both are active
//   rescale         Captum's rescale rule g·Δout/Δin, the fallback where |Δin| < eps
//   sigmoid_factor  the multiplier of a final Sigmoid's rescale rule (Target::prob)
#pragma once

#include <cmath>

#include "core/philox.hpp"  // MINT_HD

namespace mint::deeplift_core {

// |v| (fabsf / fabs: the same bits as std::abs on the host, and callable on the device).
MINT_HD float abs_of(float v) { return fabsf(v); }
MINT_HD double abs_of(double v) { return fabs(v); }

// relu(v_x) − relu(v_r), written so that the both-active case is the (exact) input delta.
template <typename T>
MINT_HD T relu_delta(T v_x, T v_r, T delta_in) {
  if (v_x > 0) return v_r > 0 ? delta_in : v_x;
  return v_r > 0 ? -v_r : T(0);
}

// Captum's rescale rule: g·Δout/Δin where |Δin| ≥ eps, else the fallback gradient.
template <typename T>
MINT_HD T rescale(T g, T delta_out, T delta_in, T fallback, T eps) {
  return abs_of(delta_in) < eps ? fallback : g * delta_out / delta_in;
}

MINT_HD double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

// The multiplier of Captum's rule on a final Sigmoid, from f(x) = f_r + delta and f(0) = f_r:
// σ(a) − σ(b) = σ(a)·σ(−b)·(1 − e^{−(a−b)}), without cancellation for a ≈ b; σ'(f(x)) where
// |delta| < eps.
MINT_HD double sigmoid_factor(double f_r, double delta, double eps) {
  const double f_x = f_r + delta;
  if (abs_of(delta) < eps) return sigmoid(f_x) * (1.0 - sigmoid(f_x));
  return sigmoid(f_x) * sigmoid(-f_r) * -expm1(-delta) / delta;
}

}  // namespace mint::deeplift_core

// One Adam update of one parameter, exactly as PyTorch's torch.optim.Adam (default
// single-tensor path, no weight decay, amsgrad off), shared by the CPU loop (adam.cpp) and the
// CUDA kernel (adam.cu) so the two cannot drift:
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
#pragma once

#include <cmath>

#include "core/philox.hpp"  // MINT_HD

namespace mint {

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
};

// Per-step constants, computed once on the host in double as PyTorch does in Python floats.
struct AdamStep {
  float step_size;              // lr / (1 − β1^t)
  float bias_correction2_sqrt;  // √(1 − β2^t)
  float beta1, beta2, eps;
};

inline AdamStep adam_step_constants(const AdamOptions& o, long step) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(step));
  return {static_cast<float>(o.lr / bc1), static_cast<float>(std::sqrt(bc2)), o.beta1, o.beta2,
          o.eps};
}

MINT_HD void adam_update(const AdamStep& s, float g, float& p, float& m, float& v) {
  m = s.beta1 * m + (1.0f - s.beta1) * g;
  v = s.beta2 * v + (1.0f - s.beta2) * g * g;
  const float denom = sqrtf(v) / s.bias_correction2_sqrt + s.eps;
  p -= s.step_size * (m / denom);
}

}  // namespace mint

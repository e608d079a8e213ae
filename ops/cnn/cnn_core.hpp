// Per-element math of the CNN that the CPU backend (cnn.cpp) and the CUDA kernels
// (cnn_forward.cu, cnn_backward.cu) share, so the two cannot drift: the activation and its
// slope, and BatchNorm's forward (the affine, 1/√(var + ε), the running-statistics update).
// Each function is the one expression both backends wrote before it was shared, unchanged;
// the kernels' PTX is identical with them inlined. (BatchNorm's backward, x̂ and
// dc = a·dy − b − x̂·e, is the same formula on both sides too but stays written out in each:
// as a call, its argument loads move ahead of the arithmetic in the PTX, which nothing without a
// GPU can show to leave ptxas's FMA contraction unchanged.)
#pragma once

#include <cmath>

#include "core/philox.hpp"  // MINT_HD

namespace mint {

// ReLU, max(v, 0) (NaN and −0 pass through), or exp.
MINT_HD float activate(bool exp_activation, float v) {
  return exp_activation ? expf(v) : (v < 0.0f ? 0.0f : v);
}

// The activation's slope at a pre-activation b, from its output y = activate(b): ReLU's is 1
// where b > 0, i.e. y > 0; exp's is exp(b) = y.
MINT_HD float activation_slope_from_output(bool exp_activation, float y) {
  return exp_activation ? y : (y > 0.0f ? 1.0f : 0.0f);
}

// BatchNorm as the forward applies it, in float: b = (c − mean)·scale + shift with
// scale = γ/√(var + ε) (mean 0, scale 1, shift 0 without BatchNorm).
MINT_HD float batchnorm_affine(float c, float mean, float scale, float shift) {
  return (c - mean) * scale + shift;
}

// 1/√(var + ε), in double.
MINT_HD double batchnorm_invstd(double var, double eps) { return 1.0 / sqrt(var + eps); }

// PyTorch's running-statistics update: (1 − momentum)·running + momentum·batch, in double.
MINT_HD float batchnorm_running_update(float running, double momentum, double batch) {
  return static_cast<float>((1 - momentum) * running + momentum * batch);
}

}  // namespace mint

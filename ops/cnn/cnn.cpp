// CPU backend of the CNN: the forward pass over a batch, parallel over sequences (the backward
// pass, and the ordered sums BatchNorm's batch statistics use, are in cnn_backward.cpp).
// See cnn.hpp for the layout; the stages are, in order,
//   conv (gather of filter columns for one-hot codes) → BatchNorm → activation + max-pool
//   (first maximum) → fc1 → ReLU → fc2 → ReLU → fc3. Hot loops vectorise over filters (activations
//   are
// (N, Lc, F)) or over fc inputs; `omp simd` lets GCC vectorise the dot-product reductions.
// The per-element math the CUDA kernels share (activation, BatchNorm's forward) is in
// cnn_core.hpp.
#include "ops/cnn/cnn.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "ops/cnn/cnn_core.hpp"
#include "ops/cnn/cnn_cpu.hpp"
#include "ops/common/simd.hpp"

namespace mint {

namespace {

using cnn_cpu::axpy;
using cnn_cpu::dot;
using cnn_cpu::GradLayout;

// The conv outputs of filters [f0, f0 + B) at position j (without bias or row scale), summed
// over the columns k in [k_begin, k_end): a gather of rows of the transposed weight for
// one-hot codes, a 4-channel weighted sum for dense input. The B filters are B/8 vectors of
// 8 floats (GCC/Clang vector extension), kept in registers across the K columns.
template <int B>
inline void conv_block(const float* __restrict wt, int fp, int f0, const std::uint8_t* codes,
                       const float* dense, int length, int j, int pad, int k_begin, int k_end,
                       float* __restrict out) {
  constexpr int V = B / 8;
  Float8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Float8{};
  if (codes != nullptr) {
    for (int k = k_begin; k < k_end; ++k) {
      const float* w = wt + (k * 4 + codes[j + k - pad]) * fp + f0;
      for (int v = 0; v < V; ++v) acc[v] += load8(w + 8 * v);
    }
  } else {
    for (int k = k_begin; k < k_end; ++k) {
      for (int ch = 0; ch < 4; ++ch) {
        const float x = dense[ch * length + j + k - pad];
        const float* w = wt + (k * 4 + ch) * fp + f0;
        for (int v = 0; v < V; ++v) acc[v] += x * load8(w + 8 * v);
      }
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

// h1 = bias + Σ_q pooled[q]·W1t[q, :] over the non-zero pooled values, with the H1 = 8V
// outputs in V vector registers.
template <int V>
inline void fc1_sparse(const float* __restrict w1t, const float* __restrict bias,
                       const float* __restrict pooled, int fw, float* __restrict h1) {
  Float8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = load8(bias + 8 * v);
  for (int q = 0; q < fw; ++q) {
    const float x = pooled[q];
    if (x == 0.0f) continue;
    const float* w = w1t + static_cast<std::size_t>(q) * (8 * V);
    for (int v = 0; v < V; ++v) acc[v] += x * load8(w + 8 * v);
  }
  std::memcpy(h1, acc, sizeof acc);
}

// Activation + max-pool of one sequence's (Lc, F) block, vectorised over filters. Only the
// maximum is computed here; backward() finds the first position that attains it (PyTorch's
// argmax on ties), which keeps this loop a plain max that the compiler vectorises.
// Both activations are monotonic, so the maximum of the activations is the activation of the
// maximum: take the max of the BN outputs, then activate once per window.
template <Activation A>
void pool_sequence(const float* __restrict b, int f_count, int pool, int w_count,
                   float* __restrict best, float* __restrict pooled) {
  for (int w = 0; w < w_count; ++w) {
    const float* first = b + static_cast<std::size_t>(w) * pool * f_count;
    for (int f = 0; f < f_count; ++f) best[f] = first[f];
    for (int j = w * pool + 1; j < (w + 1) * pool; ++j) {
      const float* row = b + static_cast<std::size_t>(j) * f_count;
      for (int f = 0; f < f_count; ++f) {
        const float m = best[f], v = row[f];
        best[f] = v > m ? v : m;
      }
    }
    for (int f = 0; f < f_count; ++f) {
      pooled[f * w_count + w] = activate(A == Activation::exp, best[f]);
    }
  }
}

}  // namespace

CpuCnn::CpuCnn(const ModelConfig& config, int capacity, int threads)
    : config_(config),
      capacity_(capacity),
      threads_(threads > 0 ? threads : omp_get_max_threads()) {
  config_.validate();
  if (capacity <= 0) throw Error("CpuCnn: batch capacity must be positive");
  const std::size_t cap = capacity, lc = config_.conv_length(), f = config_.filters;
  const std::size_t fw = config_.fc1_inputs();
  conv_.resize(cap * lc * f);
  norm_.resize(cap * lc * f);
  dnorm_.resize(cap * lc * f);
  pooled_.resize(cap * fw);
  dpooled_.resize(cap * fw);
  h1_.resize(cap * config_.hidden1);
  h2_.resize(cap * config_.hidden2);
  batch_mean_.assign(f, 0.0);
  batch_invstd_.assign(f, 1.0);
  conv_weight_t_.resize((f + 7) / 8 * 8 * 4 * config_.width);
  fc1_weight_t_.resize(fw * config_.hidden1);
  const GradLayout g(config_);
  const std::size_t live = std::min((capacity + kSumBlock - 1) / kSumBlock, kSumRound);
  grad_total_.resize(g.total);
  bn_total_.resize(2 * f);
  dh1_.resize(cap * config_.hidden1);
  dh2_.resize(cap * config_.hidden2);
  block_grads_.resize(live * g.fc1_w);  // ordered sums of the conv's part only
  block_sums_.resize(live * 2 * f);
}

const float* CpuCnn::transpose_conv_weight(const ModelParams& p) {
  // (K, 4, Fp), Fp = F rounded up to a multiple of 8 (zero filled), so each block of 8
  // filters is one 8-wide vector kept in registers across the K columns.
  const int f_count = config_.filters, k_count = config_.width, fp = (f_count + 7) / 8 * 8;
  std::fill(conv_weight_t_.begin(), conv_weight_t_.end(), 0.0f);
  for (int f = 0; f < f_count; ++f) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int k = 0; k < k_count; ++k) {
        conv_weight_t_[(k * 4 + ch) * fp + f] = p.conv_weight[(f * 4 + ch) * k_count + k];
      }
    }
  }
  return conv_weight_t_.data();
}

void CpuCnn::conv_forward(const ModelParams& p, const CnnInput& in, int n, const float* bn_mean,
                          const float* bn_scale, const float* bn_shift) {
  const int f_count = config_.filters, k_count = config_.width, length = config_.length;
  const int lc = config_.conv_length(), pad = config_.pad_left();
  const int fp = (f_count + 7) / 8 * 8;
  const float* wt = transpose_conv_weight(p);
  const float* bias = p.conv_bias.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int i = 0; i < n; ++i) {
    float* c = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
    const float scale = in.scale != nullptr ? in.scale[i] : 1.0f;
    const std::uint8_t* codes =
        in.codes != nullptr ? in.codes + static_cast<std::size_t>(i) * length : nullptr;
    const float* dense =
        in.dense != nullptr ? in.dense + static_cast<std::size_t>(i) * 4 * length : nullptr;
    for (int j = 0; j < lc; ++j) {
      // Columns k whose input position lies inside the sequence (zero padding elsewhere).
      const int k_begin = std::max(0, pad - j), k_end = std::min(k_count, length + pad - j);
      // Blocks of 32 filters (four 8-wide accumulators in registers) when F allows, else 8.
      const int block = fp % 32 == 0 ? 32 : 8;
      for (int f0 = 0; f0 < fp; f0 += block) {
        float acc[32];
        if (block == 32) {
          conv_block<32>(wt, fp, f0, codes, dense, length, j, pad, k_begin, k_end, acc);
        } else {
          conv_block<8>(wt, fp, f0, codes, dense, length, j, pad, k_begin, k_end, acc);
        }
        float* out = c + static_cast<std::size_t>(j) * f_count + f0;
        const int nf = std::min(block, f_count - f0);
        for (int q = 0; q < nf; ++q) out[q] = bias[f0 + q] + scale * acc[q];
        if (bn_mean != nullptr) {  // eval-mode BatchNorm fused here
          float* b = norm_.data() + (out - conv_.data());
          for (int q = 0; q < nf; ++q) {
            b[q] = batchnorm_affine(out[q], bn_mean[f0 + q], bn_scale[f0 + q], bn_shift[f0 + q]);
          }
        }
      }
    }
  }
}

void CpuCnn::infer_pooled(const ModelParams& p, const CnnInput& in, int n, const float* bn_mean,
                          const float* bn_scale, const float* bn_shift) {
  const int f_count = config_.filters, k_count = config_.width, length = config_.length;
  const int pad = config_.pad_left(), pool = config_.pool, w_count = config_.pooled_length();
  const int fw = config_.fc1_inputs(), fp = (f_count + 7) / 8 * 8;
  const int block = fp % 32 == 0 ? 32 : 8;
  const float* wt = transpose_conv_weight(p);
  const float* bias = p.conv_bias.data();
  const bool exp_activation = config_.activation == Activation::exp;
  // Bias and BatchNorm padded to fp filters, so the epilogue runs on whole vectors.
  std::vector<float> b_pad(fp, 0.0f), mean_pad(fp, 0.0f), scale_pad(fp, 1.0f), shift_pad(fp, 0.0f);
  std::copy_n(bias, f_count, b_pad.begin());
  if (bn_mean != nullptr) {
    std::copy_n(bn_mean, f_count, mean_pad.begin());
    std::copy_n(bn_scale, f_count, scale_pad.begin());
    std::copy_n(bn_shift, f_count, shift_pad.begin());
  }
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> best(fp), value(32);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const Float8 scale = broadcast8(in.scale != nullptr ? in.scale[i] : 1.0f);
      const std::uint8_t* codes =
          in.codes != nullptr ? in.codes + static_cast<std::size_t>(i) * length : nullptr;
      const float* dense =
          in.dense != nullptr ? in.dense + static_cast<std::size_t>(i) * 4 * length : nullptr;
      float* pooled = pooled_.data() + static_cast<std::size_t>(i) * fw;
      for (int w = 0; w < w_count; ++w) {
        for (int j = w * pool; j < (w + 1) * pool; ++j) {
          const int k_begin = std::max(0, pad - j), k_end = std::min(k_count, length + pad - j);
          for (int f0 = 0; f0 < fp; f0 += block) {
            if (block == 32) {
              conv_block<32>(wt, fp, f0, codes, dense, length, j, pad, k_begin, k_end,
                             value.data());
            } else {
              conv_block<8>(wt, fp, f0, codes, dense, length, j, pad, k_begin, k_end, value.data());
            }
            // The conv output, then eval BatchNorm, lane-wise as batchnorm_affine.
            for (int q = 0; q < block; q += 8) {
              const int f = f0 + q;
              Float8 v = load8(b_pad.data() + f) + scale * load8(value.data() + q);
              if (bn_mean != nullptr) {
                v = (v - load8(mean_pad.data() + f)) * load8(scale_pad.data() + f) +
                    load8(shift_pad.data() + f);
              }
              store8(best.data() + f, j == w * pool ? v : max8(load8(best.data() + f), v));
            }
          }
        }
        // Both activations are monotonic: activate the window's maximum.
        for (int f = 0; f < f_count; ++f) {
          pooled[f * w_count + w] = activate(exp_activation, best[f]);
        }
      }
    }
  }
}

void CpuCnn::forward(ModelParams& p, const CnnInput& in, int n, Mode mode, float* logits) {
  if (n <= 0 || n > capacity_) {
    throw Error("CpuCnn: batch of " + std::to_string(n) + " outside 1.." +
                std::to_string(capacity_));
  }
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error("CpuCnn: give exactly one of codes and dense input");
  }
  last_n_ = mode == Mode::infer ? 0 : n;  // infer keeps no activations for backward()
  last_mode_ = mode;
  last_input_ = in;
  const int f_count = config_.filters, lc = config_.conv_length();
  const std::size_t rows = static_cast<std::size_t>(n) * lc;
  if (!config_.batchnorm) {
    if (mode == Mode::infer) {
      infer_pooled(p, in, n, nullptr, nullptr, nullptr);
      head_forward(p, n, logits, true);
      return;
    }
    conv_forward(p, in, n, nullptr, nullptr, nullptr);
    std::copy(conv_.begin(), conv_.begin() + static_cast<std::ptrdiff_t>(rows * f_count),
              norm_.begin());
    head_forward(p, n, logits);
    return;
  }
  std::vector<float> scale(f_count), shift(f_count), mean(f_count);
  auto set_affine = [&] {
    for (int f = 0; f < f_count; ++f) {
      scale[f] = static_cast<float>(p.bn_weight[f] * batch_invstd_[f]);
      mean[f] = static_cast<float>(batch_mean_[f]);
      shift[f] = p.bn_bias[f];
    }
  };
  if (mode != Mode::train) {
    for (int f = 0; f < f_count; ++f) {
      batch_mean_[f] = p.bn_running_mean[f];
      batch_invstd_[f] = batchnorm_invstd(p.bn_running_var[f], config_.bn_eps);
    }
    set_affine();
    if (mode == Mode::infer) {
      infer_pooled(p, in, n, mean.data(), scale.data(), shift.data());
      head_forward(p, n, logits, true);
      return;
    }
    conv_forward(p, in, n, mean.data(), scale.data(), shift.data());
    head_forward(p, n, logits);
    return;
  }
  conv_forward(p, in, n, nullptr, nullptr, nullptr);
  batch_statistics(n);
  const double count = static_cast<double>(rows), m = config_.bn_momentum;
  for (int f = 0; f < f_count; ++f) {
    const double s = bn_total_[f], var = s / count;
    batch_invstd_[f] = batchnorm_invstd(var, config_.bn_eps);
    const double unbiased = count > 1 ? s / (count - 1) : var;
    p.bn_running_mean[f] = batchnorm_running_update(p.bn_running_mean[f], m, batch_mean_[f]);
    p.bn_running_var[f] = batchnorm_running_update(p.bn_running_var[f], m, unbiased);
  }
  ++p.bn_num_batches_tracked;
  set_affine();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::size_t r = 0; r < rows; ++r) {
    const float* c = conv_.data() + r * f_count;
    float* b = norm_.data() + r * f_count;
#pragma omp simd
    for (int f = 0; f < f_count; ++f) b[f] = batchnorm_affine(c[f], mean[f], scale[f], shift[f]);
  }
  head_forward(p, n, logits);
}

void CpuCnn::predict(const ModelParams& params, const CnnInput& input, int n, float* logits) {
  // Infer mode never writes the parameters; forward() takes them mutable only for train mode.
  forward(const_cast<ModelParams&>(params), input, n, Mode::infer, logits);
}

void CpuCnn::head_forward(const ModelParams& p, int n, float* logits, bool pooled_ready) {
  const int f_count = config_.filters, pool = config_.pool, w_count = config_.pooled_length();
  const int lc = config_.conv_length(), fw = config_.fc1_inputs();
  const int h1n = config_.hidden1, h2n = config_.hidden2;
  const Activation act = config_.activation;
  // fc1.weight transposed, (F·W, H1).
  for (int o = 0; o < h1n; ++o) {
    for (int q = 0; q < fw; ++q) {
      fc1_weight_t_[static_cast<std::size_t>(q) * h1n + o] =
          p.fc1_weight[static_cast<std::size_t>(o) * fw + q];
    }
  }
  const float* w1t = fc1_weight_t_.data();
#pragma omp parallel num_threads(threads_)
  {
    std::vector<float> best(f_count), a1(h1n), a2(h2n);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const float* b = norm_.data() + static_cast<std::size_t>(i) * lc * f_count;
      float* pooled = pooled_.data() + static_cast<std::size_t>(i) * fw;
      if (pooled_ready) {
        // infer_pooled() computed it
      } else if (act == Activation::relu) {
        pool_sequence<Activation::relu>(b, f_count, pool, w_count, best.data(), pooled);
      } else {
        pool_sequence<Activation::exp>(b, f_count, pool, w_count, best.data(), pooled);
      }
      // fc1 as a sum of rows of its transpose, skipping pooled zeros (ReLU makes many).
      float* h1 = h1_.data() + static_cast<std::size_t>(i) * h1n;
      if (h1n == 64) {
        fc1_sparse<8>(w1t, p.fc1_bias.data(), pooled, fw, h1);
      } else if (h1n == 32) {
        fc1_sparse<4>(w1t, p.fc1_bias.data(), pooled, fw, h1);
      } else {
        std::copy(p.fc1_bias.begin(), p.fc1_bias.end(), h1);
        for (int q = 0; q < fw; ++q) {
          if (pooled[q] != 0.0f) axpy(pooled[q], w1t + static_cast<std::size_t>(q) * h1n, h1, h1n);
        }
      }
      for (int o = 0; o < h1n; ++o) a1[o] = std::max(h1[o], 0.0f);
      float* h2 = h2_.data() + static_cast<std::size_t>(i) * h2n;
      for (int o = 0; o < h2n; ++o) {
        h2[o] = p.fc2_bias[o] +
                dot(p.fc2_weight.data() + static_cast<std::size_t>(o) * h1n, a1.data(), h1n);
        a2[o] = std::max(h2[o], 0.0f);
      }
      logits[i] = p.fc3_bias[0] + dot(p.fc3_weight.data(), a2.data(), h2n);
    }
  }
}

}  // namespace mint

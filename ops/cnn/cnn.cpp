// CPU backend of the CNN: forward and backward over a batch, parallel over sequences.
// See cnn.hpp for the layout; the stages are, in order,
//   conv (gather of filter columns for one-hot codes) → BatchNorm → activation + max-pool
//   (first maximum) → fc1 → ReLU → fc2 → ReLU → fc3
// and their gradients in reverse. Hot loops vectorise over filters (activations are
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
#include "ops/common/simd.hpp"

namespace mint {

namespace {

// Offsets of each trainable tensor in a flat per-thread gradient buffer. The conv weight is
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

float dot(const float* a, const float* b, int n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

void axpy(float alpha, const float* x, float* y, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
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
  const std::size_t total = GradLayout(config_).total;
  const std::size_t live = std::min((capacity + kSumBlock - 1) / kSumBlock, kSumRound);
  grad_total_.resize(total);
  bn_total_.resize(2 * f);
  block_grads_.resize(live * total);
  block_sums_.resize(live * 2 * f);
}

template <typename MakeScratch, typename Body>
void CpuCnn::ordered_sums(int n, std::size_t lo, std::size_t hi, std::size_t nd, double* dtotal,
                          MakeScratch make_scratch, Body body) {
  const std::size_t width = grad_total_.size();
  const int blocks = (n + kSumBlock - 1) / kSumBlock;
  constexpr std::size_t kChunk = 1024;  // elements per task of the in-order reduction
  const std::size_t chunks = (hi - lo + kChunk - 1) / kChunk;
  float* fbuf = block_grads_.data();
  double* dbuf = block_sums_.data();
  float* ftotal = grad_total_.data();
#pragma omp parallel num_threads(threads_)
  {
    auto scratch = make_scratch();
    for (int first = 0; first < blocks; first += kSumRound) {
      const int count = std::min(kSumRound, blocks - first);
#pragma omp for schedule(static)
      for (int b = 0; b < count; ++b) {
        float* fsum = fbuf + static_cast<std::size_t>(b) * width;
        double* dsum = dbuf + static_cast<std::size_t>(b) * nd;
        std::fill(fsum + lo, fsum + hi, 0.0f);
        std::fill(dsum, dsum + nd, 0.0);
        const int end = std::min(n, (first + b + 1) * kSumBlock);
        for (int i = (first + b) * kSumBlock; i < end; ++i) body(i, fsum, dsum, scratch);
      }
      // Each element's sum runs over the blocks in order, whichever thread owns the chunk.
#pragma omp for schedule(static) nowait
      for (std::size_t c = 0; c < chunks; ++c) {
        const std::size_t e0 = lo + c * kChunk, e1 = std::min(hi, e0 + kChunk);
        for (int b = 0; b < count; ++b) {
          const float* fsum = fbuf + static_cast<std::size_t>(b) * width;
#pragma omp simd
          for (std::size_t e = e0; e < e1; ++e) ftotal[e] += fsum[e];
        }
      }
#pragma omp single
      for (int b = 0; b < count; ++b) {
        for (std::size_t e = 0; e < nd; ++e)
          dtotal[e] += dbuf[static_cast<std::size_t>(b) * nd + e];
      }
      // (the single's barrier: the next round may overwrite the buffers)
    }
  }
}

void CpuCnn::batch_statistics(int n) {
  // Per filter over (N, Lc), in double: the mean, then Σ(c − mean)² (two passes).
  const int f_count = config_.filters, lc = config_.conv_length();
  const double count = static_cast<double>(n) * lc;
  auto none = [] { return 0; };
  std::fill(bn_total_.begin(), bn_total_.end(), 0.0);
  ordered_sums(n, 0, 0, f_count, bn_total_.data(), none, [&](int i, float*, double* sum, int) {
    const float* c = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
    for (int j = 0; j < lc; ++j) {
      for (int f = 0; f < f_count; ++f) sum[f] += c[static_cast<std::size_t>(j) * f_count + f];
    }
  });
  for (int f = 0; f < f_count; ++f) batch_mean_[f] = bn_total_[f] / count;
  std::fill(bn_total_.begin(), bn_total_.end(), 0.0);
  ordered_sums(n, 0, 0, f_count, bn_total_.data(), none, [&](int i, float*, double* sq, int) {
    const float* c = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
    for (int j = 0; j < lc; ++j) {
      for (int f = 0; f < f_count; ++f) {
        const double d = c[static_cast<std::size_t>(j) * f_count + f] - batch_mean_[f];
        sq[f] += d * d;
      }
    }
  });
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

void CpuCnn::backward(const ModelParams& p, const float* dlogits, ModelParams* grads,
                      float* dinput) {
  const int n = last_n_;
  if (n == 0) throw Error("CpuCnn::backward needs a forward() in train or eval mode first");
  std::fill(grad_total_.begin(), grad_total_.end(), 0.0f);
  std::fill(bn_total_.begin(), bn_total_.end(), 0.0);
  head_and_pool_backward(p, dlogits, n);
  const BnBackward bn = batchnorm_backward_terms(p, n);
  conv_backward(bn, n, dinput);
  reduce_gradients(bn, grads);
}

void CpuCnn::head_and_pool_backward(const ModelParams& p, const float* dlogits, int n) {
  const ModelConfig& c = config_;
  const int f_count = c.filters;
  const int lc = c.conv_length(), w_count = c.pooled_length(), fw = c.fc1_inputs();
  const int h1n = c.hidden1, h2n = c.hidden2;
  const GradLayout g(c);

  // Pass 1: the dense head and the max-pool, per sequence → dnorm (gradient at BN output).
  // The head's gradients are the layout's elements from fc1_w on.
  struct Scratch {
    std::vector<float> a1, dh1, dh2, top, where;
  };
  auto make_scratch = [&] {
    return Scratch{std::vector<float>(h1n), std::vector<float>(h1n), std::vector<float>(h2n),
                   std::vector<float>(f_count), std::vector<float>(f_count)};
  };
  ordered_sums(
      n, g.fc1_w, g.total, 2 * static_cast<std::size_t>(f_count), bn_total_.data(), make_scratch,
      [&](int i, float* tg, double* bn_sums, Scratch& s) {
        std::vector<float>&a1 = s.a1, &dh1 = s.dh1, &dh2 = s.dh2, &top = s.top, &where = s.where;
        const float* h1 = h1_.data() + static_cast<std::size_t>(i) * h1n;
        const float* h2 = h2_.data() + static_cast<std::size_t>(i) * h2n;
        const float* pooled = pooled_.data() + static_cast<std::size_t>(i) * fw;
        const float d = dlogits[i];
        for (int o = 0; o < h1n; ++o) a1[o] = std::max(h1[o], 0.0f);
        for (int o = 0; o < h2n; ++o) {
          tg[g.fc3_w + o] += d * std::max(h2[o], 0.0f);
          dh2[o] = h2[o] > 0.0f ? d * p.fc3_weight[o] : 0.0f;
        }
        tg[g.fc3_b] += d;
        std::fill(dh1.begin(), dh1.end(), 0.0f);
        for (int o = 0; o < h2n; ++o) {
          if (dh2[o] == 0.0f) continue;
          axpy(dh2[o], a1.data(), tg + g.fc2_w + static_cast<std::size_t>(o) * h1n, h1n);
          tg[g.fc2_b + o] += dh2[o];
          axpy(dh2[o], p.fc2_weight.data() + static_cast<std::size_t>(o) * h1n, dh1.data(), h1n);
        }
        float* dpooled = dpooled_.data() + static_cast<std::size_t>(i) * fw;
        std::fill(dpooled, dpooled + fw, 0.0f);
        for (int o = 0; o < h1n; ++o) {
          if (h1[o] <= 0.0f || dh1[o] == 0.0f) continue;
          axpy(dh1[o], pooled, tg + g.fc1_w + static_cast<std::size_t>(o) * fw, fw);
          tg[g.fc1_b + o] += dh1[o];
          axpy(dh1[o], p.fc1_weight.data() + static_cast<std::size_t>(o) * fw, dpooled, fw);
        }
        // Unpool to each window's first argmax (the first position attaining the pooled
        // value; found by a descending scan vectorised over filters), through the activation.
        // The BatchNorm sums Σdy and Σdy·x̂ only see these positions (dy is 0 elsewhere).
        float* dn = dnorm_.data() + static_cast<std::size_t>(i) * lc * f_count;
        std::fill(dn, dn + static_cast<std::size_t>(lc) * f_count, 0.0f);
        const float* b = norm_.data() + static_cast<std::size_t>(i) * lc * f_count;
        const float* cv = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
        for (int w = 0; w < w_count; ++w) {
          for (int f = 0; f < f_count; ++f) top[f] = pooled[f * w_count + w];
          for (int j = (w + 1) * c.pool - 1; j >= w * c.pool; --j) {
            const float* row = b + static_cast<std::size_t>(j) * f_count;
            const float fj = static_cast<float>(j);
            if (c.activation == Activation::relu) {
              for (int f = 0; f < f_count; ++f) {
                const float v = row[f] > 0.0f ? row[f] : 0.0f, old = where[f];
                where[f] = v == top[f] ? fj : old;
              }
            } else {
              for (int f = 0; f < f_count; ++f) {
                if (activate(/*exp_activation=*/true, row[f]) == top[f]) where[f] = fj;
              }
            }
          }
          for (int f = 0; f < f_count; ++f) {
            const std::size_t at = static_cast<std::size_t>(where[f]) * f_count + f;
            const float dy =
                dpooled[f * w_count + w] * activation_slope(c.activation == Activation::exp, b[at]);
            dn[at] = dy;
            if (c.batchnorm && dy != 0.0f) {
              bn_sums[f] += dy;
              bn_sums[f_count + f] +=
                  static_cast<double>(dy) * (cv[at] - batch_mean_[f]) * batch_invstd_[f];
            }
          }
        }
      });
}

CpuCnn::BnBackward CpuCnn::batchnorm_backward_terms(const ModelParams& p, int n) const {
  const ModelConfig& c = config_;
  const int f_count = c.filters, lc = c.conv_length();
  BnBackward bn;
  bn.train = c.batchnorm && last_mode_ == Mode::train;
  bn.scale.assign(f_count, 1.0f);
  bn.mean.assign(f_count, 0.0f);
  if (c.batchnorm) {
    for (int f = 0; f < f_count; ++f) {
      bn.scale[f] = static_cast<float>(batch_invstd_[f]);
      bn.mean[f] = static_cast<float>(batch_mean_[f]);
    }
  }

  // BatchNorm: in train mode the batch statistics couple all sequences (bn_total_: the sums
  // of pass 1).
  bn.sum_dy.assign(bn_total_.begin(), bn_total_.begin() + f_count);
  bn.sum_dy_xhat.assign(bn_total_.begin() + f_count, bn_total_.end());
  const double count = static_cast<double>(n) * lc;
  bn.k_dy.assign(f_count, 1.0f);
  bn.k_mean.assign(f_count, 0.0f);
  bn.k_xhat.assign(f_count, 0.0f);
  if (c.batchnorm) {
    // dc = γ·invstd·(dy − [train]·(Σdy + x̂·Σdy·x̂)/M), written as dc = a·dy − b − x̂·e.
    for (int f = 0; f < f_count; ++f) {
      const double a = p.bn_weight[f] * batch_invstd_[f];
      bn.k_dy[f] = static_cast<float>(a);
      bn.k_mean[f] = bn.train ? static_cast<float>(a * bn.sum_dy[f] / count) : 0.0f;
      bn.k_xhat[f] = bn.train ? static_cast<float>(a * bn.sum_dy_xhat[f] / count) : 0.0f;
    }
  }
  return bn;
}

void CpuCnn::conv_backward(const BnBackward& bn, int n, float* dinput) {
  const ModelConfig& c = config_;
  const int f_count = c.filters, k_count = c.width, length = c.length, pad = c.pad_left();
  const int lc = c.conv_length();
  const GradLayout g(c);
  const bool bn_train = bn.train;
  const std::vector<float>&bn_scale = bn.scale, &bn_mean = bn.mean;
  const std::vector<float>&k_dy = bn.k_dy, &k_mean = bn.k_mean, &k_xhat = bn.k_xhat;

  // Pass 2: BN backward in place (dnorm → dconv), then the conv's parameter and input grads.
  const float* wt = conv_weight_t_.data();  // (K, 4, Fp), written by conv_forward
  const int fp = (f_count + 7) / 8 * 8;
  // The conv's and BatchNorm's gradients are the layout's elements before fc1_w.
  auto none = [] { return 0; };
  ordered_sums(n, 0, g.fc1_w, 0, nullptr, none, [&](int i, float* tg, double*, int) {
    float* dc = dnorm_.data() + static_cast<std::size_t>(i) * lc * f_count;
    const float* cv = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
    if (c.batchnorm) {
      for (int j = 0; j < lc; ++j) {
        float* d = dc + static_cast<std::size_t>(j) * f_count;
        const float* x = cv + static_cast<std::size_t>(j) * f_count;
        for (int f = 0; f < f_count; ++f) {
          const float xhat = (x[f] - bn_mean[f]) * bn_scale[f];
          if (!bn_train) {
            tg[g.bn_w + f] += d[f] * xhat;
            tg[g.bn_b + f] += d[f];
          }
          d[f] = k_dy[f] * d[f] - k_mean[f] - xhat * k_xhat[f];
        }
      }
    }
    const float scale = last_input_.scale != nullptr ? last_input_.scale[i] : 1.0f;
    for (int j = 0; j < lc; ++j) {
      const float* d = dc + static_cast<std::size_t>(j) * f_count;
      axpy(1.0f, d, tg + g.conv_b, f_count);
      for (int k = 0; k < k_count; ++k) {
        const int pos = j + k - pad;
        if (pos < 0 || pos >= length) continue;
        if (last_input_.codes != nullptr) {
          const int code = last_input_.codes[static_cast<std::size_t>(i) * length + pos];
          axpy(scale, d, tg + g.conv_w + static_cast<std::size_t>(k * 4 + code) * f_count, f_count);
        } else {
          for (int ch = 0; ch < 4; ++ch) {
            const float x =
                last_input_.dense[(static_cast<std::size_t>(i) * 4 + ch) * length + pos];
            if (x != 0.0f) {  // the forward's input is scale·x
              axpy(scale * x, d, tg + g.conv_w + static_cast<std::size_t>(k * 4 + ch) * f_count,
                   f_count);
            }
          }
        }
      }
    }
    if (dinput != nullptr) {
      float* dx = dinput + static_cast<std::size_t>(i) * 4 * length;
      for (int ch = 0; ch < 4; ++ch) {
        for (int pos = 0; pos < length; ++pos) {
          float acc = 0.0f;
          for (int k = 0; k < k_count; ++k) {
            const int j = pos - k + pad;
            if (j < 0 || j >= lc) continue;
            acc += dot(wt + (k * 4 + ch) * fp, dc + static_cast<std::size_t>(j) * f_count, f_count);
          }
          dx[ch * length + pos] = acc;
        }
      }
    }
  });
}

void CpuCnn::reduce_gradients(const BnBackward& bn, ModelParams* grads) const {
  const ModelConfig& c = config_;
  const int f_count = c.filters, k_count = c.width;
  const GradLayout g(c);
  const bool bn_train = bn.train;
  const std::vector<double>&sum_dy = bn.sum_dy, &sum_dy_xhat = bn.sum_dy_xhat;

  *grads = ModelParams::zeros(c);
  const std::vector<float>& total = grad_total_;
  for (int f = 0; f < f_count; ++f) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int k = 0; k < k_count; ++k) {
        grads->conv_weight[(f * 4 + ch) * k_count + k] =
            total[g.conv_w + (k * 4 + ch) * f_count + f];
      }
    }
  }
  auto copy = [&](std::size_t at, std::vector<float>& dst) {
    std::copy(total.begin() + static_cast<std::ptrdiff_t>(at),
              total.begin() + static_cast<std::ptrdiff_t>(at + dst.size()), dst.begin());
  };
  copy(g.conv_b, grads->conv_bias);
  if (c.batchnorm) {
    if (bn_train) {
      for (int f = 0; f < f_count; ++f) {
        grads->bn_weight[f] = static_cast<float>(sum_dy_xhat[f]);
        grads->bn_bias[f] = static_cast<float>(sum_dy[f]);
      }
    } else {
      copy(g.bn_w, grads->bn_weight);
      copy(g.bn_b, grads->bn_bias);
    }
  }
  copy(g.fc1_w, grads->fc1_weight);
  copy(g.fc1_b, grads->fc1_bias);
  copy(g.fc2_w, grads->fc2_weight);
  copy(g.fc2_b, grads->fc2_bias);
  copy(g.fc3_w, grads->fc3_weight);
  copy(g.fc3_b, grads->fc3_bias);
}

}  // namespace mint

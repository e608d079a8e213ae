// CPU backend of the CNN, backward (the twin of cnn_backward.cu and cnn_head.cu's backward):
// the dense head and the unpooling per sequence, BatchNorm's backward, the conv's gradients,
// and ordered_sums — the one way CpuCnn sums over a batch (BatchNorm's statistics in forward()
// too): fixed blocks of kSumBlock sequences, then the blocks in order, so every sum is the same
// bits for any thread count. The dense layers' weight gradients need no blocks: each element
// is summed over the batch in sequence order by the thread that owns its output row.
#include <omp.h>

#include <algorithm>

#include "core/error.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_core.hpp"
#include "ops/cnn/cnn_cpu.hpp"

namespace mint {

using cnn_cpu::activation_slope;
using cnn_cpu::axpy;
using cnn_cpu::dot;
using cnn_cpu::GradLayout;

template <typename MakeScratch, typename Body>
void CpuCnn::ordered_sums(int n, std::size_t lo, std::size_t hi, std::size_t nd, double* dtotal,
                          MakeScratch make_scratch, Body body) {
  const std::size_t width = hi;  // a block's buffer holds elements [0, hi)
  if (width * std::min((n + kSumBlock - 1) / kSumBlock, kSumRound) > block_grads_.size()) {
    throw Error("CpuCnn: block buffers too small");  // a bug: sized in the constructor
  }
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

void CpuCnn::backward(const ModelParams& p, const float* dlogits, ModelParams* grads,
                      float* dinput) {
  const int n = last_n_;
  if (n == 0) throw Error("CpuCnn::backward needs a forward() in train or eval mode first");
  std::fill(grad_total_.begin(), grad_total_.end(), 0.0f);
  std::fill(bn_total_.begin(), bn_total_.end(), 0.0);
  head_and_pool_backward(p, dlogits, n);
  if (grads != nullptr) head_param_grads(dlogits, n);
  const BnBackward bn = batchnorm_backward_terms(p, n);
  conv_backward(bn, n, grads != nullptr, dinput);
  if (grads != nullptr) reduce_gradients(bn, grads);
}

void CpuCnn::head_and_pool_backward(const ModelParams& p, const float* dlogits, int n) {
  const ModelConfig& c = config_;
  const int f_count = c.filters;
  const int lc = c.conv_length(), w_count = c.pooled_length(), fw = c.fc1_inputs();
  const int h1n = c.hidden1, h2n = c.hidden2;
  const GradLayout g(c);

  // Pass 1: the dense head and the max-pool, per sequence → dh1_, dh2_ (gradients at the
  // dense layers' pre-activations), dnorm (gradient at BN output) and the BatchNorm sums.
  struct Scratch {
    std::vector<float> top, where;
  };
  auto make_scratch = [&] {
    return Scratch{std::vector<float>(f_count), std::vector<float>(f_count)};
  };
  ordered_sums(
      n, 0, 0, 2 * static_cast<std::size_t>(f_count), bn_total_.data(), make_scratch,
      [&](int i, float*, double* bn_sums, Scratch& s) {
        std::vector<float>&top = s.top, &where = s.where;
        const float* h1 = h1_.data() + static_cast<std::size_t>(i) * h1n;
        const float* h2 = h2_.data() + static_cast<std::size_t>(i) * h2n;
        const float* pooled = pooled_.data() + static_cast<std::size_t>(i) * fw;
        float* dh1 = dh1_.data() + static_cast<std::size_t>(i) * h1n;
        float* dh2 = dh2_.data() + static_cast<std::size_t>(i) * h2n;
        const float d = dlogits[i];
        for (int o = 0; o < h2n; ++o) dh2[o] = h2[o] > 0.0f ? d * p.fc3_weight[o] : 0.0f;
        std::fill(dh1, dh1 + h1n, 0.0f);
        for (int o = 0; o < h2n; ++o) {
          if (dh2[o] == 0.0f) continue;
          axpy(dh2[o], p.fc2_weight.data() + static_cast<std::size_t>(o) * h1n, dh1, h1n);
        }
        for (int o = 0; o < h1n; ++o) dh1[o] = h1[o] > 0.0f ? dh1[o] : 0.0f;
        float* dpooled = dpooled_.data() + static_cast<std::size_t>(i) * fw;
        std::fill(dpooled, dpooled + fw, 0.0f);
        for (int o = 0; o < h1n; ++o) {
          if (dh1[o] == 0.0f) continue;
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

void CpuCnn::head_param_grads(const float* dlogits, int n) {
  // dW = Σ_i dh[i]ᵀ·a[i] over the batch in sequence order for every element (the order one
  // thread would take), parallel over groups of output rows — no per-thread copies to reduce.
  const ModelConfig& c = config_;
  const int fw = c.fc1_inputs(), h1n = c.hidden1, h2n = c.hidden2;
  const GradLayout g(c);
  float* gt = grad_total_.data();
  constexpr int kRows = 4;  // fc1 rows per task: each a[i] is read once for four rows
#pragma omp parallel num_threads(threads_)
  {
#pragma omp for schedule(static) nowait
    for (int o0 = 0; o0 < h1n; o0 += kRows) {
      for (int i = 0; i < n; ++i) {
        const float* dh1 = dh1_.data() + static_cast<std::size_t>(i) * h1n;
        const float* pooled = pooled_.data() + static_cast<std::size_t>(i) * fw;
        for (int o = o0; o < std::min(h1n, o0 + kRows); ++o) {
          if (dh1[o] == 0.0f) continue;
          axpy(dh1[o], pooled, gt + g.fc1_w + static_cast<std::size_t>(o) * fw, fw);
          gt[g.fc1_b + o] += dh1[o];
        }
      }
    }
#pragma omp for schedule(static) nowait
    for (int o = 0; o < h2n; ++o) {
      float* row = gt + g.fc2_w + static_cast<std::size_t>(o) * h1n;
      for (int i = 0; i < n; ++i) {
        const float d = dh2_[static_cast<std::size_t>(i) * h2n + o];
        if (d == 0.0f) continue;
        const float* h1 = h1_.data() + static_cast<std::size_t>(i) * h1n;
#pragma omp simd
        for (int q = 0; q < h1n; ++q) row[q] += d * std::max(h1[q], 0.0f);
        gt[g.fc2_b + o] += d;
      }
    }
#pragma omp single nowait
    for (int i = 0; i < n; ++i) {
      const float* h2 = h2_.data() + static_cast<std::size_t>(i) * h2n;
      for (int o = 0; o < h2n; ++o) gt[g.fc3_w + o] += dlogits[i] * std::max(h2[o], 0.0f);
      gt[g.fc3_b] += dlogits[i];
    }
  }
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

void CpuCnn::conv_backward(const BnBackward& bn, int n, bool param_grads, float* dinput) {
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
  const std::size_t hi = param_grads ? g.fc1_w : 0;
  ordered_sums(n, 0, hi, 0, nullptr, none, [&](int i, float* tg, double*, int) {
    float* dc = dnorm_.data() + static_cast<std::size_t>(i) * lc * f_count;
    const float* cv = conv_.data() + static_cast<std::size_t>(i) * lc * f_count;
    if (c.batchnorm) {
      for (int j = 0; j < lc; ++j) {
        float* d = dc + static_cast<std::size_t>(j) * f_count;
        const float* x = cv + static_cast<std::size_t>(j) * f_count;
        for (int f = 0; f < f_count; ++f) {
          const float xhat = (x[f] - bn_mean[f]) * bn_scale[f];
          if (param_grads && !bn_train) {
            tg[g.bn_w + f] += d[f] * xhat;
            tg[g.bn_b + f] += d[f];
          }
          d[f] = k_dy[f] * d[f] - k_mean[f] - xhat * k_xhat[f];
        }
      }
    }
    // Locals, not the lambda's captures, in the hot loop: they stay in registers.
    const int fc = f_count, kc = k_count, len = length, pd = pad;
    const float scale = last_input_.scale != nullptr ? last_input_.scale[i] : 1.0f;
    const std::size_t at = static_cast<std::size_t>(i) * len;
    const std::uint8_t* codes = last_input_.codes != nullptr ? last_input_.codes + at : nullptr;
    const float* dense = last_input_.dense != nullptr ? last_input_.dense + 4 * at : nullptr;
    float* gw = tg + g.conv_w;
    float* gb = tg + g.conv_b;
    for (int j = 0; j < (param_grads ? lc : 0); ++j) {
      const float* d = dc + static_cast<std::size_t>(j) * fc;
      axpy(1.0f, d, gb, fc);
      // Columns k whose input position j + k − pad lies inside the sequence.
      const int k_begin = std::max(0, pd - j), k_end = std::min(kc, len + pd - j);
      if (codes != nullptr) {
        for (int k = k_begin; k < k_end; ++k) {
          axpy(scale, d, gw + static_cast<std::size_t>(k * 4 + codes[j + k - pd]) * fc, fc);
        }
      } else {
        for (int k = k_begin; k < k_end; ++k) {
          for (int ch = 0; ch < 4; ++ch) {
            const float x = dense[static_cast<std::size_t>(ch) * len + j + k - pd];
            if (x != 0.0f) {  // the forward's input is scale·x
              axpy(scale * x, d, gw + static_cast<std::size_t>(k * 4 + ch) * fc, fc);
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

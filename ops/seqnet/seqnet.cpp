// The general sequential network's forward and backward passes. See seqnet.hpp.
#include "ops/seqnet/seqnet.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/philox.hpp"
#include "ops/seqnet/seqnet_core.hpp"
#include "ops/seqnet/seqnet_layers.hpp"

namespace mint {

using seqnet::LayerPlan;
using seqnet::Scratch;

namespace {

constexpr int kGradBlock = 16;   // rows per parameter-gradient block (fixed: thread-independent)
constexpr int kLinearRows = 16;  // rows per Linear call (any grouping gives the same bits)

std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

}  // namespace

SeqNet::SeqNet(const SequentialArchitecture& arch, int capacity, int threads)
    : arch_(arch), capacity_(capacity), threads_(threads > 0 ? threads : omp_get_max_threads()) {
  if (capacity < 1) throw Error("sequential network: capacity must be positive");
  if (arch.layers.empty()) throw Error("sequential network: no layers");
  const std::size_t L = arch.layers.size();
  act_.resize(L + 1);
  arg_.resize(L);
  mask_.resize(L);
  bn_mean_.resize(L);
  bn_invstd_.resize(L);
  bn_var_.resize(L);
  for (std::size_t i = 0; i <= L; ++i) {
    const std::int64_t size = i < L ? arch.size_before(i) : arch.layers.back().size_after();
    act_[i].resize(sz(size) * capacity);
  }
  for (std::size_t i = 0; i < L; ++i) {
    if (is_max_pool(arch.layers[i].type))
      arg_[i].resize(sz(arch.layers[i].size_after()) * capacity);
  }
}

SeqNet::~SeqNet() = default;

void SeqNet::keep_plans(const SequentialParams* p) {
  kept_ = p;
  if (p != nullptr) plans_ = LayerPlan::make(arch_, *p);
}

int SeqNet::capacity_for(const SequentialArchitecture& arch, std::size_t bytes, int most) {
  std::size_t per_row = 0;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    per_row += sz(arch.size_before(i)) * 2 * sizeof(float);  // activation + gradient
  }
  per_row += sz(arch.layers.back().size_after()) * sizeof(float);
  const std::size_t rows = bytes / std::max<std::size_t>(per_row, 1);
  return static_cast<int>(std::clamp<std::size_t>(rows, 1, static_cast<std::size_t>(most)));
}

void SeqNet::forward(const SequentialParams& p, const float* in, int n, Mode mode, float* out,
                     int first) {
  const std::size_t L = arch_.layers.size();
  if (n < 0 || n > capacity_) {
    throw Error("sequential network: batch of " + std::to_string(n) + " rows, capacity " +
                std::to_string(capacity_));
  }
  if (first < 0 || sz(first) >= L)
    throw Error("sequential network: no layer " + std::to_string(first));
  if (kept_ != &p) plans_ = LayerPlan::make(arch_, p);
  last_n_ = n;
  last_first_ = first;
  last_mode_ = mode;
  const bool train = mode == Mode::train;
  std::copy(in, in + sz(arch_.size_before(sz(first))) * n, act_[sz(first)].begin());
  for (std::size_t i = sz(first); i < L; ++i) {
    const SequentialLayer& l = arch_.layers[i];
    const std::size_t s_in = sz(arch_.size_before(i)), s_out = sz(l.size_after());
    if (train && l.type == LayerType::batchnorm1d) {
      bn_train_forward(i, p, n);
      continue;
    }
    if (train && l.type == LayerType::dropout) {
      mask_[i].resize(s_in * n);
      const float keep_scale = seqnet::dropout_keep_scale(l.p);
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int r = 0; r < n; ++r) {
        for (std::size_t k = 0; k < s_in; ++k) {
          const float m = seqnet::dropout_multiplier(
              dropout_seed_, dropout_step_, i, static_cast<std::uint32_t>(r),
              static_cast<std::uint32_t>(k), l.p, keep_scale);
          const std::size_t at = sz(r) * s_in + k;
          mask_[i][at] = m;
          act_[i + 1][at] = act_[i][at] * m;
        }
      }
      continue;
    }
    if (l.type == LayerType::linear) {  // groups of rows: the weights read once per group
      const int groups = (n + kLinearRows - 1) / kLinearRows;
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int b = 0; b < groups; ++b) {
        const int r0 = b * kLinearRows, rows = std::min(kLinearRows, n - r0);
        seqnet::linear_forward_rows(act_[i].data() + sz(r0) * s_in, rows, p.layers[i].weight.data(),
                                    l.bias ? p.layers[i].bias.data() : nullptr, l.in, l.out,
                                    act_[i + 1].data() + sz(r0) * s_out);
      }
      continue;
    }
#pragma omp parallel num_threads(threads_)
    {
      Scratch s;
#pragma omp for schedule(static)
      for (int r = 0; r < n; ++r) {
        std::int32_t* arg = arg_[i].empty() ? nullptr : arg_[i].data() + sz(r) * s_out;
        seqnet::forward_row(arch_, i, p.layers[i], plans_[i], act_[i].data() + sz(r) * s_in,
                            act_[i + 1].data() + sz(r) * s_out, arg, s);
      }
    }
  }
  const std::size_t o = sz(arch_.outputs());
  std::copy(act_[L].begin(), act_[L].begin() + static_cast<std::ptrdiff_t>(o * n), out);
}

void SeqNet::bn_train_forward(std::size_t i, const SequentialParams& p, int n) {
  const SequentialLayer& l = arch_.layers[i];
  const int C = l.in, len = arch_.length_before(i);
  const std::size_t row = sz(C) * len;
  bn_mean_[i].assign(sz(C), 0.0);
  bn_invstd_[i].assign(sz(C), 0.0);
  bn_var_[i].assign(sz(C), 0.0);
  const double M = static_cast<double>(n) * len;
  const float* x = act_[i].data();
  float* y = act_[i + 1].data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int c = 0; c < C; ++c) {
    double sum = 0;
    for (int r = 0; r < n; ++r) {
      for (int t = 0; t < len; ++t) sum += x[sz(r) * row + sz(c) * len + t];
    }
    const double mean = sum / M;
    double ss = 0;
    for (int r = 0; r < n; ++r) {
      for (int t = 0; t < len; ++t) {
        const double d = x[sz(r) * row + sz(c) * len + t] - mean;
        ss += d * d;
      }
    }
    const double var = ss / M, invstd = 1.0 / std::sqrt(var + l.eps);
    bn_mean_[i][sz(c)] = mean;
    bn_var_[i][sz(c)] = var;
    bn_invstd_[i][sz(c)] = invstd;
    const float fm = static_cast<float>(mean), fi = static_cast<float>(invstd);
    const float w = p.layers[i].weight[sz(c)], b = p.layers[i].bias[sz(c)];
    for (int r = 0; r < n; ++r) {
      for (int t = 0; t < len; ++t) {
        const std::size_t k = sz(r) * row + sz(c) * len + t;
        y[k] = (x[k] - fm) * fi * w + b;
      }
    }
  }
}

void SeqNet::update_running_stats(SequentialParams& p) const {
  if (last_mode_ != Mode::train) return;
  for (std::size_t i = sz(last_first_); i < arch_.layers.size(); ++i) {
    const SequentialLayer& l = arch_.layers[i];
    if (l.type != LayerType::batchnorm1d) continue;
    LayerParams& lp = p.layers[i];
    const double M = static_cast<double>(last_n_) * arch_.length_before(i);
    const double f = l.bn_factor(lp.num_batches_tracked + 1);
    for (std::size_t c = 0; c < lp.running_mean.size(); ++c) {
      const double unbiased = M > 1 ? bn_var_[i][c] * M / (M - 1) : bn_var_[i][c];
      lp.running_mean[c] = static_cast<float>(f * bn_mean_[i][c] + (1 - f) * lp.running_mean[c]);
      lp.running_var[c] = static_cast<float>(f * unbiased + (1 - f) * lp.running_var[c]);
    }
    ++lp.num_batches_tracked;
  }
}

void SeqNet::bn_train_backward(std::size_t i, const SequentialParams& p, int n,
                               const std::vector<float>& dout, std::vector<float>& din,
                               SequentialParams* grads) {
  const SequentialLayer& l = arch_.layers[i];
  const int C = l.in, len = arch_.length_before(i);
  const std::size_t row = sz(C) * len;
  const double M = static_cast<double>(n) * len;
  const float* x = act_[i].data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int c = 0; c < C; ++c) {
    const double mean = bn_mean_[i][sz(c)], invstd = bn_invstd_[i][sz(c)];
    double sdy = 0, sdyx = 0;
    for (int r = 0; r < n; ++r) {
      for (int t = 0; t < len; ++t) {
        const std::size_t k = sz(r) * row + sz(c) * len + t;
        sdy += dout[k];
        sdyx += dout[k] * ((x[k] - mean) * invstd);
      }
    }
    if (grads != nullptr) {
      grads->layers[i].weight[sz(c)] = static_cast<float>(sdyx);
      grads->layers[i].bias[sz(c)] = static_cast<float>(sdy);
    }
    const double w = p.layers[i].weight[sz(c)];
    for (int r = 0; r < n; ++r) {
      for (int t = 0; t < len; ++t) {
        const std::size_t k = sz(r) * row + sz(c) * len + t;
        const double xhat = (x[k] - mean) * invstd;
        din[k] = static_cast<float>(w * invstd * (dout[k] - sdy / M - xhat * sdyx / M));
      }
    }
  }
}

void SeqNet::backward(const SequentialParams& p, const float* dout, SequentialParams* grads,
                      float* din) {
  const std::size_t L = arch_.layers.size(), first = sz(last_first_);
  const int n = last_n_;
  const bool train = last_mode_ == Mode::train;
  if (grads != nullptr) *grads = SequentialParams::zeros(arch_);
  std::vector<float>& g = grad_;
  std::vector<float>& gin = grad_in_;
  g.assign(dout, dout + sz(arch_.outputs()) * n);
  for (std::size_t i = L; i-- > first;) {
    const SequentialLayer& l = arch_.layers[i];
    const std::size_t s_in = sz(arch_.size_before(i)), s_out = sz(l.size_after());
    const bool need_din = i > first || din != nullptr;
    if (grads != nullptr && (l.type == LayerType::conv1d || l.type == LayerType::linear)) {
      const int blocks = (n + kGradBlock - 1) / kGradBlock;
      std::vector<LayerParams> part(sz(blocks));
#pragma omp parallel num_threads(threads_)
      {
        Scratch s;
#pragma omp for schedule(static)
        for (int b = 0; b < blocks; ++b) {
          LayerParams& lp = part[sz(b)];
          lp.weight.assign(p.layers[i].weight.size(), 0.0f);
          lp.bias.assign(p.layers[i].bias.size(), 0.0f);
          for (int r = b * kGradBlock; r < std::min(n, (b + 1) * kGradBlock); ++r) {
            seqnet::param_grad_row(arch_, i, act_[i].data() + sz(r) * s_in,
                                   g.data() + sz(r) * s_out, lp, s);
          }
        }
      }
      LayerParams& out = grads->layers[i];
      for (const LayerParams& lp : part) {
        for (std::size_t k = 0; k < out.weight.size(); ++k) out.weight[k] += lp.weight[k];
        for (std::size_t k = 0; k < out.bias.size(); ++k) out.bias[k] += lp.bias[k];
      }
    }
    gin.resize(need_din ? s_in * n : 0);  // every layer's backward writes all of it
    if (l.type == LayerType::batchnorm1d && train) {
      gin.resize(s_in * n);
      bn_train_backward(i, p, n, g, gin, grads);
    } else if (l.type == LayerType::batchnorm1d && grads != nullptr) {  // eval-mode BN's grads
      const int C = l.in, len = arch_.length_before(i);
      const LayerParams& lp = p.layers[i];
      for (int c = 0; c < C; ++c) {
        const double invstd = 1.0 / std::sqrt(static_cast<double>(lp.running_var[sz(c)]) + l.eps);
        double sdy = 0, sdyx = 0;
        for (int r = 0; r < n; ++r) {
          for (int t = 0; t < len; ++t) {
            const std::size_t k = sz(r) * s_in + sz(c) * len + t;
            sdy += g[k];
            sdyx += g[k] * ((act_[i][k] - lp.running_mean[sz(c)]) * invstd);
          }
        }
        grads->layers[i].weight[sz(c)] = static_cast<float>(sdyx);
        grads->layers[i].bias[sz(c)] = static_cast<float>(sdy);
      }
    }
    if (need_din && !(l.type == LayerType::batchnorm1d && train)) {
      if (l.type == LayerType::dropout && train) {
        for (std::size_t k = 0; k < s_in * n; ++k) gin[k] = g[k] * mask_[i][k];
      } else if (l.type == LayerType::linear) {
        const int groups = (n + kLinearRows - 1) / kLinearRows;
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (int b = 0; b < groups; ++b) {
          const int r0 = b * kLinearRows, rows = std::min(kLinearRows, n - r0);
          seqnet::linear_backward_rows(g.data() + sz(r0) * s_out, rows, p.layers[i].weight.data(),
                                       l.in, l.out, gin.data() + sz(r0) * s_in);
        }
      } else {
#pragma omp parallel num_threads(threads_)
        {
          Scratch s;
#pragma omp for schedule(static)
          for (int r = 0; r < n; ++r) {
            const std::int32_t* arg = arg_[i].empty() ? nullptr : arg_[i].data() + sz(r) * s_out;
            seqnet::backward_row(arch_, i, p.layers[i], plans_[i], act_[i].data() + sz(r) * s_in,
                                 act_[i + 1].data() + sz(r) * s_out, arg, g.data() + sz(r) * s_out,
                                 gin.data() + sz(r) * s_in, s);
          }
        }
      }
    }
    g.swap(gin);
  }
  if (din != nullptr) std::copy(g.begin(), g.end(), din);
}

std::vector<float> dense_input(const CnnInput& in, std::int64_t n, int length) {
  const std::size_t L = sz(length), row = 4 * L;
  std::vector<float> x(sz(n) * row);
  if (in.dense != nullptr) {
    std::copy(in.dense, in.dense + x.size(), x.begin());
    return x;
  }
  std::fill(x.begin(), x.end(), 0.0f);
  for (std::int64_t s = 0; s < n; ++s) {
    const float v = in.scale != nullptr ? in.scale[s] : 1.0f;
    for (std::size_t t = 0; t < L; ++t) {
      const std::uint8_t c = in.codes[sz(s) * L + t];
      if (c < 4) x[sz(s) * row + c * L + t] = v;
    }
  }
  return x;
}

}  // namespace mint

// Float64 reference of the CNN (forward and backward), written as plainly as possible in
// PyTorch's (N, F, Lc) layout. Tests check it against finite differences, then check the fast
// CPU backend (src/cpu/cnn.cpp) and the CUDA kernels against it.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/cnn/cnn.hpp"

namespace mint {

ReferenceParams to_reference(const ModelParams& p) {
  ReferenceParams r;
  for (const std::vector<float>* t : p.trainable()) r.trainable.emplace_back(t->begin(), t->end());
  r.running_mean.assign(p.bn_running_mean.begin(), p.bn_running_mean.end());
  r.running_var.assign(p.bn_running_var.begin(), p.bn_running_var.end());
  return r;
}

std::vector<double> reference_forward_backward(const ModelConfig& c, const ReferenceParams& p,
                                               const std::vector<double>& x, int n, Mode mode,
                                               const std::vector<double>* dlogits,
                                               std::vector<std::vector<double>>* grads,
                                               std::vector<double>* dinput) {
  const int F = c.filters, K = c.width, L = c.length, Lc = c.conv_length(), pad = c.pad_left();
  const int P = c.pool, W = c.pooled_length(), FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  int t = 0;
  const auto& conv_w = p.trainable[t++];
  const auto& conv_b = p.trainable[t++];
  const std::vector<double>* bn_w = nullptr;
  const std::vector<double>* bn_b = nullptr;
  if (c.batchnorm) {
    bn_w = &p.trainable[t++];
    bn_b = &p.trainable[t++];
  }
  const auto& w1 = p.trainable[t++];
  const auto& b1 = p.trainable[t++];
  const auto& w2 = p.trainable[t++];
  const auto& b2 = p.trainable[t++];
  const auto& w3 = p.trainable[t++];
  const auto& b3 = p.trainable[t++];
  auto X = [&](int i, int ch, int pos) {
    return x[(static_cast<std::size_t>(i) * 4 + ch) * L + pos];
  };
  auto idx = [&](int i, int f, int j) { return (static_cast<std::size_t>(i) * F + f) * Lc + j; };

  // conv
  std::vector<double> conv(static_cast<std::size_t>(n) * F * Lc);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f)
      for (int j = 0; j < Lc; ++j) {
        double s = conv_b[f];
        for (int ch = 0; ch < 4; ++ch)
          for (int k = 0; k < K; ++k) {
            const int pos = j + k - pad;
            if (pos >= 0 && pos < L) s += conv_w[(f * 4 + ch) * K + k] * X(i, ch, pos);
          }
        conv[idx(i, f, j)] = s;
      }
  // BatchNorm
  std::vector<double> mean(F, 0.0), invstd(F, 1.0), norm = conv;
  if (c.batchnorm) {
    for (int f = 0; f < F; ++f) {
      if (mode == Mode::train) {
        double s = 0, sq = 0;
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < Lc; ++j) s += conv[idx(i, f, j)];
        mean[f] = s / (static_cast<double>(n) * Lc);
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < Lc; ++j) sq += std::pow(conv[idx(i, f, j)] - mean[f], 2);
        invstd[f] = 1 / std::sqrt(sq / (static_cast<double>(n) * Lc) + c.bn_eps);
      } else {
        mean[f] = p.running_mean[f];
        invstd[f] = 1 / std::sqrt(p.running_var[f] + c.bn_eps);
      }
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < Lc; ++j)
          norm[idx(i, f, j)] = (conv[idx(i, f, j)] - mean[f]) * invstd[f] * (*bn_w)[f] + (*bn_b)[f];
    }
  }
  auto act = [&](double v) {
    return c.activation == Activation::relu ? std::max(v, 0.0) : std::exp(v);
  };
  auto slope = [&](double v) {
    return c.activation == Activation::relu ? (v > 0 ? 1.0 : 0.0) : std::exp(v);
  };
  // pool, dense head
  std::vector<double> pooled(static_cast<std::size_t>(n) * FW),
      h1(static_cast<std::size_t>(n) * H1), h2(static_cast<std::size_t>(n) * H2), logits(n);
  std::vector<int> argmax(static_cast<std::size_t>(n) * FW);
  for (int i = 0; i < n; ++i) {
    for (int f = 0; f < F; ++f)
      for (int w = 0; w < W; ++w) {
        int best = w * P;
        for (int j = w * P + 1; j < (w + 1) * P; ++j)
          if (act(norm[idx(i, f, j)]) > act(norm[idx(i, f, best)])) best = j;
        pooled[static_cast<std::size_t>(i) * FW + f * W + w] = act(norm[idx(i, f, best)]);
        argmax[static_cast<std::size_t>(i) * FW + f * W + w] = best;
      }
    for (int o = 0; o < H1; ++o) {
      double s = b1[o];
      for (int q = 0; q < FW; ++q)
        s +=
            w1[static_cast<std::size_t>(o) * FW + q] * pooled[static_cast<std::size_t>(i) * FW + q];
      h1[static_cast<std::size_t>(i) * H1 + o] = s;
    }
    for (int o = 0; o < H2; ++o) {
      double s = b2[o];
      for (int q = 0; q < H1; ++q)
        s += w2[o * H1 + q] * std::max(h1[static_cast<std::size_t>(i) * H1 + q], 0.0);
      h2[static_cast<std::size_t>(i) * H2 + o] = s;
    }
    double s = b3[0];
    for (int q = 0; q < H2; ++q)
      s += w3[q] * std::max(h2[static_cast<std::size_t>(i) * H2 + q], 0.0);
    logits[i] = s;
  }
  if (dlogits == nullptr) return logits;

  // backward
  std::vector<std::vector<double>> g;
  for (const auto& tensor : p.trainable) g.emplace_back(tensor.size(), 0.0);
  t = 0;
  auto& g_conv_w = g[t++];
  auto& g_conv_b = g[t++];
  std::vector<double>* g_bn_w = nullptr;
  std::vector<double>* g_bn_b = nullptr;
  if (c.batchnorm) {
    g_bn_w = &g[t++];
    g_bn_b = &g[t++];
  }
  auto& g_w1 = g[t++];
  auto& g_b1 = g[t++];
  auto& g_w2 = g[t++];
  auto& g_b2 = g[t++];
  auto& g_w3 = g[t++];
  auto& g_b3 = g[t++];
  std::vector<double> dnorm(norm.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    const double d = (*dlogits)[i];
    std::vector<double> dh2(H2), dh1(H1, 0.0);
    g_b3[0] += d;
    for (int o = 0; o < H2; ++o) {
      const double hv = h2[static_cast<std::size_t>(i) * H2 + o];
      g_w3[o] += d * std::max(hv, 0.0);
      dh2[o] = hv > 0 ? d * w3[o] : 0.0;
    }
    for (int o = 0; o < H2; ++o) {
      g_b2[o] += dh2[o];
      for (int q = 0; q < H1; ++q) {
        const double hv = h1[static_cast<std::size_t>(i) * H1 + q];
        g_w2[o * H1 + q] += dh2[o] * std::max(hv, 0.0);
        dh1[q] += dh2[o] * w2[o * H1 + q];
      }
    }
    std::vector<double> dpool(FW, 0.0);
    for (int o = 0; o < H1; ++o) {
      if (h1[static_cast<std::size_t>(i) * H1 + o] <= 0) continue;
      g_b1[o] += dh1[o];
      for (int q = 0; q < FW; ++q) {
        g_w1[static_cast<std::size_t>(o) * FW + q] +=
            dh1[o] * pooled[static_cast<std::size_t>(i) * FW + q];
        dpool[q] += dh1[o] * w1[static_cast<std::size_t>(o) * FW + q];
      }
    }
    for (int f = 0; f < F; ++f)
      for (int w = 0; w < W; ++w) {
        const int j = argmax[static_cast<std::size_t>(i) * FW + f * W + w];
        dnorm[idx(i, f, j)] += dpool[f * W + w] * slope(norm[idx(i, f, j)]);
      }
  }
  std::vector<double> dconv = dnorm;
  if (c.batchnorm) {
    const double m = static_cast<double>(n) * Lc;
    for (int f = 0; f < F; ++f) {
      double sum_dy = 0, sum_dy_xhat = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < Lc; ++j) {
          const double xhat = (conv[idx(i, f, j)] - mean[f]) * invstd[f];
          sum_dy += dnorm[idx(i, f, j)];
          sum_dy_xhat += dnorm[idx(i, f, j)] * xhat;
        }
      (*g_bn_w)[f] = sum_dy_xhat;
      (*g_bn_b)[f] = sum_dy;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < Lc; ++j) {
          const double xhat = (conv[idx(i, f, j)] - mean[f]) * invstd[f];
          const double dy = dnorm[idx(i, f, j)];
          dconv[idx(i, f, j)] = mode == Mode::train ? (*bn_w)[f] * invstd[f] *
                                                          (dy - sum_dy / m - xhat * sum_dy_xhat / m)
                                                    : (*bn_w)[f] * invstd[f] * dy;
        }
    }
  }
  if (dinput != nullptr) dinput->assign(x.size(), 0.0);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f)
      for (int j = 0; j < Lc; ++j) {
        const double d = dconv[idx(i, f, j)];
        g_conv_b[f] += d;
        for (int ch = 0; ch < 4; ++ch)
          for (int k = 0; k < K; ++k) {
            const int pos = j + k - pad;
            if (pos < 0 || pos >= L) continue;
            g_conv_w[(f * 4 + ch) * K + k] += d * X(i, ch, pos);
            if (dinput != nullptr) {
              (*dinput)[(static_cast<std::size_t>(i) * 4 + ch) * L + pos] +=
                  d * conv_w[(f * 4 + ch) * K + k];
            }
          }
      }
  if (grads != nullptr) *grads = std::move(g);
  return logits;
}

}  // namespace mint

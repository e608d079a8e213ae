// Float64 reference of the CNN (forward and backward), written as plainly as possible in
// PyTorch's (N, F, Lc) layout. Tests check it against finite differences, then check the fast
// CPU backend (cnn.cpp) and the CUDA kernels against it. One function per stage: conv,
// BatchNorm, max-pool + dense head; then the head and unpooling, BatchNorm's and the conv's
// gradients.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/cnn/cnn.hpp"

namespace mint {

namespace {

// The sizes, and the flat index of (n, f, j) in an (N, F, Lc) tensor.
struct Dims {
  int F, K, L, Lc, pad, P, W, FW, H1, H2;
  explicit Dims(const ModelConfig& c)
      : F(c.filters),
        K(c.width),
        L(c.length),
        Lc(c.conv_length()),
        pad(c.pad_left()),
        P(c.pool),
        W(c.pooled_length()),
        FW(c.fc1_inputs()),
        H1(c.hidden1),
        H2(c.hidden2) {}
  std::size_t idx(int i, int f, int j) const {
    return (static_cast<std::size_t>(i) * F + f) * Lc + j;
  }
};

// The trainable tensors by name, ModelParams::trainable() order (no BatchNorm: bn_* null).
template <typename Vec>
struct Named {
  Vec *conv_w, *conv_b, *bn_w = nullptr, *bn_b = nullptr, *w1, *b1, *w2, *b2, *w3, *b3;
  template <typename List>
  Named(List& list, bool batchnorm) {
    int t = 0;
    conv_w = &list[t++];
    conv_b = &list[t++];
    if (batchnorm) {
      bn_w = &list[t++];
      bn_b = &list[t++];
    }
    w1 = &list[t++];
    b1 = &list[t++];
    w2 = &list[t++];
    b2 = &list[t++];
    w3 = &list[t++];
    b3 = &list[t++];
  }
};
using Params = Named<const std::vector<double>>;
using Grads = Named<std::vector<double>>;

double act(Activation a, double v) {
  return a == Activation::relu ? std::max(v, 0.0) : std::exp(v);
}
double slope(Activation a, double v) {
  return a == Activation::relu ? (v > 0 ? 1.0 : 0.0) : std::exp(v);
}

// What the forward keeps for the backward.
struct Forward {
  std::vector<double> conv, mean, invstd, norm, pooled, h1, h2, logits;
  std::vector<int> argmax;  // (N, F·W) conv position of each window's first maximum
};

void conv_forward(const Dims& d, const Params& w, const std::vector<double>& x, int n,
                  Forward& fw) {
  const int F = d.F, K = d.K, L = d.L, Lc = d.Lc, pad = d.pad;
  const auto& conv_w = *w.conv_w;
  const auto& conv_b = *w.conv_b;
  auto X = [&](int i, int ch, int pos) {
    return x[(static_cast<std::size_t>(i) * 4 + ch) * L + pos];
  };
  fw.conv.assign(static_cast<std::size_t>(n) * F * Lc, 0.0);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f)
      for (int j = 0; j < Lc; ++j) {
        double s = conv_b[f];
        for (int ch = 0; ch < 4; ++ch)
          for (int k = 0; k < K; ++k) {
            const int pos = j + k - pad;
            if (pos >= 0 && pos < L) s += conv_w[(f * 4 + ch) * K + k] * X(i, ch, pos);
          }
        fw.conv[d.idx(i, f, j)] = s;
      }
}

void batchnorm_forward(const ModelConfig& c, const Dims& d, const Params& w,
                       const ReferenceParams& p, int n, Mode mode, Forward& fw) {
  const int F = d.F, Lc = d.Lc;
  const auto& conv = fw.conv;
  auto idx = [&](int i, int f, int j) { return d.idx(i, f, j); };
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
          norm[idx(i, f, j)] =
              (conv[idx(i, f, j)] - mean[f]) * invstd[f] * (*w.bn_w)[f] + (*w.bn_b)[f];
    }
  }
  fw.mean = std::move(mean);
  fw.invstd = std::move(invstd);
  fw.norm = std::move(norm);
}

void pool_head_forward(const ModelConfig& c, const Dims& d, const Params& wt, int n, Forward& fw) {
  const int F = d.F, P = d.P, W = d.W, FW = d.FW, H1 = d.H1, H2 = d.H2;
  const auto& norm = fw.norm;
  const auto &w1 = *wt.w1, &b1 = *wt.b1, &w2 = *wt.w2, &b2 = *wt.b2, &w3 = *wt.w3, &b3 = *wt.b3;
  auto idx = [&](int i, int f, int j) { return d.idx(i, f, j); };
  std::vector<double> pooled(static_cast<std::size_t>(n) * FW),
      h1(static_cast<std::size_t>(n) * H1), h2(static_cast<std::size_t>(n) * H2), logits(n);
  std::vector<int> argmax(static_cast<std::size_t>(n) * FW);
  for (int i = 0; i < n; ++i) {
    for (int f = 0; f < F; ++f)
      for (int w = 0; w < W; ++w) {
        int best = w * P;
        for (int j = w * P + 1; j < (w + 1) * P; ++j)
          if (act(c.activation, norm[idx(i, f, j)]) > act(c.activation, norm[idx(i, f, best)]))
            best = j;
        pooled[static_cast<std::size_t>(i) * FW + f * W + w] =
            act(c.activation, norm[idx(i, f, best)]);
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
  fw.pooled = std::move(pooled);
  fw.h1 = std::move(h1);
  fw.h2 = std::move(h2);
  fw.logits = std::move(logits);
  fw.argmax = std::move(argmax);
}

// The head's gradients, and dy at the BatchNorm output (unpooled to each window's argmax).
std::vector<double> head_pool_backward(const ModelConfig& c, const Dims& dm, const Params& wt,
                                       const Forward& fw, int n, const std::vector<double>& dlogits,
                                       Grads& g) {
  const int F = dm.F, W = dm.W, FW = dm.FW, H1 = dm.H1, H2 = dm.H2;
  const auto &w1 = *wt.w1, &w2 = *wt.w2, &w3 = *wt.w3;
  const auto &pooled = fw.pooled, &h1 = fw.h1, &h2 = fw.h2, &norm = fw.norm;
  const auto& argmax = fw.argmax;
  auto &g_w1 = *g.w1, &g_b1 = *g.b1, &g_w2 = *g.w2, &g_b2 = *g.b2, &g_w3 = *g.w3, &g_b3 = *g.b3;
  auto idx = [&](int i, int f, int j) { return dm.idx(i, f, j); };
  std::vector<double> dnorm(norm.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    const double d = dlogits[i];
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
        dnorm[idx(i, f, j)] += dpool[f * W + w] * slope(c.activation, norm[idx(i, f, j)]);
      }
  }
  return dnorm;
}

// dy at the BatchNorm output → the gradient at the conv output, and BatchNorm's gradients.
std::vector<double> batchnorm_backward(const ModelConfig& c, const Dims& d, const Params& w,
                                       const Forward& fw, int n, Mode mode,
                                       const std::vector<double>& dnorm, Grads& g) {
  const int F = d.F, Lc = d.Lc;
  const auto &conv = fw.conv, &mean = fw.mean, &invstd = fw.invstd;
  auto idx = [&](int i, int f, int j) { return d.idx(i, f, j); };
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
      (*g.bn_w)[f] = sum_dy_xhat;
      (*g.bn_b)[f] = sum_dy;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < Lc; ++j) {
          const double xhat = (conv[idx(i, f, j)] - mean[f]) * invstd[f];
          const double dy = dnorm[idx(i, f, j)];
          dconv[idx(i, f, j)] = mode == Mode::train ? (*w.bn_w)[f] * invstd[f] *
                                                          (dy - sum_dy / m - xhat * sum_dy_xhat / m)
                                                    : (*w.bn_w)[f] * invstd[f] * dy;
        }
    }
  }
  return dconv;
}

// The conv's gradients, and the input's when dinput is not null.
void conv_backward(const Dims& dm, const Params& w, const std::vector<double>& x, int n,
                   const std::vector<double>& dconv, Grads& g, std::vector<double>* dinput) {
  const int F = dm.F, K = dm.K, L = dm.L, Lc = dm.Lc, pad = dm.pad;
  const auto& conv_w = *w.conv_w;
  auto &g_conv_w = *g.conv_w, &g_conv_b = *g.conv_b;
  auto X = [&](int i, int ch, int pos) {
    return x[(static_cast<std::size_t>(i) * 4 + ch) * L + pos];
  };
  if (dinput != nullptr) dinput->assign(x.size(), 0.0);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f)
      for (int j = 0; j < Lc; ++j) {
        const double d = dconv[dm.idx(i, f, j)];
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
}

}  // namespace

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
  const Dims d(c);
  const Params w(p.trainable, c.batchnorm);
  Forward fw;
  conv_forward(d, w, x, n, fw);
  batchnorm_forward(c, d, w, p, n, mode, fw);
  pool_head_forward(c, d, w, n, fw);
  if (dlogits == nullptr) return fw.logits;

  std::vector<std::vector<double>> g;
  for (const auto& tensor : p.trainable) g.emplace_back(tensor.size(), 0.0);
  Grads named(g, c.batchnorm);
  const std::vector<double> dnorm = head_pool_backward(c, d, w, fw, n, *dlogits, named);
  const std::vector<double> dconv = batchnorm_backward(c, d, w, fw, n, mode, dnorm, named);
  conv_backward(d, w, x, n, dconv, named, dinput);
  if (grads != nullptr) *grads = std::move(g);
  return fw.logits;
}

}  // namespace mint

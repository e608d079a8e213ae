// The float64 reference of DeepLIFT (deeplift.hpp: deeplift_reference): the literal
// composition of the per-module rules — forward rows of x and of the zero reference, the dense
// MaxPool quantities U and G and the multipliers over every conv position — the test oracle of
// the sparse float32 evaluation in deeplift.cpp.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "core/error.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/deeplift/deeplift_check.hpp"
#include "ops/deeplift/deeplift_core.hpp"

namespace mint {
namespace {

using deeplift_core::sigmoid;

// Forward activations of one row, (F, Lc) layout as PyTorch.
struct RefForward {
  std::vector<double> b, a;    // relu1 input and output (F, Lc)
  std::vector<int> argmax;     // (F·W)
  std::vector<double> o;       // pooled (F·W)
  std::vector<double> h1, h2;  // pre-activations
  double f = 0;
};

RefForward ref_forward(const ModelConfig& c, const ModelParams& p, const double* x) {
  const int F = c.filters, K = c.width, L = c.length, Lc = c.conv_length(), pad = c.pad_left();
  const int P = c.pool, W = c.pooled_length(), FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  RefForward r;
  r.b.resize(static_cast<std::size_t>(F) * Lc);
  for (int f = 0; f < F; ++f) {
    for (int j = 0; j < Lc; ++j) {
      double s = p.conv_bias[f];
      for (int ch = 0; ch < 4; ++ch)
        for (int k = 0; k < K; ++k) {
          const int pos = j + k - pad;
          if (pos >= 0 && pos < L)
            s += static_cast<double>(p.conv_weight[(f * 4 + ch) * K + k]) * x[ch * L + pos];
        }
      if (c.batchnorm) {
        s = (s - p.bn_running_mean[f]) /
                std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps) * p.bn_weight[f] +
            p.bn_bias[f];
      }
      r.b[static_cast<std::size_t>(f) * Lc + j] = s;
    }
  }
  r.a.resize(r.b.size());
  for (std::size_t i = 0; i < r.b.size(); ++i) r.a[i] = std::max(r.b[i], 0.0);
  r.argmax.resize(FW);
  r.o.resize(FW);
  for (int f = 0; f < F; ++f)
    for (int w = 0; w < W; ++w) {
      const double* a = r.a.data() + static_cast<std::size_t>(f) * Lc;
      int best = w * P;
      for (int j = w * P + 1; j < (w + 1) * P; ++j)
        if (a[j] > a[best]) best = j;
      r.argmax[f * W + w] = best;
      r.o[f * W + w] = a[best];
    }
  r.h1.resize(H1);
  r.h2.resize(H2);
  for (int o = 0; o < H1; ++o) {
    double s = p.fc1_bias[o];
    for (int q = 0; q < FW; ++q)
      s += static_cast<double>(p.fc1_weight[static_cast<std::size_t>(o) * FW + q]) * r.o[q];
    r.h1[o] = s;
  }
  for (int o = 0; o < H2; ++o) {
    double s = p.fc2_bias[o];
    for (int q = 0; q < H1; ++q)
      s += static_cast<double>(p.fc2_weight[o * H1 + q]) * std::max(r.h1[q], 0.0);
    r.h2[o] = s;
  }
  r.f = p.fc3_bias[0];
  for (int q = 0; q < H2; ++q) r.f += static_cast<double>(p.fc3_weight[q]) * std::max(r.h2[q], 0.0);
  return r;
}

// The ReLU rule on every element: m = g·Δout/Δin where |Δin| ≥ eps, else the plain gradient.
double relu_rule(double g, double v_x, double v_r) {
  const double d_in = v_x - v_r, d_out = std::max(v_x, 0.0) - std::max(v_r, 0.0);
  return std::abs(d_in) < kDeepLiftEps ? (v_x > 0 ? g : 0.0) : g * d_out / d_in;
}

}  // namespace

std::vector<double> deeplift_reference(const ModelConfig& c, const ModelParams& p,
                                       const std::vector<double>& x, int n, DeepLiftCompat compat,
                                       Target target) {
  check_deeplift_model(c, p);
  const int F = c.filters, K = c.width, L = c.length, Lc = c.conv_length(), pad = c.pad_left();
  const int W = c.pooled_length(), FW = c.fc1_inputs(), H1 = c.hidden1, H2 = c.hidden2;
  if (n < 0 || x.size() != static_cast<std::size_t>(n) * 4 * L) {
    throw Error("deeplift_reference: x must hold n·4·L values");
  }
  const std::vector<double> zeros(static_cast<std::size_t>(4) * L, 0.0);
  const RefForward ref = ref_forward(c, p, zeros.data());
  std::vector<double> out(x.size(), 0.0);
  std::vector<double> G0;  // compat: sequence 0's plain max-pool gradient (F, Lc)
  for (int i = 0; i < n; ++i) {
    const double* xi = x.data() + static_cast<std::size_t>(i) * 4 * L;
    const RefForward fx = ref_forward(c, p, xi);
    // Final Sigmoid (Target::prob): its rescale multiplier.
    double top = 1.0;
    if (target == Target::prob) {
      const double d = fx.f - ref.f;
      top = std::abs(d) < kDeepLiftEps ? sigmoid(fx.f) * (1 - sigmoid(fx.f))
                                       : (sigmoid(fx.f) - sigmoid(ref.f)) / d;
    }
    std::vector<double> m_h2(H2), g_a1(H1, 0.0), m_h1(H1), g_p(FW, 0.0);
    for (int o = 0; o < H2; ++o) m_h2[o] = relu_rule(top * p.fc3_weight[o], fx.h2[o], ref.h2[o]);
    for (int o = 0; o < H2; ++o)
      for (int q = 0; q < H1; ++q) g_a1[q] += m_h2[o] * p.fc2_weight[o * H1 + q];
    for (int q = 0; q < H1; ++q) m_h1[q] = relu_rule(g_a1[q], fx.h1[q], ref.h1[q]);
    for (int o = 0; o < H1; ++o)
      for (int q = 0; q < FW; ++q)
        g_p[q] += m_h1[o] * p.fc1_weight[static_cast<std::size_t>(o) * FW + q];
    // MaxPool rule: U, and the plain gradient G, over every conv position.
    std::vector<double> U(static_cast<std::size_t>(F) * Lc, 0.0), G(U.size(), 0.0);
    for (int f = 0; f < F; ++f)
      for (int w = 0; w < W; ++w) {
        const int q = f * W + w;
        const double M = std::max(fx.o[q], ref.o[q]);
        U[static_cast<std::size_t>(f) * Lc + fx.argmax[q]] += g_p[q] * (M - ref.o[q]);
        U[static_cast<std::size_t>(f) * Lc + ref.argmax[q]] += g_p[q] * (fx.o[q] - M);
        G[static_cast<std::size_t>(f) * Lc + fx.argmax[q]] += g_p[q];
      }
    if (i == 0) G0 = G;
    const std::vector<double>& fallback = compat == DeepLiftCompat::captum_0_8 ? G0 : G;
    // MaxPool rule's multipliers, relu1's rule, BN, then the transposed conv.
    std::vector<double> m_c(U.size());
    for (int f = 0; f < F; ++f) {
      const double bn =
          c.batchnorm
              ? p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps)
              : 1.0;
      for (int j = 0; j < Lc; ++j) {
        const std::size_t k = static_cast<std::size_t>(f) * Lc + j;
        const double d_a = fx.a[k] - ref.a[k], d_b = fx.b[k] - ref.b[k];
        const double m_pool = std::abs(d_a) < kDeepLiftEps ? fallback[k] : U[k] / d_a;
        const double upstream = compat == DeepLiftCompat::captum_0_8 ? G[k] : m_pool;
        const double m1 =
            std::abs(d_b) < kDeepLiftEps ? (fx.b[k] > 0 ? m_pool : 0.0) : upstream * d_a / d_b;
        m_c[k] = m1 * bn;
      }
    }
    double* o = out.data() + static_cast<std::size_t>(i) * 4 * L;
    for (int f = 0; f < F; ++f)
      for (int j = 0; j < Lc; ++j) {
        const double mc = m_c[static_cast<std::size_t>(f) * Lc + j];
        if (mc == 0.0) continue;
        for (int ch = 0; ch < 4; ++ch)
          for (int k = 0; k < K; ++k) {
            const int pos = j + k - pad;
            if (pos >= 0 && pos < L)
              o[ch * L + pos] += static_cast<double>(p.conv_weight[(f * 4 + ch) * K + k]) * mc;
          }
      }
    for (int k = 0; k < 4 * L; ++k) o[k] *= xi[k];
  }
  return out;
}

}  // namespace mint

// DeepLIFT (rescale rule, zero reference) on the CPU backend; see deeplift.hpp and
// reference-semantics.md §4.
//
// deeplift(): per sequence, one thread, scratch reused across sequences. The filter is the
// innermost index of every per-position array (Fp = F rounded up to 8, padded lanes 0), so the
// per-element phases run on 8 filters at once (Float8, ops/common/simd.hpp):
//   1. conv: Δb = bn_scale·(scale·s), s the conv sum without bias (a gather of filter columns for
//      codes), at every pooled position, (Lc, Fp); two positions at a time, so their sums'
//      dependency chains overlap;
//   2. max-pool per (window, 8 filters): the first argmax i_x of b_x = b_r + Δb, Δb there and
//      Δo = a_x(i_x) − a_r, (W, Fp);
//   3. dense head on deltas: Δh1 = W1·Δo over the non-zero Δo, register-blocked over H1;
//      h1_x = h1_r + Δh1, ... Δf;
//   4. multipliers back: relu3, fc2, relu2, then fc1 over the non-zero m_h1, register-blocked
//      over the pooled outputs → g_p (W, Fp);
//   5. MaxPool rule + relu1 rule, evaluated only where they can be non-zero, 8 filters at once:
//      the input's argmax, the window start (the reference's argmax) and, in compat mode,
//      sequence 0's argmax (its fallback) → conv multipliers m_c (Lc, Fp), ×bn_scale;
//   6. input multipliers by the transposed conv, only at the observed base for codes, two
//      positions at a time.
// Each phase is one function below, called in this order by attribute_one. Vectorised, the
// arithmetic is that of plain loops over the filters (the order deeplift.cu mirrors): each conv
// sum in tap order, each Δh1[o] and g_p[q] one multiply-add chain over the non-zero terms in
// ascending q resp. o, the rules lane by lane — relu_delta8 and rescale8 below are
// deeplift_core.hpp's relu_delta and rescale (shared with deeplift.cu) on Float8 lanes.
// The reference (zero input) is position-independent: b_r per filter and the dense head at the
// reference are computed once per call (in float64, then rounded).
//
// deeplift_reference() (the float64 test oracle) is deeplift_reference.cpp.
#include "ops/deeplift/deeplift.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "ops/common/simd.hpp"
#include "ops/deeplift/deeplift_check.hpp"
#include "ops/deeplift/deeplift_core.hpp"

namespace mint {

DeepLiftCompat parse_deeplift_compat(const std::string& name) {
  if (name == "none") return DeepLiftCompat::none;
  if (name == "captum-0.8") return DeepLiftCompat::captum_0_8;
  throw Error("unknown DeepLift compatibility mode '" + name + "' (choose none or captum-0.8)");
}

const char* deeplift_compat_name(DeepLiftCompat compat) {
  return compat == DeepLiftCompat::captum_0_8 ? "captum-0.8" : "none";
}

namespace {

using deeplift_core::relu_delta;
using deeplift_core::rescale;
using deeplift_core::sigmoid_factor;

// deeplift_core's rules lane by lane: the same comparisons and the same float operations.
inline Float8 abs8(Float8 v) {
  return reinterpret_cast<Float8>(reinterpret_cast<Int8>(v) & 0x7fffffff);
}
inline Float8 relu_delta8(Float8 v_x, Float8 v_r, Float8 delta_in) {
  const Float8 zero{};
  return v_x > zero ? (v_r > zero ? delta_in : v_x) : (v_r > zero ? -v_r : zero);
}
inline Float8 rescale8(Float8 g, Float8 delta_out, Float8 delta_in, Float8 fallback, float eps) {
  return abs8(delta_in) < splat8(eps) ? fallback : g * delta_out / delta_in;
}

// Everything about the model and the reference that is shared by all sequences of a call.
struct Prepared {
  int F = 0, Fp = 0, K = 0, L = 0, Lc = 0, pad = 0, P = 0, W = 0, FW = 0, H1 = 0, H1p = 0, H2 = 0;
  std::vector<float> wt;          // (K, 4, Fp) transposed conv weight, zero padded
  std::vector<float> bn_scale;    // (Fp) weight/sqrt(var + eps); 1 without BatchNorm; 0 padded
  std::vector<float> b_r;         // (Fp) reference relu1 input
  std::vector<float> w1t;         // (F·W, H1p) fc1 weight transposed, rows q = f·W + w
  std::vector<float> w1p;         // (H1, W·Fp) fc1 weight, columns by (window, filter)
  std::vector<float> h1_r, h2_r;  // reference pre-activations (H1), (H2)
  double f_r = 0;                 // reference logit
};

Prepared prepare(const ModelConfig& c, const ModelParams& p) {
  Prepared m;
  m.F = c.filters;
  m.Fp = (m.F + 7) / 8 * 8;
  m.K = c.width;
  m.L = c.length;
  m.Lc = c.conv_length();
  m.pad = c.pad_left();
  m.P = c.pool;
  m.W = c.pooled_length();
  m.FW = c.fc1_inputs();
  m.H1 = c.hidden1;
  m.H1p = (m.H1 + 7) / 8 * 8;
  m.H2 = c.hidden2;
  const auto Fp = static_cast<std::size_t>(m.Fp), W = static_cast<std::size_t>(m.W);
  const auto FW = static_cast<std::size_t>(m.FW), H1p = static_cast<std::size_t>(m.H1p);
  m.wt.assign(static_cast<std::size_t>(m.K) * 4 * Fp, 0.0f);
  for (int f = 0; f < m.F; ++f)
    for (int ch = 0; ch < 4; ++ch)
      for (int k = 0; k < m.K; ++k)
        m.wt[(static_cast<std::size_t>(k) * 4 + ch) * Fp + f] =
            p.conv_weight[(f * 4 + ch) * m.K + k];
  m.bn_scale.assign(Fp, 0.0f);
  m.b_r.assign(Fp, 0.0f);
  std::vector<double> a_r(m.F);
  for (int f = 0; f < m.F; ++f) {
    double b = p.conv_bias[f];  // the conv of a zero input is its bias at every position
    m.bn_scale[f] = 1.0f;
    if (c.batchnorm) {
      const double scale =
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps);
      m.bn_scale[f] = static_cast<float>(scale);
      b = (b - p.bn_running_mean[f]) * scale + p.bn_bias[f];
    }
    m.b_r[f] = static_cast<float>(b);
    a_r[f] = std::max(b, 0.0);
  }
  m.w1t.assign(FW * H1p, 0.0f);
  m.w1p.assign(static_cast<std::size_t>(m.H1) * W * Fp, 0.0f);
  for (std::size_t o = 0; o < static_cast<std::size_t>(m.H1); ++o)
    for (std::size_t q = 0; q < FW; ++q) {
      const float w = p.fc1_weight[o * FW + q];
      m.w1t[q * H1p + o] = w;
      m.w1p[(o * W + q % W) * Fp + q / W] = w;
    }
  // The dense head at the reference, in float64.
  std::vector<double> h1(m.H1), h2(m.H2);
  for (int o = 0; o < m.H1; ++o) {
    double s = p.fc1_bias[o];
    for (int q = 0; q < m.FW; ++q)
      s += p.fc1_weight[static_cast<std::size_t>(o) * m.FW + q] * a_r[q / m.W];
    h1[o] = s;
  }
  for (int o = 0; o < m.H2; ++o) {
    double s = p.fc2_bias[o];
    for (int q = 0; q < m.H1; ++q) s += p.fc2_weight[o * m.H1 + q] * std::max(h1[q], 0.0);
    h2[o] = s;
  }
  double f = p.fc3_bias[0];
  for (int q = 0; q < m.H2; ++q) f += p.fc3_weight[q] * std::max(h2[q], 0.0);
  m.h1_r.assign(h1.begin(), h1.end());
  m.h2_r.assign(h2.begin(), h2.end());
  m.f_r = f;
  return m;
}

// One sequence's input: codes (L) with its row scale, or dense (4, L).
struct Input {
  const std::uint8_t* codes = nullptr;
  float scale = 1.0f;
  const float* dense = nullptr;
};

// Per-thread scratch, sized once. (W, Fp) arrays: index w·Fp + f.
struct Scratch {
  std::vector<float> d_b;                     // (Lc, Fp) relu1 input delta Δb from the reference
  std::vector<int> argmax;                    // (W, Fp) first argmax i_x (conv position)
  std::vector<float> d_x, d_o;                // (W, Fp) Δb at i_x; pooled delta o_x − o_r
  std::vector<int> nz_q;                      // (F·W) fc1 inputs q with Δo ≠ 0, ascending
  std::vector<float> nz_d;                    // (F·W) their Δo
  std::vector<float> d_h1;                    // (H1p)
  std::vector<float> d_a1, h1_x;              // (H1)
  std::vector<int> nz_o;                      // (H1) fc1 outputs o with m_h1 ≠ 0, ascending
  std::vector<float> nz_m;                    // (H1) their m_h1
  std::vector<float> d_h2, d_a2, m_h2, h2_x;  // (H2)
  std::vector<float> g_a1;                    // (H1) multiplier of relu2's output
  std::vector<float> g_p;                     // (W, Fp) multiplier of the pooled outputs
  std::vector<float> m_c;                     // (Lc, Fp) conv-output multipliers

  explicit Scratch(const Prepared& m)
      : d_b(static_cast<std::size_t>(m.Lc) * m.Fp),
        argmax(static_cast<std::size_t>(m.W) * m.Fp),
        d_x(argmax.size()),
        d_o(argmax.size()),
        nz_q(m.FW),
        nz_d(m.FW),
        d_h1(m.H1p),
        d_a1(m.H1),
        h1_x(m.H1),
        nz_o(m.H1),
        nz_m(m.H1),
        d_h2(m.H2),
        d_a2(m.H2),
        m_h2(m.H2),
        h2_x(m.H2),
        g_a1(m.H1),
        g_p(argmax.size()),
        m_c(static_cast<std::size_t>(m.Lc) * m.Fp) {}
};

// Sequence 0's plain max-pool gradient, for the compat mode's fallback (issue #1276).
struct RowZero {
  const int* argmax = nullptr;  // (W, Fp)
  const float* g_p = nullptr;   // (W, Fp)
};

// Δb rows of filters [f0, f0 + 8V) at the NJ positions j0, j0 + 1, ..., whose taps inside the
// sequence are all [k_begin, k_end): each conv sum in tap order (for dense input, channel order
// within a tap), the V·NJ accumulators in registers.
template <int V, int NJ>
inline void conv_rows(const Prepared& m, const Input& x, int j0, int k_begin, int k_end, int f0,
                      float* __restrict d_b) {
  const int Fp = m.Fp, L = m.L, pad = m.pad;
  const float* __restrict wt = m.wt.data() + f0;
  Float8 acc[NJ][V];
#pragma GCC unroll 8
  for (int t = 0; t < NJ; ++t)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[t][v] = Float8{};
  for (int k = k_begin; k < k_end; ++k) {
#pragma GCC unroll 8
    for (int t = 0; t < NJ; ++t) {
      const int pos = j0 + t + k - pad;
      if (x.codes != nullptr) {
        const float* w = wt + (static_cast<std::size_t>(k) * 4 + x.codes[pos]) * Fp;
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[t][v] += load8(w + 8 * v);
      } else {
        for (int ch = 0; ch < 4; ++ch) {
          const float xv = x.dense[ch * L + pos];
          const float* w = wt + (static_cast<std::size_t>(k) * 4 + ch) * Fp;
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) acc[t][v] += xv * load8(w + 8 * v);
        }
      }
    }
  }
  const Float8 scale = splat8(x.scale);
#pragma GCC unroll 8
  for (int t = 0; t < NJ; ++t)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const Float8 bn = load8(m.bn_scale.data() + f0 + 8 * v);
      store8(d_b + static_cast<std::size_t>(j0 + t) * Fp + f0 + 8 * v, bn * (scale * acc[t][v]));
    }
}

// 1. conv deltas Δb of filters [f0, f0 + 8V) at the pooled positions [0, W·P).
template <int V>
void conv_deltas_block(const Prepared& m, const Input& x, int f0, Scratch& s) {
  const int K = m.K, L = m.L, pad = m.pad, end = m.W * m.P;
  // Positions whose taps all lie inside the sequence: [pad, L + pad − K].
  const int inner_begin = std::min(pad, end),
            inner_end = std::max(inner_begin, std::min(end, L + pad - K + 1));
  auto single = [&](int j) {
    conv_rows<V, 1>(m, x, j, std::max(0, pad - j), std::min(K, L + pad - j), f0, s.d_b.data());
  };
  for (int j = 0; j < inner_begin; ++j) single(j);
  int j = inner_begin;
  for (; j + 2 <= inner_end; j += 2) conv_rows<V, 2>(m, x, j, 0, K, f0, s.d_b.data());
  for (; j < end; ++j) single(j);
}

void conv_deltas(const Prepared& m, const Input& x, Scratch& s) {
  int f0 = 0;
  for (; f0 + 32 <= m.Fp; f0 += 32) conv_deltas_block<4>(m, x, f0, s);
  for (; f0 < m.Fp; f0 += 8) conv_deltas_block<1>(m, x, f0, s);
}

// 2. max-pool: the first argmax i_x of b_x per (window, filter) (the window start when all are
//    ≤ 0), Δb there and Δo.
void max_pool(const Prepared& m, Scratch& s) {
  const int Fp = m.Fp, P = m.P, W = m.W;
  for (int w = 0; w < W; ++w) {
    const int start = w * P;
    for (int f0 = 0; f0 < Fp; f0 += 8) {
      const Float8 b_r = load8(m.b_r.data() + f0);
      const float* d_b = s.d_b.data() + f0;
      const Float8 d_start = load8(d_b + static_cast<std::size_t>(start) * Fp);
      Float8 best = b_r + d_start, best_d = d_start;
      Int8 at = splat8i(start);
      for (int j = start + 1; j < start + P; ++j) {
        const Float8 d = load8(d_b + static_cast<std::size_t>(j) * Fp);
        const Float8 b = b_r + d;
        const Int8 higher = b > best;
        best = higher ? b : best;
        best_d = higher ? d : best_d;
        at = higher ? splat8i(j) : at;
      }
      const Int8 active = best > Float8{};
      const Float8 d_x = active ? best_d : d_start;
      const std::size_t q = static_cast<std::size_t>(w) * Fp + f0;
      store8i(s.argmax.data() + q, active ? at : splat8i(start));
      store8(s.d_x.data() + q, d_x);
      store8(s.d_o.data() + q, relu_delta8(b_r + d_x, b_r, d_x));
    }
  }
}

// Δh1 of outputs [o0, o0 + 8V): one multiply-add chain per output over the non-zero Δo, in
// ascending q.
template <int V>
inline void fc1_forward_block(const Prepared& m, const Scratch& s, int count, int o0, float* d_h1) {
  Float8 acc[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) acc[v] = Float8{};
  const float* w1t = m.w1t.data() + o0;
  for (int i = 0; i < count; ++i) {
    const Float8 d = splat8(s.nz_d[i]);
    const float* w = w1t + static_cast<std::size_t>(s.nz_q[i]) * m.H1p;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[v] += d * load8(w + 8 * v);
  }
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) store8(d_h1 + o0 + 8 * v, acc[v]);
}

// 3. the dense head, as reference + delta; returns Δf = f(x) − f(0).
float dense_head(const Prepared& m, const ModelParams& p, Scratch& s) {
  const int F = m.F, Fp = m.Fp, W = m.W, H1 = m.H1, H2 = m.H2;
  // The non-zero Δo in PyTorch's order q = f·W + w (branch-free).
  int count = 0;
  for (int f = 0; f < F; ++f)
    for (int w = 0; w < W; ++w) {
      const float d = s.d_o[static_cast<std::size_t>(w) * Fp + f];
      s.nz_q[count] = f * W + w;
      s.nz_d[count] = d;
      count += d != 0.0f;
    }
  int o0 = 0;
  for (; o0 + 64 <= m.H1p; o0 += 64) fc1_forward_block<8>(m, s, count, o0, s.d_h1.data());
  for (; o0 < m.H1p; o0 += 8) fc1_forward_block<1>(m, s, count, o0, s.d_h1.data());
  for (int o = 0; o < H1; ++o) {
    s.h1_x[o] = m.h1_r[o] + s.d_h1[o];
    s.d_a1[o] = relu_delta(s.h1_x[o], m.h1_r[o], s.d_h1[o]);
  }
  float d_f = 0.0f;
  for (int o = 0; o < H2; ++o) {
    const float* w = p.fc2_weight.data() + static_cast<std::size_t>(o) * H1;
    const float* d_a1 = s.d_a1.data();
    float d = 0.0f;
#pragma omp simd reduction(+ : d)
    for (int q = 0; q < H1; ++q) d += w[q] * d_a1[q];
    s.d_h2[o] = d;
    s.h2_x[o] = m.h2_r[o] + d;
    s.d_a2[o] = relu_delta(s.h2_x[o], m.h2_r[o], d);
    d_f += p.fc3_weight[o] * s.d_a2[o];
  }
  return d_f;
}

// g_p of the pooled outputs [c0, c0 + 8V) in (W, Fp) order: one multiply-add chain per output
// over the non-zero m_h1, in ascending o.
template <int V>
inline void fc1_backward_block(const Prepared& m, int count, const int* nz_o, const float* nz_m,
                               int c0, float* g_p) {
  const std::size_t stride = static_cast<std::size_t>(m.W) * m.Fp;
  Float8 acc[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) acc[v] = Float8{};
  const float* w1p = m.w1p.data() + c0;
  for (int i = 0; i < count; ++i) {
    const Float8 g = splat8(nz_m[i]);
    const float* w = w1p + static_cast<std::size_t>(nz_o[i]) * stride;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[v] += g * load8(w + 8 * v);
  }
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) store8(g_p + c0 + 8 * v, acc[v]);
}

// 4. multipliers back from the logit (× the sigmoid factor for Target::prob) through relu3,
//    fc2, relu2 and fc1 to the pooled outputs, g_p.
void pooled_multipliers(const Prepared& m, const ModelParams& p, float d_f, Target target,
                        Scratch& s) {
  const int H1 = m.H1, H2 = m.H2, WFp = m.W * m.Fp;
  const float eps = static_cast<float>(kDeepLiftEps);
  const float top =
      target == Target::prob
          ? static_cast<float>(sigmoid_factor(m.f_r, static_cast<double>(d_f), kDeepLiftEps))
          : 1.0f;
  for (int o = 0; o < H2; ++o) {
    const float g = top * p.fc3_weight[o];
    s.m_h2[o] = rescale(g, s.d_a2[o], s.d_h2[o], s.h2_x[o] > 0.0f ? g : 0.0f, eps);
  }
  std::fill(s.g_a1.begin(), s.g_a1.end(), 0.0f);
  for (int o = 0; o < H2; ++o) {
    const float g = s.m_h2[o];
    if (g == 0.0f) continue;
    const float* w = p.fc2_weight.data() + static_cast<std::size_t>(o) * H1;
    float* g_a1 = s.g_a1.data();
#pragma omp simd
    for (int q = 0; q < H1; ++q) g_a1[q] += g * w[q];
  }
  int count = 0;
  for (int o = 0; o < H1; ++o) {
    const float g = s.g_a1[o];
    const float m_h1 = rescale(g, s.d_a1[o], s.d_h1[o], s.h1_x[o] > 0.0f ? g : 0.0f, eps);
    s.nz_o[count] = o;
    s.nz_m[count] = m_h1;
    count += m_h1 != 0.0f;
  }
  int c0 = 0;
  for (; c0 + 64 <= WFp; c0 += 64)
    fc1_backward_block<8>(m, count, s.nz_o.data(), s.nz_m.data(), c0, s.g_p.data());
  for (; c0 < WFp; c0 += 8)
    fc1_backward_block<1>(m, count, s.nz_o.data(), s.nz_m.data(), c0, s.g_p.data());
}

// The MaxPool rule and then relu1's rule at conv position j (8 filters), given the window's U
// there (u), the plain max-pool gradient G there (grad), the MaxPool rule's fallback and Δb;
// returns m_c = m1·bn_scale.
inline Float8 conv_multiplier8(Float8 u, Float8 grad, Float8 fallback, Float8 d_b, Float8 b_r,
                               Float8 bn_scale, bool old) {
  const float eps = static_cast<float>(kDeepLiftEps);
  const Float8 b_x = b_r + d_b;
  const Float8 d_a = relu_delta8(b_x, b_r, d_b);
  const Float8 m_pool = rescale8(splat8(1.0f), u, d_a, fallback, eps);
  const Float8 upstream = old ? grad : m_pool;  // issue #1104: the plain gradient
  const Float8 m1 = rescale8(upstream, d_a, d_b, b_x > Float8{} ? m_pool : Float8{}, eps);
  return m1 * bn_scale;
}

// 5. MaxPool rule, then relu1's rule, at the only positions where either can be non-zero —
//    i_x, the window start and (compat) sequence 0's argmax — into the conv multipliers m_c.
//    Each candidate's value depends only on its position, so where two coincide they write the
//    same value.
void conv_multipliers(const Prepared& m, DeepLiftCompat compat, const RowZero* row0, Scratch& s) {
  const int F = m.F, Fp = m.Fp, P = m.P, W = m.W;
  const bool old = compat == DeepLiftCompat::captum_0_8;
  std::fill(s.m_c.begin(), s.m_c.end(), 0.0f);
  const RowZero own{s.argmax.data(), s.g_p.data()};
  const RowZero& zero = row0 != nullptr ? *row0 : own;
  const Float8 zero8{};
  for (int w = 0; w < W; ++w) {
    const int start = w * P;
    const Int8 start8 = splat8i(start);
    for (int f0 = 0; f0 < Fp; f0 += 8) {
      const std::size_t q = static_cast<std::size_t>(w) * Fp + f0;
      const Int8 i_x = load8i(s.argmax.data() + q), z = load8i(zero.argmax + q);
      const Float8 g = load8(s.g_p.data() + q), d_o = load8(s.d_o.data() + q);
      const Float8 z_g = load8(zero.g_p + q);
      const Float8 b_r = load8(m.b_r.data() + f0), bn = load8(m.bn_scale.data() + f0);
      const Int8 same = i_x == start8;
      // U: g·(M − o_r) at i_x, g·(o_x − M) at the window start (the reference's argmax).
      const Float8 up = g * max8(d_o, zero8), down = g * (zero8 < d_o ? zero8 : d_o);
      // At the window start.
      const Float8 d_start = load8(s.d_b.data() + static_cast<std::size_t>(start) * Fp + f0);
      const Float8 grad_s = same ? g : zero8;
      const Float8 m_s =
          conv_multiplier8((same ? up : zero8) + down, grad_s,
                           old ? (start8 == z ? z_g : zero8) : grad_s, d_start, b_r, bn, old);
      store8(s.m_c.data() + static_cast<std::size_t>(start) * Fp + f0, m_s);
      // At i_x.
      const Float8 m_x =
          conv_multiplier8(up + (same ? down : zero8), g, old ? (i_x == z ? z_g : zero8) : g,
                           load8(s.d_x.data() + q), b_r, bn, old);
      const int lanes = std::min(8, F - f0);
      for (int l = 0; l < lanes; ++l)
        s.m_c[static_cast<std::size_t>(i_x[l]) * Fp + f0 + l] = m_x[l];
      if (!old) continue;
      // At sequence 0's argmax (compat): its fallback is sequence 0's gradient.
      Float8 d_z{};
      for (int l = 0; l < 8; ++l) d_z[l] = s.d_b[static_cast<std::size_t>(z[l]) * Fp + f0 + l];
      const Float8 m_z = conv_multiplier8((z == i_x ? up : zero8) + (z == start8 ? down : zero8),
                                          z == i_x ? g : zero8, z_g, d_z, b_r, bn, old);
      for (int l = 0; l < lanes; ++l) s.m_c[static_cast<std::size_t>(z[l]) * Fp + f0 + l] = m_z[l];
    }
  }
}

// The pairwise sum of the lanes of four accumulators.
inline float lane_sum(const Float8 (&t)[4]) {
  const Float8 total = (t[0] + t[1]) + (t[2] + t[3]);
  return ((total[0] + total[1]) + (total[2] + total[3])) +
         ((total[4] + total[5]) + (total[6] + total[7]));
}

// Σ_k Σ_f W[f, ch, k]·m_c[f, p + pad − k] over the taps [k_begin, k_end): four accumulators over
// the 32-filter blocks (a remaining 8-block adds to the first), taps ascending, then lane_sum.
// FP = Fp where it is one of the common widths (the filter loops then unroll), else 0.
template <int FP>
inline float transposed_conv(const Prepared& m, const float* m_c, int pos, int ch, int k_begin,
                             int k_end) {
  const int Fp = FP > 0 ? FP : m.Fp;
  Float8 t[4] = {};
  for (int k = k_begin; k < k_end; ++k) {
    const float* mc = m_c + static_cast<std::size_t>(pos + m.pad - k) * Fp;
    const float* w = m.wt.data() + (static_cast<std::size_t>(k) * 4 + ch) * Fp;
    int f = 0;
    for (; f + 32 <= Fp; f += 32) {
#pragma GCC unroll 8
      for (int a = 0; a < 4; ++a) t[a] += load8(mc + f + 8 * a) * load8(w + f + 8 * a);
    }
    for (; f < Fp; f += 8) t[0] += load8(mc + f) * load8(w + f);
  }
  return lane_sum(t);
}

// Keeps v in a register: GCC would otherwise fold its load into each of its two uses (twice the
// loads, and loads are what the transposed conv is bound by).
inline void in_register(Float8& v) {
#if defined(__AVX__)
  __asm__("" : "+x"(v));
#else
  (void)v;
#endif
}

// One m_c row (mc) into the four accumulators of position 0 (weight row w0, if A) and of
// position 1 (w1, if B) of a pair: the row is loaded once for both.
template <bool A, bool B>
inline void pair_row(int Fp, const float* mc, const float* w0, const float* w1, Float8 (&t0)[4],
                     Float8 (&t1)[4]) {
  int f = 0;
  for (; f + 32 <= Fp; f += 32) {
#pragma GCC unroll 8
    for (int a = 0; a < 4; ++a) {
      Float8 x = load8(mc + f + 8 * a);
      in_register(x);
      if (A) t0[a] += x * load8(w0 + f + 8 * a);
      if (B) t1[a] += x * load8(w1 + f + 8 * a);
    }
  }
  for (; f < Fp; f += 8) {
    const Float8 x = load8(mc + f);
    if (A) t0[0] += x * load8(w0 + f);
    if (B) t1[0] += x * load8(w1 + f);
  }
}

// transposed_conv of two positions with all K taps (the same sums, taps ascending for
// each): row pos0 + pad + d of m_c is tap −d of position 0 and tap 1 − d of position 1.
template <int FP>
inline void transposed_conv_pair(const Prepared& m, const float* m_c, int pos0, int ch0, int ch1,
                                 float* sums) {
  const int Fp = FP > 0 ? FP : m.Fp, K = m.K;
  const std::size_t tap = static_cast<std::size_t>(4) * Fp;
  const float* w0 = m.wt.data() + static_cast<std::size_t>(ch0) * Fp;
  const float* w1 = m.wt.data() + static_cast<std::size_t>(ch1) * Fp;
  const float* mc = m_c + static_cast<std::size_t>(pos0 + m.pad + 1) * Fp;  // d = 1
  Float8 t0[4] = {}, t1[4] = {};
  pair_row<false, true>(Fp, mc, w0, w1, t0, t1);
  for (int k = 0; k + 1 < K; ++k) {
    mc -= Fp;
    pair_row<true, true>(Fp, mc, w0 + k * tap, w1 + (k + 1) * tap, t0, t1);
  }
  pair_row<true, false>(Fp, mc - Fp, w0 + (K - 1) * tap, w1, t0, t1);
  sums[0] = lane_sum(t0);
  sums[1] = lane_sum(t1);
}

// m_x at the observed base of codes input (FP as transposed_conv's).
template <int FP>
void input_multipliers_codes(const Prepared& m, const Input& x, const float* m_c, float* out) {
  const int K = m.K, L = m.L, Lc = m.Lc, pad = m.pad;
  auto single = [&](int pos) {
    const int ch = x.codes[pos];
    out[ch * L + pos] =
        x.scale * transposed_conv<FP>(m, m_c, pos, ch, std::max(0, pos + pad - Lc + 1),
                                      std::min(K, pos + pad + 1));
  };
  // Positions p with all K taps on conv positions: [K − 1 − pad, Lc − 1 − pad], two at a time.
  const int inner_begin = std::min(L, std::max(0, K - 1 - pad));
  const int inner_end = std::max(inner_begin, std::min(L, Lc - pad));
  for (int pos = 0; pos < inner_begin; ++pos) single(pos);
  int pos = inner_begin;
  for (; pos + 2 <= inner_end; pos += 2) {
    const int ch[2] = {x.codes[pos], x.codes[pos + 1]};
    float sums[2];
    transposed_conv_pair<FP>(m, m_c, pos, ch[0], ch[1], sums);
    out[ch[0] * L + pos] = x.scale * sums[0];
    out[ch[1] * L + pos + 1] = x.scale * sums[1];
  }
  for (; pos < L; ++pos) single(pos);
}

// 6. input multipliers, m_x[ch, p] = Σ_k Σ_f W[f, ch, k]·m_c[f, p + pad − k]; out = x ⊙ m_x.
void input_multipliers(const Prepared& m, const Input& x, const Scratch& s, float* out) {
  const int K = m.K, L = m.L, Lc = m.Lc, pad = m.pad;
  const float* m_c = s.m_c.data();
  if (x.codes != nullptr) {
    switch (m.Fp) {
      case 8:
        return input_multipliers_codes<8>(m, x, m_c, out);
      case 16:
        return input_multipliers_codes<16>(m, x, m_c, out);
      case 32:
        return input_multipliers_codes<32>(m, x, m_c, out);
      case 64:
        return input_multipliers_codes<64>(m, x, m_c, out);
      default:
        return input_multipliers_codes<0>(m, x, m_c, out);
    }
  }
  for (int pos = 0; pos < L; ++pos) {
    const int k_begin = std::max(0, pos + pad - Lc + 1), k_end = std::min(K, pos + pad + 1);
    for (int ch = 0; ch < 4; ++ch) {
      const float xv = x.dense[ch * L + pos];
      if (xv == 0.0f) continue;
      out[ch * L + pos] = xv * transposed_conv<0>(m, m_c, pos, ch, k_begin, k_end);
    }
  }
}

// One sequence; writes out (4, L) (zeroed).
void attribute_one(const Prepared& m, const ModelParams& p, const Input& x, DeepLiftCompat compat,
                   Target target, const RowZero* row0, Scratch& s, float* out) {
  conv_deltas(m, x, s);
  max_pool(m, s);
  const float d_f = dense_head(m, p, s);
  pooled_multipliers(m, p, d_f, target, s);
  conv_multipliers(m, compat, row0, s);
  input_multipliers(m, x, s, out);
}

}  // namespace

std::vector<float> deeplift(const ModelConfig& config, const ModelParams& params,
                            const CnnInput& input, int n, DeepLiftCompat compat, Target target,
                            int threads) {
  check_deeplift_model(config, params);
  if ((input.codes == nullptr) == (input.dense == nullptr)) {
    throw Error("deeplift: give exactly one of codes and dense input");
  }
  if (input.dense != nullptr && input.scale != nullptr) {
    throw Error("deeplift: a row scale applies to codes input only");
  }
  if (n < 0) throw Error("deeplift: negative number of sequences");
  const int L = config.length;
  const std::size_t total = static_cast<std::size_t>(n) * L;
  if (input.codes != nullptr) {
    for (std::size_t i = 0; i < total; ++i) {
      if (input.codes[i] > 3) {
        throw Error("deeplift: sequence " + std::to_string(i / L) + " position " +
                    std::to_string(i % L) + " has base code " + std::to_string(input.codes[i]) +
                    " (expected 0..3 = A,C,G,T)");
      }
    }
  }
  std::vector<float> out(total * 4, 0.0f);
  if (n == 0) return out;
  const Prepared m = prepare(config, params);
  auto input_of = [&](int i) {
    Input x;
    if (input.codes != nullptr) {
      x.codes = input.codes + static_cast<std::size_t>(i) * L;
      if (input.scale != nullptr) x.scale = input.scale[i];
    } else {
      x.dense = input.dense + static_cast<std::size_t>(i) * 4 * L;
    }
    return x;
  };
  // Compat: sequence 0 first; its plain max-pool gradient is every sequence's fallback.
  int first = 0;
  std::vector<int> row0_argmax;
  std::vector<float> row0_g_p;
  RowZero row0;
  if (compat == DeepLiftCompat::captum_0_8) {
    Scratch s(m);
    attribute_one(m, params, input_of(0), compat, target, nullptr, s, out.data());
    row0_argmax = s.argmax;
    row0_g_p = s.g_p;
    row0 = RowZero{row0_argmax.data(), row0_g_p.data()};
    first = 1;
  }
  const RowZero* row0_ptr = compat == DeepLiftCompat::captum_0_8 ? &row0 : nullptr;
  const int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(team)
  {
    Scratch s(m);
#pragma omp for schedule(dynamic, 8)
    for (int i = first; i < n; ++i) {
      attribute_one(m, params, input_of(i), compat, target, row0_ptr, s,
                    out.data() + static_cast<std::size_t>(i) * 4 * L);
    }
  }
  return out;
}

}  // namespace mint

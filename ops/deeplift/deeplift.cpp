// DeepLIFT (rescale rule, zero reference) on the CPU backend; see deeplift.hpp and
// reference-semantics.md §4.
//
// deeplift(): per sequence, one thread, scratch reused across sequences:
//   1. conv sums s (gather of filter columns for codes), Δb = bn_scale·scale·s, b_x = b_r + Δb,
//      stored position-major (Lc, F);
//   2. max-pool: first argmax i_x per (filter, window), Δo = a_x(i_x) − a_r;
//   3. dense head on deltas: Δh1 = W1·Δo, h1_x = h1_r + Δh1, ... Δf;
//   4. multipliers back: relu3, fc2, relu2, fc1 → g_p (F·W);
//   5. MaxPool rule + relu1 rule, evaluated only where they can be non-zero: the input's
//      argmax, the window start (the reference's argmax) and, in compat mode, sequence 0's
//      argmax (its fallback) → conv multipliers m_c (Lc, Fp), ×bn_scale;
//   6. input multipliers by the transposed conv, only at the observed base for codes.
// Each phase is one function below, called in this order by attribute_one; the per-element
// rules (relu_delta, rescale, sigmoid_factor) are deeplift_core.hpp's, shared with deeplift.cu.
// The reference (zero input) is position-independent: b_r, a_r per filter and the dense head at
// the reference are computed once per call (in float64, then rounded).
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

// Fp = F rounded up to 8, so the filters are whole Float8 vectors (ops/common/simd.hpp).

// Conv sums (no bias) of filters [f0, f0 + 8V) at position j over the columns [k_begin, k_end)
// inside the sequence: a gather of transposed-weight rows for codes, a 4-channel weighted sum
// for dense input; the V accumulators stay in registers across the K columns.
template <int V>
inline void conv_sums(const float* __restrict wt, int fp, int f0, const std::uint8_t* codes,
                      const float* dense, int length, int j, int pad, int k_begin, int k_end,
                      float* __restrict out) {
  Float8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Float8{};
  if (codes != nullptr) {
    for (int k = k_begin; k < k_end; ++k) {
      const float* w = wt + (static_cast<std::size_t>(k) * 4 + codes[j + k - pad]) * fp + f0;
      for (int v = 0; v < V; ++v) acc[v] += load8(w + 8 * v);
    }
  } else {
    for (int k = k_begin; k < k_end; ++k) {
      for (int ch = 0; ch < 4; ++ch) {
        const float x = dense[ch * length + j + k - pad];
        const float* w = wt + (static_cast<std::size_t>(k) * 4 + ch) * fp + f0;
        for (int v = 0; v < V; ++v) acc[v] += x * load8(w + 8 * v);
      }
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

// Everything about the model and the reference that is shared by all sequences of a call.
struct Prepared {
  int F = 0, Fp = 0, K = 0, L = 0, Lc = 0, pad = 0, P = 0, W = 0, FW = 0, H1 = 0, H2 = 0;
  std::vector<float> wt;          // (K, 4, Fp) transposed conv weight, zero padded
  std::vector<float> bn_scale;    // (F) weight/sqrt(var + eps); 1 without BatchNorm
  std::vector<float> b_r, a_r;    // (F) reference relu1 input and output
  std::vector<float> w1t;         // (FW, H1) transposed fc1 weight
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
  m.H2 = c.hidden2;
  m.wt.assign(static_cast<std::size_t>(m.K) * 4 * m.Fp, 0.0f);
  for (int f = 0; f < m.F; ++f)
    for (int ch = 0; ch < 4; ++ch)
      for (int k = 0; k < m.K; ++k)
        m.wt[(static_cast<std::size_t>(k) * 4 + ch) * m.Fp + f] =
            p.conv_weight[(f * 4 + ch) * m.K + k];
  m.bn_scale.assign(m.F, 1.0f);
  m.b_r.resize(m.F);
  m.a_r.resize(m.F);
  std::vector<double> a_r(m.F);
  for (int f = 0; f < m.F; ++f) {
    double b = p.conv_bias[f];  // the conv of a zero input is its bias at every position
    if (c.batchnorm) {
      const double scale =
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps);
      m.bn_scale[f] = static_cast<float>(scale);
      b = (b - p.bn_running_mean[f]) * scale + p.bn_bias[f];
    }
    m.b_r[f] = static_cast<float>(b);
    m.a_r[f] = std::max(m.b_r[f], 0.0f);
    a_r[f] = std::max(b, 0.0);
  }
  m.w1t.resize(static_cast<std::size_t>(m.FW) * m.H1);
  for (int o = 0; o < m.H1; ++o)
    for (int q = 0; q < m.FW; ++q)
      m.w1t[static_cast<std::size_t>(q) * m.H1 + o] =
          p.fc1_weight[static_cast<std::size_t>(o) * m.FW + q];
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

// Per-thread scratch, sized once.
struct Scratch {
  std::vector<float> acc;       // (Fp) conv sums of one position; window maxima
  std::vector<int> at;          // (F) window argmax
  std::vector<float> b_x, d_b;  // (Lc, F) relu1 input and its delta from the reference
  std::vector<int> argmax;      // (F·W) first argmax i_x (conv position)
  std::vector<float> d_o;       // (F·W) pooled delta o_x − o_r
  std::vector<float> d_h1, d_a1, m_h1, h1_x;  // (H1)
  std::vector<float> d_h2, d_a2, m_h2, h2_x;  // (H2)
  std::vector<float> g_a1;                    // (H1) multiplier of relu2's output
  std::vector<float> g_p;                     // (F·W) multiplier of the pooled outputs
  std::vector<float> m_c;                     // (Lc, Fp) conv-output multipliers

  explicit Scratch(const Prepared& m)
      : acc(m.Fp),
        at(m.F),
        b_x(static_cast<std::size_t>(m.Lc) * m.F),
        d_b(b_x.size()),
        argmax(m.FW),
        d_o(m.FW),
        d_h1(m.H1),
        d_a1(m.H1),
        m_h1(m.H1),
        h1_x(m.H1),
        d_h2(m.H2),
        d_a2(m.H2),
        m_h2(m.H2),
        h2_x(m.H2),
        g_a1(m.H1),
        g_p(m.FW),
        m_c(static_cast<std::size_t>(m.Lc) * m.Fp) {}
};

// Sequence 0's plain max-pool gradient, for the compat mode's fallback (issue #1276).
struct RowZero {
  const int* argmax = nullptr;  // (F·W)
  const float* g_p = nullptr;   // (F·W)
};

// 1. conv deltas Δb and relu1 inputs b_x = b_r + Δb, position-major (Lc, F).
void conv_deltas(const Prepared& m, const std::uint8_t* codes, float row_scale, const float* dense,
                 Scratch& s) {
  const int F = m.F, Fp = m.Fp, K = m.K, L = m.L, Lc = m.Lc, pad = m.pad;
  const float* wt = m.wt.data();
  float* acc = s.acc.data();
  for (int j = 0; j < Lc; ++j) {
    const int k_begin = std::max(0, pad - j), k_end = std::min(K, L + pad - j);
    int f0 = 0;
    for (; f0 + 32 <= Fp; f0 += 32)
      conv_sums<4>(wt, Fp, f0, codes, dense, L, j, pad, k_begin, k_end, acc + f0);
    for (; f0 < Fp; f0 += 8)
      conv_sums<1>(wt, Fp, f0, codes, dense, L, j, pad, k_begin, k_end, acc + f0);
    float* d_b = s.d_b.data() + static_cast<std::size_t>(j) * F;
    float* b_x = s.b_x.data() + static_cast<std::size_t>(j) * F;
#pragma omp simd
    for (int f = 0; f < F; ++f) {
      const float d = m.bn_scale[f] * (row_scale * acc[f]);
      d_b[f] = d;
      b_x[f] = m.b_r[f] + d;
    }
  }
}

// 2. max-pool: the first argmax i_x of relu(b_x) per (filter, window) (the window start when
//    all are ≤ 0), branch-free over filters so it vectorises; Δo there.
void max_pool(const Prepared& m, Scratch& s) {
  const int F = m.F, P = m.P, W = m.W;
  float* best = s.acc.data();
  int* at = s.at.data();
  for (int w = 0; w < W; ++w) {
    const int start = w * P;
    const float* row = s.b_x.data() + static_cast<std::size_t>(start) * F;
    for (int f = 0; f < F; ++f) {
      best[f] = row[f];
      at[f] = start;
    }
    for (int j = start + 1; j < start + P; ++j) {
      row = s.b_x.data() + static_cast<std::size_t>(j) * F;
#pragma omp simd
      for (int f = 0; f < F; ++f) {
        const bool higher = row[f] > best[f];
        best[f] = higher ? row[f] : best[f];
        at[f] = higher ? j : at[f];
      }
    }
    for (int f = 0; f < F; ++f) {
      const int j = best[f] > 0.0f ? at[f] : start;
      const std::size_t i = static_cast<std::size_t>(j) * F + f;
      s.argmax[f * W + w] = j;
      s.d_o[f * W + w] = relu_delta(s.b_x[i], m.b_r[f], s.d_b[i]);
    }
  }
}

// 3. the dense head, as reference + delta; returns Δf = f(x) − f(0).
float dense_head(const Prepared& m, const ModelParams& p, Scratch& s) {
  const int FW = m.FW, H1 = m.H1, H2 = m.H2;
  std::copy(m.h1_r.begin(), m.h1_r.end(), s.h1_x.begin());
  std::fill(s.d_h1.begin(), s.d_h1.end(), 0.0f);
  for (int q = 0; q < FW; ++q) {
    const float d = s.d_o[q];
    if (d == 0.0f) continue;
    const float* w = m.w1t.data() + static_cast<std::size_t>(q) * H1;
    float* d_h1 = s.d_h1.data();
#pragma omp simd
    for (int o = 0; o < H1; ++o) d_h1[o] += d * w[o];
  }
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

// 4. multipliers back from the logit (× the sigmoid factor for Target::prob) through relu3,
//    fc2, relu2 and fc1 to the pooled outputs, g_p.
void pooled_multipliers(const Prepared& m, const ModelParams& p, float d_f, Target target,
                        Scratch& s) {
  const int FW = m.FW, H1 = m.H1, H2 = m.H2;
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
  for (int o = 0; o < H1; ++o) {
    const float g = s.g_a1[o];
    s.m_h1[o] = rescale(g, s.d_a1[o], s.d_h1[o], s.h1_x[o] > 0.0f ? g : 0.0f, eps);
  }
  std::fill(s.g_p.begin(), s.g_p.end(), 0.0f);
  for (int o = 0; o < H1; ++o) {
    const float g = s.m_h1[o];
    if (g == 0.0f) continue;
    const float* w = p.fc1_weight.data() + static_cast<std::size_t>(o) * FW;
    float* g_p = s.g_p.data();
#pragma omp simd
    for (int q = 0; q < FW; ++q) g_p[q] += g * w[q];
  }
}

// 5. MaxPool rule, then relu1's rule, at the only positions where either can be non-zero,
//    into the conv multipliers m_c (×bn_scale).
void conv_multipliers(const Prepared& m, DeepLiftCompat compat, const RowZero* row0, Scratch& s) {
  const int F = m.F, Fp = m.Fp, P = m.P, W = m.W;
  const float eps = static_cast<float>(kDeepLiftEps);
  const bool old = compat == DeepLiftCompat::captum_0_8;
  std::fill(s.m_c.begin(), s.m_c.end(), 0.0f);
  RowZero own{s.argmax.data(), s.g_p.data()};
  const RowZero& zero = row0 != nullptr ? *row0 : own;
  for (int f = 0; f < F; ++f) {
    for (int w = 0; w < W; ++w) {
      const int q = f * W + w, start = w * P, i_x = s.argmax[q];
      const float g = s.g_p[q], d_o = s.d_o[q];
      // U: g·(M − o_r) at i_x, g·(o_x − M) at the window start (the reference's argmax).
      const float up = g * std::max(d_o, 0.0f), down = g * std::min(d_o, 0.0f);
      // Elsewhere U, G (and sequence 0's G) are 0, so both rules give 0.
      int cand[3] = {i_x, 0, 0}, count = 1;
      auto add = [&](int j) {
        for (int c = 0; c < count; ++c)
          if (cand[c] == j) return;
        cand[count++] = j;
      };
      add(start);
      if (old) add(zero.argmax[q]);
      for (int c = 0; c < count; ++c) {
        const int j = cand[c];
        const std::size_t i = static_cast<std::size_t>(j) * F + f;
        const float u = (j == i_x ? up : 0.0f) + (j == start ? down : 0.0f);
        const float grad = j == i_x ? g : 0.0f;  // G
        const float fallback = old ? (j == zero.argmax[q] ? zero.g_p[q] : 0.0f) : grad;
        const float d_b = s.d_b[i], b_x = s.b_x[i];
        const float d_a = relu_delta(b_x, m.b_r[f], d_b);
        const float m_pool = rescale(1.0f, u, d_a, fallback, eps);
        const float upstream = old ? grad : m_pool;  // issue #1104: the plain gradient
        const float m1 = rescale(upstream, d_a, d_b, b_x > 0.0f ? m_pool : 0.0f, eps);
        s.m_c[static_cast<std::size_t>(j) * Fp + f] = m1 * m.bn_scale[f];
      }
    }
  }
}

// 6. input multipliers, m_x[ch, p] = Σ_k Σ_f W[f, ch, k]·m_c[f, p + pad − k]; out = x ⊙ m_x.
void input_multipliers(const Prepared& m, const std::uint8_t* codes, float row_scale,
                       const float* dense, const Scratch& s, float* out) {
  const int Fp = m.Fp, K = m.K, L = m.L, Lc = m.Lc, pad = m.pad;
  const float* wt = m.wt.data();
  const float* m_c = s.m_c.data();
  for (int pos = 0; pos < L; ++pos) {
    const int k_begin = std::max(0, pos + pad - Lc + 1), k_end = std::min(K, pos + pad + 1);
    for (int ch = 0; ch < 4; ++ch) {
      float x;
      if (codes != nullptr) {
        if (codes[pos] != ch) continue;
        x = row_scale;
      } else {
        x = dense[ch * L + pos];
        if (x == 0.0f) continue;
      }
      // Four accumulators, so the FMA chain is not latency bound.
      Float8 t0{}, t1{}, t2{}, t3{};
      for (int k = k_begin; k < k_end; ++k) {
        const float* mc = m_c + static_cast<std::size_t>(pos + pad - k) * Fp;
        const float* w = wt + (static_cast<std::size_t>(k) * 4 + ch) * Fp;
        int f = 0;
        for (; f + 32 <= Fp; f += 32) {
          t0 += load8(mc + f) * load8(w + f);
          t1 += load8(mc + f + 8) * load8(w + f + 8);
          t2 += load8(mc + f + 16) * load8(w + f + 16);
          t3 += load8(mc + f + 24) * load8(w + f + 24);
        }
        for (; f < Fp; f += 8) t0 += load8(mc + f) * load8(w + f);
      }
      const Float8 total = (t0 + t1) + (t2 + t3);
      float lanes[8];
      std::memcpy(lanes, &total, sizeof lanes);
      out[ch * L + pos] = x * (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                               ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])));
    }
  }
}

// One sequence: `codes` (L) with row scale, or `dense` (4, L); writes out (4, L) (zeroed).
void attribute_one(const Prepared& m, const ModelParams& p, const std::uint8_t* codes,
                   float row_scale, const float* dense, DeepLiftCompat compat, Target target,
                   const RowZero* row0, Scratch& s, float* out) {
  conv_deltas(m, codes, row_scale, dense, s);
  max_pool(m, s);
  const float d_f = dense_head(m, p, s);
  pooled_multipliers(m, p, d_f, target, s);
  conv_multipliers(m, compat, row0, s);
  input_multipliers(m, codes, row_scale, dense, s, out);
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
  auto codes_of = [&](int i) {
    return input.codes != nullptr ? input.codes + static_cast<std::size_t>(i) * L : nullptr;
  };
  auto scale_of = [&](int i) { return input.scale != nullptr ? input.scale[i] : 1.0f; };
  auto dense_of = [&](int i) {
    return input.dense != nullptr ? input.dense + static_cast<std::size_t>(i) * 4 * L : nullptr;
  };
  // Compat: sequence 0 first; its plain max-pool gradient is every sequence's fallback.
  int first = 0;
  std::vector<int> row0_argmax;
  std::vector<float> row0_g_p;
  RowZero row0;
  if (compat == DeepLiftCompat::captum_0_8) {
    Scratch s(m);
    attribute_one(m, params, codes_of(0), scale_of(0), dense_of(0), compat, target, nullptr, s,
                  out.data());
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
      attribute_one(m, params, codes_of(i), scale_of(i), dense_of(i), compat, target, row0_ptr, s,
                    out.data() + static_cast<std::size_t>(i) * 4 * L);
    }
  }
  return out;
}

}  // namespace mint

// Integrated Gradients of one-hot input on the CPU, fused per sequence (ig.hpp,
// integrated_gradients_onehot). On the straight path from the zero baseline the input is
// a·onehot (a = α·scale), so
//   conv(a·x)[t, f] = a·C[t, f] + bias[f],   C = the bias-free convolution, computed once;
// each step then needs only BatchNorm, the activation, max-pool, the dense head and their
// backward to ∂f/∂conv. The transposed convolution is linear, so Σ_i w_i ∇f(α_i x) is the
// transposed convolution of D = Σ_i w_i ∂f/∂conv_i, applied once — and only at the observed
// base, since IG multiplies by x.
//
// ReLU models (ig_relu) — max-pool's routes change at only a few of the steps. After BatchNorm
// the pre-activation is linear in a, a·A + B with A = C·scale and B = bias·scale + shift, and B
// is the same at every position of a window, so for a > 0 a window's maximum stays at its
// largest A (for a < 0 at its smallest): a pooled value's route — the conv position it comes
// from, or none where it is 0 — changes only where the value crosses 0 or where float32 ties
// at small a resolve (a pooled value has 1–2 routes over the 50 steps on random and trained
// models). Per block of kStepBlock steps:
//   - route_step: BatchNorm, ReLU and max-pool at every step, in registers, with pool_step's
//     float32 formula and first-maximum rule (so the routes are the per-step path's and the
//     CUDA kernel's); a route change records the segment of steps the old route served;
//   - fc1 for the block's steps as one matrix product (gemm) over the pooled values that are
//     non-zero at some step of the block, summed in (w, f) order with one multiply-add per
//     term: the per-step path's and the CUDA kernel's float32 sum, bit for bit (a zero term
//     adds nothing), so every ReLU decision downstream is theirs too.
// Then for all steps at once fc2, its backward (two more products, fc2 summed in the CUDA
// kernel's order) and fc1's backward by segments: the backward is linear, so over a segment
// of steps with one route t, (w, f) passes scale[f]·W1[(w, f)] · Σ_segment g1_i to D[t, f],
// read off float64 running sums of g1; D is accumulated in float64. fc1's backward thus costs
// O(segments · H1) per sequence instead of O(steps · non-zero pooled values · H1); its forward
// keeps its O(steps · pooled values · H1) multiply-adds, as a register-blocked product. (fc1's
// forward could be updated from the route changes too, in float64 — about 1.6× faster — but
// its ReLU decisions would then differ from the float32 ones of the CUDA kernel on rare
// inputs, by up to ~1e-4 in relative norm.)
// Everything is per sequence, so the result does not depend on the number of threads.
//
// Exp models (ig_per_step, valid for any activation): the slope of exp varies with a, so each
// step runs fc1 over all pooled values and its backward, as the CUDA kernel (ig.cu) does.
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "ops/common/simd.hpp"
#include "ops/ig/ig.hpp"

namespace mint {
namespace {

int round_up8(int v) { return (v + 7) / 8 * 8; }

// Parameters rearranged for the per-sequence loops (F padded to Fp, a multiple of 8).
struct IgModel {
  int L, K, pad, Lc, P, W, F, Fp, H1, H2, H1p, H2p;  // H1p, H2p: H1, H2 rounded up to 8
  bool relu;
  std::vector<float> wg;              // (4, K, Fp): conv weight gathered by base, tap
  std::vector<float> bias;            // (Fp) conv bias − BN mean (without BN: the bias)
  std::vector<float> scale;           // (Fp) BN scale γ/√(var + eps) (1 without BN)
  std::vector<float> shift;           // (Fp) BN shift β (0 without BN)
  std::vector<float> w1t;             // (W·Fp, H1p): fc1 weight, rows in (w, f) order
  std::vector<float> b1, w2, b2, w3;  // fc1 bias (H1), fc2 (H2, H1), fc2 bias, fc3 (H2)
  float b3 = 0;
  // The same, padded with zeros for the ReLU path's matrix products over the steps.
  std::vector<float> b1_p;        // (H1p)
  std::vector<float> w2t_p;       // (H1, H2p) fc2 transposed
  std::vector<float> w2_p;        // (H2, H1p)
  std::vector<float> b2_p, w3_p;  // (H2p)

  IgModel(const ModelConfig& c, const ModelParams& p)
      : L(c.length),
        K(c.width),
        pad(c.pad_left()),
        Lc(c.conv_length()),
        P(c.pool),
        W(c.pooled_length()),
        F(c.filters),
        Fp(round_up8(c.filters)),
        H1(c.hidden1),
        H2(c.hidden2),
        H1p(round_up8(c.hidden1)),
        H2p(round_up8(c.hidden2)),
        relu(c.activation == Activation::relu) {
    const auto fp = static_cast<std::size_t>(Fp);
    wg.assign(4 * static_cast<std::size_t>(K) * fp, 0.0f);
    bias.assign(fp, 0.0f);
    scale.assign(fp, 0.0f);
    shift.assign(fp, 0.0f);
    for (int f = 0; f < F; ++f) {
      for (int ch = 0; ch < 4; ++ch) {
        for (int k = 0; k < K; ++k) {
          wg[(static_cast<std::size_t>(ch) * K + k) * fp + f] =
              p.conv_weight[(static_cast<std::size_t>(f) * 4 + ch) * K + k];
        }
      }
      const auto fi = static_cast<std::size_t>(f);
      if (c.batchnorm) {
        bias[fi] = p.conv_bias[fi] - p.bn_running_mean[fi];
        scale[fi] = static_cast<float>(
            p.bn_weight[fi] / std::sqrt(static_cast<double>(p.bn_running_var[fi]) + c.bn_eps));
        shift[fi] = p.bn_bias[fi];
      } else {
        bias[fi] = p.conv_bias[fi];
        scale[fi] = 1.0f;
      }
    }
    w1t.assign(static_cast<std::size_t>(W) * fp * H1p, 0.0f);
    for (int h = 0; h < H1; ++h) {
      for (int f = 0; f < F; ++f) {
        for (int w = 0; w < W; ++w) {
          w1t[(static_cast<std::size_t>(w) * fp + f) * H1p + h] =
              p.fc1_weight[static_cast<std::size_t>(h) * F * W + static_cast<std::size_t>(f) * W +
                           w];
        }
      }
    }
    b1 = p.fc1_bias;
    w2 = p.fc2_weight;
    b2 = p.fc2_bias;
    w3 = p.fc3_weight;
    b3 = p.fc3_bias[0];
    w2t_p.assign(static_cast<std::size_t>(H1) * H2p, 0.0f);
    w2_p.assign(static_cast<std::size_t>(H2) * H1p, 0.0f);
    b2_p.assign(static_cast<std::size_t>(H2p), 0.0f);
    w3_p = b2_p;
    for (int o = 0; o < H2; ++o) {
      for (int h = 0; h < H1; ++h) {
        const float v = w2[static_cast<std::size_t>(o) * H1 + h];
        w2t_p[static_cast<std::size_t>(h) * H2p + o] = v;
        w2_p[static_cast<std::size_t>(o) * H1p + h] = v;
      }
      b2_p[static_cast<std::size_t>(o)] = b2[static_cast<std::size_t>(o)];
      w3_p[static_cast<std::size_t>(o)] = w3[static_cast<std::size_t>(o)];
    }
    b1_p = b1;
    b1_p.resize(static_cast<std::size_t>(H1p), 0.0f);
  }
};

// A segment of steps [from, to) in which pooled value idx had route t (ig_relu).
struct Segment {
  int idx, t, from, to;
};

// Rows of steps per block of ig_relu's fc1 product (a multiple of gemm's 4).
constexpr int kStepBlock = 16;

struct IgScratch {
  std::vector<float> conv;    // (Lc, Fp) bias-free conv C
  std::vector<float> dconv;   // (Lc, Fp) Σ_i w_i ∂f/∂conv_i
  std::vector<float> pooled;  // (W·Fp) activated window maxima (ig_relu: kStepBlock such rows)
  std::vector<int> argmax;    // (W·Fp) their conv positions (ig_relu: routes)
  std::vector<int> nz;        // indices of non-zero pooled values (ig_relu: of a block's steps)
  std::vector<float> h1, g1, h2, g2;
  // The ReLU path's state (ig_relu).
  std::vector<int> route;    // (W·Fp) the route of each pooled value at the current step
  std::vector<int> since;    // (W·Fp) the step at which that route began
  std::vector<int> live;     // (W·Fp) whether it is non-zero at some step of the block
  std::vector<int> changed;  // (W) the windows where a route changes at the current step
  std::vector<Segment> segments;
  std::vector<float> pre, act;  // (steps, H1p) fc1's output at every step, after ReLU
  std::vector<float> z2, g2s;   // (steps, H2p) fc2's output, the gradient there
  std::vector<float> g1s;       // (steps, H1p) the gradient at fc1's output
  std::vector<double> gsum;     // (steps + 1, H1) running sums Σ_{i' < i} g1_{i'}
  std::vector<double> dsum;     // (Lc, Fp) D
  IgScratch(const IgModel& m, std::size_t steps)
      : conv(static_cast<std::size_t>(m.Lc) * m.Fp),
        dconv(conv.size()),
        pooled(static_cast<std::size_t>(m.relu ? kStepBlock : 1) * m.W * m.Fp),
        argmax(static_cast<std::size_t>(m.W) * m.Fp),
        nz(argmax.size()),
        h1(static_cast<std::size_t>(m.H1)),
        g1(h1.size()),
        h2(static_cast<std::size_t>(m.H2)),
        g2(h2.size()),
        route(m.relu ? argmax.size() : 0),
        since(route.size()),
        live(route.size()),
        changed(static_cast<std::size_t>(m.W)),
        pre(m.relu ? steps * static_cast<std::size_t>(m.H1p) : 0),
        act(pre.size()),
        z2(m.relu ? steps * static_cast<std::size_t>(m.H2p) : 0),
        g2s(z2.size()),
        g1s(pre.size()),
        gsum(m.relu ? (steps + 1) * h1.size() : 0),
        dsum(m.relu ? conv.size() : 0) {
    segments.reserve(route.size());
  }
};

// C[t, f] = Σ_k W[f, code[t + k − pad], k] over taps inside the sequence, into s.conv; summed
// in the order of k, 8 filters at a time in a register.
void conv_of_codes(const IgModel& m, const std::uint8_t* codes, IgScratch& s) {
  const auto fp = static_cast<std::size_t>(m.Fp);
  for (int t = 0; t < m.Lc; ++t) {
    const int k0 = std::max(0, m.pad - t), k1 = std::min(m.K, m.L + m.pad - t);
    for (int f = 0; f < m.Fp; f += 8) {
      Float8 acc{};
      for (int k = k0; k < k1; ++k) {
        const int base = codes[t + k - m.pad];
        acc += load8(m.wg.data() + (static_cast<std::size_t>(base) * m.K + k) * fp + f);
      }
      store8(s.conv.data() + static_cast<std::size_t>(t) * fp + f, acc);
    }
  }
}

// attr[code[p], p] = scale · Σ_k Σ_f W[f, code[p], k] · D[p + pad − k, f]; 0 elsewhere
// (D = s.dconv; conv positions past W·P reach no pool window).
void transposed_conv_at_codes(const IgModel& m, const std::uint8_t* codes, float x_scale,
                              const IgScratch& s, float* out) {
  const auto fp = static_cast<std::size_t>(m.Fp);
  const int used = m.W * m.P;  // conv positions that reach a pool window
  const auto L = static_cast<std::size_t>(m.L);
  std::fill(out, out + 4 * L, 0.0f);
  for (int p = 0; p < m.L; ++p) {
    // Taps k with 0 ≤ t = p + pad − k < used; four partial sums (by filter block) in registers.
    const int k0 = std::max(0, p + m.pad - used + 1), k1 = std::min(m.K, p + m.pad + 1);
    Float8 acc[4] = {};
    for (int k = k0; k < k1; ++k) {
      const float* wk = m.wg.data() + (static_cast<std::size_t>(codes[p]) * m.K + k) * fp;
      const float* dk = s.dconv.data() + static_cast<std::size_t>(p + m.pad - k) * fp;
      for (int f = 0; f < m.Fp; f += 8) acc[(f / 8) % 4] += load8(wk + f) * load8(dk + f);
    }
    const Float8 v = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    float sum = 0;
    for (int j = 0; j < 8; ++j) sum += v[j];
    out[static_cast<std::size_t>(codes[p]) * L + static_cast<std::size_t>(p)] = x_scale * sum;
  }
}

// BatchNorm, activation and max-pool at input scale a, fused per window, into s.pooled and
// s.argmax; the first maximum wins (a later position replaces the running maximum only when
// strictly greater).
void pool_step(const IgModel& m, float a, IgScratch& s) {
  const int Fp = m.Fp;
  const auto fp = static_cast<std::size_t>(Fp);
  for (int w = 0; w < m.W; ++w) {
    float* pooled = s.pooled.data() + static_cast<std::size_t>(w) * fp;
    int* arg = s.argmax.data() + static_cast<std::size_t>(w) * fp;
    for (int j = 0; j < m.P; ++j) {
      const int t = w * m.P + j;
      const float* c = s.conv.data() + static_cast<std::size_t>(t) * fp;
      if (m.relu) {
#pragma omp simd
        for (int f = 0; f < Fp; ++f) {
          const float v = std::max((a * c[f] + m.bias[f]) * m.scale[f] + m.shift[f], 0.0f);
          const bool first = j == 0, gt = v > pooled[f];
          pooled[f] = first || gt ? v : pooled[f];
          arg[f] = first || gt ? t : arg[f];
        }
      } else {
        for (int f = 0; f < Fp; ++f) {
          const float v = std::exp((a * c[f] + m.bias[f]) * m.scale[f] + m.shift[f]);
          const bool first = j == 0, gt = v > pooled[f];
          pooled[f] = first || gt ? v : pooled[f];
          arg[f] = first || gt ? t : arg[f];
        }
      }
    }
  }
}

// The dense head from fc1's output s.h1: fc2, fc3, the step's weight (× σ'(logit) for
// Target::prob), and the backward to fc1's output, s.g1 (zero where h1 ≤ 0).
void head_step(const IgModel& m, double weight, Target target, IgScratch& s) {
  float logit = m.b3;
  for (int o = 0; o < m.H2; ++o) {
    const float* w2 = m.w2.data() + static_cast<std::size_t>(o) * m.H1;
    float acc = m.b2[static_cast<std::size_t>(o)];
#pragma omp simd reduction(+ : acc)
    for (int h = 0; h < m.H1; ++h) acc += w2[h] * std::max(s.h1[static_cast<std::size_t>(h)], 0.0f);
    s.h2[static_cast<std::size_t>(o)] = acc;
    logit += m.w3[static_cast<std::size_t>(o)] * std::max(acc, 0.0f);
  }
  float d = static_cast<float>(weight);
  if (target == Target::prob) {
    const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logit)));
    d = static_cast<float>(weight * p * (1 - p));
  }
  for (int o = 0; o < m.H2; ++o) {
    s.g2[static_cast<std::size_t>(o)] =
        s.h2[static_cast<std::size_t>(o)] > 0.0f ? d * m.w3[static_cast<std::size_t>(o)] : 0.0f;
  }
  std::fill(s.g1.begin(), s.g1.end(), 0.0f);
  for (int o = 0; o < m.H2; ++o) {
    const float g = s.g2[static_cast<std::size_t>(o)];
    if (g == 0.0f) continue;
    const float* w2 = m.w2.data() + static_cast<std::size_t>(o) * m.H1;
#pragma omp simd
    for (int h = 0; h < m.H1; ++h) s.g1[static_cast<std::size_t>(h)] += g * w2[h];
  }
  for (int h = 0; h < m.H1; ++h) {
    if (!(s.h1[static_cast<std::size_t>(h)] > 0.0f)) s.g1[static_cast<std::size_t>(h)] = 0.0f;
  }
}

// One sequence (codes, L) at row scale x_scale, step by step (used for exp models): out (4, L).
void ig_per_step(const IgModel& m, const std::uint8_t* codes, float x_scale, const Quadrature& q,
                 Target target, IgScratch& s, float* out) {
  const int Fp = m.Fp;
  const auto fp = static_cast<std::size_t>(Fp);
  conv_of_codes(m, codes, s);
  std::fill(s.dconv.begin(), s.dconv.end(), 0.0f);
  for (std::size_t i = 0; i < q.alphas.size(); ++i) {
    const float a = static_cast<float>(q.alphas[i]) * x_scale;
    pool_step(m, a, s);
    int nnz = 0;
    for (int w = 0; w < m.W; ++w) {
      for (int f = 0; f < m.F; ++f) {
        if (s.pooled[static_cast<std::size_t>(w) * fp + f] != 0.0f)
          s.nz[static_cast<std::size_t>(nnz++)] = w * Fp + f;
      }
    }
    // Dense head, forward (fc1 over the non-zero pooled values).
    std::copy(m.b1.begin(), m.b1.end(), s.h1.begin());
    for (int j = 0; j < nnz; ++j) {
      const int idx = s.nz[static_cast<std::size_t>(j)];
      const float v = s.pooled[static_cast<std::size_t>(idx)];
      const float* row = m.w1t.data() + static_cast<std::size_t>(idx) * m.H1p;
#pragma omp simd
      for (int h = 0; h < m.H1; ++h) s.h1[static_cast<std::size_t>(h)] += v * row[h];
    }
    head_step(m, q.weights[i], target, s);
    // A pooled value passes a gradient only where the activation's slope is non-zero: for
    // ReLU where it is > 0 (exactly the non-zero pooled values); exp everywhere.
    auto back = [&](int idx) {
      const float* row = m.w1t.data() + static_cast<std::size_t>(idx) * m.H1p;
      float g = 0;
#pragma omp simd reduction(+ : g)
      for (int h = 0; h < m.H1; ++h) g += row[h] * s.g1[static_cast<std::size_t>(h)];
      const float slope = m.relu ? 1.0f : s.pooled[static_cast<std::size_t>(idx)];
      const int f = idx % Fp;
      const int t = s.argmax[static_cast<std::size_t>(idx)];
      s.dconv[static_cast<std::size_t>(t) * fp + f] += g * slope * m.scale[f];
    };
    if (m.relu) {
      for (int j = 0; j < nnz; ++j) back(s.nz[static_cast<std::size_t>(j)]);
    } else {
      for (int w = 0; w < m.W; ++w) {
        for (int f = 0; f < m.F; ++f) back(w * Fp + f);
      }
    }
  }
  transposed_conv_at_codes(m, codes, x_scale, s, out);
}

// ---- ReLU: max-pool's routes by segments of steps, the dense head as matrix products ----

// C (m, n) = bias + A (m, ·) · B (·, n) over the inner indices ks[0..nk) in that order (ks null:
// 0..nk), row-major with leading dimensions, n a multiple of 8. Every element is summed in
// order, one multiply-add per term from the bias on — the per-step path's and the CUDA kernel's
// order for fc1 and fc2 — so the blocking does not change it: blocks of R rows × 8·V columns
// are accumulated in registers.
template <int R, int V>
void gemm_block(int nk, const int* ks, const float* a, int lda, const float* b, int ldb,
                const float* bias, float* c, int ldc) {
  Float8 acc[R][V];
  for (int v = 0; v < V; ++v) {
    const Float8 init = bias != nullptr ? load8(bias + 8 * v) : Float8{};
    for (int r = 0; r < R; ++r) acc[r][v] = init;
  }
  for (int j = 0; j < nk; ++j) {
    const std::ptrdiff_t k = ks != nullptr ? ks[j] : j;
    Float8 bk[V];
    for (int v = 0; v < V; ++v) bk[v] = load8(b + k * ldb + 8 * v);
    for (int r = 0; r < R; ++r) {
      const Float8 ar = broadcast8(a[static_cast<std::ptrdiff_t>(r) * lda + k]);
      for (int v = 0; v < V; ++v) acc[r][v] += ar * bk[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < V; ++v) store8(c + static_cast<std::ptrdiff_t>(r) * ldc + 8 * v, acc[r][v]);
  }
}

template <int R>
void gemm_rows(int n, int nk, const int* ks, const float* a, int lda, const float* b, int ldb,
               const float* bias, float* c, int ldc) {
  auto at = [&](int col) { return bias != nullptr ? bias + col : nullptr; };
  int col = 0;
  for (; col + 16 <= n; col += 16)
    gemm_block<R, 2>(nk, ks, a, lda, b + col, ldb, at(col), c + col, ldc);
  for (; col < n; col += 8) gemm_block<R, 1>(nk, ks, a, lda, b + col, ldb, at(col), c + col, ldc);
}

void gemm(int m, int n, int nk, const int* ks, const float* a, int lda, const float* b, int ldb,
          const float* bias, float* c, int ldc) {
  int r = 0;
  for (; r + 4 <= m; r += 4) {
    gemm_rows<4>(n, nk, ks, a + static_cast<std::ptrdiff_t>(r) * lda, lda, b, ldb, bias,
                 c + static_cast<std::ptrdiff_t>(r) * ldc, ldc);
  }
  for (; r < m; ++r) {
    gemm_rows<1>(n, nk, ks, a + static_cast<std::ptrdiff_t>(r) * lda, lda, b, ldb, bias,
                 c + static_cast<std::ptrdiff_t>(r) * ldc, ldc);
  }
}

// Window w, filters f .. f + 8·NB − 1 of route_step: NB independent running maxima, so their
// compare-and-select chains overlap. Returns the lanes whose route differs from s.route.
template <int NB>
Int8 route_window(const IgModel& m, Float8 av, IgScratch& s, float* pooled, int w, int f) {
  const auto fp = static_cast<std::size_t>(m.Fp);
  const Float8 zero{};
  const int t0 = w * m.P;
  Float8 bias[NB], scale[NB], shift[NB], best[NB];
  Int8 arg[NB];
  const float* c = s.conv.data() + static_cast<std::size_t>(t0) * fp + f;
  for (int b = 0; b < NB; ++b) {
    bias[b] = load8(&m.bias[static_cast<std::size_t>(f + 8 * b)]);
    scale[b] = load8(&m.scale[static_cast<std::size_t>(f + 8 * b)]);
    shift[b] = load8(&m.shift[static_cast<std::size_t>(f + 8 * b)]);
    best[b] = (av * load8(c + 8 * b) + bias[b]) * scale[b] + shift[b];
    arg[b] = splat8i(t0);
  }
  Int8 at = splat8i(t0);
  for (int j = 1; j < m.P; ++j) {
    at += 1;
    const float* cj = c + static_cast<std::size_t>(j) * fp;
    for (int b = 0; b < NB; ++b) {
      const Float8 v = (av * load8(cj + 8 * b) + bias[b]) * scale[b] + shift[b];
      const Int8 gt = v > best[b];
      best[b] = gt ? v : best[b];
      arg[b] = gt ? at : arg[b];
    }
  }
  Int8 diff{};
  for (int b = 0; b < NB; ++b) {
    const Int8 none = best[b] <= zero;
    const std::size_t q = static_cast<std::size_t>(w) * fp + static_cast<std::size_t>(f + 8 * b);
    arg[b] = none ? splat8i(-1) : arg[b];
    store8(pooled + q, none ? zero : best[b]);
    store8i(&s.argmax[q], arg[b]);
    diff |= arg[b] != load8i(&s.route[q]);
  }
  return diff;
}

// BatchNorm, ReLU and max-pool at input scale a: the window maxima into `pooled` (W·Fp), their
// routes into s.argmax — the conv position of the maximum, −1 where it is 0. pool_step's
// float32 formula and first-maximum rule, with the running maxima in registers; ReLU is applied
// after the maximum (it is monotone): where the maximum is > 0 (or NaN) the first position
// attaining it is pool_step's, and its value too. Returns the number of windows with a route
// that differs from s.route, listed in s.changed.
int route_step(const IgModel& m, float a, IgScratch& s, float* pooled) {
  const Float8 av = splat8(a);
  int changed = 0;
  for (int w = 0; w < m.W; ++w) {
    Int8 diff{};
    int f = 0;
    for (; f + 16 <= m.Fp; f += 16) diff |= route_window<2>(m, av, s, pooled, w, f);
    for (; f < m.Fp; f += 8) diff |= route_window<1>(m, av, s, pooled, w, f);
    bool any = false;
    for (int j = 0; j < 8; ++j) any = any || diff[j] != 0;
    if (any) s.changed[static_cast<std::size_t>(changed++)] = w;
  }
  return changed;
}

// At step i pooled value idx takes route `to` (a conv position, or −1: none) instead of its
// route so far, whose segment of steps is recorded.
void reroute(IgScratch& s, int idx, int to, int i) {
  const auto k = static_cast<std::size_t>(idx);
  const int from = s.route[k];
  if (from >= 0) s.segments.push_back({idx, from, s.since[k], i});
  s.route[k] = to;
  s.since[k] = i;
}

// Steps i0 .. i0 + nb − 1 (nb ≤ kStepBlock): their routes, and fc1's outputs into s.pre as one
// product over the pooled values that are non-zero at some of these steps.
void forward_block(const IgModel& m, const Quadrature& q, float x_scale, int i0, int nb,
                   IgScratch& s) {
  const std::size_t wf = static_cast<std::size_t>(m.W) * m.Fp;
  std::fill(s.live.begin(), s.live.end(), 0);
  for (int r = 0; r < nb; ++r) {
    const int i = i0 + r;
    const float a = static_cast<float>(q.alphas[static_cast<std::size_t>(i)]) * x_scale;
    const int changed = route_step(m, a, s, s.pooled.data() + static_cast<std::size_t>(r) * wf);
    for (int j = 0; j < changed; ++j) {
      const int w = s.changed[static_cast<std::size_t>(j)];
      const int* now = s.argmax.data() + static_cast<std::size_t>(w) * m.Fp;
      const int* was = s.route.data() + static_cast<std::size_t>(w) * m.Fp;
      for (int f0 = 0; f0 < m.Fp; f0 += 8) {
        const Int8 diff = load8i(now + f0) != load8i(was + f0);
        unsigned lanes = 0;  // padded filters (f ≥ F) never have a route: no lane of theirs
        for (int l = 0; l < 8; ++l) lanes |= diff[l] != 0 ? 1u << l : 0u;
        for (; lanes != 0; lanes &= lanes - 1) {
          const int f = f0 + std::countr_zero(lanes);
          reroute(s, w * m.Fp + f, now[f], i);
        }
      }
    }
#pragma omp simd
    for (std::size_t k = 0; k < wf; ++k) s.live[k] |= s.argmax[k] >= 0;
  }
  int nk = 0;
  for (int idx = 0; idx < static_cast<int>(wf); ++idx) {
    s.nz[static_cast<std::size_t>(nk)] = idx;
    nk += s.live[static_cast<std::size_t>(idx)];
  }
  gemm(nb, m.H1p, nk, s.nz.data(), s.pooled.data(), static_cast<int>(wf), m.w1t.data(), m.H1p,
       m.b1_p.data(), s.pre.data() + static_cast<std::size_t>(i0) * m.H1p, m.H1p);
}

// head_step for all steps at once, fc2 and its backward as matrix products over the steps: from
// fc1's outputs s.pre to the gradients there, s.g1s (0 where h1 ≤ 0).
void head_all_steps(const IgModel& m, const Quadrature& q, Target target, int steps, IgScratch& s) {
  const int H1p = m.H1p, H2p = m.H2p;
  const std::size_t n1 = static_cast<std::size_t>(steps) * H1p;
  for (std::size_t k = 0; k < n1; ++k) s.act[k] = std::max(s.pre[k], 0.0f);
  gemm(steps, H2p, m.H1, nullptr, s.act.data(), H1p, m.w2t_p.data(), H2p, m.b2_p.data(),
       s.z2.data(), H2p);
  for (int i = 0; i < steps; ++i) {
    const float* z = s.z2.data() + static_cast<std::size_t>(i) * H2p;
    float logit = m.b3;
    for (int o = 0; o < m.H2; ++o)
      logit += m.w3[static_cast<std::size_t>(o)] * std::max(z[o], 0.0f);
    const double weight = q.weights[static_cast<std::size_t>(i)];
    float d = static_cast<float>(weight);
    if (target == Target::prob) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logit)));
      d = static_cast<float>(weight * p * (1 - p));
    }
    float* g2 = s.g2s.data() + static_cast<std::size_t>(i) * H2p;
    for (int o = 0; o < H2p; ++o)
      g2[o] = z[o] > 0.0f ? d * m.w3_p[static_cast<std::size_t>(o)] : 0.0f;
  }
  gemm(steps, H1p, m.H2, nullptr, s.g2s.data(), H2p, m.w2_p.data(), H1p, nullptr, s.g1s.data(),
       H1p);
  for (std::size_t k = 0; k < n1; ++k) s.g1s[k] = s.pre[k] > 0.0f ? s.g1s[k] : 0.0f;
}

// Segment `g` passes scale[f]·W1[idx] · Σ_{from ≤ i < to} g1_i to D[t, f].
void close_segment(const IgModel& m, IgScratch& s, const Segment& g) {
  const auto h1 = static_cast<std::size_t>(m.H1);
  const float* row = m.w1t.data() + static_cast<std::size_t>(g.idx) * m.H1p;
  const double* g0 = s.gsum.data() + static_cast<std::size_t>(g.from) * h1;
  const double* g1 = s.gsum.data() + static_cast<std::size_t>(g.to) * h1;
  double acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int h = 0; h < m.H1; ++h) acc += static_cast<double>(row[h]) * (g1[h] - g0[h]);
  const int f = g.idx % m.Fp;
  s.dsum[static_cast<std::size_t>(g.t) * m.Fp + f] += acc * m.scale[f];
}

// One sequence (codes, L) at row scale x_scale, for a ReLU model: out (4, L).
void ig_relu(const IgModel& m, const std::uint8_t* codes, float x_scale, const Quadrature& q,
             Target target, IgScratch& s, float* out) {
  const auto h1 = static_cast<std::size_t>(m.H1);
  const int steps = static_cast<int>(q.alphas.size());
  conv_of_codes(m, codes, s);
  std::fill(s.route.begin(), s.route.end(), -1);
  s.segments.clear();
  // Forward: the routes at every step (closing a segment where one changes), fc1 by blocks.
  for (int i0 = 0; i0 < steps; i0 += kStepBlock)
    forward_block(m, q, x_scale, i0, std::min(kStepBlock, steps - i0), s);
  for (int idx = 0; idx < m.W * m.Fp; ++idx) {
    const int t = s.route[static_cast<std::size_t>(idx)];
    if (t >= 0) s.segments.push_back({idx, t, s.since[static_cast<std::size_t>(idx)], steps});
  }
  // Backward: the head for all steps, the running sums of g1, each segment into D.
  head_all_steps(m, q, target, steps, s);
  std::fill(s.gsum.begin(), s.gsum.begin() + static_cast<std::ptrdiff_t>(h1), 0.0);
  for (int i = 0; i < steps; ++i) {
    const double* g0 = s.gsum.data() + static_cast<std::size_t>(i) * h1;
    const float* g = s.g1s.data() + static_cast<std::size_t>(i) * m.H1p;
    double* g1 = s.gsum.data() + static_cast<std::size_t>(i + 1) * h1;
#pragma omp simd
    for (std::size_t h = 0; h < h1; ++h) g1[h] = g0[h] + g[h];
  }
  std::fill(s.dsum.begin(), s.dsum.end(), 0.0);
  for (const Segment& g : s.segments) close_segment(m, s, g);
  for (std::size_t k = 0; k < s.dsum.size(); ++k) s.dconv[k] = static_cast<float>(s.dsum[k]);
  transposed_conv_at_codes(m, codes, x_scale, s, out);
}

}  // namespace

std::vector<float> integrated_gradients_onehot(const ModelConfig& config, const ModelParams& params,
                                               const std::uint8_t* codes, const float* scale, int n,
                                               const Quadrature& q, Target target, int threads) {
  if (n < 0) throw Error("integrated gradients: negative number of sequences");
  const IgModel m(config, params);
  const std::size_t row = 4 * static_cast<std::size_t>(m.L);
  std::vector<float> out(static_cast<std::size_t>(n) * row);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n) * m.L; ++i) {
    if (codes[i] > 3) {
      throw Error("integrated gradients: base code " + std::to_string(codes[i]) + " at sequence " +
                  std::to_string(i / static_cast<std::size_t>(m.L)) + " is not 0..3");
    }
  }
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    IgScratch s(m, q.alphas.size());
#pragma omp for schedule(dynamic, 4)
    for (int i = 0; i < n; ++i) {
      const std::uint8_t* c = codes + static_cast<std::size_t>(i) * m.L;
      const float xs = scale != nullptr ? scale[i] : 1.0f;
      float* o = out.data() + static_cast<std::size_t>(i) * row;
      if (m.relu) {
        ig_relu(m, c, xs, q, target, s, o);
      } else {
        ig_per_step(m, c, xs, q, target, s, o);
      }
    }
  }
  return out;
}

}  // namespace mint

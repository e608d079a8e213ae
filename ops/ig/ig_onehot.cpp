// Integrated Gradients of one-hot input on the CPU, fused per sequence (ig.hpp,
// integrated_gradients_onehot). On the straight path from the zero baseline the input is
// a·onehot (a = α·scale), so
//   conv(a·x)[t, f] = a·C[t, f] + bias[f],   C = the bias-free convolution, computed once;
// each step then needs only BatchNorm, the activation, max-pool, the dense head and their
// backward to ∂f/∂conv. The transposed convolution is linear, so Σ_i w_i ∇f(α_i x) is the
// transposed convolution of D = Σ_i w_i ∂f/∂conv_i, applied once — and only at the observed
// base, since IG multiplies by x. fc1 runs sparsely over the non-zero pooled values, and its
// backward only where a pooled value can pass a gradient.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "ops/ig/ig.hpp"

namespace mint {
namespace {

int round_up8(int v) { return (v + 7) / 8 * 8; }

// Parameters rearranged for the per-sequence loops (F padded to Fp, a multiple of 8).
struct IgModel {
  int L, K, pad, Lc, P, W, F, Fp, H1, H2;
  bool relu;
  std::vector<float> wg;              // (4, K, Fp): conv weight gathered by base, tap
  std::vector<float> bias;            // (Fp) conv bias − BN mean (without BN: the bias)
  std::vector<float> scale;           // (Fp) BN scale γ/√(var + eps) (1 without BN)
  std::vector<float> shift;           // (Fp) BN shift β (0 without BN)
  std::vector<float> w1t;             // (W·Fp, H1): fc1 weight, rows in (w, f) order
  std::vector<float> b1, w2, b2, w3;  // fc1 bias (H1), fc2 (H2, H1), fc2 bias, fc3 (H2)
  float b3 = 0;

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
    w1t.assign(static_cast<std::size_t>(W) * fp * H1, 0.0f);
    for (int h = 0; h < H1; ++h) {
      for (int f = 0; f < F; ++f) {
        for (int w = 0; w < W; ++w) {
          w1t[(static_cast<std::size_t>(w) * fp + f) * H1 + h] =
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
  }
};

struct IgScratch {
  std::vector<float> conv;    // (Lc, Fp) bias-free conv C
  std::vector<float> dconv;   // (Lc, Fp) Σ_i w_i ∂f/∂conv_i
  std::vector<float> pooled;  // (W·Fp) activated window maxima
  std::vector<int> argmax;    // (W·Fp) their conv positions
  std::vector<int> nz;        // indices of non-zero pooled values
  std::vector<float> h1, g1, h2, g2;
  explicit IgScratch(const IgModel& m)
      : conv(static_cast<std::size_t>(m.Lc) * m.Fp),
        dconv(conv.size()),
        pooled(static_cast<std::size_t>(m.W) * m.Fp),
        argmax(pooled.size()),
        nz(pooled.size()),
        h1(static_cast<std::size_t>(m.H1)),
        g1(h1.size()),
        h2(static_cast<std::size_t>(m.H2)),
        g2(h2.size()) {}
};

// C[t, f] = Σ_k W[f, code[t + k − pad], k] over taps inside the sequence, into s.conv.
void conv_of_codes(const IgModel& m, const std::uint8_t* codes, IgScratch& s) {
  const int Fp = m.Fp, Lc = m.Lc, K = m.K;
  const auto fp = static_cast<std::size_t>(Fp);
  for (int t = 0; t < Lc; ++t) {
    float* c = s.conv.data() + static_cast<std::size_t>(t) * fp;
    std::fill(c, c + Fp, 0.0f);
    for (int k = 0; k < K; ++k) {
      const int pos = t + k - m.pad;
      if (pos < 0 || pos >= m.L) continue;
      const float* wk = m.wg.data() + (static_cast<std::size_t>(codes[pos]) * K + k) * fp;
#pragma omp simd
      for (int f = 0; f < Fp; ++f) c[f] += wk[f];
    }
  }
}

// attr[code[p], p] = scale · Σ_k Σ_f W[f, code[p], k] · D[p + pad − k, f]; 0 elsewhere
// (D = s.dconv; conv positions past W·P reach no pool window).
void transposed_conv_at_codes(const IgModel& m, const std::uint8_t* codes, float x_scale,
                              const IgScratch& s, float* out) {
  const int Fp = m.Fp, K = m.K;
  const auto fp = static_cast<std::size_t>(Fp);
  const int used = m.W * m.P;  // conv positions that reach a pool window
  const auto L = static_cast<std::size_t>(m.L);
  std::fill(out, out + 4 * L, 0.0f);
  for (int p = 0; p < m.L; ++p) {
    float acc = 0;
    for (int k = 0; k < K; ++k) {
      const int t = p + m.pad - k;
      if (t < 0 || t >= used) continue;
      const float* wk = m.wg.data() + (static_cast<std::size_t>(codes[p]) * K + k) * fp;
      const float* dk = s.dconv.data() + static_cast<std::size_t>(t) * fp;
#pragma omp simd reduction(+ : acc)
      for (int f = 0; f < Fp; ++f) acc += wk[f] * dk[f];
    }
    out[static_cast<std::size_t>(codes[p]) * L + static_cast<std::size_t>(p)] = x_scale * acc;
  }
}

// One sequence (codes, L) at row scale x_scale: out (4, L).
void ig_one(const IgModel& m, const std::uint8_t* codes, float x_scale, const Quadrature& q,
            Target target, IgScratch& s, float* out) {
  const int Fp = m.Fp;
  const auto fp = static_cast<std::size_t>(Fp);
  conv_of_codes(m, codes, s);
  std::fill(s.dconv.begin(), s.dconv.end(), 0.0f);
  for (std::size_t i = 0; i < q.alphas.size(); ++i) {
    const float a = static_cast<float>(q.alphas[i]) * x_scale;
    // BatchNorm, activation and max-pool, fused per window; the first maximum wins (a later
    // position replaces the running maximum only when strictly greater).
    int nnz = 0;
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
      for (int f = 0; f < m.F; ++f) {
        if (pooled[f] != 0.0f) s.nz[static_cast<std::size_t>(nnz++)] = w * Fp + f;
      }
    }
    // Dense head, forward (fc1 over the non-zero pooled values).
    std::copy(m.b1.begin(), m.b1.end(), s.h1.begin());
    for (int j = 0; j < nnz; ++j) {
      const int idx = s.nz[static_cast<std::size_t>(j)];
      const float v = s.pooled[static_cast<std::size_t>(idx)];
      const float* row = m.w1t.data() + static_cast<std::size_t>(idx) * m.H1;
#pragma omp simd
      for (int h = 0; h < m.H1; ++h) s.h1[static_cast<std::size_t>(h)] += v * row[h];
    }
    float logit = m.b3;
    for (int o = 0; o < m.H2; ++o) {
      const float* w2 = m.w2.data() + static_cast<std::size_t>(o) * m.H1;
      float acc = m.b2[static_cast<std::size_t>(o)];
#pragma omp simd reduction(+ : acc)
      for (int h = 0; h < m.H1; ++h)
        acc += w2[h] * std::max(s.h1[static_cast<std::size_t>(h)], 0.0f);
      s.h2[static_cast<std::size_t>(o)] = acc;
      logit += m.w3[static_cast<std::size_t>(o)] * std::max(acc, 0.0f);
    }
    float d = static_cast<float>(q.weights[i]);
    if (target == Target::prob) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logit)));
      d = static_cast<float>(q.weights[i] * p * (1 - p));
    }
    // Backward to the pooled values (weighted by w_i).
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
    // A pooled value passes a gradient only where the activation's slope is non-zero: for
    // ReLU where it is > 0 (exactly the non-zero pooled values); exp everywhere.
    auto back = [&](int idx) {
      const float* row = m.w1t.data() + static_cast<std::size_t>(idx) * m.H1;
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
    IgScratch s(m);
#pragma omp for schedule(dynamic, 4)
    for (int i = 0; i < n; ++i) {
      ig_one(m, codes + static_cast<std::size_t>(i) * m.L, scale != nullptr ? scale[i] : 1.0f, q,
             target, s, out.data() + static_cast<std::size_t>(i) * row);
    }
  }
  return out;
}

}  // namespace mint

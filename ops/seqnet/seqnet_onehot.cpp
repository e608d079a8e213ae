// The first Conv1d of a one-hot row: its forward pass as a lookup of filter columns, and the
// attribution x ⊙ (Wᵀ δ) at the observed channels only. See seqnet_layers.hpp.
#include <algorithm>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "ops/common/simd.hpp"
#include "ops/seqnet/seqnet_layers.hpp"

namespace mint::seqnet {
namespace {

std::size_t sz(int v) { return static_cast<std::size_t>(v); }

// Output channels [o0, o0 + 8·NV) of every position into ot (lout, opad): per position the
// accumulators stay in registers, one FMA per nonzero input column in the window.
template <int NV>
void onehot_block(const SequentialLayer& l, const LayerPlan& plan, const float* bias_pad,
                  const int* base, const float* val, int lin, int o0, float* ot) {
  const int K = l.kernel, opad = plan.opad, lout = l.length_after;
  for (int t = 0; t < lout; ++t) {
    Float8 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = load8(bias_pad + o0 + 8 * v);
    for (int k = 0; k < K; ++k) {
      const int p = t + k * l.dilation - l.pad_left;
      if (p < 0 || p >= lin || base[p] < 0) continue;
      const Float8 x = broadcast8(val[p]);
      const float* w = plan.onehot.data() + (sz(base[p]) * sz(K) + sz(k)) * sz(opad) + sz(o0);
      for (int v = 0; v < NV; ++v) acc[v] += load8(w + 8 * v) * x;
    }
    for (int v = 0; v < NV; ++v) store8(ot + sz(t) * sz(opad) + sz(o0 + 8 * v), acc[v]);
  }
}

}  // namespace

void transpose_to(const float* src, int rows, int cols, int ld_src, float* dst, int ld_dst) {
  int r0 = 0;
#if defined(__AVX__)
  for (; r0 + 8 <= rows; r0 += 8) {  // 8 × 8 blocks in registers (unpack, shuffle, permute)
    int c0 = 0;
    for (; c0 + 8 <= cols; c0 += 8) {
      __m256 v[8], t[8];
      for (int r = 0; r < 8; ++r) v[r] = _mm256_loadu_ps(src + sz(r0 + r) * sz(ld_src) + sz(c0));
      for (int r = 0; r < 8; r += 2) {
        t[r] = _mm256_unpacklo_ps(v[r], v[r + 1]);
        t[r + 1] = _mm256_unpackhi_ps(v[r], v[r + 1]);
      }
      for (int r = 0; r < 8; r += 4) {
        v[r] = _mm256_shuffle_ps(t[r], t[r + 2], _MM_SHUFFLE(1, 0, 1, 0));
        v[r + 1] = _mm256_shuffle_ps(t[r], t[r + 2], _MM_SHUFFLE(3, 2, 3, 2));
        v[r + 2] = _mm256_shuffle_ps(t[r + 1], t[r + 3], _MM_SHUFFLE(1, 0, 1, 0));
        v[r + 3] = _mm256_shuffle_ps(t[r + 1], t[r + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      // v[0..3]: columns 0, 1, 2, 3 (lanes 0-3) and 4, 5, 6, 7 (lanes 4-7) of rows 0-3;
      // v[4..7] the same of rows 4-7.
      static constexpr int kCol[8] = {0, 1, 2, 3, 0, 1, 2, 3};
      for (int c = 0; c < 8; ++c) {
        const __m256 lo = v[kCol[c]], hi = v[4 + kCol[c]];
        const __m256 out =
            c < 4 ? _mm256_permute2f128_ps(lo, hi, 0x20) : _mm256_permute2f128_ps(lo, hi, 0x31);
        _mm256_storeu_ps(dst + sz(c0 + c) * sz(ld_dst) + sz(r0), out);
      }
    }
    for (; c0 < cols; ++c0) {
      for (int r = 0; r < 8; ++r)
        dst[sz(c0) * sz(ld_dst) + sz(r0 + r)] = src[sz(r0 + r) * sz(ld_src) + sz(c0)];
    }
  }
#endif
  for (; r0 < rows; ++r0) {
    for (int c = 0; c < cols; ++c)
      dst[sz(c) * sz(ld_dst) + sz(r0)] = src[sz(r0) * sz(ld_src) + sz(c)];
  }
}

bool onehot_columns(const float* x, int lin, int* base, float* val) {
  for (int p = 0; p < lin; ++p) {
    int b = -1, nonzero = 0;
    float v = 0.0f;
    for (int c = 0; c < 4; ++c) {
      const float u = x[sz(c) * sz(lin) + sz(p)];
      if (u != 0.0f) {
        b = c;
        v = u;
        ++nonzero;
      }
    }
    if (nonzero > 1) return false;
    base[p] = b;
    val[p] = v;
  }
  return true;
}

void conv1d_onehot(const SequentialLayer& l, const LayerPlan& plan, const float* bias,
                   const int* base, const float* val, int lin, float* out, Scratch& s) {
  const int opad = plan.opad, lout = l.length_after;
  s.oh_bias.assign(sz(opad), 0.0f);
  if (bias != nullptr) std::copy(bias, bias + l.out, s.oh_bias.begin());
  s.oh_t.resize(sz(lout) * sz(opad));
  int o0 = 0;
  for (; o0 + 64 <= opad; o0 += 64)
    onehot_block<8>(l, plan, s.oh_bias.data(), base, val, lin, o0, s.oh_t.data());
  for (; o0 < opad; o0 += 8)
    onehot_block<1>(l, plan, s.oh_bias.data(), base, val, lin, o0, s.oh_t.data());
  transpose_to(s.oh_t.data(), lout, l.out, opad, out, lout);
}

void conv1d_onehot_attr(const SequentialLayer& l, const LayerPlan& plan, const int* base,
                        const float* val, int lin, const float* dt, float* attr, Scratch& s) {
  const int K = l.kernel, opad = plan.opad, lout = l.length_after;
  // Per input position 8 partial sums (part, lin × 8): δ's row t is loaded once (up to 64
  // channels in registers) for the K positions it reaches; one horizontal sum per position.
  s.oh_bias.assign(sz(lin) * 8, 0.0f);
  float* part = s.oh_bias.data();
  for (int o0 = 0; o0 < opad; o0 += 64) {
    const int nv = std::min(8, (opad - o0) / 8);
    for (int t = 0; t < lout; ++t) {
      Float8 d[8];
      for (int v = 0; v < nv; ++v) d[v] = load8(dt + sz(t) * sz(opad) + sz(o0 + 8 * v));
      for (int k = 0; k < K; ++k) {
        const int p = t - l.pad_left + k * l.dilation;
        if (p < 0 || p >= lin || base[p] < 0) continue;
        const float* w = plan.onehot.data() + (sz(base[p]) * sz(K) + sz(k)) * sz(opad) + sz(o0);
        Float8 acc = load8(part + 8 * sz(p));
        for (int v = 0; v < nv; ++v) acc += load8(w + 8 * v) * d[v];
        store8(part + 8 * sz(p), acc);
      }
    }
  }
  std::fill(attr, attr + 4 * sz(lin), 0.0f);
  for (int p = 0; p < lin; ++p) {
    if (base[p] < 0) continue;
    float sum = 0.0f;
    for (int v = 0; v < 8; ++v) sum += part[8 * sz(p) + sz(v)];
    attr[sz(base[p]) * sz(lin) + sz(p)] = val[p] * sum;
  }
}

}  // namespace mint::seqnet

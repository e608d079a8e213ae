// The first Conv1d of a one-hot row: its forward pass as a lookup of filter columns, and the
// attribution x ⊙ (Wᵀ δ) at the observed channels only. See seqnet_layers.hpp.
#include <algorithm>

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
  for (int o = 0; o < l.out; ++o) {
    float* dst = out + sz(o) * sz(lout);
    for (int t = 0; t < lout; ++t) dst[t] = s.oh_t[sz(t) * sz(opad) + sz(o)];
  }
}

void conv1d_onehot_attr(const SequentialLayer& l, const LayerPlan& plan, const int* base,
                        const float* val, int lin, const float* dt, float* attr) {
  const int K = l.kernel, opad = plan.opad, lout = l.length_after;
  std::fill(attr, attr + 4 * sz(lin), 0.0f);
  for (int p = 0; p < lin; ++p) {
    if (base[p] < 0) continue;
    Float8 a0 = splat8(0.0f), a1 = splat8(0.0f);  // two FMA chains, summed in a fixed order
    for (int k = 0; k < K; ++k) {
      const int t = p + l.pad_left - k * l.dilation;
      if (t < 0 || t >= lout) continue;
      const float* w = plan.onehot.data() + (sz(base[p]) * sz(K) + sz(k)) * sz(opad);
      const float* d = dt + sz(t) * sz(opad);
      int o = 0;
      for (; o + 16 <= opad; o += 16) {
        a0 += load8(w + o) * load8(d + o);
        a1 += load8(w + o + 8) * load8(d + o + 8);
      }
      for (; o < opad; o += 8) a0 += load8(w + o) * load8(d + o);
    }
    const Float8 acc = a0 + a1;
    float sum = 0.0f;
    for (int v = 0; v < 8; ++v) sum += acc[v];
    attr[sz(base[p]) * sz(lin) + sz(p)] = val[p] * sum;
  }
}

}  // namespace mint::seqnet

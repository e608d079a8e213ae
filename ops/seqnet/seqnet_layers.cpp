// One row through one layer. See seqnet_layers.hpp.
#include "ops/seqnet/seqnet_layers.hpp"

#include <algorithm>
#include <cmath>

#include "ops/common/simd.hpp"
#include "ops/seqnet/seqnet_core.hpp"

namespace mint::seqnet {
namespace {

int round_up(int x, int m) { return (x + m - 1) / m * m; }

}  // namespace

std::vector<LayerPlan> LayerPlan::make(const SequentialArchitecture& arch,
                                       const SequentialParams& params) {
  std::vector<LayerPlan> plans(arch.layers.size());
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const SequentialLayer& l = arch.layers[i];
    const LayerParams& p = params.layers[i];
    LayerPlan& plan = plans[i];
    if (l.type == LayerType::conv1d) {
      const int K = l.kernel;
      plan.flipped.resize(p.weight.size());
      for (int o = 0; o < l.out; ++o) {
        for (int c = 0; c < l.in; ++c) {
          for (int k = 0; k < K; ++k) {
            plan.flipped[(static_cast<std::size_t>(c) * l.out + o) * K + (K - 1 - k)] =
                p.weight[(static_cast<std::size_t>(o) * l.in + c) * K + k];
          }
        }
      }
      plan.packed = PackedConv::pack(p.weight.data(), l.out, l.in, K);
      plan.cpad = round_up(l.in, 8);
      plan.wt.assign(static_cast<std::size_t>(l.out) * K * plan.cpad, 0.0f);
      for (int o = 0; o < l.out; ++o) {
        for (int c = 0; c < l.in; ++c) {
          for (int k = 0; k < K; ++k) {
            plan.wt[(static_cast<std::size_t>(o) * K + k) * plan.cpad + c] =
                p.weight[(static_cast<std::size_t>(o) * l.in + c) * K + k];
          }
        }
      }
      plan.packed_flipped = PackedConv::pack(plan.flipped.data(), l.in, l.out, K);
      if (l.in == 4) {
        plan.opad = round_up(l.out, 8);
        plan.onehot.assign(static_cast<std::size_t>(4) * K * plan.opad, 0.0f);
        for (int o = 0; o < l.out; ++o) {
          for (int c = 0; c < 4; ++c) {
            for (int k = 0; k < K; ++k) {
              plan.onehot[(static_cast<std::size_t>(c) * K + k) * plan.opad + o] =
                  p.weight[(static_cast<std::size_t>(o) * 4 + c) * K + k];
            }
          }
        }
      }
    } else if (l.type == LayerType::batchnorm1d) {
      plan.alpha.resize(p.weight.size());
      plan.beta.resize(p.weight.size());
      for (std::size_t c = 0; c < p.weight.size(); ++c) {
        const float invstd =
            static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.running_var[c]) + l.eps));
        plan.alpha[c] = invstd * p.weight[c];
        plan.beta[c] = p.bias[c] - p.running_mean[c] * plan.alpha[c];
      }
    }
  }
  return plans;
}

PackedConv PackedConv::pack(const float* w, int cout, int cin, int kernel) {
  PackedConv pc;
  pc.cout = cout;
  pc.cin = cin;
  pc.kernel = kernel;
  pc.rows = cout <= 4 ? 4 : 6;
  const int R = pc.rows, blocks = (cout + R - 1) / R;
  pc.w.assign(static_cast<std::size_t>(blocks) * R * cin * kernel, 0.0f);
  for (int o = 0; o < cout; ++o) {
    for (int c = 0; c < cin; ++c) {
      for (int k = 0; k < kernel; ++k) {
        pc.w[((static_cast<std::size_t>(o / R) * cin + c) * kernel + k) * R + o % R] =
            w[(static_cast<std::size_t>(o) * cin + c) * kernel + k];
      }
    }
  }
  return pc;
}

namespace {

// R output channels × V·8 positions per register tile (R·V accumulators, V inputs and one
// broadcast weight: at most the 16 AVX registers). xp: the padded input, rows of wp floats.
template <int R, int V>
void conv_tiles(const float* xp, int wp, const PackedConv& pc, const float* bias, int dil, int lout,
                float* out) {
  constexpr int kT = 8 * V;
  const int cin = pc.cin, K = pc.kernel;
  for (int o0 = 0; o0 < pc.cout; o0 += R) {
    const float* wb = pc.w.data() + static_cast<std::size_t>(o0) * cin * K;
    const int rows = std::min(R, pc.cout - o0);
    for (int t0 = 0; t0 < lout; t0 += kT) {
      Float8 acc[R][V];
      for (int j = 0; j < R; ++j) {
        const float b = (bias != nullptr && j < rows) ? bias[o0 + j] : 0.0f;
        for (int v = 0; v < V; ++v) acc[j][v] = broadcast8(b);
      }
      for (int c = 0; c < cin; ++c) {
        const float* xc = xp + static_cast<std::size_t>(c) * wp + t0;
        const float* wc = wb + static_cast<std::size_t>(c) * K * R;
        for (int k = 0; k < K; ++k) {
          Float8 xv[V];
          for (int v = 0; v < V; ++v) xv[v] = load8(xc + k * dil + 8 * v);
          for (int j = 0; j < R; ++j) {
            const Float8 wv = broadcast8(wc[k * R + j]);
            for (int v = 0; v < V; ++v) acc[j][v] += wv * xv[v];
          }
        }
      }
      const int n = std::min(kT, lout - t0);
      for (int j = 0; j < rows; ++j) {
        float* dst = out + static_cast<std::size_t>(o0 + j) * lout + t0;
        if (n == kT) {
          for (int v = 0; v < V; ++v) store8(dst + 8 * v, acc[j][v]);
        } else {
          alignas(32) float tmp[kT];
          for (int v = 0; v < V; ++v) store8(tmp + 8 * v, acc[j][v]);
          std::copy(tmp, tmp + n, dst);
        }
      }
    }
  }
}

// ReLU as activation() computes it (x > 0 ? x : 0), 8 lanes at a time.
void relu_forward(const float* in, float* out, std::size_t n) {
  const Float8 zero = splat8(0.0f);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const Float8 v = load8(in + k);
    store8(out + k, v > zero ? v : zero);
  }
  for (; k < n; ++k) out[k] = in[k] > 0.0f ? in[k] : 0.0f;
}

// din = dout · (x > 0 ? 1 : 0), as backward_row's elementwise rule computes it.
void relu_backward(const float* in, const float* dout, float* din, std::size_t n) {
  const Float8 zero = splat8(0.0f), one = splat8(1.0f);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const Float8 v = load8(in + k);
    store8(din + k, load8(dout + k) * (v > zero ? one : zero));
  }
  for (; k < n; ++k) din[k] = dout[k] * (in[k] > 0.0f ? 1.0f : 0.0f);
}

// out[r][o] = Σ_k w[o,k]·in[r][k] (+ bias[o]) for NR rows: one output at a time, its weights
// loaded once for the NR rows (from L2 once per NR rows instead of once per row), two 8-lane
// accumulators per row (independent FMA chains). Each row's terms are summed in the same
// order whatever NR is: the same bits for any grouping of rows.
template <int NR>
void linear_rows(const float* in, std::size_t ld_in, const float* w, const float* bias, int nin,
                 int nout, float* out, std::size_t ld_out) {
  const int body = nin / 16 * 16;
  for (int o = 0; o < nout; ++o) {
    const float* wr = w + static_cast<std::size_t>(o) * nin;
    Float8 a0[NR], a1[NR];
    for (int r = 0; r < NR; ++r) a0[r] = a1[r] = splat8(0.0f);
    for (int k = 0; k < body; k += 16) {
      const Float8 w0 = load8(wr + k), w1 = load8(wr + k + 8);
      for (int r = 0; r < NR; ++r) {
        a0[r] += w0 * load8(in + r * ld_in + k);
        a1[r] += w1 * load8(in + r * ld_in + k + 8);
      }
    }
    for (int r = 0; r < NR; ++r) {
      const float* x = in + r * ld_in;
      const Float8 acc = a0[r] + a1[r];
      float sum = 0.0f;
      for (int v = 0; v < 8; ++v) sum += acc[v];
      for (int k = body; k < nin; ++k) sum += wr[k] * x[k];
      out[r * ld_out + o] = bias != nullptr ? sum + bias[o] : sum;
    }
  }
}

// din[r][k] = Σ_o w[o,k]·dout[r][o] over the nonzero dout[r][o], in o order, for 64 (then 8)
// input features at a time: the accumulators stay in registers and the block's weights
// (64 × nout floats) in L1 across the rows.
template <int NV>
void linear_backward_block(const float* dout, std::size_t ld_out, int n, const float* w, int nin,
                           int nout, int k0, float* din, std::size_t ld_in) {
  for (int r = 0; r < n; ++r) {
    const float* g = dout + r * ld_out;
    Float8 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = splat8(0.0f);
    for (int o = 0; o < nout; ++o) {
      if (g[o] == 0.0f) continue;
      const Float8 gv = broadcast8(g[o]);
      const float* wr = w + static_cast<std::size_t>(o) * nin + k0;
      for (int v = 0; v < NV; ++v) acc[v] += gv * load8(wr + 8 * v);
    }
    for (int v = 0; v < NV; ++v) store8(din + r * ld_in + k0 + 8 * v, acc[v]);
  }
}

}  // namespace

void linear_forward_rows(const float* in, int n, const float* w, const float* bias, int nin,
                         int nout, float* out) {
  const std::size_t ld_in = static_cast<std::size_t>(nin), ld_out = static_cast<std::size_t>(nout);
  int r = 0;
  for (; r + 4 <= n; r += 4)
    linear_rows<4>(in + r * ld_in, ld_in, w, bias, nin, nout, out + r * ld_out, ld_out);
  for (; r < n; ++r)
    linear_rows<1>(in + r * ld_in, ld_in, w, bias, nin, nout, out + r * ld_out, ld_out);
}

void linear_backward_rows(const float* dout, int n, const float* w, int nin, int nout, float* din) {
  const std::size_t ld_in = static_cast<std::size_t>(nin), ld_out = static_cast<std::size_t>(nout);
  int k0 = 0;
  for (; k0 + 64 <= nin; k0 += 64)
    linear_backward_block<8>(dout, ld_out, n, w, nin, nout, k0, din, ld_in);
  for (; k0 + 8 <= nin; k0 += 8)
    linear_backward_block<1>(dout, ld_out, n, w, nin, nout, k0, din, ld_in);
  for (int r = 0; r < n; ++r) {  // the last nin % 8 features, the same terms in the same order
    const float* g = dout + r * ld_out;
    for (int k = k0; k < nin; ++k) {
      float sum = 0.0f;
      for (int o = 0; o < nout; ++o) {
        if (g[o] != 0.0f) sum += g[o] * w[static_cast<std::size_t>(o) * nin + k];
      }
      din[r * ld_in + k] = sum;
    }
  }
}

namespace {

// din[c, s] += Σ over the nonzero g = dout[o, t] with t = s − k·dil + pad_left of wt[o,k,c]·g,
// for the 8·NV channels from c0: per input position, the accumulators stay in registers;
// the terms in the order k, then o. Into din_t (lin, cpad), channel-last.
template <int NV>
void sparse_block(const LayerPlan& plan, int plan_cout, int K, int dil, int pad_left, int lin,
                  int lout, int c0, const Scratch& s, float* din_t) {
  const int cpad = plan.cpad;
  for (int pos = 0; pos < lin; ++pos) {
    Float8 acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = splat8(0.0f);
    for (int k = 0; k < K; ++k) {
      const int t = pos - k * dil + pad_left;
      if (t < 0 || t >= lout) continue;
      const int e0 = t * plan_cout, e1 = e0 + s.col_start[t];
      for (int e = e0; e < e1; ++e) {
        const Float8 g = broadcast8(s.col_g[e]);
        const float* w =
            plan.wt.data() + (static_cast<std::size_t>(s.col_o[e]) * K + k) * cpad + c0;
        for (int v = 0; v < NV; ++v) acc[v] += g * load8(w + 8 * v);
      }
    }
    for (int v = 0; v < NV; ++v)
      store8(din_t + static_cast<std::size_t>(pos) * cpad + c0 + 8 * v, acc[v]);
  }
}

// The conv's input gradient (cin, lin) from an output gradient with few nonzeros: work in
// proportion to them (sparse_block). False, nothing done, when more than a third are nonzero
// (the dense transposed convolution is faster then).
bool conv1d_backward_sparse(const SequentialLayer& l, const LayerPlan& plan, int lin,
                            const float* dout, float* din, Scratch& s) {
  const int cout = l.out, lout = l.length_after, cin = l.in;
  const std::size_t total = static_cast<std::size_t>(cout) * lout;
  // Column t's nonzeros at [t·cout, t·cout + count[t]), in o order; written branch-free (an
  // entry is always written, kept only when nonzero).
  s.col_start.assign(static_cast<std::size_t>(lout), 0);
  s.col_o.resize(total);
  s.col_g.resize(total);
  for (int o = 0; o < cout; ++o) {
    const float* d = dout + static_cast<std::size_t>(o) * lout;
    for (int t = 0; t < lout; ++t) {
      const std::size_t e = static_cast<std::size_t>(t) * cout + s.col_start[t];
      s.col_o[e] = o;
      s.col_g[e] = d[t];
      s.col_start[t] += d[t] != 0.0f;
    }
  }
  std::size_t nnz = 0;
  for (int t = 0; t < lout; ++t) nnz += static_cast<std::size_t>(s.col_start[t]);
  if (nnz * 3 > total) return false;
  const int cpad = plan.cpad;
  s.din_t.resize(static_cast<std::size_t>(lin) * cpad);
  int c0 = 0;
  for (; c0 + 64 <= cpad; c0 += 64)
    sparse_block<8>(plan, cout, l.kernel, l.dilation, l.pad_left, lin, lout, c0, s, s.din_t.data());
  for (; c0 < cpad; c0 += 8)
    sparse_block<1>(plan, cout, l.kernel, l.dilation, l.pad_left, lin, lout, c0, s, s.din_t.data());
  transpose_to(s.din_t.data(), lin, cin, cpad, din, lin);
  return true;
}

// Max pooling of windows [0, w8) (w8 a multiple of 8), 8 windows in the lanes: the first
// maximum (a later value replaces the best only when greater), as forward_row's scalar loop.
void maxpool_lanes(const float* x, int kernel, int stride, int w8, float* out,
                   std::int32_t* argmax) {
  for (int w0 = 0; w0 < w8; w0 += 8) {
    const float* b = x + static_cast<std::size_t>(w0) * stride;
    const int s = stride;
    auto gather = [b, s](int j) {
      return Float8{b[j],         b[s + j],     b[2 * s + j], b[3 * s + j],
                    b[4 * s + j], b[5 * s + j], b[6 * s + j], b[7 * s + j]};
    };
    const Int8 base = Int8{0, 1, 2, 3, 4, 5, 6, 7} * stride + w0 * stride;
    Float8 bv = gather(0);
    Int8 bi = base;
    for (int j = 1; j < kernel; ++j) {
      const Float8 v = gather(j);
      const Int8 gt = v > bv;
      bv = gt ? v : bv;
      bi = gt ? base + j : bi;
    }
    store8(out + w0, bv);
    if (argmax != nullptr) store8i(argmax + w0, bi);
  }
}

}  // namespace

void conv1d_row(const float* x, int lin, const PackedConv& w, const float* bias, int dil,
                int pad_left, int lout, float* out, Scratch& s) {
  const int cin = w.cin, span = dil * (w.kernel - 1);
  const int tile = w.rows == 4 ? 24 : 16;  // conv_tiles' positions per tile
  const int wp = round_up(lout, tile) + span;
  s.padded.assign(static_cast<std::size_t>(cin) * wp, 0.0f);
  for (int c = 0; c < cin; ++c) {
    float* row = s.padded.data() + static_cast<std::size_t>(c) * wp;
    const int s0 = std::max(0, -pad_left), s1 = std::min(lin, wp - pad_left);
    if (s1 > s0)
      std::copy(x + static_cast<std::size_t>(c) * lin + s0,
                x + static_cast<std::size_t>(c) * lin + s1, row + s0 + pad_left);
  }
  if (w.rows == 4) {
    conv_tiles<4, 3>(s.padded.data(), wp, w, bias, dil, lout, out);
  } else {
    conv_tiles<6, 2>(s.padded.data(), wp, w, bias, dil, lout, out);
  }
}

void conv1d_row(const float* x, int cin, int lin, const float* w, const float* bias, int cout,
                int kernel, int dil, int pad_left, int lout, float* out, Scratch& s) {
  s.packed = PackedConv::pack(w, cout, cin, kernel);
  conv1d_row(x, lin, s.packed, bias, dil, pad_left, lout, out, s);
}

float activation(const SequentialLayer& l, float x) { return activation_value(act_params(l), x); }

float activation_grad(const SequentialLayer& l, float x, float y) {
  return activation_derivative(act_params(l), x, y);
}

void forward_row(const SequentialArchitecture& arch, std::size_t i, const LayerParams& p,
                 const LayerPlan& plan, const float* in, float* out, std::int32_t* argmax,
                 Scratch& s) {
  const SequentialLayer& l = arch.layers[i];
  const int cin = arch.channels_before(i), lin = arch.length_before(i);
  const int lout = l.length_after;
  const std::size_t n_in = static_cast<std::size_t>(arch.size_before(i));
  switch (l.type) {
    case LayerType::conv1d:
      conv1d_row(in, lin, plan.packed, l.bias ? p.bias.data() : nullptr, l.dilation, l.pad_left,
                 lout, out, s);
      return;
    case LayerType::batchnorm1d:
      for (int c = 0; c < cin; ++c) {
        const float a = plan.alpha[c], b = plan.beta[c];
        for (int t = 0; t < lin; ++t) {
          const std::size_t k = static_cast<std::size_t>(c) * lin + t;
          out[k] = in[k] * a + b;
        }
      }
      return;
    case LayerType::maxpool1d:
    case LayerType::global_maxpool1d: {
      const int kernel = l.type == LayerType::maxpool1d ? l.kernel : lin;
      const int stride = l.type == LayerType::maxpool1d ? l.stride : lin;
      for (int c = 0; c < cin; ++c) {
        const float* x = in + static_cast<std::size_t>(c) * lin;
        const std::size_t at = static_cast<std::size_t>(c) * lout;
        const int w8 = lout / 8 * 8;
        maxpool_lanes(x, kernel, stride, w8, out + at, argmax != nullptr ? argmax + at : nullptr);
        for (int w = w8; w < lout; ++w) {
          int best = w * stride;
          float bv = x[best];  // in a register: no load through `best` per step
          for (int t = best + 1; t < w * stride + kernel; ++t) {
            const float v = x[t];
            best = v > bv ? t : best;
            bv = v > bv ? v : bv;
          }
          const std::size_t k = static_cast<std::size_t>(c) * lout + w;
          out[k] = bv;
          if (argmax != nullptr) argmax[k] = best;
        }
      }
      return;
    }
    case LayerType::avgpool1d:
    case LayerType::global_avgpool1d: {
      const int kernel = l.type == LayerType::avgpool1d ? l.kernel : lin;
      const int stride = l.type == LayerType::avgpool1d ? l.stride : lin;
      for (int c = 0; c < cin; ++c) {
        const float* x = in + static_cast<std::size_t>(c) * lin;
        for (int w = 0; w < lout; ++w) {
          double sum = 0.0;  // in double: a global mean of hundreds of values
          for (int t = w * stride; t < w * stride + kernel; ++t) sum += x[t];
          out[static_cast<std::size_t>(c) * lout + w] = static_cast<float>(sum / kernel);
        }
      }
      return;
    }
    case LayerType::linear:
      linear_forward_rows(in, 1, p.weight.data(), l.bias ? p.bias.data() : nullptr, l.in, l.out,
                          out);
      return;
    case LayerType::flatten:
    case LayerType::dropout:
      std::copy(in, in + n_in, out);
      return;
    case LayerType::relu:
      relu_forward(in, out, n_in);
      return;
    default: {  // elementwise
      const ActParams a = act_params(l);
      for (std::size_t k = 0; k < n_in; ++k) out[k] = activation_value(a, in[k]);
      return;
    }
  }
}

void backward_row(const SequentialArchitecture& arch, std::size_t i, const LayerParams& p,
                  const LayerPlan& plan, const float* in, const float* out,
                  const std::int32_t* argmax, const float* dout, float* din, Scratch& s) {
  const SequentialLayer& l = arch.layers[i];
  const int cin = arch.channels_before(i), lin = arch.length_before(i);
  const int lout = l.length_after;
  const std::size_t n_in = static_cast<std::size_t>(arch.size_before(i));
  switch (l.type) {
    case LayerType::conv1d: {
      if (conv1d_backward_sparse(l, plan, lin, dout, din, s)) return;
      const int span = l.dilation * (l.kernel - 1);
      conv1d_row(dout, lout, plan.packed_flipped, nullptr, l.dilation, span - l.pad_left, lin, din,
                 s);
      return;
    }
    case LayerType::batchnorm1d:
      for (int c = 0; c < cin; ++c) {
        for (int t = 0; t < lin; ++t) {
          const std::size_t k = static_cast<std::size_t>(c) * lin + t;
          din[k] = dout[k] * plan.alpha[c];
        }
      }
      return;
    case LayerType::maxpool1d:
    case LayerType::global_maxpool1d:
      std::fill(din, din + n_in, 0.0f);
      if (l.type == LayerType::maxpool1d && l.stride >= l.kernel) {  // disjoint windows: store
        for (int c = 0; c < cin; ++c) {  // per channel: no division per element
          const std::size_t k0 = static_cast<std::size_t>(c) * lout;
          float* dc = din + static_cast<std::size_t>(c) * lin;
          for (int w = 0; w < lout; ++w) dc[argmax[k0 + w]] = dout[k0 + w];
        }
        return;
      }
      for (int c = 0; c < cin; ++c) {
        for (int w = 0; w < lout; ++w) {
          const std::size_t k = static_cast<std::size_t>(c) * lout + w;
          din[static_cast<std::size_t>(c) * lin + argmax[k]] += dout[k];
        }
      }
      return;
    case LayerType::avgpool1d:
    case LayerType::global_avgpool1d: {
      const int kernel = l.type == LayerType::avgpool1d ? l.kernel : lin;
      const int stride = l.type == LayerType::avgpool1d ? l.stride : lin;
      std::fill(din, din + n_in, 0.0f);
      for (int c = 0; c < cin; ++c) {
        for (int w = 0; w < lout; ++w) {
          const float g = dout[static_cast<std::size_t>(c) * lout + w] / static_cast<float>(kernel);
          for (int t = w * stride; t < w * stride + kernel; ++t) {
            din[static_cast<std::size_t>(c) * lin + t] += g;
          }
        }
      }
      return;
    }
    case LayerType::linear:
      linear_backward_rows(dout, 1, p.weight.data(), l.in, l.out, din);
      return;
    case LayerType::flatten:
    case LayerType::dropout:
      std::copy(dout, dout + n_in, din);
      return;
    case LayerType::relu:
      relu_backward(in, dout, din, n_in);
      return;
    default: {  // elementwise
      const ActParams a = act_params(l);
      for (std::size_t k = 0; k < n_in; ++k)
        din[k] = dout[k] * activation_derivative(a, in[k], out[k]);
      return;
    }
  }
}

void param_grad_row(const SequentialArchitecture& arch, std::size_t i, const float* in,
                    const float* dout, LayerParams& g, Scratch& s) {
  const SequentialLayer& l = arch.layers[i];
  if (l.type == LayerType::linear) {
    for (int o = 0; o < l.out; ++o) {
      const float d = dout[o];
      if (l.bias) g.bias[o] += d;
      float* gw = g.weight.data() + static_cast<std::size_t>(o) * l.in;
      for (int k = 0; k < l.in; ++k) gw[k] += d * in[k];
    }
    return;
  }
  if (l.type != LayerType::conv1d) return;
  const int cin = l.in, lin = arch.length_before(i), lout = l.length_after;
  const int span = l.dilation * (l.kernel - 1);
  const int wp = lout + span;
  s.padded.assign(static_cast<std::size_t>(cin) * wp, 0.0f);
  for (int c = 0; c < cin; ++c) {
    for (int t = 0; t < lin; ++t) {
      const int j = t + l.pad_left;
      if (j >= 0 && j < wp) s.padded[static_cast<std::size_t>(c) * wp + j] = in[c * lin + t];
    }
  }
  for (int o = 0; o < l.out; ++o) {
    const float* d = dout + static_cast<std::size_t>(o) * lout;
    if (l.bias) {
      float sum = 0.0f;
      for (int t = 0; t < lout; ++t) sum += d[t];
      g.bias[o] += sum;
    }
    for (int c = 0; c < cin; ++c) {
      const float* xc = s.padded.data() + static_cast<std::size_t>(c) * wp;
      float* gw = g.weight.data() + (static_cast<std::size_t>(o) * cin + c) * l.kernel;
      for (int k = 0; k < l.kernel; ++k) {
        const float* x = xc + k * l.dilation;
        Float8 acc = splat8(0.0f);
        int t = 0;
        for (; t + 8 <= lout; t += 8) acc += load8(d + t) * load8(x + t);
        float sum = 0.0f;
        for (int j = 0; j < 8; ++j) sum += acc[j];
        for (; t < lout; ++t) sum += d[t] * x[t];
        gw[k] += sum;
      }
    }
  }
}

}  // namespace mint::seqnet

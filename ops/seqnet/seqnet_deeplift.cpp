// DeepLIFT (rescale rule, zero baseline) on a general sequential network, computed the way Captum
// computes it: the input x and the reference go forward side by side (two "halves"), and one
// backward pass carries a gradient for each half; every hooked layer (an elementwise
// nonlinearity, max pooling) replaces the gradient w.r.t. its input by its rule
// (docs/reference-semantics.md §4), every other layer backpropagates plainly.
//
//   rescale   m = g_rec·Δout/Δin where |Δin| ≥ eps, else the half's plain gradient g·f'(v)
//   max pool  U = unpool(g_rec,x·(M − o_r) at the input's argmax) + unpool(g_rec,r·(o_x − M)
//             at the reference's argmax), M = max(o_x, o_r); m = U/Δin where |Δin| ≥ eps,
//             else the half's plain max-pool gradient
// g_rec is the gradient the layer recorded for its output. With the fixes (PR #1843, #1847:
// DeepLiftCompat::none) it is the gradient that flows there; released Captum
// (DeepLiftCompat::captum_0_8) records it before the next layer's rule rewrites it, so where the
// next layer is hooked too, g_rec is that layer's plain input gradient (issue #1104), and the
// max-pool fallback takes batch row 0's plain gradient — sequence 0's — for every row
// (issue #1276). attribution = (x − 0) ⊙ m at the input.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/common/simd.hpp"
#include "ops/deeplift/deeplift_core.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_layers.hpp"

namespace mint {
namespace {

std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

// One half's forward pass: every layer's input (acts[i]) and output (acts[L]), and the
// max-pool argmaxes.
struct Pass {
  std::vector<std::vector<float>> acts;
  std::vector<std::vector<std::int32_t>> args;
};

// onehot: layer 0 (a Conv1d of 4 channels) as a lookup of the one-hot row s.oh_base, s.oh_val.
void run_forward(const SequentialModel& m, const std::vector<seqnet::LayerPlan>& plans,
                 const float* x, Pass& pass, seqnet::Scratch& s, bool onehot = false) {
  const std::size_t L = m.arch.layers.size();
  pass.acts.resize(L + 1);
  pass.args.resize(L);
  pass.acts[0].assign(x, x + 4 * sz(m.arch.length));
  for (std::size_t i = 0; i < L; ++i) {
    const SequentialLayer& l = m.arch.layers[i];
    pass.acts[i + 1].resize(sz(l.size_after()));
    pass.args[i].resize(is_max_pool(l.type) ? sz(l.size_after()) : 0);
    if (i == 0 && onehot) {
      seqnet::conv1d_onehot(l, plans[0], l.bias ? m.params.layers[0].bias.data() : nullptr,
                            s.oh_base.data(), s.oh_val.data(), m.arch.length, pass.acts[1].data(),
                            s);
      continue;
    }
    seqnet::forward_row(m.arch, i, m.params.layers[i], plans[i], pass.acts[i].data(),
                        pass.acts[i + 1].data(),
                        pass.args[i].empty() ? nullptr : pass.args[i].data(), s);
  }
}

// Conv1d(4 → F) → ReLU → MaxPool1d (disjoint windows) first, compat none: for one-hot rows the
// rules of the first block are evaluated only where they can be nonzero (first_block).
bool first_block_fusable(const SequentialModel& m, DeepLiftCompat compat) {
  const auto& ls = m.arch.layers;
  return compat == DeepLiftCompat::none && ls.size() > 3 && ls[0].type == LayerType::conv1d &&
         ls[0].in == 4 && ls[1].type == LayerType::relu && ls[2].type == LayerType::maxpool1d &&
         ls[2].stride >= ls[2].kernel;
}

struct Context {
  const SequentialModel& m;
  const std::vector<seqnet::LayerPlan>& plans;
  const Pass& ref;
  DeepLiftCompat compat;
  SeqAttributeOptions o;
  // captum_0_8: sequence 0's plain max-pool input gradients (per layer; empty otherwise).
  std::vector<std::vector<float>>* row0;
  bool record_row0;  // this call is sequence 0's: fill row0
  bool fusable;      // first_block_fusable
};

// The first block's rules (layers 2, 1: the max-pool and rescale rules) and the attribution
// through the first conv, for a one-hot row (s.oh_base, s.oh_val), compat none, given the
// gradients gx, gr of the pool's output. Each disjoint window's pool rule is nonzero only at
// the input's and the reference's argmax (elsewhere u = 0, and the fallback, the plain
// gradient, is 0 too); the same formulas as maxpool_rule and the rescale rule there.
void first_block(const Context& c, const Pass& x, const float* gx, const float* gr, float* out,
                 seqnet::Scratch& s) {
  const SequentialArchitecture& a = c.m.arch;
  const seqnet::LayerPlan& plan = c.plans[0];
  const int F = a.layers[0].out, lin = a.layers[0].length_after, lout = a.layers[2].length_after;
  const std::size_t opad = sz(plan.opad);
  const float* zx = x.acts[1].data();  // the conv's output (relu's input)
  const float* zr = c.ref.acts[1].data();
  const float* yx = x.acts[2].data();  // relu's output (the pool's input)
  const float* yr = c.ref.acts[2].data();
  const float* ox = x.acts[3].data();
  const float* orf = c.ref.acts[3].data();
  std::vector<float>& delta = s.dl_ux;  // δ at the conv's output, (channel, position)
  delta.assign(sz(F) * sz(lin), 0.0f);
  const Float8 lo = splat8(-static_cast<float>(kDeepLiftEps)), hi = -lo, zero = splat8(0.0f);
  // Both rules at 8 positions (one per window), branch-free: the max-pool rule's multiplier
  // (u/d, or `plain` where |d| < eps), then the rescale rule (·Δout/Δin, or relu's plain
  // gradient where |Δin| < eps).
  auto rules = [&](Float8 u, Float8 plain, const float* const* v, std::size_t w0) {
    const Float8 x_in = load8(v[0] + w0), r_in = load8(v[1] + w0);
    const Float8 x_out = load8(v[2] + w0), r_out = load8(v[3] + w0);
    const Float8 d = x_out - r_out;
    const Float8 mul = (d > lo) & (d < hi) ? plain : u / d;
    const Float8 din = x_in - r_in;
    const Float8 relu_plain = mul * (x_in > zero ? splat8(1.0f) : zero);
    return (din > lo) & (din < hi) ? relu_plain : mul * d / din;
  };
  // Per channel: the windows' values gathered into rows of lpad floats (12 rows: the four
  // activations at each argmax, then gx, gr, ox, orf), the rules 8 windows at a time, the
  // results stored at the argmaxes.
  const std::size_t lpad = (sz(lout) + 7) / 8 * 8;
  std::vector<float>& buf = s.dl_ur;
  buf.assign(12 * lpad, 0.0f);
  std::vector<int>& pos = s.col_start;  // the argmaxes: x's, then the reference's
  pos.assign(2 * lpad, 0);
  float* const row[12] = {&buf[0],        &buf[lpad],     &buf[2 * lpad],  &buf[3 * lpad],
                          &buf[4 * lpad], &buf[5 * lpad], &buf[6 * lpad],  &buf[7 * lpad],
                          &buf[8 * lpad], &buf[9 * lpad], &buf[10 * lpad], &buf[11 * lpad]};
  alignas(32) float mx[8], mr[8];
  for (int f = 0; f < F; ++f) {
    const std::size_t k0 = sz(f) * sz(lout), c0 = sz(f) * sz(lin);
    for (int w = 0; w < lout; ++w) {
      const std::size_t px = c0 + sz(x.args[2][k0 + sz(w)]),
                        pr = c0 + sz(c.ref.args[2][k0 + sz(w)]);
      pos[sz(w)] = static_cast<int>(px - c0);
      pos[lpad + sz(w)] = static_cast<int>(pr - c0);
      row[0][w] = zx[px];
      row[1][w] = zr[px];
      row[2][w] = yx[px];
      row[3][w] = yr[px];
      row[4][w] = zx[pr];
      row[5][w] = zr[pr];
      row[6][w] = yx[pr];
      row[7][w] = yr[pr];
    }
    std::copy(gx + k0, gx + k0 + sz(lout), row[8]);
    std::copy(gr + k0, gr + k0 + sz(lout), row[9]);
    std::copy(ox + k0, ox + k0 + sz(lout), row[10]);
    std::copy(orf + k0, orf + k0 + sz(lout), row[11]);
    float* dc = delta.data() + c0;
    for (std::size_t w0 = 0; w0 < lpad; w0 += 8) {
      const Float8 vgx = load8(row[8] + w0), vgr = load8(row[9] + w0);
      const Float8 vox = load8(row[10] + w0), vor = load8(row[11] + w0);
      const Float8 M = vox < vor ? vor : vox;  // std::max(o_x, o_r)
      const Float8 ux = vgx * (M - vor), ur = vgr * (vox - M);
      const Int8 same = load8i(pos.data() + w0) == load8i(pos.data() + lpad + w0);
      store8(mx, rules(same ? ux + ur : ux + zero, vgx, row + 0, w0));
      store8(mr, rules(zero + ur, zero, row + 4, w0));
      const int n = static_cast<int>(std::min<std::size_t>(8, sz(lout) - w0));
      for (int j = 0; j < n; ++j) {
        const int px = pos[w0 + sz(j)], pr = pos[lpad + w0 + sz(j)];
        dc[px] = mx[j];
        if (px != pr) dc[pr] = mr[j];
      }
    }
  }
  s.oh_t.resize(sz(lin) * opad);  // channel-last, the padding channels zero
  if (opad != sz(F)) std::fill(s.oh_t.begin(), s.oh_t.end(), 0.0f);
  seqnet::transpose_to(delta.data(), F, lin, lin, s.oh_t.data(), static_cast<int>(opad));
  seqnet::conv1d_onehot_attr(a.layers[0], plan, s.oh_base.data(), s.oh_val.data(), a.length,
                             s.oh_t.data(), out, s);
}

// ReLU → max pooling with disjoint windows (global too) at layers i − 1, i, compat none, above
// the first max pool (both halves' gradients are needed below): middle_block.
bool middle_fusable(const SequentialModel& m, DeepLiftCompat compat, std::size_t i,
                    std::size_t first_pool) {
  const auto& ls = m.arch.layers;
  if (compat != DeepLiftCompat::none || i < 2 || i - 1 <= first_pool) return false;
  const bool disjoint = ls[i].type == LayerType::global_maxpool1d ||
                        (ls[i].type == LayerType::maxpool1d && ls[i].stride >= ls[i].kernel);
  return disjoint && ls[i - 1].type == LayerType::relu;
}

// The max-pool rule of layer i and the rescale rule of the ReLU before it, for both halves,
// from the gradients gx, gr of the pool's output to nx, nr at the ReLU's input. With disjoint
// windows both rules are nonzero only at each window's two argmaxes (the input's and the
// reference's: elsewhere the unpooled products and the plain gradients are zero), so they are
// evaluated there only, with maxpool_rule's and rescale_rule's operations in the same order.
void middle_block(const Context& c, std::size_t i, const Pass& x, const float* gx, const float* gr,
                  float* nx, float* nr) {
  const SequentialArchitecture& a = c.m.arch;
  const int cin = a.channels_before(i), lin = a.length_before(i), lout = a.layers[i].length_after;
  const float* zx = x.acts[i - 1].data();  // the ReLU's input
  const float* zr = c.ref.acts[i - 1].data();
  const float* yx = x.acts[i].data();  // the pool's input
  const float* yr = c.ref.acts[i].data();
  const float* ox = x.acts[i + 1].data();
  const float* orf = c.ref.acts[i + 1].data();
  std::fill(nx, nx + sz(cin) * sz(lin), 0.0f);
  std::fill(nr, nr + sz(cin) * sz(lin), 0.0f);
  const float eps = static_cast<float>(kDeepLiftEps);
  // The rescale rule at p, given the pool rule's multipliers mx, mr there.
  auto relu_rule = [&](std::size_t p, float mx, float mr) {
    const float din = zx[p] - zr[p], dout = yx[p] - yr[p];
    const bool flat = std::fabs(din) < eps;
    nx[p] = flat ? mx * (zx[p] > 0.0f ? 1.0f : 0.0f) : mx * dout / din;
    nr[p] = flat ? mr * (zr[p] > 0.0f ? 1.0f : 0.0f) : mr * dout / din;
  };
  for (int ch = 0; ch < cin; ++ch) {
    for (int w = 0; w < lout; ++w) {
      const std::size_t k = sz(ch) * sz(lout) + sz(w);
      const std::size_t px = sz(ch) * sz(lin) + sz(x.args[i][k]);
      const std::size_t pr = sz(ch) * sz(lin) + sz(c.ref.args[i][k]);
      const float M = std::max(ox[k], orf[k]);
      const float ux = gx[k] * (M - orf[k]), ur = gr[k] * (ox[k] - M);
      {  // the input's argmax: u = ux (+ ur when the argmaxes coincide); plain: gx (and gr)
        const float d = yx[px] - yr[px], u = px == pr ? ux + ur : ux + 0.0f;
        const bool flat = std::fabs(d) < eps;
        const float q = u / d;
        relu_rule(px, flat ? gx[k] : q, flat ? (px == pr ? gr[k] : 0.0f) : q);
      }
      if (pr != px) {  // the reference's argmax: u = ur; plain: 0 and gr
        const float d = yx[pr] - yr[pr], u = 0.0f + ur;
        const bool flat = std::fabs(d) < eps;
        const float q = u / d;
        relu_rule(pr, flat ? 0.0f : q, flat ? gr[k] : q);
      }
    }
  }
}

// The max-pool rule of layer i for both halves.
void maxpool_rule(const Context& c, std::size_t i, const Pass& x, const float* rec_x,
                  const float* rec_r, const std::vector<float>& plain_x,
                  const std::vector<float>& plain_r, float* m_x, float* m_r, seqnet::Scratch& s) {
  const SequentialLayer& l = c.m.arch.layers[i];
  const std::size_t n_in = sz(c.m.arch.size_before(i)), n_out = sz(l.size_after());
  const float* in_x = x.acts[i].data();
  const float* in_r = c.ref.acts[i].data();
  const float* o_x = x.acts[i + 1].data();
  const float* o_r = c.ref.acts[i + 1].data();
  const int cin = c.m.arch.channels_before(i), lin = c.m.arch.length_before(i);
  const int lout = l.length_after;
  std::vector<float>& ux = s.dl_ux;
  std::vector<float>& ur = s.dl_ur;
  ux.assign(n_in, 0.0f);
  ur.assign(n_in, 0.0f);
  for (int ch = 0; ch < cin; ++ch) {  // max_unpool1d: assignment, later windows win
    for (int w = 0; w < lout; ++w) {
      const std::size_t k = sz(ch) * sz(lout) + sz(w);
      const float M = std::max(o_x[k], o_r[k]);
      ux[sz(ch) * sz(lin) + sz(x.args[i][k])] = rec_x[k] * (M - o_r[k]);
      ur[sz(ch) * sz(lin) + sz(c.ref.args[i][k])] = rec_r[k] * (o_x[k] - M);
    }
  }
  const bool compat = c.compat == DeepLiftCompat::captum_0_8;
  if (compat && c.record_row0) (*c.row0)[i] = plain_x;
  const float eps = static_cast<float>(kDeepLiftEps);
  const float* fx = compat ? (*c.row0)[i].data() : plain_x.data();
  const float* fr = compat ? (*c.row0)[i].data() : plain_r.data();
  const Float8 lo = splat8(-eps), hi = splat8(eps);
  std::size_t k = 0;
  for (; k + 8 <= n_in; k += 8) {  // 8 lanes: the same operations as the scalar tail
    const Float8 d = load8(in_x + k) - load8(in_r + k);
    const Float8 q = (load8(ux.data() + k) + load8(ur.data() + k)) / d;
    const Int8 flat = (d > lo) & (d < hi);  // |d| < eps
    store8(m_x + k, flat ? load8(fx + k) : q);
    store8(m_r + k, flat ? load8(fr + k) : q);
  }
  for (; k < n_in; ++k) {
    const float d = in_x[k] - in_r[k];
    const float u = ux[k] + ur[k];
    if (std::fabs(d) < eps) {
      m_x[k] = fx[k];
      m_r[k] = fr[k];
    } else {
      m_x[k] = m_r[k] = u / d;
    }
  }
  (void)n_out;
}

// The rescale rule of an elementwise layer for n values: m = rec·Δout/Δin, or the plain
// gradient where |Δin| < eps; the reference half's too when nr is not null.
void rescale_rule(const float* in_x, const float* in_r, const float* o_x, const float* o_r,
                  const float* rec_x, const float* rec_r, const float* px, const float* pr,
                  std::size_t n, float* nx, float* nr) {
  const float eps = static_cast<float>(kDeepLiftEps);
  const Float8 lo = splat8(-eps), hi = splat8(eps);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const Float8 din = load8(in_x + k) - load8(in_r + k);
    const Float8 dout = load8(o_x + k) - load8(o_r + k);
    const Int8 flat = (din > lo) & (din < hi);
    store8(nx + k, flat ? load8(px + k) : load8(rec_x + k) * dout / din);
    if (nr != nullptr) store8(nr + k, flat ? load8(pr + k) : load8(rec_r + k) * dout / din);
  }
  for (; k < n; ++k) {
    const float din = in_x[k] - in_r[k], dout = o_x[k] - o_r[k];
    const bool flat = std::fabs(din) < eps;
    nx[k] = flat ? px[k] : rec_x[k] * dout / din;
    if (nr != nullptr) nr[k] = flat ? pr[k] : rec_r[k] * dout / din;
  }
}

// a == b elementwise (−0 == +0; NaN never equal).
bool same_values(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  const std::size_t n = a.size();
  std::size_t k = 0;
  Int8 differ = splat8i(0);
  for (; k + 8 <= n; k += 8) differ |= ~(load8(a.data() + k) == load8(b.data() + k));
  bool same = true;
  for (int j = 0; j < 8; ++j) same &= differ[j] == 0;
  for (; k < n; ++k) same &= a[k] == b[k];
  return same;
}

// One sequence's attribution (4, L) into out.
void attribute_one(const Context& c, const float* xs, float* out, Pass& x, seqnet::Scratch& s) {
  const SequentialArchitecture& a = c.m.arch;
  const std::size_t L = a.layers.size();
  bool onehot = false;
  if (a.layers[0].type == LayerType::conv1d && a.layers[0].in == 4) {
    s.oh_base.resize(sz(a.length));
    s.oh_val.resize(sz(a.length));
    onehot = seqnet::onehot_columns(xs, a.length, s.oh_base.data(), s.oh_val.data());
  }
  run_forward(c.m, c.plans, xs, x, s, onehot);
  const std::size_t outs = sz(a.outputs());
  std::vector<float> gx(outs, 0.0f), gr(outs, 0.0f);
  {  // the output's gradient: 1, or the final Sigmoid's rule (Target::prob)
    const float fx = x.acts[L][sz(c.o.output)], fr = c.ref.acts[L][sz(c.o.output)];
    float tx = 1.0f, tr = 1.0f;
    if (c.o.target == Target::prob) {
      const double d = static_cast<double>(fx) - fr;
      tx = static_cast<float>(deeplift_core::sigmoid_factor(fr, d, kDeepLiftEps));
      tr = std::fabs(d) < kDeepLiftEps
               ? static_cast<float>(deeplift_core::sigmoid(fr) * (1 - deeplift_core::sigmoid(fr)))
               : tx;
    }
    gx[sz(c.o.output)] = tx;
    gr[sz(c.o.output)] = tr;
  }
  const bool compat = c.compat == DeepLiftCompat::captum_0_8;
  // The reference half's gradient reaches the input half only through a max-pool rule: below
  // the first max pool it is not needed (not computed; nr left empty).
  std::size_t first_pool = L;
  for (std::size_t i = 0; i < L && first_pool == L; ++i) {
    if (is_max_pool(a.layers[i].type)) first_pool = i;
  }
  std::vector<float>& nx = s.dl_nx;
  std::vector<float>& nr = s.dl_nr;
  std::vector<float>& px = s.dl_px;
  std::vector<float>& pr = s.dl_pr;
  std::vector<float>& stale_x = s.dl_stale_x;
  std::vector<float>& stale_r = s.dl_stale_r;
  bool have_stale = false;  // stale_*: the next (hooked) layer's plain input gradients
  for (std::size_t i = L; i-- > 0;) {
    if (i == 2 && onehot && c.fusable) return first_block(c, x, gx.data(), gr.data(), out, s);
    if (middle_fusable(c.m, c.compat, i, first_pool)) {  // layers i and i − 1 at once
      const std::size_t n_in = sz(a.size_before(i - 1));
      nx.resize(n_in);
      nr.resize(n_in);
      middle_block(c, i, x, gx.data(), gr.data(), nx.data(), nr.data());
      gx.swap(nx);
      gr.swap(nr);
      have_stale = false;
      --i;
      continue;
    }
    const SequentialLayer& l = a.layers[i];
    const std::size_t n_in = sz(a.size_before(i));
    const LayerParams& p = c.m.params.layers[i];
    const bool need_r = i > first_pool;  // nr (layer i's input) feeds a max-pool rule
    nx.resize(n_in);
    nr.resize(i >= first_pool ? n_in : 0);  // the first max pool's rule writes it (unused)
    const std::int32_t* ax = x.args[i].empty() ? nullptr : x.args[i].data();
    const std::int32_t* ar = c.ref.args[i].empty() ? nullptr : c.ref.args[i].data();
    if (!is_deeplift_hooked(l.type)) {
      seqnet::backward_row(a, i, p, c.plans[i], x.acts[i].data(), x.acts[i + 1].data(), ax,
                           gx.data(), nx.data(), s);
      // A non-hooked layer's input gradient does not depend on its activations: where the
      // halves' output gradients are equal (common: the rules give both halves the same
      // multiplier except at flat positions), so are their input gradients.
      if (need_r && same_values(gx, gr)) {
        std::copy(nx.begin(), nx.end(), nr.begin());
      } else if (need_r) {
        seqnet::backward_row(a, i, p, c.plans[i], c.ref.acts[i].data(), c.ref.acts[i + 1].data(),
                             ar, gr.data(), nr.data(), s);
      }
      have_stale = false;
    } else {
      // Plain input gradients of each half (autograd's grad_input), and the recorded output
      // gradients. A max pool needs the reference half's (i ≥ first_pool).
      const bool ref_side = i >= first_pool;
      px.resize(n_in);
      pr.resize(ref_side ? n_in : 0);
      seqnet::backward_row(a, i, p, c.plans[i], x.acts[i].data(), x.acts[i + 1].data(), ax,
                           gx.data(), px.data(), s);
      if (ref_side) {
        seqnet::backward_row(a, i, p, c.plans[i], c.ref.acts[i].data(), c.ref.acts[i + 1].data(),
                             ar, gr.data(), pr.data(), s);
      }
      const float* rec_x = compat && have_stale ? stale_x.data() : gx.data();
      const float* rec_r = compat && have_stale ? stale_r.data() : gr.data();
      if (is_max_pool(l.type)) {
        maxpool_rule(c, i, x, rec_x, rec_r, px, pr, nx.data(), nr.data(), s);
      } else {
        rescale_rule(x.acts[i].data(), c.ref.acts[i].data(), x.acts[i + 1].data(),
                     c.ref.acts[i + 1].data(), rec_x, rec_r, px.data(), pr.data(), n_in, nx.data(),
                     need_r ? nr.data() : nullptr);
      }
      stale_x.swap(px);
      stale_r.swap(pr);
      have_stale = true;
    }
    gx.swap(nx);
    gr.swap(nr);
  }
  for (std::size_t k = 0; k < gx.size(); ++k) out[k] = xs[k] * gx[k];
}

}  // namespace

std::vector<float> seqnet_deeplift(const SequentialModel& m, const CnnInput& in, int n,
                                   DeepLiftCompat compat, const SeqAttributeOptions& o) {
  if (n < 0) throw Error("deeplift: negative number of sequences");
  if (o.output < 0 || o.output >= m.arch.outputs()) {
    throw Error("deeplift: target index " + std::to_string(o.output) +
                " is out of range: the model has " + std::to_string(m.arch.outputs()) +
                " output(s)");
  }
  const std::size_t row = 4 * sz(m.arch.length);
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  std::vector<float> out(sz(n) * row);
  if (n == 0) return out;
  const std::vector<seqnet::LayerPlan> plans = seqnet::LayerPlan::make(m.arch, m.params);
  Pass ref;
  seqnet::Scratch s0;
  const std::vector<float> zero(row, 0.0f);
  run_forward(m, plans, zero.data(), ref, s0);
  std::vector<std::vector<float>> row0(m.arch.layers.size());
  const bool fusable = first_block_fusable(m, compat);
  Context first{m, plans, ref, compat, o, &row0, true, fusable};
  Pass pass0;
  attribute_one(first, x.data(), out.data(), pass0, s0);  // sequence 0 first: row 0 of the batch
  const Context rest{m, plans, ref, compat, o, &row0, false, fusable};
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
  {
    seqnet::Scratch s;
    Pass pass;  // reused: no allocation per sequence
#pragma omp for schedule(dynamic, 4)
    for (int k = 1; k < n; ++k)
      attribute_one(rest, x.data() + sz(k) * row, out.data() + sz(k) * row, pass, s);
  }
  return out;
}

}  // namespace mint

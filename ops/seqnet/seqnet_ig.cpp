// Integrated Gradients of a general sequential network (zero baseline). See seqnet.hpp.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/common/simd.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_ig_conv2.hpp"
#include "ops/seqnet/seqnet_layers.hpp"
#include "ops/seqnet/seqnet_methods_common.hpp"

namespace mint {
namespace {

using seqnet_detail::check;
using seqnet_detail::conv0_row;
using seqnet_detail::first_is_conv;
using seqnet_detail::seed_of;
using seqnet_detail::sz;

// Integrated Gradients of one sequence on one thread: its S steps through `net` (a serial
// SeqNet) in chunks of the net's capacity, the weighted gradients summed in step order.
//
// With a zero baseline the first Conv1d's output at α·x is α·z + b, z = W∗x (conv-once). When
// it is followed by ReLU and max pooling (the usual first block), the steps start after the
// pool ("fused"): relu and the pool are monotone, so a window's maximum of relu(α·z + b) is at
// the first maximum of z for every α > 0 — found once per sequence — and the pool's output is
// relu(α·z_max + b). Windows where rounding of α·z + b could tie another position with the
// maximum (z within a few ulps) are evaluated exactly at every step, as the layers would. The
// gradient w.r.t. the pool's output then goes to its argmax through relu'.
class IgWorker {
 public:
  IgWorker(const SequentialModel& m, const Quadrature& q, const SeqAttributeOptions& o)
      : m_(m),
        q_(q),
        o_(o),
        once_(first_is_conv(m)),
        fused_(once_ && m.arch.layers.size() > 3 && m.arch.layers[1].type == LayerType::relu &&
               is_max_pool(m.arch.layers[2].type)),
        conv2_(fused_ && m.arch.layers.size() > 4 && m.arch.layers[3].type == LayerType::conv1d),
        block2_(conv2_ && m.arch.layers.size() > 6 && m.arch.layers[4].type == LayerType::relu &&
                (m.arch.layers[5].type == LayerType::global_maxpool1d ||
                 (m.arch.layers[5].type == LayerType::maxpool1d &&
                  m.arch.layers[5].stride >= m.arch.layers[5].kernel))),
        first_(block2_  ? 6
               : conv2_ ? 4
               : fused_ ? 3
               : once_  ? 1
                        : 0),
        s_in_(sz(m.arch.size_before(sz(first_)))),
        s_z_(sz(m.arch.size_before(once_ ? 1 : 0))),
        s_p_(fused_ ? sz(m.arch.size_before(3)) : 0),
        net_(m.arch, std::min(kIgChunk, static_cast<int>(q.alphas.size())), 1),
        rows_in_(sz(net_.capacity()) * s_in_),
        out_(sz(net_.capacity()) * sz(m.arch.outputs())),
        dout_(out_.size()),
        din_(rows_in_.size()),
        z_(s_z_),
        total_(s_z_) {
    net_.keep_plans(&m.params);
    if (fused_) {
      pre_.resize(sz(net_.capacity()) * s_p_);
      arg_.resize(pre_.size());
    }
    if (conv2_) {
      const SequentialLayer& l3 = m.arch.layers[3];
      u_.resize(sz(m.arch.size_before(4)));
      v_.resize(u_.size());
      const std::size_t s3 = sz(m.arch.size_before(4));  // the second conv's output
      q_acc_.resize(s3);
      out_t_.resize(s3);
      if (block2_) {
        arg2_.resize(sz(net_.capacity()) * s_in_);
        pooled_t_.resize(s_in_);
        dq_.assign(s3, 0.0f);
      }
      g3_.resize(s_p_);
      win_acc_.resize(s_p_);
      bias3_.assign(sz(l3.out), 0.0);
      if (l3.bias)
        std::copy(m.params.layers[3].bias.begin(), m.params.layers[3].bias.end(), bias3_.begin());
      cur_a_.resize(s_p_);
      cur_b_.resize(s_p_);
      w3d_.resize(m.params.layers[3].weight.size());  // (in, K, out): one (c, k)'s outputs
      for (int f = 0; f < l3.out; ++f) {
        for (int c = 0; c < l3.in; ++c) {
          for (int k = 0; k < l3.kernel; ++k) {
            w3d_[(sz(c) * sz(l3.kernel) + sz(k)) * sz(l3.out) + sz(f)] =
                m.params.layers[3].weight[(sz(f) * sz(l3.in) + sz(c)) * sz(l3.kernel) + sz(k)];
          }
        }
      }
      c2_ = {l3.in,          l3.out,      l3.kernel,
             l3.dilation,    l3.pad_left, m.arch.layers[2].length_after,
             l3.length_after};
      batch_a_.assign(s_p_, 0.0f);
      batch_b_.assign(s_p_, 0.0f);
    }
  }

  // The attribution (4, L) of the dense sequence xs into a.
  void run(const float* xs, float* a, const std::vector<seqnet::LayerPlan>& plans) {
    const std::size_t outs = sz(m_.arch.outputs()), row = sz(4) * m_.arch.length;
    const int S = static_cast<int>(q_.alphas.size()), cap = net_.capacity();
    const SequentialLayer& l0 = m_.arch.layers.front();
    bool onehot = false;  // layer 0 as a lookup, its input gradient at the observed bases only
    if (once_ && l0.in == 4) {
      oh_base_.resize(sz(m_.arch.length));
      oh_val_.resize(sz(m_.arch.length));
      onehot = seqnet::onehot_columns(xs, m_.arch.length, oh_base_.data(), oh_val_.data());
    }
    if (onehot) {
      seqnet::conv1d_onehot(l0, plans[0], nullptr, oh_base_.data(), oh_val_.data(), m_.arch.length,
                            z_.data(), scratch_);
    } else if (once_) {
      conv0_row(m_, xs, z_.data(), false, scratch_);
    }
    if (fused_) find_windows();
    if (conv2_) plan_transitions();
    if (conv2_) {
      std::fill(u_.begin(), u_.end(), 0.0);
      std::fill(v_.begin(), v_.end(), 0.0);
      std::fill(cur_a_.begin(), cur_a_.end(), 0.0f);
      std::fill(cur_b_.begin(), cur_b_.end(), 0.0f);
      std::fill(q_acc_.begin(), q_acc_.end(), 0.0);
      std::fill(win_acc_.begin(), win_acc_.end(), 0.0);
    }
    std::fill(total_.begin(), total_.end(), 0.0f);
    for (int k0 = 0; k0 < S; k0 += cap) {
      const int rows = std::min(cap, S - k0);
      for (int r = 0; r < rows; ++r) {
        step_ = k0 + r;
        step_row(xs, static_cast<float>(q_.alphas[sz(k0 + r)]), r);
      }
      net_.forward(m_.params, rows_in_.data(), rows, Mode::eval, out_.data(), first_);
      std::fill(dout_.begin(), dout_.end(), 0.0f);
      for (int r = 0; r < rows; ++r) {
        dout_[sz(r) * outs + sz(o_.output)] =
            seed_of(out_[sz(r) * outs + sz(o_.output)], o_.target);
      }
      net_.backward(m_.params, dout_.data(), nullptr, din_.data());
      for (int r = 0; r < rows; ++r) {
        const float w = static_cast<float>(q_.weights[sz(k0 + r)]);
        const float* d = din_.data() + sz(r) * s_in_;
        if (conv2_) {
          conv2_step(k0 + r, r, w, d);
        } else if (fused_) {  // through the pool (to its argmax) and relu' into ∂g/∂conv0
          const float* pre = pre_.data() + sz(r) * s_p_;
          const std::int32_t* arg = arg_.data() + sz(r) * s_p_;
          const std::size_t lout = sz(m_.arch.layers[2].length_after);
          const std::size_t lin = sz(m_.arch.layers[0].length_after);
          for (std::size_t c = 0; c < s_p_ / lout; ++c) {
            float* tc = total_.data() + c * lin;
            for (std::size_t k = c * lout; k < (c + 1) * lout; ++k) {
              tc[arg[k]] += d[k] * static_cast<float>(pre[k] > 0.0f) * w;  // branch-free
            }
          }
        } else {
          for (std::size_t k = 0; k < s_in_; ++k) total_[k] += d[k] * w;
        }
      }
    }
    if (conv2_) conv2_finish();
    if (onehot) {  // x ⊙ Wᵀ (Σ_k w_k ∂g/∂conv0), at the observed bases
      const std::size_t lin = sz(l0.length_after), opad = sz(plans[0].opad);
      scratch_.oh_t.assign(lin * opad, 0.0f);
      for (std::size_t f = 0; f < sz(l0.out); ++f) {
        for (std::size_t t = 0; t < lin; ++t) scratch_.oh_t[t * opad + f] = total_[f * lin + t];
      }
      seqnet::conv1d_onehot_attr(l0, plans[0], oh_base_.data(), oh_val_.data(), m_.arch.length,
                                 scratch_.oh_t.data(), a, scratch_);
      return;
    }
    if (once_) {  // Σ_k w_k ∂g/∂x(α_k x) = Wᵀ (Σ_k w_k ∂g/∂conv0)
      seqnet::backward_row(m_.arch, 0, m_.params.layers.front(), plans.front(), xs, nullptr,
                           nullptr, total_.data(), a, scratch_);
    } else {
      std::copy(total_.begin(), total_.end(), a);
    }
    for (std::size_t k = 0; k < row; ++k) a[k] *= xs[k];
  }

 private:
  float bias0(std::size_t c) const {
    return m_.arch.layers[0].bias ? m_.params.layers[0].bias[c] : 0.0f;
  }

  // The pool's windows over z: each one's first maximum, and whether rounding could tie it.
  void find_windows() {
    const SequentialLayer& pool = m_.arch.layers[2];
    const int lin = m_.arch.layers[0].length_after, lout = pool.length_after;
    const bool global = pool.type == LayerType::global_maxpool1d;
    const int kernel = global ? lin : pool.kernel, stride = global ? lin : pool.stride;
    const double alpha_min = *std::min_element(q_.alphas.begin(), q_.alphas.end());
    win_arg_.resize(s_p_);
    near_.resize(s_p_);
    zmax_.resize(s_p_);
    bk_.resize(s_p_);
    near_list_.clear();
    for (std::size_t c = 0; c < s_p_ / sz(lout); ++c) {
      const float* zc = z_.data() + c * sz(lin);
      // Two roundings of α·z + b (each ≤ 2^-24 relative) can reorder values closer than this.
      const double slack = std::fabs(bias0(c)) / std::max(alpha_min, 1e-30);
      for (int w = 0; w < lout; ++w) {
        int best = w * stride;
        for (int t = best + 1; t < w * stride + kernel; ++t) best = zc[t] > zc[best] ? t : best;
        bool near = !(alpha_min > 0.0);
        for (int t = w * stride; t < w * stride + kernel && !near; ++t) {
          if (t == best) continue;
          const double gap = static_cast<double>(zc[best]) - zc[t];
          const double scale = std::max(std::fabs(zc[best]), std::fabs(zc[t])) + slack;
          near = !(gap > 0x1p-19 * scale);  // NaN: exact path
        }
        const std::size_t k = c * sz(lout) + sz(w);
        win_arg_[k] = best;
        near_[k] = near ? -1 : 0;
        zmax_[k] = zc[best];
        bk_[k] = bias0(c);
        if (near) near_list_.push_back(static_cast<std::int32_t>(k));
      }
    }
  }

  // Step row r (α): the network's input at layer first_ into rows_in_.
  void step_row(const float* xs, float al, int r) {
    float* dst = rows_in_.data() + sz(r) * s_in_;
    if (!once_) {
      for (std::size_t k = 0; k < s_in_; ++k) dst[k] = al * xs[k];
      return;
    }
    const std::size_t len0 = sz(m_.arch.layers[0].length_after);
    if (!fused_) {
      for (std::size_t c = 0; c < s_in_ / len0; ++c) {
        const float b = bias0(c);
        const float* zc = z_.data() + c * len0;
        float* dc = dst + c * len0;
        for (std::size_t t = 0; t < len0; ++t) dc[t] = al * zc[t] + b;
      }
      return;
    }
    float* pre = pre_.data() + sz(r) * s_p_;
    std::int32_t* arg = arg_.data() + sz(r) * s_p_;
    if (conv2_) {  // pre and arg are read at the near-tie windows only
      apply_transitions(step_);
    } else {  // every window at its argmax, 8 in the lanes (near-tie windows redone below)
      std::copy(win_arg_.begin(), win_arg_.end(), arg);
      const Float8 alv = broadcast8(al), zero = splat8(0.0f);
      std::size_t k = 0;
      for (; k + 8 <= s_p_; k += 8) {
        const Float8 v = alv * load8(zmax_.data() + k) + load8(bk_.data() + k);
        store8(pre + k, v);
        store8(dst + k, v > zero ? v : zero);
      }
      for (; k < s_p_; ++k) {
        pre[k] = al * zmax_[k] + bk_[k];
        dst[k] = pre[k] > 0.0f ? pre[k] : 0.0f;
      }
    }
    for (const std::int32_t kk : near_list_) near_window(sz(kk), al, pre, arg, dst);
    if (block2_) {
      block2_output(al, r, dst);
    } else if (conv2_) {
      conv2_output(al, dst);
    }
  }

  // The window k's output v (pre-relu) with z at its argmax zb: into dst (no second conv) or
  // into the second conv's (a, b).
  void window_value(std::size_t k, float v, float zb, float* dst) {
    if (!conv2_) {
      dst[k] = v > 0.0f ? v : 0.0f;
      return;
    }
    const float on = static_cast<float>(v > 0.0f);
    const float na = on * zb, nb = on * bk_[k];
    if ((na != cur_a_[k]) | (nb != cur_b_[k])) set_window(k, na, nb);
  }

  void set_window(std::size_t k, float na, float nb) {
    const std::size_t lin = sz(c2_.lin);
    conv2_update(c2_, w3d_.data(), static_cast<int>(k / lin), static_cast<int>(k % lin),
                 na - cur_a_[k], nb - cur_b_[k], u_.data(), v_.data());
    cur_a_[k] = na;
    cur_b_[k] = nb;
  }

  // The windows not near a tie switch on or off where α·z_max + b changes sign — the steps'
  // windows evaluated up front, as the layers would (8 in the lanes, the same expression):
  // trans_ in step order, then window order; step s's in [step_begin_[s], step_begin_[s + 1]).
  void plan_transitions() {
    const std::size_t S = q_.alphas.size(), blocks = s_p_ / 8;
    trans_.clear();
    step_begin_.assign(S + 1, 0);
    on_bits_.assign(blocks, 0u);
    near_bits_.resize(blocks);
    for (std::size_t b = 0; b < blocks; ++b) near_bits_[b] = mask8(load8i(near_.data() + 8 * b));
    tail_on_.assign(s_p_ - 8 * blocks, 0);
    const Float8 zero = splat8(0.0f);
    for (std::size_t s = 0; s < S; ++s) {
      step_begin_[s] = trans_.size();
      const float al = static_cast<float>(q_.alphas[s]);
      const Float8 alv = broadcast8(al);
      for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t k = 8 * b;
        const Float8 v = alv * load8(zmax_.data() + k) + load8(bk_.data() + k);
        const unsigned on = mask8(v > zero) & ~near_bits_[b];
        for (unsigned ch = on ^ on_bits_[b]; ch != 0; ch &= ch - 1) {
          const int j = __builtin_ctz(ch);
          trans_.push_back({static_cast<int>(s), static_cast<int>(k) + j, ((on >> j) & 1u) != 0});
        }
        on_bits_[b] = on;
      }
      for (std::size_t k = 8 * blocks; k < s_p_; ++k) {
        if (near_[k] != 0) continue;
        const char on = al * zmax_[k] + bk_[k] > 0.0f ? 1 : 0;
        if (on != tail_on_[k - 8 * blocks])
          trans_.push_back({static_cast<int>(s), int(k), on != 0});
        tail_on_[k - 8 * blocks] = on;
      }
    }
    step_begin_[S] = trans_.size();
  }

  // Step s's transitions into U and V: one at a time, or — the first step switches about half
  // of the windows on — in one register-blocked pass (the same sums, in the same order).
  void apply_transitions(int s) {
    const std::size_t b = step_begin_[sz(s)], e = step_begin_[sz(s) + 1];
    // The pass lists every (output, input channel, tap) — about as much work as lout·cin·K/64
    // windows' scattered updates (measured: worth it at the first step only).
    const bool batch = (e - b) * 64 >= sz(c2_.lout) * sz(c2_.cin) * sz(c2_.kernel);
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t k = sz(trans_[i].k);
      const float na = trans_[i].on ? zmax_[k] : 0.0f, nb = trans_[i].on ? bk_[k] : 0.0f;
      if (!batch) {
        set_window(k, na, nb);
        continue;
      }
      batch_a_[k] = na - cur_a_[k];
      batch_b_[k] = nb - cur_b_[k];
      cur_a_[k] = na;
      cur_b_[k] = nb;
    }
    if (!batch) return;
    conv2_update_batch(c2_, w3d_.data(), batch_a_.data(), batch_b_.data(), u_.data(), v_.data(),
                       terms_);
    for (std::size_t i = b; i < e; ++i) {
      batch_a_[sz(trans_[i].k)] = 0.0f;
      batch_b_[sz(trans_[i].k)] = 0.0f;
    }
  }

  // Through the second conv and the pool without a backward pass of the conv per step. A
  // window at its fixed argmax (not near a tie) gets Σ_s on_s(k)·w_s·(W3ᵀ δ_s)[k], δ_s the
  // gradient at the conv's output: with Q_s = Σ_{s' < s} w_s'·δ_s' (double), each run of steps
  // [a, b) where the window is on contributes (W3ᵀ (Q_b − Q_a))[k], evaluated at its
  // transitions (trans_, recorded by step_row: on at a, off at b) and at the end. Near-tie
  // windows (argmax and mask per step) get (W3ᵀ δ_s)[k] at every step.
  void conv2_step(int step, int r, float w, const float* d) {
    const SequentialLayer& l3 = m_.arch.layers[3];
    const std::size_t lout3 = sz(l3.length_after), cout = sz(l3.out);
    const std::size_t lout = sz(m_.arch.layers[2].length_after);
    const std::size_t lin = sz(m_.arch.layers[0].length_after);
    for (std::size_t i = step_begin_[sz(step)]; step > 0 && i < step_begin_[sz(step) + 1]; ++i) {
      const Transition& tr = trans_[i];  // (at the first step Q = 0: nothing to add)
      const double g = window_grad(sz(tr.k), q_acc_.data(), 1, cout);
      win_acc_[sz(tr.k)] += tr.on ? -g : g;
    }
    const double wd = w;
    const float* d3 = d;  // δ at the conv's output: element (o, t) at o·so + t·st
    std::size_t so = lout3, st = 1;
    if (block2_) {
      block2_delta(r, wd, d);
      d3 = dq_.data();
      so = 1;
      st = cout;
    } else {
      for (std::size_t t = 0; t < lout3; ++t) {
        double* q = q_acc_.data() + t * cout;
        for (std::size_t o = 0; o < cout; ++o) q[o] += wd * d[o * lout3 + t];
      }
    }
    const float* pre = pre_.data() + sz(r) * s_p_;
    const std::int32_t* arg = arg_.data() + sz(r) * s_p_;
    for (const std::int32_t kk : near_list_) {
      const std::size_t k = sz(kk);
      const auto g = static_cast<float>(window_grad(k, d3, so, st));
      total_[k / lout * lin + sz(arg[k])] += g * static_cast<float>(pre[k] > 0.0f) * w;
    }
    if (block2_ && !near_list_.empty()) std::fill(dq_.begin(), dq_.end(), 0.0f);
  }

  // Relu then max pooling (disjoint windows) after the second conv, step row r: its output
  // (the pooled values, (channel, window)) into dst and each window's argmax t into arg2_ —
  // as the layers compute them, 8 channels in the lanes over the conv's output (t, o).
  void block2_output(float al, int r, float* dst) {
    const SequentialLayer& l3 = m_.arch.layers[3];
    const SequentialLayer& pool = m_.arch.layers[5];
    const int lout3 = l3.length_after, cout = l3.out, lout5 = pool.length_after;
    const bool global = pool.type == LayerType::global_maxpool1d;
    const int kernel = global ? lout3 : pool.kernel, stride = global ? lout3 : pool.stride;
    conv2_values(al, out_t_.data());
    std::int32_t* a2 = arg2_.data() + sz(r) * s_in_;  // (window, channel)
    const float* y = out_t_.data();
    const Float8 zero = splat8(0.0f);
    for (int w = 0; w < lout5; ++w) {
      const int t0 = w * stride;
      int o = 0;
      for (; o + 8 <= cout; o += 8) {
        const Float8 v0 = load8(y + sz(t0) * sz(cout) + sz(o));
        Float8 best = v0 > zero ? v0 : zero;
        Int8 idx = splat8i(t0);
        for (int t = t0 + 1; t < t0 + kernel; ++t) {
          const Float8 v = load8(y + sz(t) * sz(cout) + sz(o));
          const Float8 rv = v > zero ? v : zero;
          const Int8 gt = rv > best;
          best = gt ? rv : best;
          idx = gt ? splat8i(t) : idx;
        }
        store8(pooled_t_.data() + sz(w) * sz(cout) + sz(o), best);
        store8i(a2 + sz(w) * sz(cout) + sz(o), idx);
      }
      for (; o < cout; ++o) {
        const float v0 = y[sz(t0) * sz(cout) + sz(o)];
        float best = v0 > 0.0f ? v0 : 0.0f;
        int idx = t0;
        for (int t = t0 + 1; t < t0 + kernel; ++t) {
          const float v = y[sz(t) * sz(cout) + sz(o)], rv = v > 0.0f ? v : 0.0f;
          idx = rv > best ? t : idx;
          best = rv > best ? rv : best;
        }
        pooled_t_[sz(w) * sz(cout) + sz(o)] = best;
        a2[sz(w) * sz(cout) + sz(o)] = idx;
      }
    }
    seqnet::transpose_to(pooled_t_.data(), lout5, cout, cout, dst, lout5);
  }

  // The gradient d at the pool's output (channel, window) of step row r back to the second
  // conv's output: to each window's argmax through relu' (pooled > 0), added (· wd) into Q;
  // into dq_ (t, o) too when near-tie windows need it this step. The other elements are zero.
  void block2_delta(int r, double wd, const float* d) {
    const int cout = m_.arch.layers[3].out, lout5 = m_.arch.layers[5].length_after;
    const float* pooled = rows_in_.data() + sz(r) * s_in_;
    const std::int32_t* a2 = arg2_.data() + sz(r) * s_in_;
    const bool dense = !near_list_.empty();
    for (int o = 0; o < cout; ++o) {
      for (int w = 0; w < lout5; ++w) {
        const std::size_t k = sz(o) * sz(lout5) + sz(w);
        const float dd = d[k] * (pooled[k] > 0.0f ? 1.0f : 0.0f);  // relu_backward's product
        const std::size_t at = sz(a2[sz(w) * sz(cout) + sz(o)]) * sz(cout) + sz(o);
        q_acc_[at] += wd * dd;  // branch-free: adding ±0 leaves Q as it is (never −0)
        if (dense && dd != 0.0f) dq_[at] = dd;
      }
    }
  }

  // Windows on after the last step: + (W3ᵀ Q_S)[k]; then each window's sum to its argmax.
  void conv2_finish() {
    const std::size_t lout = sz(m_.arch.layers[2].length_after);
    const std::size_t lin = sz(m_.arch.layers[0].length_after);
    const std::size_t cout = sz(m_.arch.layers[3].out);
    seqnet::conv2_transposed(c2_, w3d_.data(), q_acc_.data(), g3_.data());
    for (std::size_t k = 0; k < s_p_; ++k) {
      if (near_[k] != 0) continue;
      if (cur_a_[k] != 0.0f || cur_b_[k] != 0.0f) win_acc_[k] += g3_[k];
      total_[k / lout * lin + sz(win_arg_[k])] += static_cast<float>(win_acc_[k]);
    }
    (void)cout;
  }

  template <typename T>
  double window_grad(std::size_t k, const T* g, std::size_t so, std::size_t st) const {
    return seqnet::conv2_window_grad(c2_, w3d_.data(), k, g, so, st);
  }

  // A near-tie window exactly as relu then max pool: the first maximum of relu(α·z + b).
  void near_window(std::size_t k, float al, float* pre, std::int32_t* arg, float* dst) {
    const SequentialLayer& pool = m_.arch.layers[2];
    const bool global = pool.type == LayerType::global_maxpool1d;
    const int len0 = m_.arch.layers[0].length_after, lout = pool.length_after;
    const int kernel = global ? len0 : pool.kernel, stride = global ? len0 : pool.stride;
    const std::size_t c = k / sz(lout);
    const int w = static_cast<int>(k % sz(lout));
    const float b = bk_[k];
    const float* zc = z_.data() + c * sz(len0);
    int best = w * stride;
    float bv = std::max(al * zc[best] + b, 0.0f);
    float v = al * zc[best] + b;
    for (int t = best + 1; t < w * stride + kernel; ++t) {
      const float u = al * zc[t] + b, ru = u > 0.0f ? u : 0.0f;
      if (ru > bv) {
        bv = ru;
        best = t;
        v = u;
      }
    }
    pre[k] = v;
    arg[k] = best;
    window_value(k, v, zc[best], dst);
  }

  // The second conv (layer 3) is linear: its output at step α is α·U + V + bias, with
  // U = W∗a and V = W∗b (double) kept up to date as the pool's elements change (each one
  // switches on or off at most once over the steps, or moves its argmax in a near-tie window).
  // Its output at α, (lout, cout): float(α·U + V + bias).
  void conv2_values(float al, float* out) const {
    const SequentialLayer& l3 = m_.arch.layers[3];
    const int lout = l3.length_after, cout = l3.out;
    for (int t = 0; t < lout; ++t) {
      const double* u = u_.data() + sz(t) * sz(cout);
      const double* v = v_.data() + sz(t) * sz(cout);
      float* d = out + sz(t) * sz(cout);
      for (int o = 0; o < cout; ++o) d[o] = static_cast<float>(al * u[o] + v[o] + bias3_[sz(o)]);
    }
  }

  void conv2_output(float al, float* dst) {
    const SequentialLayer& l3 = m_.arch.layers[3];
    conv2_values(al, out_t_.data());  // (lout, cout), then transposed into dst
    seqnet::transpose_to(out_t_.data(), l3.length_after, l3.out, l3.out, dst, l3.length_after);
  }

  static constexpr int kIgChunk = 10;  // steps per forward/backward: activations stay in cache
  const SequentialModel& m_;
  const Quadrature& q_;
  const SeqAttributeOptions& o_;
  bool once_, fused_, conv2_, block2_;
  int first_;
  std::size_t s_in_, s_z_, s_p_;
  SeqNet net_;
  std::vector<float> rows_in_, out_, dout_, din_, z_, total_, pre_, cur_a_, cur_b_;
  std::vector<double> u_, v_, q_acc_, win_acc_, bias3_, w3d_, g3_;
  std::vector<float> out_t_, pooled_t_, dq_;
  std::vector<std::int32_t> arg2_;  // block2_: each pooled window's argmax t, (window, channel)
  struct Transition {
    int step, k;
    bool on;
  };
  std::vector<Transition> trans_;
  std::vector<std::size_t> step_begin_;
  std::vector<unsigned> on_bits_, near_bits_;  // plan_transitions: per block of 8 windows
  std::vector<char> tail_on_;
  seqnet::Conv2Shape c2_;
  std::vector<float> batch_a_, batch_b_;  // apply_transitions: a batch's changes, else zero
  std::vector<seqnet::Conv2Term> terms_;
  int step_ = 0;
  std::vector<std::int32_t> arg_, win_arg_, near_list_;
  std::vector<int> oh_base_;
  std::vector<float> oh_val_, zmax_, bk_;
  std::vector<int> near_;  // -1: a near-tie window (exact path), 0 else
  seqnet::Scratch scratch_;
};

}  // namespace

// Parallel over sequences (each on one thread, its steps in a fixed order): a sequence's
// attribution does not depend on the thread count or on the other sequences.
std::vector<float> seqnet_integrated_gradients(const SequentialModel& m, const CnnInput& in, int n,
                                               IgMethod method, int steps,
                                               const SeqAttributeOptions& o) {
  check(m, in, n, o, "integrated gradients");
  const Quadrature q = ig_quadrature(method, steps);
  const std::size_t row = sz(4) * m.arch.length;
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  std::vector<float> attr(sz(n) * row);
  if (n == 0 || q.alphas.empty()) return attr;
  const std::vector<seqnet::LayerPlan> plans = seqnet::LayerPlan::make(m.arch, m.params);
  const int threads = std::min(o.threads > 0 ? o.threads : omp_get_max_threads(), n);
#pragma omp parallel num_threads(threads)
  {
    IgWorker worker(m, q, o);
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < n; ++s)
      worker.run(x.data() + sz(s) * row, attr.data() + sz(s) * row, plans);
  }
  return attr;
}

}  // namespace mint

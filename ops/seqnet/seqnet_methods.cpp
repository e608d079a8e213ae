// Prediction and the gradient and perturbation attributions of a general sequential network:
// gradient, saliency, input × gradient, Integrated Gradients, ISM and Feature Permutation.
// See seqnet.hpp.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/common/simd.hpp"
#include "ops/perturbation/fp_driver.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_layers.hpp"

namespace mint {
namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{64} << 20;  // activations per SeqNet
constexpr int kMaxRows = 512;
constexpr int kIsmRows = 64;  // variants per forward of a thread's ISM runner

std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

void check(const SequentialModel& m, const CnnInput& in, std::int64_t n,
           const SeqAttributeOptions& o, const char* what) {
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error(std::string(what) + ": give exactly one of codes and dense input");
  }
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (o.output < 0 || o.output >= m.arch.outputs()) {
    throw Error(std::string(what) + ": target index " + std::to_string(o.output) +
                " is out of range: the model has " + std::to_string(m.arch.outputs()) +
                " output(s)");
  }
}

// g of the chosen output: the value itself or its sigmoid.
double g_of(float z, Target t) { return t == Target::logit ? z : sigmoid(z); }

// dg/dz at the output, as the gradient methods seed the backward pass.
float seed_of(float z, Target t) {
  if (t == Target::logit) return 1.0f;
  const double p = sigmoid(z);
  return static_cast<float>(p * (1 - p));
}

bool first_is_conv(const SequentialModel& m) {
  return m.arch.layers.front().type == LayerType::conv1d;
}

// Layer 0's output (a Conv1d's, bias included) of one dense row.
void conv0_row(const SequentialModel& m, const float* x, float* out, bool bias,
               seqnet::Scratch& s) {
  const SequentialLayer& l = m.arch.layers.front();
  const LayerParams& p = m.params.layers.front();
  seqnet::conv1d_row(x, 4, m.arch.length, p.weight.data(), bias && l.bias ? p.bias.data() : nullptr,
                     l.out, l.kernel, l.dilation, l.pad_left, l.length_after, out, s);
}

// Rows per block of the row-parallel methods (predict, gradient): each thread runs whole
// blocks through every layer on its own serial SeqNet (no barrier per layer; activations stay
// in cache). A row's result depends only on that row.
constexpr int kBlock = 16;

int thread_count(int requested, std::int64_t tasks) {
  const int t = requested > 0 ? requested : omp_get_max_threads();
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(t, tasks)));
}

// Gradient of g w.r.t. the input, dense (n, 4, L).
std::vector<float> input_gradient(const SequentialModel& m, const std::vector<float>& x, int n,
                                  const SeqAttributeOptions& o) {
  const std::size_t row = sz(4) * m.arch.length, outs = sz(m.arch.outputs());
  std::vector<float> grad(sz(n) * row);
  const int blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(thread_count(o.threads, blocks))
  {
    SeqNet net(m.arch, kBlock, 1);
    net.keep_plans(&m.params);
    std::vector<float> out(sz(kBlock) * outs), dout;
#pragma omp for schedule(dynamic, 1)
    for (int b = 0; b < blocks; ++b) {
      const int s0 = b * kBlock, rows = std::min(kBlock, n - s0);
      net.forward(m.params, x.data() + sz(s0) * row, rows, Mode::eval, out.data());
      dout.assign(sz(rows) * outs, 0.0f);
      for (int r = 0; r < rows; ++r) {
        dout[sz(r) * outs + sz(o.output)] = seed_of(out[sz(r) * outs + sz(o.output)], o.target);
      }
      net.backward(m.params, dout.data(), nullptr, grad.data() + sz(s0) * row);
    }
  }
  return grad;
}

}  // namespace

std::vector<float> seqnet_predict(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                                  int threads) {
  check(m, in, n, SeqAttributeOptions{}, "predict");
  const std::size_t outs = sz(m.arch.outputs());
  std::vector<float> out(sz(n) * outs);
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(thread_count(threads, blocks))
  {
    SeqNet net(m.arch, kBlock, 1);
    net.keep_plans(&m.params);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t s0 = b * kBlock;
      const int rows = static_cast<int>(std::min<std::int64_t>(kBlock, n - s0));
      const std::vector<float> x = dense_input(offset(in, s0, m.arch.length), rows, m.arch.length);
      net.forward(m.params, x.data(), rows, Mode::infer, out.data() + sz(s0) * outs);
    }
  }
  return out;
}

std::vector<float> seqnet_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  check(m, in, n, o, "gradient");
  return input_gradient(m, dense_input(in, n, m.arch.length), n, o);
}

std::vector<float> seqnet_saliency(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  std::vector<float> g = seqnet_gradient(m, in, n, o);
  for (float& v : g) v = std::fabs(v);
  return g;
}

std::vector<float> seqnet_input_x_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                           const SeqAttributeOptions& o) {
  check(m, in, n, o, "input x gradient");
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  std::vector<float> g = input_gradient(m, x, n, o);
  for (std::size_t k = 0; k < g.size(); ++k) g[k] *= x[k];
  return g;
}

namespace {

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
        first_(conv2_   ? 4
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
      u_.resize(s_in_);
      v_.resize(s_in_);
      cur_a_.resize(s_p_);
      cur_b_.resize(s_p_);
      dp_.resize(s_p_);
      w3_.resize(m.params.layers[3].weight.size());  // (in, K, out): one (c, k)'s outputs
      for (int f = 0; f < l3.out; ++f) {
        for (int c = 0; c < l3.in; ++c) {
          for (int k = 0; k < l3.kernel; ++k) {
            w3_[(sz(c) * sz(l3.kernel) + sz(k)) * sz(l3.out) + sz(f)] =
                m.params.layers[3].weight[(sz(f) * sz(l3.in) + sz(c)) * sz(l3.kernel) + sz(k)];
          }
        }
      }
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
    if (conv2_) {
      std::fill(u_.begin(), u_.end(), 0.0);
      std::fill(v_.begin(), v_.end(), 0.0);
      std::fill(cur_a_.begin(), cur_a_.end(), 0.0f);
      std::fill(cur_b_.begin(), cur_b_.end(), 0.0f);
    }
    std::fill(total_.begin(), total_.end(), 0.0f);
    for (int k0 = 0; k0 < S; k0 += cap) {
      const int rows = std::min(cap, S - k0);
      for (int r = 0; r < rows; ++r) step_row(xs, static_cast<float>(q_.alphas[sz(k0 + r)]), r);
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
        if (conv2_) {  // through the second conv: ∂g/∂(the pool's output)
          seqnet::backward_row(m_.arch, 3, m_.params.layers[3], plans[3], nullptr, nullptr, nullptr,
                               d, dp_.data(), scratch_);
          d = dp_.data();
        }
        if (fused_) {  // through the pool (to its argmax) and relu' into ∂g/∂conv0
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
    if (onehot) {  // x ⊙ Wᵀ (Σ_k w_k ∂g/∂conv0), at the observed bases
      const std::size_t lin = sz(l0.length_after), opad = sz(plans[0].opad);
      scratch_.oh_t.assign(lin * opad, 0.0f);
      for (std::size_t f = 0; f < sz(l0.out); ++f) {
        for (std::size_t t = 0; t < lin; ++t) scratch_.oh_t[t * opad + f] = total_[f * lin + t];
      }
      seqnet::conv1d_onehot_attr(l0, plans[0], oh_base_.data(), oh_val_.data(), m_.arch.length,
                                 scratch_.oh_t.data(), a);
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
    std::copy(win_arg_.begin(), win_arg_.end(), arg);
    // Every window at its precomputed argmax, 8 in the lanes (near-tie windows masked, redone
    // exactly below); a window's (a, b) changes rarely (a switch on or off).
    const Float8 alv = broadcast8(al), zero = splat8(0.0f);
    std::size_t k = 0;
    for (; k + 8 <= s_p_; k += 8) {
      const Float8 zm = load8(zmax_.data() + k), b = load8(bk_.data() + k);
      const Float8 v = alv * zm + b;
      store8(pre + k, v);
      if (!conv2_) {
        store8(dst + k, v > zero ? v : zero);
        continue;
      }
      const Int8 on = v > zero;
      const Float8 na = on ? zm : zero, nb = on ? b : zero;
      const Int8 changed = ((na != load8(cur_a_.data() + k)) | (nb != load8(cur_b_.data() + k))) &
                           ~load8i(near_.data() + k);
      bool any = false;
      for (int j = 0; j < 8; ++j) any |= changed[j] != 0;
      if (!any) continue;
      for (int j = 0; j < 8; ++j) {
        if (changed[j] != 0) set_window(k + sz(j), na[j], nb[j]);
      }
    }
    for (; k < s_p_; ++k) {
      if (near_[k] != 0) continue;
      const float v = al * zmax_[k] + bk_[k];
      pre[k] = v;
      window_value(k, v, zmax_[k], dst);
    }
    for (const std::int32_t kk : near_list_) near_window(sz(kk), al, pre, arg, dst);
    if (conv2_) conv2_output(al, dst);
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
    const std::size_t lout = sz(m_.arch.layers[2].length_after);
    update_conv2(static_cast<int>(k / lout), static_cast<int>(k % lout), na - cur_a_[k],
                 nb - cur_b_[k]);
    cur_a_[k] = na;
    cur_b_[k] = nb;
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
  void update_conv2(int c, int w, float da, float db) {
    const SequentialLayer& l3 = m_.arch.layers[3];
    const int lout = l3.length_after, cout = l3.out;
    for (int k = 0; k < l3.kernel; ++k) {
      const int t = w - k * l3.dilation + l3.pad_left;
      if (t < 0 || t >= lout) continue;
      const float* wk = w3_.data() + (sz(c) * sz(l3.kernel) + sz(k)) * sz(cout);
      double* u = u_.data() + sz(t);  // (cout, lout)
      double* vv = v_.data() + sz(t);
      for (int o = 0; o < cout; ++o) {
        u[sz(o) * sz(lout)] += static_cast<double>(da) * wk[o];
        vv[sz(o) * sz(lout)] += static_cast<double>(db) * wk[o];
      }
    }
  }

  void conv2_output(float al, float* dst) const {
    const SequentialLayer& l3 = m_.arch.layers[3];
    const int lout = l3.length_after, cout = l3.out;
    const std::vector<float>& bias = m_.params.layers[3].bias;
    for (int o = 0; o < cout; ++o) {
      const double bo = l3.bias ? bias[sz(o)] : 0.0;
      const double* u = u_.data() + sz(o) * sz(lout);
      const double* v = v_.data() + sz(o) * sz(lout);
      float* d = dst + sz(o) * sz(lout);
      for (int t = 0; t < lout; ++t) d[t] = static_cast<float>(al * u[t] + v[t] + bo);
    }
  }

  static constexpr int kIgChunk = 10;  // steps per forward/backward: activations stay in cache
  const SequentialModel& m_;
  const Quadrature& q_;
  const SeqAttributeOptions& o_;
  bool once_, fused_, conv2_;
  int first_;
  std::size_t s_in_, s_z_, s_p_;
  SeqNet net_;
  std::vector<float> rows_in_, out_, dout_, din_, z_, total_, pre_, cur_a_, cur_b_, dp_, w3_;
  std::vector<double> u_, v_;
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

// ---- ISM and Feature Permutation ------------------------------------------------------------

namespace {

// Variants of sequences that each change one column, evaluated through the network in batches:
// from the first Conv1d's output updated in the column's receptive field (or from the input
// when layer 0 is not a Conv1d).
class VariantRunner {
 public:
  VariantRunner(const SequentialModel& m, int threads, int most_rows = kMaxRows)
      : m_(m),
        net_(m.arch, SeqNet::capacity_for(m.arch, kWorkspaceBytes, most_rows), threads),
        once_(first_is_conv(m)),
        s_in_(sz(m.arch.size_before(once_ ? 1 : 0))),
        rows_(sz(net_.capacity()) * s_in_),
        out_(sz(net_.capacity()) * sz(m.arch.outputs())) {
    net_.keep_plans(&m.params);
  }

  // The base rows (layer 0's outputs, or the input) of sequences x (count, 4, L) into `base`.
  void base_rows(const float* x, int count, std::vector<float>& base) {
    base.resize(sz(count) * s_in_);
    const std::size_t row = sz(4) * m_.arch.length;
    for (int s = 0; s < count; ++s) {
      if (once_) {
        conv0_row(m_, x + sz(s) * row, base.data() + sz(s) * s_in_, true, scratch_);
      } else {
        std::copy(x + sz(s) * row, x + sz(s + 1) * row, base.data() + sz(s) * s_in_);
      }
    }
  }

  // Outputs (output index o) of `count` rows given in `rows` (count, s_in).
  void outputs(const float* rows, int count, int o, float* result) {
    const std::size_t outs = sz(m_.arch.outputs());
    for (int r0 = 0; r0 < count; r0 += net_.capacity()) {
      const int k = std::min(net_.capacity(), count - r0);
      net_.forward(m_.params, rows + sz(r0) * s_in_, k, Mode::eval, out_.data(), once_ ? 1 : 0);
      for (int r = 0; r < k; ++r) result[r0 + r] = out_[sz(r) * outs + sz(o)];
    }
  }

  // `base` with column p of the input changed by delta (4 values) into dst.
  void variant(const float* base, int p, const float* delta, float* dst) const {
    std::copy(base, base + s_in_, dst);
    if (!once_) {
      for (int c = 0; c < 4; ++c) dst[sz(c) * m_.arch.length + sz(p)] += delta[c];
      return;
    }
    const SequentialLayer& l = m_.arch.layers.front();
    const float* w = m_.params.layers.front().weight.data();
    const int lout = l.length_after;
    for (int k = 0; k < l.kernel; ++k) {
      const int t = p + l.pad_left - k * l.dilation;
      if (t < 0 || t >= lout) continue;
      for (int f = 0; f < l.out; ++f) {
        float d = 0.0f;
        for (int c = 0; c < 4; ++c) {
          if (delta[c] != 0.0f) d += w[(sz(f) * 4 + sz(c)) * sz(l.kernel) + sz(k)] * delta[c];
        }
        dst[sz(f) * sz(lout) + sz(t)] += d;
      }
    }
  }

  std::size_t row_size() const { return s_in_; }
  int capacity() const { return net_.capacity(); }

 private:
  const SequentialModel& m_;
  SeqNet net_;
  bool once_;
  std::size_t s_in_;
  std::vector<float> rows_, out_;
  seqnet::Scratch scratch_;
};

}  // namespace

// Parallel over sequences, each on one thread with its own runner.
std::vector<float> seqnet_ism(const SequentialModel& m, const CnnInput& in, int n,
                              const SeqAttributeOptions& o) {
  check(m, in, n, o, "ism");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  const std::vector<float> x = dense_input(in, n, len);
  std::vector<float> attr(sz(n) * row, 0.0f);
  struct Slot {
    int c, p;
  };
#pragma omp parallel num_threads(thread_count(o.threads, n))
  {
    VariantRunner run(m, 1, kIsmRows);
    std::vector<float> base, batch, values;
    std::vector<Slot> slots;
    float base_out = 0.0f;
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < n; ++s) {
      const float* xs = x.data() + sz(s) * row;
      run.base_rows(xs, 1, base);
      run.outputs(base.data(), 1, o.output, &base_out);
      slots.clear();
      for (int c = 0; c < 4; ++c) {
        for (int p = 0; p < len; ++p) {
          bool same = true;  // the column already is one-hot c: exactly 0
          for (int ch = 0; ch < 4; ++ch) same &= xs[sz(ch) * L + sz(p)] == (ch == c ? 1.0f : 0.0f);
          if (!same) slots.push_back({c, p});
        }
      }
      batch.resize(slots.size() * run.row_size());
      values.resize(slots.size());
      for (std::size_t v = 0; v < slots.size(); ++v) {
        float delta[4];
        for (int ch = 0; ch < 4; ++ch) {
          delta[ch] = (ch == slots[v].c ? 1.0f : 0.0f) - xs[sz(ch) * L + sz(slots[v].p)];
        }
        run.variant(base.data(), slots[v].p, delta, batch.data() + v * run.row_size());
      }
      run.outputs(batch.data(), static_cast<int>(slots.size()), o.output, values.data());
      const double g0 = g_of(base_out, o.target);
      for (std::size_t v = 0; v < slots.size(); ++v) {
        attr[sz(s) * row + sz(slots[v].c) * L + sz(slots[v].p)] =
            static_cast<float>(g_of(values[v], o.target) - g0);
      }
    }
  }
  return attr;
}

std::vector<float> seqnet_feature_permutation(const SequentialModel& m, const CnnInput& input,
                                              int n, const FpOptions& fp,
                                              const SeqAttributeOptions& o,
                                              std::vector<std::vector<std::int64_t>>* used) {
  check(m, input, n, o, "feature permutation");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  VariantRunner run(m, o.threads);
  std::vector<float> x, base, base_out, batch, values;
  struct Slot {
    int i, p;
  };
  std::vector<Slot> slots;
  auto eval = [&](const CnnInput& in, int first, int size, const std::vector<std::int32_t>& perms,
                  float* out_all) {
    x = dense_input(offset(in, first, len), size, len);
    run.base_rows(x.data(), size, base);
    base_out.resize(sz(size));
    run.outputs(base.data(), size, o.output, base_out.data());
    slots.clear();
    for (int i = 0; i < size; ++i) {
      for (int p = 0; p < len; ++p) {
        if (perms[sz(p) * sz(size) + sz(i)] != i) slots.push_back({i, p});
      }
    }
    // In pieces of the network's capacity, so the variant rows stay small.
    const std::size_t piece = sz(run.capacity());
    batch.resize(piece * run.row_size());
    values.resize(piece);
    for (std::size_t v0 = 0; v0 < slots.size(); v0 += piece) {
      const std::size_t k = std::min(piece, slots.size() - v0);
      for (std::size_t v = 0; v < k; ++v) {
        const Slot& sl = slots[v0 + v];
        const int src = perms[sz(sl.p) * sz(size) + sz(sl.i)];
        float delta[4];
        for (int ch = 0; ch < 4; ++ch) {
          delta[ch] =
              x[sz(src) * row + sz(ch) * L + sz(sl.p)] - x[sz(sl.i) * row + sz(ch) * L + sz(sl.p)];
        }
        run.variant(base.data() + sz(sl.i) * run.row_size(), sl.p, delta,
                    batch.data() + v * run.row_size());
      }
      run.outputs(batch.data(), static_cast<int>(k), o.output, values.data());
      for (std::size_t v = 0; v < k; ++v) {
        const Slot& sl = slots[v0 + v];
        const auto a =
            static_cast<float>(g_of(base_out[sz(sl.i)], o.target) - g_of(values[v], o.target));
        for (std::size_t ch = 0; ch < 4; ++ch) {
          out_all[(sz(first) + sz(sl.i)) * row + ch * L + sz(sl.p)] = a;
        }
      }
    }
  };
  return fp_detail::fp_driver(len, input, n, fp, used, eval);
}

}  // namespace mint

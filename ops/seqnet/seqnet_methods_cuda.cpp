// Prediction and the gradient attributions of a general sequential network on the GPU, written
// against SeqNetCuda's host API (so this file builds everywhere; without CUDA or cuDNN the
// SeqNetCuda constructor throws the reason). The same steps as seqnet_methods.cpp, in larger
// batches: Integrated Gradients batches (sequence, step) pairs of several sequences.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_layers.hpp"
#include "ops/seqnet/seqnet_methods_common.hpp"

namespace mint {
namespace {

using seqnet_detail::check;
using seqnet_detail::seed_of;
using seqnet_detail::sz;

constexpr std::size_t kDeviceBytes = std::size_t{512} << 20;  // activations per SeqNetCuda
constexpr int kMaxRows = 4096;

int device_capacity(const SequentialArchitecture& a) {
  return SeqNet::capacity_for(a, kDeviceBytes, kMaxRows);
}

// Seeds dout (rows, outputs) at output o from the outputs `out`.
void seed(const std::vector<float>& out, int rows, std::size_t outs, const SeqAttributeOptions& o,
          std::vector<float>& dout) {
  dout.assign(sz(rows) * outs, 0.0f);
  for (int r = 0; r < rows; ++r) {
    dout[sz(r) * outs + sz(o.output)] = seed_of(out[sz(r) * outs + sz(o.output)], o.target);
  }
}

std::vector<float> input_gradient(const SequentialModel& m, const std::vector<float>& x, int n,
                                  const SeqAttributeOptions& o) {
  const std::size_t row = sz(4) * m.arch.length, outs = sz(m.arch.outputs());
  SeqNetCuda net(m.arch, device_capacity(m.arch));
  std::vector<float> grad(sz(n) * row), out(sz(net.capacity()) * outs), dout;
  for (int s0 = 0; s0 < n; s0 += net.capacity()) {
    const int rows = std::min(net.capacity(), n - s0);
    net.forward(m.params, x.data() + sz(s0) * row, rows, Mode::eval, out.data());
    seed(out, rows, outs, o, dout);
    net.backward(m.params, dout.data(), nullptr, grad.data() + sz(s0) * row);
  }
  return grad;
}

}  // namespace

std::vector<float> seqnet_predict_cuda(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                                       int threads) {
  (void)threads;
  check(m, in, n, SeqAttributeOptions{}, "predict");
  const std::size_t outs = sz(m.arch.outputs());
  SeqNetCuda net(m.arch, device_capacity(m.arch));
  std::vector<float> out(sz(n) * outs);
  for (std::int64_t s0 = 0; s0 < n; s0 += net.capacity()) {
    const int rows = static_cast<int>(std::min<std::int64_t>(net.capacity(), n - s0));
    const std::vector<float> x = dense_input(offset(in, s0, m.arch.length), rows, m.arch.length);
    net.forward(m.params, x.data(), rows, Mode::infer, out.data() + sz(s0) * outs);
  }
  return out;
}

std::vector<float> seqnet_gradient_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        const SeqAttributeOptions& o) {
  check(m, in, n, o, "gradient");
  return input_gradient(m, dense_input(in, n, m.arch.length), n, o);
}

std::vector<float> seqnet_saliency_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        const SeqAttributeOptions& o) {
  std::vector<float> g = seqnet_gradient_cuda(m, in, n, o);
  for (float& v : g) v = std::fabs(v);
  return g;
}

std::vector<float> seqnet_input_x_gradient_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                                const SeqAttributeOptions& o) {
  check(m, in, n, o, "input x gradient");
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  std::vector<float> g = input_gradient(m, x, n, o);
  for (std::size_t k = 0; k < g.size(); ++k) g[k] *= x[k];
  return g;
}

std::vector<float> seqnet_integrated_gradients_cuda(const SequentialModel& m, const CnnInput& in,
                                                    int n, IgMethod method, int steps,
                                                    const SeqAttributeOptions& o) {
  check(m, in, n, o, "integrated gradients");
  const Quadrature q = ig_quadrature(method, steps);
  const std::int64_t S = static_cast<std::int64_t>(q.alphas.size());
  const std::size_t row = sz(4) * m.arch.length, outs = sz(m.arch.outputs());
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  // Conv-once: with a zero baseline the first Conv1d's output at α·x is α·(W∗x) + b.
  const SequentialLayer& l0 = m.arch.layers.front();
  const bool once = l0.type == LayerType::conv1d;
  const int first = once ? 1 : 0;
  const std::size_t s_in = sz(m.arch.size_before(sz(first)));
  SeqNetCuda net(m.arch, device_capacity(m.arch));
  const int cap = net.capacity();
  const std::vector<float>& b0 = m.params.layers.front().bias;
  const std::vector<seqnet::LayerPlan> plans = seqnet::LayerPlan::make(m.arch, m.params);
  seqnet::Scratch scratch;
  // Sequences in chunks whose pairs (sequence, step) fill about one batch.
  const int chunk = static_cast<int>(std::max<std::int64_t>(1, cap / std::max<std::int64_t>(S, 1)));
  std::vector<float> attr(sz(n) * row), rows_in(sz(cap) * s_in), out(sz(cap) * outs), dout,
      din(sz(cap) * s_in), z(once ? sz(chunk) * s_in : 0), total(sz(chunk) * s_in);
  const std::size_t len0 = once ? sz(l0.length_after) : 1;
  for (int c0 = 0; c0 < n; c0 += chunk) {
    const int count = std::min(chunk, n - c0);
    const float* xc = x.data() + sz(c0) * row;
    for (int s = 0; once && s < count; ++s) {  // W∗x without the bias, per sequence
      seqnet::conv1d_row(xc + sz(s) * row, 4, m.arch.length, m.params.layers.front().weight.data(),
                         nullptr, l0.out, l0.kernel, l0.dilation, l0.pad_left, l0.length_after,
                         z.data() + sz(s) * s_in, scratch);
    }
    std::fill(total.begin(), total.end(), 0.0f);
    // Pairs (s, k) in order s·S + k, `cap` per batch; each sequence sums its steps in order.
    for (std::int64_t q0 = 0; q0 < S * count; q0 += cap) {
      const int rows = static_cast<int>(std::min<std::int64_t>(cap, S * count - q0));
      for (int r = 0; r < rows; ++r) {
        const std::size_t s = sz((q0 + r) / S), k = sz((q0 + r) % S);
        const float a = static_cast<float>(q.alphas[k]);
        const float* src = once ? z.data() + s * s_in : xc + s * row;
        float* dst = rows_in.data() + sz(r) * s_in;
        for (std::size_t j = 0; j < s_in; ++j) {
          dst[j] = once ? a * src[j] + (l0.bias ? b0[j / len0] : 0.0f) : a * src[j];
        }
      }
      net.forward(m.params, rows_in.data(), rows, Mode::eval, out.data(), first);
      seed(out, rows, outs, o, dout);
      net.backward(m.params, dout.data(), nullptr, din.data());
      for (int r = 0; r < rows; ++r) {
        const std::size_t s = sz((q0 + r) / S), k = sz((q0 + r) % S);
        const float w = static_cast<float>(q.weights[k]);
        const float* d = din.data() + sz(r) * s_in;
        float* t = total.data() + s * s_in;
        for (std::size_t j = 0; j < s_in; ++j) t[j] += d[j] * w;
      }
    }
    for (int s = 0; s < count; ++s) {
      const float* xs = xc + sz(s) * row;
      float* a = attr.data() + sz(c0 + s) * row;
      const float* t = total.data() + sz(s) * s_in;
      if (once) {  // Σ_k w_k ∂g/∂x(α_k x) = Wᵀ (Σ_k w_k ∂g/∂conv0)
        seqnet::backward_row(m.arch, 0, m.params.layers.front(), plans.front(), xs, nullptr,
                             nullptr, t, a, scratch);
      } else {
        std::copy(t, t + s_in, a);
      }
      for (std::size_t k = 0; k < row; ++k) a[k] *= xs[k];
    }
  }
  return attr;
}

}  // namespace mint

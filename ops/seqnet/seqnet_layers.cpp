// One row through one layer. See seqnet_layers.hpp.
#include "ops/seqnet/seqnet_layers.hpp"

#include <algorithm>
#include <cmath>

#include "ops/common/simd.hpp"
#include "ops/seqnet/seqnet_core.hpp"

namespace mint::seqnet {
namespace {

constexpr int kTile = 16;  // conv output positions per register tile (two Float8)
constexpr int kRows = 4;   // conv output channels per register tile

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

void conv1d_row(const float* x, int cin, int lin, const float* w, const float* bias, int cout,
                int kernel, int dil, int pad_left, int lout, float* out, Scratch& s) {
  const int span = dil * (kernel - 1);
  const int lt = round_up(lout, kTile), wp = lt + span;
  s.padded.assign(static_cast<std::size_t>(cin) * wp, 0.0f);
  for (int c = 0; c < cin; ++c) {
    float* row = s.padded.data() + static_cast<std::size_t>(c) * wp;
    const int s0 = std::max(0, -pad_left), s1 = std::min(lin, wp - pad_left);
    if (s1 > s0)
      std::copy(x + static_cast<std::size_t>(c) * lin + s0,
                x + static_cast<std::size_t>(c) * lin + s1, row + s0 + pad_left);
  }
  const float* xp = s.padded.data();
  for (int o0 = 0; o0 < cout; o0 += kRows) {
    const int rows = std::min(kRows, cout - o0);
    for (int t0 = 0; t0 < lout; t0 += kTile) {
      Float8 acc[kRows][2];
      for (int j = 0; j < kRows; ++j) {
        const float b = (bias != nullptr && j < rows) ? bias[o0 + j] : 0.0f;
        acc[j][0] = acc[j][1] = broadcast8(b);
      }
      for (int c = 0; c < cin; ++c) {
        const float* xc = xp + static_cast<std::size_t>(c) * wp + t0;
        for (int k = 0; k < kernel; ++k) {
          const Float8 x0 = load8(xc + k * dil), x1 = load8(xc + k * dil + 8);
          for (int j = 0; j < rows; ++j) {
            const Float8 wv =
                broadcast8(w[(static_cast<std::size_t>(o0 + j) * cin + c) * kernel + k]);
            acc[j][0] += wv * x0;
            acc[j][1] += wv * x1;
          }
        }
      }
      const int n = std::min(kTile, lout - t0);
      for (int j = 0; j < rows; ++j) {
        alignas(32) float tmp[kTile];
        store8(tmp, acc[j][0]);
        store8(tmp + 8, acc[j][1]);
        std::copy(tmp, tmp + n, out + static_cast<std::size_t>(o0 + j) * lout + t0);
      }
    }
  }
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
      conv1d_row(in, cin, lin, p.weight.data(), l.bias ? p.bias.data() : nullptr, l.out, l.kernel,
                 l.dilation, l.pad_left, lout, out, s);
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
        for (int w = 0; w < lout; ++w) {
          int best = w * stride;
          for (int t = best + 1; t < w * stride + kernel; ++t) {
            if (x[t] > x[best]) best = t;
          }
          const std::size_t k = static_cast<std::size_t>(c) * lout + w;
          out[k] = x[best];
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
    case LayerType::linear: {
      for (int o = 0; o < l.out; ++o) {
        const float* wr = p.weight.data() + static_cast<std::size_t>(o) * l.in;
        Float8 acc = splat8(0.0f);
        int k = 0;
        for (; k + 8 <= l.in; k += 8) acc += load8(wr + k) * load8(in + k);
        float sum = 0.0f;
        for (int j = 0; j < 8; ++j) sum += acc[j];
        for (; k < l.in; ++k) sum += wr[k] * in[k];
        out[o] = l.bias ? sum + p.bias[o] : sum;
      }
      return;
    }
    case LayerType::flatten:
    case LayerType::dropout:
      std::copy(in, in + n_in, out);
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
      const int span = l.dilation * (l.kernel - 1);
      conv1d_row(dout, l.out, lout, plan.flipped.data(), nullptr, cin, l.kernel, l.dilation,
                 span - l.pad_left, lin, din, s);
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
      std::fill(din, din + n_in, 0.0f);
      for (int o = 0; o < l.out; ++o) {
        const float g = dout[o];
        if (g == 0.0f) continue;
        const float* wr = p.weight.data() + static_cast<std::size_t>(o) * l.in;
        for (int k = 0; k < l.in; ++k) din[k] += g * wr[k];
      }
      return;
    case LayerType::flatten:
    case LayerType::dropout:
      std::copy(dout, dout + n_in, din);
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

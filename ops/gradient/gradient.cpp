// Gradient, Saliency, InputXGradient, Integrated Gradients and ISM on the CPU backend (see
// include/mint/attribution.hpp). Everything is batched through one CpuCnn: rows of a batch
// are whole sequences (gradient), (sequence, IG step) pairs, or (sequence, mutation) pairs.
// Sums over IG steps are accumulated in float64.
#include "ops/gradient/gradient.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string>

#include "core/error.hpp"

namespace mint {
namespace {

void check_call(const char* what, int capacity, const CnnInput& in, int n) {
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error(std::string(what) + ": give exactly one of codes and dense input");
  }
  if (in.dense != nullptr && in.scale != nullptr) {
    throw Error(std::string(what) + ": a row scale applies to codes input only");
  }
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (capacity < 1) throw Error(std::string(what) + ": the network has no capacity");
}

// Sequences [first, ...) of the input.
CnnInput offset(const CnnInput& in, std::int64_t first, int length) {
  CnnInput out;
  if (in.codes != nullptr) {
    out.codes = in.codes + first * length;
    if (in.scale != nullptr) out.scale = in.scale + first;
  } else {
    out.dense = in.dense + first * 4 * length;
  }
  return out;
}

// x[s, ch, p] of the input, as a float.
float input_at(const CnnInput& in, std::int64_t s, int ch, int p, int length) {
  if (in.codes != nullptr) {
    if (in.codes[s * length + p] != ch) return 0.0f;
    return in.scale != nullptr ? in.scale[s] : 1.0f;
  }
  return in.dense[(s * 4 + ch) * length + p];
}

// The two networks the methods run on, behind one small interface: forward (eval mode,
// activations kept), backward of Σ dlogits·logit to the input, and predict.
//
// CpuCnn with const parameters: CpuCnn::forward takes mutable parameters because train mode
// updates the running statistics; eval mode writes nothing.
struct CpuNet {
  CpuCnn& cnn;
  const ModelParams& params;
  ModelParams grads;
  int capacity() const { return cnn.capacity(); }
  const ModelConfig& config() const { return cnn.config(); }
  void forward(const CnnInput& in, int rows, float* logits) {
    cnn.forward(const_cast<ModelParams&>(params), in, rows, Mode::eval, logits);
  }
  void backward(const float* dlogits, float* dx) { cnn.backward(params, dlogits, &grads, dx); }
  void predict(const CnnInput& in, int rows, float* logits) {
    cnn.predict(params, in, rows, logits);
  }
};

// Any CnnBackend (CPU or CUDA) holding the model's parameters.
struct BackendNet {
  CnnBackend& backend;
  int capacity() const { return backend.capacity(); }
  const ModelConfig& config() const { return backend.config(); }
  void forward(const CnnInput& in, int rows, float* logits) {
    backend.forward(in, rows, Mode::eval, logits);
  }
  void backward(const float* dlogits, float* dx) { backend.backward(dlogits, dx); }
  void predict(const CnnInput& in, int rows, float* logits) {
    backend.forward(in, rows, Mode::eval, logits);
  }
};

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// g(logit): the attributed output.
float output_of(float logit, Target target) {
  return target == Target::logit ? logit : static_cast<float>(sigmoid(logit));
}

// ∂g/∂x of `rows` rows into dx (rows, 4, L), g = the logit or its sigmoid (chain rule:
// backward of Σ σ'(f)·f).
template <typename Net>
void gradient_rows(Net& net, const CnnInput& in, int rows, Target target,
                   std::vector<float>& logits, std::vector<float>& dlogits, float* dx) {
  logits.resize(static_cast<std::size_t>(rows));
  dlogits.resize(static_cast<std::size_t>(rows));
  net.forward(in, rows, logits.data());
  for (int j = 0; j < rows; ++j) {
    const auto k = static_cast<std::size_t>(j);
    if (target == Target::logit) {
      dlogits[k] = 1.0f;
    } else {
      const double p = sigmoid(logits[k]);
      dlogits[k] = static_cast<float>(p * (1 - p));
    }
  }
  net.backward(dlogits.data(), dx);
}

// Outputs g of n sequences, in batches of the network's capacity.
template <typename Net>
std::vector<float> outputs_of(Net& net, const CnnInput& in, int n, Target target) {
  const int length = net.config().length, cap = net.capacity();
  std::vector<float> out(static_cast<std::size_t>(n));
  for (int s0 = 0; s0 < n; s0 += cap) {
    const int rows = std::min(cap, n - s0);
    net.predict(offset(in, s0, length), rows, out.data() + s0);
  }
  for (float& v : out) v = output_of(v, target);
  return out;
}

double round_f32(double v) { return static_cast<double>(static_cast<float>(v)); }

// torch.linspace(start, end, n) in float32, exactly as torch's CPU kernel produces it (checked
// against the fixture manifests): the first half counts up from start, the second half down
// from end, each with one fused multiply-add; but the AVX2 path (8 lanes, two vectors per
// iteration, the remainder scalar) fills a vector as base + j·step with two roundings, base
// being the fused value at the vector's first index.
std::vector<double> linspace_f32(double start_d, double end_d, int n) {
  const float start = static_cast<float>(start_d), end = static_cast<float>(end_d);
  std::vector<double> out(static_cast<std::size_t>(n));
  if (n == 1) {
    out[0] = start;
    return out;
  }
  const float step = (end - start) / static_cast<float>(n - 1);
  const int halfway = n / 2;
  auto fused = [&](int i) {
    return i < halfway ? std::fma(step, static_cast<float>(i), start)
                       : std::fma(-step, static_cast<float>(n - i - 1), end);
  };
  constexpr int kLanes = 8;
  int i = 0;
  for (; i <= n - 2 * kLanes; i += 2 * kLanes) {
    for (int v = i; v < i + 2 * kLanes; v += kLanes) {
      const float base = fused(v);
      for (int j = 0; j < kLanes; ++j) {
        // j·step rounded to float, then base + offset rounded to float. Both are done as an
        // exact double operation and one rounding, so no compiler flag (FMA contraction) can
        // fuse them: the float product and sum come out the same on every build.
        const double offset = round_f32(static_cast<double>(j) * step);
        out[static_cast<std::size_t>(v + j)] =
            j == 0 ? base : round_f32(static_cast<double>(base) + offset);
      }
    }
  }
  for (; i < n; ++i) out[static_cast<std::size_t>(i)] = fused(i);
  return out;
}

}  // namespace

Target parse_target(const std::string& name) {
  if (name == "logit") return Target::logit;
  if (name == "prob") return Target::prob;
  throw Error("unknown attribution target '" + name + "' (choose logit or prob)");
}

IgMethod parse_ig_method(const std::string& name) {
  for (IgMethod m : {IgMethod::gausslegendre, IgMethod::riemann_right, IgMethod::riemann_left,
                     IgMethod::riemann_middle, IgMethod::riemann_trapezoid}) {
    if (name == ig_method_name(m)) return m;
  }
  throw Error("unknown IG method '" + name +
              "' (choose gausslegendre, riemann_right, riemann_left, riemann_middle or "
              "riemann_trapezoid)");
}

const char* ig_method_name(IgMethod method) {
  switch (method) {
    case IgMethod::gausslegendre:
      return "gausslegendre";
    case IgMethod::riemann_right:
      return "riemann_right";
    case IgMethod::riemann_left:
      return "riemann_left";
    case IgMethod::riemann_middle:
      return "riemann_middle";
    case IgMethod::riemann_trapezoid:
      return "riemann_trapezoid";
  }
  return "?";
}

// Newton's method on P_n from Tricomi's initial guesses, then symmetrised and the weights
// scaled to sum to 2, as NumPy's leggauss does (agrees with it to ~1e-16).
void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  if (n < 1) throw Error("Gauss-Legendre quadrature needs at least 1 node");
  const auto un = static_cast<std::size_t>(n);
  nodes.assign(un, 0.0);
  weights.assign(un, 0.0);
  for (int i = 0; i < n; ++i) {
    // The i-th largest root.
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0, p1 = x;
      for (int k = 1; k < n; ++k) {
        const double p2 = ((2.0 * k + 1.0) * x * p1 - k * p0) / (k + 1.0);
        p0 = p1;
        p1 = p2;
      }
      const double pn = n == 1 ? x : p1, pn1 = n == 1 ? 1.0 : p0;
      dp = n * (x * pn - pn1) / (x * x - 1.0);
      const double dx = pn / dp;
      x -= dx;
      if (std::abs(dx) <= 1e-17) break;
    }
    // Derivative at the converged root for the weight.
    double p0 = 1.0, p1 = x;
    for (int k = 1; k < n; ++k) {
      const double p2 = ((2.0 * k + 1.0) * x * p1 - k * p0) / (k + 1.0);
      p0 = p1;
      p1 = p2;
    }
    dp = n == 1 ? 1.0 : n * (x * p1 - p0) / (x * x - 1.0);
    const auto idx = static_cast<std::size_t>(n - 1 - i);  // ascending
    nodes[idx] = x;
    weights[idx] = 2.0 / ((1.0 - x * x) * dp * dp);
  }
  std::vector<double> x = nodes, w = weights;
  double sum = 0;
  for (std::size_t i = 0; i < un; ++i) {
    nodes[i] = (x[i] - x[un - 1 - i]) / 2;
    weights[i] = (w[i] + w[un - 1 - i]) / 2;
    sum += weights[i];
  }
  for (double& v : weights) v *= 2.0 / sum;
}

Quadrature ig_quadrature(IgMethod method, int n_steps) {
  Quadrature q;
  const auto un = static_cast<std::size_t>(std::max(n_steps, 0));
  if (method == IgMethod::gausslegendre) {
    if (n_steps < 1) throw Error("integrated gradients: --steps must be at least 1");
    std::vector<double> t, w;
    gauss_legendre(n_steps, t, w);
    q.alphas.resize(un);
    q.weights.resize(un);
    for (std::size_t i = 0; i < un; ++i) {
      q.alphas[i] = 0.5 * (1.0 + t[i]);
      q.weights[i] = round_f32(0.5 * w[i]);
    }
    return q;
  }
  if (n_steps < 2) {
    throw Error(std::string("integrated gradients: ") + ig_method_name(method) +
                " needs at least 2 steps");
  }
  const double n = n_steps;
  switch (method) {
    case IgMethod::riemann_right:
      q.alphas = linspace_f32(1 / n, 1, n_steps);
      break;
    case IgMethod::riemann_left:
      q.alphas = linspace_f32(0, 1 - 1 / n, n_steps);
      break;
    case IgMethod::riemann_middle:
      q.alphas = linspace_f32(1 / (2 * n), 1 - 1 / (2 * n), n_steps);
      break;
    default:
      q.alphas = linspace_f32(0, 1, n_steps);
      break;
  }
  q.weights.assign(un, 1 / n);
  if (method == IgMethod::riemann_trapezoid) {
    q.weights.front() /= 2;
    q.weights.back() /= 2;
  }
  for (double& w : q.weights) w = round_f32(w);
  return q;
}

namespace {

template <typename Net>
std::vector<float> gradient_impl(Net& net, const CnnInput& input, int n, Target target) {
  check_call("gradient", net.capacity(), input, n);
  const int length = net.config().length, cap = net.capacity();
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> out(static_cast<std::size_t>(n) * row);
  std::vector<float> logits, dlogits;
  for (int s0 = 0; s0 < n; s0 += cap) {
    const int rows = std::min(cap, n - s0);
    gradient_rows(net, offset(input, s0, length), rows, target, logits, dlogits,
                  out.data() + static_cast<std::size_t>(s0) * row);
  }
  return out;
}

template <typename Net>
std::vector<float> saliency_impl(Net& net, const CnnInput& input, int n, Target target) {
  std::vector<float> g = gradient_impl(net, input, n, target);
  for (float& v : g) v = std::abs(v);
  return g;
}

template <typename Net>
std::vector<float> input_x_gradient_impl(Net& net, const CnnInput& input, int n, Target target) {
  std::vector<float> g = gradient_impl(net, input, n, target);
  const int length = net.config().length;
  for (std::int64_t s = 0; s < n; ++s) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int p = 0; p < length; ++p) {
        g[static_cast<std::size_t>((s * 4 + ch) * length + p)] *= input_at(input, s, ch, p, length);
      }
    }
  }
  return g;
}

template <typename Net>
std::vector<float> integrated_gradients_impl(Net& net, const CnnInput& input, int n,
                                             IgMethod method, int n_steps, Target target) {
  check_call("integrated gradients", net.capacity(), input, n);
  const Quadrature q = ig_quadrature(method, n_steps);
  const int length = net.config().length, cap = net.capacity();
  const std::size_t row = static_cast<std::size_t>(4) * length;
  const bool codes = input.codes != nullptr;
  std::vector<double> acc(static_cast<std::size_t>(n) * row, 0.0);
  // Path points α_i·x for up to `cap` (sequence, step) rows.
  std::vector<std::uint8_t> path_codes(codes ? static_cast<std::size_t>(cap) * length : 0);
  std::vector<float> path_scale(codes ? static_cast<std::size_t>(cap) : 0);
  std::vector<float> path_dense(codes ? 0 : static_cast<std::size_t>(cap) * row);
  std::vector<float> dx(static_cast<std::size_t>(cap) * row);
  std::vector<float> logits, dlogits;
  const std::int64_t total = static_cast<std::int64_t>(n) * n_steps;
  for (std::int64_t r0 = 0; r0 < total; r0 += cap) {
    const int rows = static_cast<int>(std::min<std::int64_t>(cap, total - r0));
    for (int j = 0; j < rows; ++j) {
      const std::int64_t s = (r0 + j) / n_steps;
      const auto alpha = static_cast<float>(q.alphas[static_cast<std::size_t>((r0 + j) % n_steps)]);
      if (codes) {
        std::copy_n(input.codes + s * length, length,
                    path_codes.begin() + static_cast<std::ptrdiff_t>(j) * length);
        path_scale[static_cast<std::size_t>(j)] =
            input.scale != nullptr ? alpha * input.scale[s] : alpha;
      } else {
        const float* x = input.dense + static_cast<std::size_t>(s) * row;
        float* out = path_dense.data() + static_cast<std::size_t>(j) * row;
        for (std::size_t k = 0; k < row; ++k) out[k] = alpha * x[k];
      }
    }
    CnnInput path;
    if (codes) {
      path.codes = path_codes.data();
      path.scale = path_scale.data();
    } else {
      path.dense = path_dense.data();
    }
    gradient_rows(net, path, rows, target, logits, dlogits, dx.data());
    for (int j = 0; j < rows; ++j) {
      const std::int64_t s = (r0 + j) / n_steps;
      const double w = q.weights[static_cast<std::size_t>((r0 + j) % n_steps)];
      double* a = acc.data() + static_cast<std::size_t>(s) * row;
      const float* g = dx.data() + static_cast<std::size_t>(j) * row;
      for (std::size_t k = 0; k < row; ++k) a[k] += w * g[k];
    }
  }
  std::vector<float> out(acc.size());
  for (std::int64_t s = 0; s < n; ++s) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int p = 0; p < length; ++p) {
        const auto k = static_cast<std::size_t>((s * 4 + ch) * length + p);
        out[k] = static_cast<float>(input_at(input, s, ch, p, length) * acc[k]);
      }
    }
  }
  return out;
}

template <typename Net>
std::vector<float> ism_impl(Net& net, const CnnInput& input, int n, Target target) {
  check_call("ism", net.capacity(), input, n);
  const int length = net.config().length, cap = net.capacity();
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> out(static_cast<std::size_t>(n) * row, 0.0f);
  if (n == 0) return out;
  // A scaled one-hot input mutates to a column that is not a scaled code: go dense.
  std::vector<float> dense_copy;
  CnnInput in = input;
  if (input.codes != nullptr && input.scale != nullptr) {
    dense_copy.resize(out.size());
    for (std::int64_t s = 0; s < n; ++s) {
      for (int ch = 0; ch < 4; ++ch) {
        for (int p = 0; p < length; ++p) {
          dense_copy[static_cast<std::size_t>((s * 4 + ch) * length + p)] =
              input_at(input, s, ch, p, length);
        }
      }
    }
    in = CnnInput{};
    in.dense = dense_copy.data();
  }
  const std::vector<float> base = outputs_of(net, in, n, target);
  const bool codes = in.codes != nullptr;

  // The mutations (sequence, base, position) that differ from the input.
  struct Mutation {
    std::int64_t s;
    int b, p;
  };
  std::vector<Mutation> todo;
  todo.reserve(static_cast<std::size_t>(n) * (codes ? 3 : 4) * length);
  for (std::int64_t s = 0; s < n; ++s) {
    for (int p = 0; p < length; ++p) {
      for (int b = 0; b < 4; ++b) {
        bool same = true;
        for (int ch = 0; ch < 4; ++ch) {
          same = same && input_at(in, s, ch, p, length) == (ch == b ? 1.0f : 0.0f);
        }
        if (!same) todo.push_back({s, b, p});
      }
    }
  }
  std::vector<std::uint8_t> mut_codes(codes ? static_cast<std::size_t>(cap) * length : 0);
  std::vector<float> mut_dense(codes ? 0 : static_cast<std::size_t>(cap) * row);
  std::vector<float> logits(static_cast<std::size_t>(cap));
  for (std::size_t m0 = 0; m0 < todo.size(); m0 += static_cast<std::size_t>(cap)) {
    const int rows = static_cast<int>(std::min(todo.size() - m0, static_cast<std::size_t>(cap)));
    CnnInput batch;
    for (int j = 0; j < rows; ++j) {
      const Mutation& m = todo[m0 + static_cast<std::size_t>(j)];
      if (codes) {
        std::uint8_t* c = mut_codes.data() + static_cast<std::size_t>(j) * length;
        std::copy_n(in.codes + m.s * length, length, c);
        c[m.p] = static_cast<std::uint8_t>(m.b);
      } else {
        float* d = mut_dense.data() + static_cast<std::size_t>(j) * row;
        std::copy_n(in.dense + static_cast<std::size_t>(m.s) * row, row, d);
        for (int ch = 0; ch < 4; ++ch) d[ch * length + m.p] = ch == m.b ? 1.0f : 0.0f;
      }
    }
    if (codes)
      batch.codes = mut_codes.data();
    else
      batch.dense = mut_dense.data();
    net.predict(batch, rows, logits.data());
    for (int j = 0; j < rows; ++j) {
      const Mutation& m = todo[m0 + static_cast<std::size_t>(j)];
      out[static_cast<std::size_t>((m.s * 4 + m.b) * length + m.p)] =
          output_of(logits[static_cast<std::size_t>(j)], target) -
          base[static_cast<std::size_t>(m.s)];
    }
  }
  return out;
}

}  // namespace

std::vector<float> gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target) {
  CpuNet net{cnn, params, {}};
  return gradient_impl(net, input, n, target);
}
std::vector<float> saliency(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target) {
  CpuNet net{cnn, params, {}};
  return saliency_impl(net, input, n, target);
}
std::vector<float> input_x_gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input,
                                    int n, Target target) {
  CpuNet net{cnn, params, {}};
  return input_x_gradient_impl(net, input, n, target);
}
std::vector<float> integrated_gradients(CpuCnn& cnn, const ModelParams& params,
                                        const CnnInput& input, int n, IgMethod method, int n_steps,
                                        Target target) {
  if (input.codes != nullptr) {
    check_call("integrated gradients", cnn.capacity(), input, n);
    return integrated_gradients_onehot(cnn.config(), params, input.codes, input.scale, n,
                                       ig_quadrature(method, n_steps), target, cnn.threads());
  }
  CpuNet net{cnn, params, {}};
  return integrated_gradients_impl(net, input, n, method, n_steps, target);
}
std::vector<float> ism(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                       Target target) {
  CpuNet net{cnn, params, {}};
  return ism_impl(net, input, n, target);
}

std::vector<float> gradient(CnnBackend& backend, const CnnInput& input, int n, Target target) {
  BackendNet net{backend};
  return gradient_impl(net, input, n, target);
}
std::vector<float> saliency(CnnBackend& backend, const CnnInput& input, int n, Target target) {
  BackendNet net{backend};
  return saliency_impl(net, input, n, target);
}
std::vector<float> input_x_gradient(CnnBackend& backend, const CnnInput& input, int n,
                                    Target target) {
  BackendNet net{backend};
  return input_x_gradient_impl(net, input, n, target);
}
std::vector<float> integrated_gradients(CnnBackend& backend, const CnnInput& input, int n,
                                        IgMethod method, int n_steps, Target target) {
  BackendNet net{backend};
  return integrated_gradients_impl(net, input, n, method, n_steps, target);
}
std::vector<float> ism(CnnBackend& backend, const CnnInput& input, int n, Target target) {
  BackendNet net{backend};
  return ism_impl(net, input, n, target);
}

}  // namespace mint

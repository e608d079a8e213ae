// The Integrated Gradients quadratures (ig.hpp): Gauss–Legendre nodes by Newton's method as
// NumPy's leggauss, and the Riemann rules on torch.linspace's float32 nodes, every weight
// rounded to float32 as Captum uses them (reference-semantics.md §3).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <mutex>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ops/ig/ig.hpp"

namespace mint {
namespace {

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

namespace {

// Newton's method on P_n from Tricomi's initial guesses, then symmetrised and the weights
// scaled to sum to 2, as NumPy's leggauss does (agrees with it to ~1e-16).
void compute_gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
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

}  // namespace

// The rules of the last few n are kept: computing one costs O(100·n²) (Newton's iterations
// rarely meet their 1e-17 stop), about 1 ms for n = 50, which every call of
// integrated_gradients would otherwise pay.
void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  if (n < 1) throw Error("Gauss-Legendre quadrature needs at least 1 node");
  struct Rule {
    int n;
    std::vector<double> nodes, weights;
  };
  static std::mutex mutex;
  static std::deque<Rule> cache;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const Rule& r : cache) {
      if (r.n == n) {
        nodes = r.nodes;
        weights = r.weights;
        return;
      }
    }
  }
  compute_gauss_legendre(n, nodes, weights);
  const std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() == 8) cache.pop_front();
  cache.push_back({n, nodes, weights});
}

Quadrature ig_quadrature(IgMethod method, int n_steps) {
  Quadrature q;
  const auto un = static_cast<std::size_t>(std::max(n_steps, 0));
  if (method == IgMethod::gausslegendre) {
    if (n_steps < 1) throw Error("integrated gradients: --steps must be at least 1");
    // The nodes cost O(steps²) to find; Captum's 20–300 take well under a millisecond.
    if (n_steps > kMaxGaussLegendreSteps) {
      throw Error("integrated gradients: --steps " + std::to_string(n_steps) +
                  " is above gausslegendre's limit of " + std::to_string(kMaxGaussLegendreSteps) +
                  "; use a riemann_* method for more steps");
    }
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
  if (n_steps > kMaxRiemannSteps) {
    throw Error(std::string("integrated gradients: ") + ig_method_name(method) + " takes at most " +
                std::to_string(kMaxRiemannSteps) + " steps, got " + std::to_string(n_steps));
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

}  // namespace mint

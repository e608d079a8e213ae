// Integrated Gradients batched through any network (ig.hpp): the rows of a batch are
// (sequence, step) pairs, the path points α_i·x as scaled codes or dense rows; the weighted
// gradients are summed over the steps in float64, then multiplied by x. The CpuCnn overload
// sends codes input to the fused integrated_gradients_onehot (ig_onehot.cpp).
#include "ops/ig/ig.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ops/gradient/gradient_net.hpp"

namespace mint {
namespace {

using namespace gradient_net;  // the Net adapters and their helpers

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

}  // namespace

std::vector<float> integrated_gradients(CpuCnn& cnn, const ModelParams& params,
                                        const CnnInput& input, int n, IgMethod method, int n_steps,
                                        Target target) {
  if (input.codes != nullptr) {
    check_call("integrated gradients", cnn.capacity(), input, n);
    return integrated_gradients_onehot(cnn.config(), params, input.codes, input.scale, n,
                                       ig_quadrature(method, n_steps), target, cnn.threads());
  }
  CpuNet net{cnn, params};
  return integrated_gradients_impl(net, input, n, method, n_steps, target);
}
std::vector<float> integrated_gradients(CnnBackend& backend, const CnnInput& input, int n,
                                        IgMethod method, int n_steps, Target target) {
  BackendNet net{backend};
  return integrated_gradients_impl(net, input, n, method, n_steps, target);
}

}  // namespace mint

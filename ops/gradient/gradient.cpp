// Gradient, Saliency and InputXGradient on any network (gradient.hpp): whole sequences are the
// rows of a batch through one CpuCnn or CnnBackend (gradient_net.hpp).
#include "ops/gradient/gradient.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ops/gradient/gradient_net.hpp"

namespace mint {
namespace {

using namespace gradient_net;  // the Net adapters and their helpers

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

}  // namespace

std::vector<float> gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target) {
  CpuNet net{cnn, params};
  return gradient_impl(net, input, n, target);
}
std::vector<float> saliency(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target) {
  CpuNet net{cnn, params};
  return saliency_impl(net, input, n, target);
}
std::vector<float> input_x_gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input,
                                    int n, Target target) {
  CpuNet net{cnn, params};
  return input_x_gradient_impl(net, input, n, target);
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

}  // namespace mint

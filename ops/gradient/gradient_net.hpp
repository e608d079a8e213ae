// Internal to the gradient-based attributions (ops/gradient, ops/ig's batched path and the
// brute-force ISM of ops/perturbation/ism_reference.cpp): the two networks they run on behind
// one small interface, and the batching helpers they share. Not a public header.
//
//   CpuNet / BackendNet   forward (eval mode, activations kept), backward of Σ dlogits·logit to
//                         the input (rows, 4, L), predict
//   gradient_rows         ∂g/∂x of one batch, g = the logit or sigmoid(logit)
//   outputs_of            g of n sequences, in batches of the network's capacity
//   offset, input_at      sequences [first, ...) of a CnnInput; one input value as a float
//   check_call            the argument checks every entry point makes
//
// Every file that includes it is compiled with -ffp-contract=off (CMakeLists.txt): the
// arithmetic here and in its callers stays bit-identical to Captum's unfused float32.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/target.hpp"

namespace mint::gradient_net {

inline void check_call(const char* what, int capacity, const CnnInput& in, int n) {
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error(std::string(what) + ": give exactly one of codes and dense input");
  }
  if (in.dense != nullptr && in.scale != nullptr) {
    throw Error(std::string(what) + ": a row scale applies to codes input only");
  }
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (capacity < 1) throw Error(std::string(what) + ": the network has no capacity");
}

using mint::offset;  // ops/cnn/cnn.hpp

// x[s, ch, p] of the input, as a float.
inline float input_at(const CnnInput& in, std::int64_t s, int ch, int p, int length) {
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
  int capacity() const { return cnn.capacity(); }
  const ModelConfig& config() const { return cnn.config(); }
  void forward(const CnnInput& in, int rows, float* logits) {
    cnn.forward(const_cast<ModelParams&>(params), in, rows, Mode::eval, logits);
  }
  // Input gradients only: CpuCnn skips the parameter gradients.
  void backward(const float* dlogits, float* dx) { cnn.backward(params, dlogits, nullptr, dx); }
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

inline double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// g(logit): the attributed output.
inline float output_of(float logit, Target target) {
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

}  // namespace mint::gradient_net

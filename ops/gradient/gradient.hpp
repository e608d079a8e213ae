// Gradient attributions of the CNN's logit (Captum's target 0) or probability to its input:
// Gradient, Saliency and InputXGradient. Semantics follow docs/reference-semantics.md §2
// (Captum 0.8.0).
//
// Every function returns (N, 4, L) float32, channels A,C,G,T, for N = `n` sequences of the
// input (byte codes — the one-hot fast path — or dense (N, 4, L) floats). The CpuCnn is the
// workspace: batches of up to cnn.capacity() rows go through it, so any N works; its config
// must be the model's. BatchNorm always uses the running statistics (eval mode).
//
//   gradient          ∂f/∂x at all 4 channels (non-zero at absent bases too)
//   saliency          |∂f/∂x| (Captum's default abs=True)
//   input_x_gradient  x ⊙ ∂f/∂x
// With Target::prob, f above is sigmoid(logit): gradients get the factor σ'(logit).
//
// Integrated Gradients is ops/ig/ig.hpp, the brute-force ISM ops/perturbation/perturbation.hpp;
// both batch through the same networks (gradient_net.hpp).
#pragma once

#include <vector>

#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/target.hpp"

namespace mint {

std::vector<float> gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> saliency(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> input_x_gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input,
                                    int n, Target target = Target::logit);

// The same methods on any backend (make_cpu_backend, make_cuda_backend) whose parameters are
// the model's (set_params). Inputs and outputs are host arrays; batches of the backend's
// capacity cross to the device and back.
std::vector<float> gradient(CnnBackend& backend, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> saliency(CnnBackend& backend, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> input_x_gradient(CnnBackend& backend, const CnnInput& input, int n,
                                    Target target = Target::logit);

}  // namespace mint

// Attributions of the CNN's logit (Captum's target 0) or probability to its input:
// Gradient, Saliency, InputXGradient, Integrated Gradients and in-silico mutagenesis (ISM).
// Semantics follow docs/reference-semantics.md §2, §3 and §6 (Captum 0.8.0 with baseline 0).
//
// Every function returns (N, 4, L) float32, channels A,C,G,T, for N = `n` sequences of the
// input (byte codes — the one-hot fast path — or dense (N, 4, L) floats). The CpuCnn is the
// workspace: batches of up to cnn.capacity() rows go through it, so any N works; its config
// must be the model's. BatchNorm always uses the running statistics (eval mode).
//
//   gradient          ∂f/∂x at all 4 channels (non-zero at absent bases too)
//   saliency          |∂f/∂x| (Captum's default abs=True)
//   input_x_gradient  x ⊙ ∂f/∂x
//   integrated_gradients
//                     x ⊙ Σ_i w_i ∇f(α_i x) with the quadrature of ig_quadrature(); for codes
//                     input the path points α_i·onehot are CnnInput{codes, scale} rows, so
//                     (sequence, step) pairs are batched without building dense inputs.
//   ism               ism[n,b,p] = f(x with column p set to one-hot b) − f(x); exactly 0.0 at
//                     the observed base of a one-hot input. All 3L mutants of a sequence are
//                     evaluated in batches (dense inputs: all 4L).
// With Target::prob, f above is sigmoid(logit): gradients get the factor σ'(logit) at each
// evaluation point (so IG's completeness gives σ(f(x)) − σ(f(0))), ISM differences of σ.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

// What is attributed: the logit (Captum's target 0 of the model as trained, the default) or
// the probability sigmoid(logit).
enum class Target { logit, prob };
Target parse_target(const std::string& name);  // "logit" | "prob"; throws mint::Error

enum class IgMethod {
  gausslegendre,
  riemann_right,
  riemann_left,
  riemann_middle,
  riemann_trapezoid
};

// "gausslegendre", "riemann_right", ...; throws mint::Error listing the choices otherwise.
IgMethod parse_ig_method(const std::string& name);
const char* ig_method_name(IgMethod method);

// The nodes α_i and weights w_i exactly as Captum uses them (§3 of reference-semantics.md):
// Gauss–Legendre α = (1 + t_i)/2 in float64 (t ascending, NumPy leggauss), w = ω_i/2;
// Riemann α from a float32 linspace (torch.linspace); every weight rounded to float32.
struct Quadrature {
  std::vector<double> alphas, weights;
};
Quadrature ig_quadrature(IgMethod method, int n_steps);

// The n-point Gauss–Legendre nodes on [−1, 1] (ascending) and weights, in float64.
void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights);

std::vector<float> gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> saliency(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> input_x_gradient(CpuCnn& cnn, const ModelParams& params, const CnnInput& input,
                                    int n, Target target = Target::logit);
std::vector<float> integrated_gradients(CpuCnn& cnn, const ModelParams& params,
                                        const CnnInput& input, int n,
                                        IgMethod method = IgMethod::gausslegendre, int n_steps = 50,
                                        Target target = Target::logit);
// Integrated Gradients of one-hot input (codes, optionally scaled) on the CPU, fused per
// sequence (src/cpu/integrated_gradients.cpp): conv(α·x) = α·conv(x) + bias is computed once,
// Σ_i w_i ∂f/∂conv_i is accumulated over the steps and the transposed convolution applied
// once, at the observed base. integrated_gradients(CpuCnn&, ...) uses it for codes input; the
// batched path above it is the reference it is tested against. threads <= 0: all cores.
std::vector<float> integrated_gradients_onehot(const ModelConfig& config, const ModelParams& params,
                                               const std::uint8_t* codes, const float* scale, int n,
                                               const Quadrature& quadrature,
                                               Target target = Target::logit, int threads = 0);
// Brute force: every mutant through a full forward pass (the reference for the incremental
// ism_incremental of perturbation.hpp).
std::vector<float> ism(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                       Target target = Target::logit);

// The same methods on any backend (make_cpu_backend, make_cuda_backend) whose parameters are
// the model's (set_params). Inputs and outputs are host arrays; batches of the backend's
// capacity cross to the device and back.
std::vector<float> gradient(CnnBackend& backend, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> saliency(CnnBackend& backend, const CnnInput& input, int n,
                            Target target = Target::logit);
std::vector<float> input_x_gradient(CnnBackend& backend, const CnnInput& input, int n,
                                    Target target = Target::logit);
std::vector<float> integrated_gradients(CnnBackend& backend, const CnnInput& input, int n,
                                        IgMethod method = IgMethod::gausslegendre, int n_steps = 50,
                                        Target target = Target::logit);
std::vector<float> ism(CnnBackend& backend, const CnnInput& input, int n,
                       Target target = Target::logit);

}  // namespace mint

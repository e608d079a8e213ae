// Integrated Gradients of the CNN's logit (Captum's target 0) or probability to its input,
// x ⊙ Σ_i w_i ∇f(α_i x) from the zero baseline, with the quadrature of ig_quadrature().
// Semantics follow docs/reference-semantics.md §3 (Captum 0.8.0 with baseline 0).
//
// Every function returns (N, 4, L) float32, channels A,C,G,T, exactly 0 at absent bases of
// one-hot input. BatchNorm always uses the running statistics (eval mode). With Target::prob,
// f is sigmoid(logit): each step's gradient gets the factor σ'(logit) at its path point, so
// completeness gives σ(f(x)) − σ(f(0)).
//
//   ig_quadrature / gauss_legendre   the nodes and weights (quadrature.cpp)
//   integrated_gradients             batched through a CpuCnn or any CnnBackend (ig.cpp): the
//                                    path points α_i·onehot of codes input are CnnInput{codes,
//                                    scale} rows, so (sequence, step) pairs are batched without
//                                    building dense inputs. The CpuCnn overload sends codes
//                                    input to the fused path below.
//   integrated_gradients_onehot      the fused one-hot CPU path (ig_onehot.cpp), tested against
//                                    the batched one
// The CUDA kernel is ig_cuda.hpp (integrated_gradients_cuda, AttributionCuda).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/target.hpp"

namespace mint {

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

// Batched: every (sequence, step) pair is a row through the CpuCnn (the workspace: any N works,
// its config must be the model's) or the backend (whose parameters are the model's). Inputs
// and outputs are host arrays. Sums over the steps are accumulated in float64.
std::vector<float> integrated_gradients(CpuCnn& cnn, const ModelParams& params,
                                        const CnnInput& input, int n,
                                        IgMethod method = IgMethod::gausslegendre, int n_steps = 50,
                                        Target target = Target::logit);
std::vector<float> integrated_gradients(CnnBackend& backend, const CnnInput& input, int n,
                                        IgMethod method = IgMethod::gausslegendre, int n_steps = 50,
                                        Target target = Target::logit);

// Integrated Gradients of one-hot input (codes, optionally scaled) on the CPU, fused per
// sequence (ig_onehot.cpp): conv(α·x) = α·conv(x) + bias is computed once, Σ_i w_i ∂f/∂conv_i
// is accumulated over the steps and the transposed convolution applied once, at the observed
// base. integrated_gradients(CpuCnn&, ...) uses it for codes input; the batched path is the
// reference it is tested against. threads <= 0: all cores.
std::vector<float> integrated_gradients_onehot(const ModelConfig& config, const ModelParams& params,
                                               const std::uint8_t* codes, const float* scale, int n,
                                               const Quadrature& quadrature,
                                               Target target = Target::logit, int threads = 0);

}  // namespace mint

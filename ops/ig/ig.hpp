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
//   integrated_gradients_cuda,       the fused CUDA kernel (ig.cu): the same numbers as
//   IntegratedGradientsCuda          integrated_gradients_onehot to float32 rounding (≤ 1e-5
//                                    relative norm, tests/ops/test_ig_cuda.cpp)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/target.hpp"

struct CUstream_st;  // = cudaStream_t, without the CUDA headers (public headers compile without)

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
// The most steps ig_quadrature takes: gausslegendre's nodes cost O(steps²) (1,024: ~0.5 s), the
// riemann rules' nothing (their limit keeps the attribution's own cost finite).
inline constexpr int kMaxGaussLegendreSteps = 1024;
inline constexpr int kMaxRiemannSteps = 1 << 20;

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
// base; for ReLU models fc1's backward runs once per segment of steps in which a max-pool
// output keeps its route, and the dense head as matrix products over the steps.
// integrated_gradients(CpuCnn&, ...) uses it for codes input; the batched path is the
// reference it is tested against. The same bits for any number of threads; threads <= 0: all
// cores.
std::vector<float> integrated_gradients_onehot(const ModelConfig& config, const ModelParams& params,
                                               const std::uint8_t* codes, const float* scale, int n,
                                               const Quadrature& quadrature,
                                               Target target = Target::logit, int threads = 0);

// ---- on the GPU (ig.cu) ----
//
// Computed the same way as integrated_gradients_onehot's step-by-step path in float32 — one
// thread block per sequence, every per-sequence loop of the CPU code mirrored (same formulas,
// same first-maximum max-pool, same order of the long sums where the CPU's is sequential):
// conv of the one-hot input once, per step BN + activation + max-pool + dense head and its
// backward, Σ_i w_i ∂f/∂conv kept in shared memory, the transposed conv once at the observed
// base. ReLU or exp models. (For ReLU models the CPU's forward values are the kernel's bit for
// bit, its backward sums are ordered differently; ig.cu says which.)
//
// Input: codes (N, L) uint8 0..3 (A,C,G,T), optional row scale (N) — x = scale[n]·onehot.
// The host entry point checks the codes (mint::Error naming the sequence, as the CPU), uploads
// the parameters once and streams N through the device in chunks of at most 65536 sequences,
// so device memory stays bounded for any N. n = 0 returns an empty array.
// Without a GPU (or in a build without CUDA) every entry point throws mint::Error saying why.

// (N, 4, L) float32; scale null means 1.
std::vector<float> integrated_gradients_cuda(const ModelConfig& config, const ModelParams& params,
                                             const std::uint8_t* codes, const float* scale, int n,
                                             const Quadrature& quadrature,
                                             Target target = Target::logit);

// The device-pointer entry point for pipelines that keep sequences on the GPU: parameters
// uploaded once by the constructor, inputs and outputs device pointers, stream last. A
// sequence with a code > 3 gets NaN in all of its 4·L outputs (nothing is read out of bounds;
// the host entry point rejects such input before it reaches the device). An object owns the
// quadrature and scratch buffers: its calls may queue on one stream, but calls on different
// streams must not overlap in time (synchronise between them).
class IntegratedGradientsCuda {
 public:
  // Validates the configuration and parameter shapes (mint::Error) and uploads the parameters
  // to the current device.
  IntegratedGradientsCuda(const ModelConfig& config, const ModelParams& params);
  ~IntegratedGradientsCuda();
  IntegratedGradientsCuda(IntegratedGradientsCuda&&) noexcept;
  IntegratedGradientsCuda& operator=(IntegratedGradientsCuda&&) noexcept;
  IntegratedGradientsCuda(const IntegratedGradientsCuda&) = delete;
  IntegratedGradientsCuda& operator=(const IntegratedGradientsCuda&) = delete;

  // d_codes (n, L), d_scale (n) or null, d_out (n, 4, L): device pointers. Asynchronous in
  // `stream` (null: the legacy default stream), except that a quadrature other than the
  // previous call's is uploaded after the device is drained.
  void integrated_gradients(const std::uint8_t* d_codes, const float* d_scale, int n,
                            const Quadrature& quadrature, Target target, float* d_out,
                            CUstream_st* stream = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mint

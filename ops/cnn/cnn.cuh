// CUDA kernels of the CNN (SPEC §4, §8): host launchers only, taking device pointers, sizes and
// the stream last; private to the .cu files. The kernels: cnn_forward.cu (the conv block and
// BatchNorm's statistics), cnn_head.cu (the dense head, cuBLAS), cnn_backward.cu (the conv
// block's gradients), each with its design; cnn_device.cuh has what they share, cnn_core.hpp
// the per-element math they share with the CPU twin (cnn.cpp). cnn_backend_cuda.cu strings
// these launchers into the CnnBackend interface.
//
// Device layouts (n = batch size, row-major, "position-minor" unlike the CPU's (N, Lc, F)):
//   codes        (N, L) uint8 0..3          scale (N) float or null: x = scale[n]·onehot
//   dense        (N, 4, L) float            — exactly one of codes / dense is non-null
//   conv         (N, F, Lc) conv outputs c  — train mode only (BatchNorm needs the batch)
//   pooled       (N, F·W) activations after max-pool, PyTorch flatten order f·W + w
//   argmax       (N, F·W) int32 conv position j of the window's first maximum
//   pooled_conv  (N, F·W) conv output c at that position (BN backward needs x̂ there)
//   dconv        (N, F, Lc) gradient at the conv output
//   conv weight  (F, 4, K) as PyTorch; BatchNorm affine (see BnAffine) per filter
//
// Edge-case semantics, as the CPU backend and PyTorch: zero padding outside [0, L); max-pool
// windows are [w·P, (w+1)·P), floor, strict '>' so the first maximum wins ties; positions past
// W·P reach no output but do enter the BatchNorm batch statistics. All reductions (BatchNorm
// statistics, conv/bias/BN gradients, bias gradients of the head) are fixed-order trees over
// fixed chunks of sequences in double, so results are bitwise reproducible for a batch size
// and do not depend on scheduling. The head uses cuBLAS (deterministic on one GPU model).
//
// Floating point: plain float expressions, which nvcc contracts into FMAs (a·b + c) as GCC does
// for the x86-64-v3 CPU build; the conv sums run in k order from 0 like the CPU's, so in eval
// mode the conv and BN outputs agree with the CPU to the last bit or nearly, and max-pool ties
// (mostly exact ties between identical K-mers) resolve the same way. Nothing here is promised
// bitwise against the CPU: the tests compare with relative-norm tolerances.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/model.hpp"
#include "ops/common/cuda_check.cuh"

namespace mint::cuda {

inline void check_cublas(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_ALLOC_FAILED) {
    throw DeviceOutOfMemory(std::string("cuBLAS error: ") + cublasGetStatusString(status) + " in " +
                            expr + " (" + file + ":" + std::to_string(line) + ")");
  }
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw Error(std::string("cuBLAS error: ") + cublasGetStatusString(status) + " in " + expr +
                " (" + file + ":" + std::to_string(line) + ")");
  }
}
#define MINT_CUBLAS_CHECK(expr) ::mint::cuda::check_cublas((expr), #expr, __FILE__, __LINE__)

// The conv block's sizes, from a ModelConfig.
struct ConvShape {
  int length = 0;       // L
  int filters = 0;      // F
  int width = 0;        // K
  int pool = 0;         // P
  int pad_left = 0;     // (K−1)//2 for 'same', 0 for 'valid'
  int conv_length = 0;  // Lc
  int pooled = 0;       // W = ⌊Lc/P⌋
  bool exp_activation = false;

  static ConvShape of(const ModelConfig& c) {
    ConvShape s;
    s.length = c.length;
    s.filters = c.filters;
    s.width = c.width;
    s.pool = c.pool;
    s.pad_left = c.pad_left();
    s.conv_length = c.conv_length();
    s.pooled = c.pooled_length();
    s.exp_activation = c.activation == Activation::exp;
    return s;
  }
};

// One batch's input on the device; exactly one of codes and dense is non-null.
struct DeviceInput {
  const std::uint8_t* codes = nullptr;  // (N, L)
  const float* scale = nullptr;         // (N) or null (= 1), applies to either kind
  const float* dense = nullptr;         // (N, 4, L)
};

// BatchNorm as the forward applies it, in float: b = (c − mean)·scale + shift, with
// scale = γ/√(var + ε). Without BatchNorm: mean 0, scale 1, shift 0 (b = c exactly).
// Stored as (3, F) floats: mean | scale | shift. Alongside, the double mean and 1/√(var + ε)
// that the backward's x̂ uses.
inline constexpr int kBnAffineRows = 3;

// Sequences per chunk of the fixed-order reductions (BN statistics, conv weight gradient).
inline constexpr int kSeqsPerChunk = 8;
inline int reduction_chunks(int n) { return (n + kSeqsPerChunk - 1) / kSeqsPerChunk; }

// Scratch the conv block's reductions need for batches of up to `capacity`, in doubles.
std::size_t conv_block_scratch_doubles(const ConvShape& s, int capacity);

// ---- forward --------------------------------------------------------------------------------

// Fused conv → BatchNorm affine → activation → max-pool (eval mode, or no BatchNorm): the conv
// outputs never touch device memory. d_argmax and d_pooled_conv may be null (inference only).
// Throws mint::Error when the weights (+ codes) do not fit the device's shared memory.
void launch_conv_bn_act_pool(const ConvShape& s, const DeviceInput& in, int n,
                             const float* d_conv_weight, const float* d_conv_bias,
                             const float* d_bn_affine, float* d_pooled, std::int32_t* d_argmax,
                             float* d_pooled_conv, cudaStream_t stream);

// Train mode, step 1: the conv alone, d_conv (N, F, Lc).
void launch_conv(const ConvShape& s, const DeviceInput& in, int n, const float* d_conv_weight,
                 const float* d_conv_bias, float* d_conv, cudaStream_t stream);

// Train mode, step 2: batch mean and biased variance per filter over (N, Lc) (two passes,
// double), PyTorch's running-statistics update (momentum, unbiased variance) in place, and the
// affine (d_bn_affine) plus d_mean / d_invstd (F doubles each) for backward.
void launch_bn_batch_statistics(const ConvShape& s, const float* d_conv, int n, double momentum,
                                double eps, const float* d_gamma, const float* d_beta,
                                float* d_running_mean, float* d_running_var, double* d_scratch,
                                double* d_mean, double* d_invstd, float* d_bn_affine,
                                cudaStream_t stream);

// Eval mode: the affine and d_mean / d_invstd from the running statistics.
void launch_bn_running_affine(int filters, double eps, const float* d_gamma, const float* d_beta,
                              const float* d_running_mean, const float* d_running_var,
                              double* d_mean, double* d_invstd, float* d_bn_affine,
                              cudaStream_t stream);

// Train mode, step 3: affine → activation → max-pool from d_conv.
void launch_bn_act_pool(const ConvShape& s, const float* d_conv, int n, const float* d_bn_affine,
                        float* d_pooled, std::int32_t* d_argmax, float* d_pooled_conv,
                        cudaStream_t stream);

// ---- the dense head (cuBLAS) ----------------------------------------------------------------

struct HeadShape {
  int inputs = 0;  // F·W
  int hidden1 = 0;
  int hidden2 = 0;
};
struct HeadParams {  // device, PyTorch layouts: w1 (H1, F·W), w2 (H2, H1), w3 (1, H2)
  const float *w1 = nullptr, *b1 = nullptr, *w2 = nullptr, *b2 = nullptr, *w3 = nullptr,
              *b3 = nullptr;
};
struct HeadGrads {
  float *w1 = nullptr, *b1 = nullptr, *w2 = nullptr, *b2 = nullptr, *w3 = nullptr, *b3 = nullptr;
};
struct HeadActivations {               // pre-activations h (bias included) and a = ReLU(h)
  float *h1 = nullptr, *a1 = nullptr;  // (N, H1)
  float *h2 = nullptr, *a2 = nullptr;  // (N, H2)
};

// logits (N) = fc3(ReLU(fc2(ReLU(fc1(pooled))))); keeps h and a for backward.
void head_forward(cublasHandle_t handle, const HeadShape& s, const HeadParams& p,
                  const float* d_pooled, int n, const HeadActivations& act, float* d_logits,
                  cudaStream_t stream);

// Gradients of Σ dlogits·logits: the head's parameter gradients (overwritten) and d_dpooled
// (N, F·W). d_dh1 (N, H1) and d_dh2 (N, H2) are scratch.
void head_backward(cublasHandle_t handle, const HeadShape& s, const HeadParams& p,
                   const float* d_pooled, int n, const HeadActivations& act, const float* d_dlogits,
                   const HeadGrads& g, float* d_dh1, float* d_dh2, float* d_dpooled,
                   cudaStream_t stream);

// ---- backward of the conv block ---------------------------------------------------------------

// What BatchNorm's backward hands the conv: dc = dy_scale·dy − dy_shift − x̂·xhat_scale with
// x̂ = (c − xhat_mean)·xhat_invstd. Stored as (5, F) floats in that order. Without BatchNorm
// (1, 0, 0, 0, 1): dc = dy.
inline constexpr int kBnBackwardRows = 5;
// The coefficients of a model without BatchNorm, for filling d_bn_backward once.
void launch_fill_identity_bn_backward(int filters, float* d_bn_backward, cudaStream_t stream);

// BatchNorm backward sums per filter over the pooled positions (dy is non-zero only at each
// window's argmax): dβ = Σ dy, dγ = Σ dy·x̂ (into d_grad_gamma / d_grad_beta), and the
// coefficients d_bn_backward. `train`: batch statistics (the mean/variance terms couple the
// batch); else running statistics (dc = γ·invstd·dy).
void launch_bn_backward(const ConvShape& s, int n, bool train, const float* d_dpooled,
                        const float* d_pooled, const float* d_pooled_conv, const double* d_mean,
                        const double* d_invstd, const float* d_gamma, float* d_grad_gamma,
                        float* d_grad_beta, float* d_bn_backward, cudaStream_t stream);

// dc (N, F, Lc) from the pooled gradient: unpool to each window's argmax through the
// activation's slope, then BatchNorm's coefficients. d_conv is needed (non-null) only when the
// coefficients have an x̂ term (train-mode BatchNorm).
void launch_conv_output_grad(const ConvShape& s, int n, const float* d_dpooled,
                             const float* d_pooled, const std::int32_t* d_argmax,
                             const float* d_conv, const float* d_bn_backward, float* d_dconv,
                             cudaStream_t stream);

// Conv weight (F, 4, K) and bias (F) gradients from dc (overwritten).
void launch_conv_param_grad(const ConvShape& s, const DeviceInput& in, int n, const float* d_dconv,
                            double* d_scratch, float* d_grad_weight, float* d_grad_bias,
                            cudaStream_t stream);

// Input gradient (N, 4, L) at all four channels: dx[ch, p] = Σ_f Σ_k W[f, ch, k]·dc[f, p−k+pad].
void launch_input_grad(const ConvShape& s, int n, const float* d_conv_weight, const float* d_dconv,
                       float* d_dinput, cudaStream_t stream);

}  // namespace mint::cuda

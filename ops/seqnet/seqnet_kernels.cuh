// The small kernels of the general sequential network on the GPU (seqnet_kernels.cu), for
// seqnet_cuda.cu: everything but the convolutions (cuDNN) and the dense products (cuBLAS).
// Activations are (n, C, len) rows in PyTorch's layout; a flat (n, F) activation is C = F,
// len = 1. Each launcher enqueues on `stream` and checks the launch. Private to ops/seqnet.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/seqnet/seqnet_core.hpp"

namespace mint::seqnet::cuda {

// y[r,c,t] += bias[c].
void add_channel_bias(float* y, const float* bias, int n, int C, int len, cudaStream_t stream);
// out[c] = Σ_{r,t} x[r,c,t] (summed in double): bias gradients.
void channel_sum(const float* x, int n, int C, int len, float* out, cudaStream_t stream);
// y[r,c,t] = x[r,c,t]·a[c] + b[c] (b null: + 0): eval-mode BatchNorm and its input gradient.
void affine_channels(const float* x, const float* a, const float* b, int n, int C, int len,
                     float* y, cudaStream_t stream);

// Train-mode BatchNorm as SeqNet computes it: per channel the batch mean and biased variance in
// double, invstd = 1/√(var + eps), y = (x − mean)·invstd·w + b in float; mean, var, invstd (C)
// stay for the backward pass and the running-statistics update.
void bn_train_forward(const float* x, const float* w, const float* b, int n, int C, int len,
                      double eps, float* y, double* mean, double* var, double* invstd,
                      cudaStream_t stream);
// Its backward: Σdy, Σdy·x̂ per channel (the weight and bias gradients, into gw and gb when not
// null) and din = w·invstd·(dy − Σdy/M − x̂·Σdy·x̂/M).
void bn_train_backward(const float* x, const float* dout, const float* w, const double* mean,
                       const double* invstd, int n, int C, int len, float* din, float* gw,
                       float* gb, cudaStream_t stream);
// Eval-mode BatchNorm's parameter gradients: Σdy·(x − running_mean)·invstd and Σdy.
void bn_eval_param_grad(const float* x, const float* dout, const float* running_mean,
                        const float* running_var, double eps, int n, int C, int len, float* gw,
                        float* gb, cudaStream_t stream);

// y = f(x) and din = dout·f'(x) given y (seqnet_core.hpp), `count` elements.
void activation_forward(const ActParams& a, const float* x, float* y, std::int64_t count,
                        cudaStream_t stream);
void activation_backward(const ActParams& a, const float* x, const float* y, const float* dout,
                         float* din, std::int64_t count, cudaStream_t stream);

// Pooling of (n, C, lin) windows [w·stride, w·stride + kernel) into (n, C, lout). Max: the first
// maximum's index (within the row's channel) into argmax; its backward gathers, per input, the
// gradients of the outputs that chose it, in increasing output order (SeqNet's sums).
void max_pool_forward(const float* x, int n, int C, int lin, int kernel, int stride, int lout,
                      float* y, std::int32_t* argmax, cudaStream_t stream);
void max_pool_backward(const float* dout, const std::int32_t* argmax, int n, int C, int lin,
                       int kernel, int stride, int lout, float* din, cudaStream_t stream);
void avg_pool_forward(const float* x, int n, int C, int lin, int kernel, int stride, int lout,
                      float* y, cudaStream_t stream);
void avg_pool_backward(const float* dout, int n, int C, int lin, int kernel, int stride, int lout,
                       float* din, cudaStream_t stream);

// Train-mode Dropout of layer `layer`: mask[r,k] = dropout_multiplier(...), y = x·mask.
void dropout_forward(const float* x, int n, std::int64_t row, std::uint64_t seed,
                     std::uint64_t step, std::uint64_t layer, double p, float* mask, float* y,
                     cudaStream_t stream);
// out = a·b elementwise.
void multiply(const float* a, const float* b, float* out, std::int64_t count, cudaStream_t stream);

// Zero padding of (n, C, lin) rows into (n, C, lpad) at offset `left`, and the crop back.
void pad_rows(const float* x, int n, int C, int lin, int left, int lpad, float* xp,
              cudaStream_t stream);
void crop_rows(const float* xp, int n, int C, int lpad, int left, int lin, float* x,
               cudaStream_t stream);

}  // namespace mint::seqnet::cuda

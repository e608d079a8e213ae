// The small kernels of the general sequential network on the GPU. See seqnet_kernels.cuh.
#include "ops/common/cuda_check.cuh"
#include "ops/seqnet/seqnet_kernels.cuh"

namespace mint::seqnet::cuda {
namespace {

using mint::cuda::elementwise_grid;

constexpr int kThreads = 256;        // elementwise kernels
constexpr int kReduceThreads = 256;  // one block per channel (a power of two)

// Element (r, c, t) of (n, C, len) rows.
__device__ __forceinline__ std::size_t at(int r, int c, int t, int C, int len) {
  return (static_cast<std::size_t>(r) * C + c) * len + t;
}

// The block's sum of v (every thread receives it). Fixed tree order: deterministic.
__device__ double block_sum(double v, double* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kReduceThreads / 2; s > 0; s >>= 1) {
    if (static_cast<int>(threadIdx.x) < s) shared[threadIdx.x] += shared[threadIdx.x + s];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();
  return total;
}

__global__ void add_channel_bias_kernel(float* y, const float* bias, std::int64_t total, int C,
                                        int len) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    y[k] += bias[(k / len) % C];
  }
}

__global__ void channel_sum_kernel(const float* x, int n, int C, int len, float* out) {
  __shared__ double shared[kReduceThreads];
  const int c = blockIdx.x;
  const std::int64_t M = static_cast<std::int64_t>(n) * len;
  double s = 0;
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    s += x[at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len)];
  }
  s = block_sum(s, shared);
  if (threadIdx.x == 0) out[c] = static_cast<float>(s);
}

__global__ void affine_channels_kernel(const float* x, const float* a, const float* b,
                                       std::int64_t total, int C, int len, float* y) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const int c = static_cast<int>((k / len) % C);
    y[k] = b != nullptr ? x[k] * a[c] + b[c] : x[k] * a[c];
  }
}

__global__ void bn_train_forward_kernel(const float* x, const float* w, const float* b, int n,
                                        int C, int len, double eps, float* y, double* mean_out,
                                        double* var_out, double* invstd_out) {
  __shared__ double shared[kReduceThreads];
  const int c = blockIdx.x;
  const std::int64_t M = static_cast<std::int64_t>(n) * len;
  double s = 0;
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    s += x[at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len)];
  }
  const double mean = block_sum(s, shared) / static_cast<double>(M);
  double ss = 0;
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    const double d = x[at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len)] - mean;
    ss += d * d;
  }
  const double var = block_sum(ss, shared) / static_cast<double>(M);
  const double invstd = 1.0 / sqrt(var + eps);
  if (threadIdx.x == 0) {
    mean_out[c] = mean;
    var_out[c] = var;
    invstd_out[c] = invstd;
  }
  const float fm = static_cast<float>(mean), fi = static_cast<float>(invstd);
  const float wc = w[c], bc = b[c];
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    const std::size_t k = at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len);
    y[k] = (x[k] - fm) * fi * wc + bc;
  }
}

__global__ void bn_train_backward_kernel(const float* x, const float* dout, const float* w,
                                         const double* mean_in, const double* invstd_in, int n,
                                         int C, int len, float* din, float* gw, float* gb) {
  __shared__ double shared[kReduceThreads];
  const int c = blockIdx.x;
  const std::int64_t M = static_cast<std::int64_t>(n) * len;
  const double mean = mean_in[c], invstd = invstd_in[c];
  double sdy = 0, sdyx = 0;
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    const std::size_t k = at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len);
    sdy += dout[k];
    sdyx += dout[k] * ((x[k] - mean) * invstd);
  }
  sdy = block_sum(sdy, shared);
  sdyx = block_sum(sdyx, shared);
  if (threadIdx.x == 0) {
    if (gw != nullptr) gw[c] = static_cast<float>(sdyx);
    if (gb != nullptr) gb[c] = static_cast<float>(sdy);
  }
  const double wc = w[c], Md = static_cast<double>(M);
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    const std::size_t k = at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len);
    const double xhat = (x[k] - mean) * invstd;
    din[k] = static_cast<float>(wc * invstd * (dout[k] - sdy / Md - xhat * sdyx / Md));
  }
}

__global__ void bn_eval_param_grad_kernel(const float* x, const float* dout,
                                          const float* running_mean, const float* running_var,
                                          double eps, int n, int C, int len, float* gw, float* gb) {
  __shared__ double shared[kReduceThreads];
  const int c = blockIdx.x;
  const std::int64_t M = static_cast<std::int64_t>(n) * len;
  const double invstd = 1.0 / sqrt(static_cast<double>(running_var[c]) + eps);
  const float rm = running_mean[c];
  double sdy = 0, sdyx = 0;
  for (std::int64_t m = threadIdx.x; m < M; m += kReduceThreads) {
    const std::size_t k = at(static_cast<int>(m / len), c, static_cast<int>(m % len), C, len);
    sdy += dout[k];
    sdyx += dout[k] * ((x[k] - rm) * invstd);
  }
  sdy = block_sum(sdy, shared);
  sdyx = block_sum(sdyx, shared);
  if (threadIdx.x == 0) {
    gw[c] = static_cast<float>(sdyx);
    gb[c] = static_cast<float>(sdy);
  }
}

__global__ void activation_forward_kernel(ActParams a, const float* x, float* y,
                                          std::int64_t count) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    y[k] = activation_value(a, x[k]);
  }
}

__global__ void activation_backward_kernel(ActParams a, const float* x, const float* y,
                                           const float* dout, float* din, std::int64_t count) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    din[k] = dout[k] * activation_derivative(a, x[k], y[k]);
  }
}

// One thread per output (r, c, w).
__global__ void max_pool_forward_kernel(const float* x, std::int64_t total, int lin, int kernel,
                                        int stride, int lout, float* y, std::int32_t* argmax) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lout;
    const int w = static_cast<int>(k % lout);
    const float* xr = x + rc * lin;
    int best = w * stride;
    for (int t = best + 1; t < w * stride + kernel; ++t) {
      if (xr[t] > xr[best]) best = t;
    }
    y[k] = xr[best];
    argmax[k] = best;
  }
}

// The outputs w whose window [w·stride, w·stride + kernel) holds input t: [lo, hi].
__device__ __forceinline__ void windows_of(int t, int kernel, int stride, int lout, int& lo,
                                           int& hi) {
  lo = t >= kernel ? (t - kernel) / stride + 1 : 0;
  hi = min(lout - 1, t / stride);
}

// One thread per input (r, c, t).
__global__ void max_pool_backward_kernel(const float* dout, const std::int32_t* argmax,
                                         std::int64_t total, int lin, int kernel, int stride,
                                         int lout, float* din) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lin;
    const int t = static_cast<int>(k % lin);
    int lo, hi;
    windows_of(t, kernel, stride, lout, lo, hi);
    float g = 0.0f;
    for (int w = lo; w <= hi; ++w) {
      if (argmax[rc * lout + w] == t) g += dout[rc * lout + w];
    }
    din[k] = g;
  }
}

__global__ void avg_pool_forward_kernel(const float* x, std::int64_t total, int lin, int kernel,
                                        int stride, int lout, float* y) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lout;
    const int w = static_cast<int>(k % lout);
    const float* xr = x + rc * lin;
    double sum = 0.0;
    for (int t = w * stride; t < w * stride + kernel; ++t) sum += xr[t];
    y[k] = static_cast<float>(sum / kernel);
  }
}

__global__ void avg_pool_backward_kernel(const float* dout, std::int64_t total, int lin, int kernel,
                                         int stride, int lout, float* din) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lin;
    const int t = static_cast<int>(k % lin);
    int lo, hi;
    windows_of(t, kernel, stride, lout, lo, hi);
    float g = 0.0f;
    for (int w = lo; w <= hi; ++w) g += dout[rc * lout + w] / static_cast<float>(kernel);
    din[k] = g;
  }
}

__global__ void dropout_forward_kernel(const float* x, std::int64_t total, std::int64_t row,
                                       std::uint64_t seed, std::uint64_t step, std::uint64_t layer,
                                       double p, float keep, float* mask, float* y) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float m = dropout_multiplier(seed, step, layer, static_cast<std::uint32_t>(k / row),
                                       static_cast<std::uint32_t>(k % row), p, keep);
    mask[k] = m;
    y[k] = x[k] * m;
  }
}

__global__ void multiply_kernel(const float* a, const float* b, float* out, std::int64_t count) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    out[k] = a[k] * b[k];
  }
}

// One thread per padded element (r, c, j).
__global__ void pad_rows_kernel(const float* x, std::int64_t total, int lin, int left, int lpad,
                                float* xp) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lpad;
    const int t = static_cast<int>(k % lpad) - left;
    xp[k] = t >= 0 && t < lin ? x[rc * lin + t] : 0.0f;
  }
}

// One thread per cropped element (r, c, t).
__global__ void crop_rows_kernel(const float* xp, std::int64_t total, int lpad, int left, int lin,
                                 float* x) {
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < total;
       k += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t rc = k / lin;
    const int t = static_cast<int>(k % lin);
    x[k] = xp[rc * lpad + t + left];
  }
}

std::int64_t rows_total(int n, int C, int len) { return static_cast<std::int64_t>(n) * C * len; }

unsigned grid(std::int64_t items) {
  return elementwise_grid(static_cast<std::size_t>(items), kThreads);
}

}  // namespace

void add_channel_bias(float* y, const float* bias, int n, int C, int len, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, len);
  if (total == 0) return;
  add_channel_bias_kernel<<<grid(total), kThreads, 0, stream>>>(y, bias, total, C, len);
  MINT_CUDA_CHECK_LAUNCH();
}

void channel_sum(const float* x, int n, int C, int len, float* out, cudaStream_t stream) {
  if (C == 0) return;
  channel_sum_kernel<<<C, kReduceThreads, 0, stream>>>(x, n, C, len, out);
  MINT_CUDA_CHECK_LAUNCH();
}

void affine_channels(const float* x, const float* a, const float* b, int n, int C, int len,
                     float* y, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, len);
  if (total == 0) return;
  affine_channels_kernel<<<grid(total), kThreads, 0, stream>>>(x, a, b, total, C, len, y);
  MINT_CUDA_CHECK_LAUNCH();
}

void bn_train_forward(const float* x, const float* w, const float* b, int n, int C, int len,
                      double eps, float* y, double* mean, double* var, double* invstd,
                      cudaStream_t stream) {
  if (C == 0) return;
  bn_train_forward_kernel<<<C, kReduceThreads, 0, stream>>>(x, w, b, n, C, len, eps, y, mean, var,
                                                            invstd);
  MINT_CUDA_CHECK_LAUNCH();
}

void bn_train_backward(const float* x, const float* dout, const float* w, const double* mean,
                       const double* invstd, int n, int C, int len, float* din, float* gw,
                       float* gb, cudaStream_t stream) {
  if (C == 0) return;
  bn_train_backward_kernel<<<C, kReduceThreads, 0, stream>>>(x, dout, w, mean, invstd, n, C, len,
                                                             din, gw, gb);
  MINT_CUDA_CHECK_LAUNCH();
}

void bn_eval_param_grad(const float* x, const float* dout, const float* running_mean,
                        const float* running_var, double eps, int n, int C, int len, float* gw,
                        float* gb, cudaStream_t stream) {
  if (C == 0) return;
  bn_eval_param_grad_kernel<<<C, kReduceThreads, 0, stream>>>(x, dout, running_mean, running_var,
                                                              eps, n, C, len, gw, gb);
  MINT_CUDA_CHECK_LAUNCH();
}

void activation_forward(const ActParams& a, const float* x, float* y, std::int64_t count,
                        cudaStream_t stream) {
  if (count == 0) return;
  activation_forward_kernel<<<grid(count), kThreads, 0, stream>>>(a, x, y, count);
  MINT_CUDA_CHECK_LAUNCH();
}

void activation_backward(const ActParams& a, const float* x, const float* y, const float* dout,
                         float* din, std::int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  activation_backward_kernel<<<grid(count), kThreads, 0, stream>>>(a, x, y, dout, din, count);
  MINT_CUDA_CHECK_LAUNCH();
}

void max_pool_forward(const float* x, int n, int C, int lin, int kernel, int stride, int lout,
                      float* y, std::int32_t* argmax, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lout);
  if (total == 0) return;
  max_pool_forward_kernel<<<grid(total), kThreads, 0, stream>>>(x, total, lin, kernel, stride, lout,
                                                                y, argmax);
  MINT_CUDA_CHECK_LAUNCH();
}

void max_pool_backward(const float* dout, const std::int32_t* argmax, int n, int C, int lin,
                       int kernel, int stride, int lout, float* din, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lin);
  if (total == 0) return;
  max_pool_backward_kernel<<<grid(total), kThreads, 0, stream>>>(dout, argmax, total, lin, kernel,
                                                                 stride, lout, din);
  MINT_CUDA_CHECK_LAUNCH();
}

void avg_pool_forward(const float* x, int n, int C, int lin, int kernel, int stride, int lout,
                      float* y, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lout);
  if (total == 0) return;
  avg_pool_forward_kernel<<<grid(total), kThreads, 0, stream>>>(x, total, lin, kernel, stride, lout,
                                                                y);
  MINT_CUDA_CHECK_LAUNCH();
}

void avg_pool_backward(const float* dout, int n, int C, int lin, int kernel, int stride, int lout,
                       float* din, cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lin);
  if (total == 0) return;
  avg_pool_backward_kernel<<<grid(total), kThreads, 0, stream>>>(dout, total, lin, kernel, stride,
                                                                 lout, din);
  MINT_CUDA_CHECK_LAUNCH();
}

void dropout_forward(const float* x, int n, std::int64_t row, std::uint64_t seed,
                     std::uint64_t step, std::uint64_t layer, double p, float* mask, float* y,
                     cudaStream_t stream) {
  const std::int64_t total = static_cast<std::int64_t>(n) * row;
  if (total == 0) return;
  dropout_forward_kernel<<<grid(total), kThreads, 0, stream>>>(x, total, row, seed, step, layer, p,
                                                               dropout_keep_scale(p), mask, y);
  MINT_CUDA_CHECK_LAUNCH();
}

void multiply(const float* a, const float* b, float* out, std::int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  multiply_kernel<<<grid(count), kThreads, 0, stream>>>(a, b, out, count);
  MINT_CUDA_CHECK_LAUNCH();
}

void pad_rows(const float* x, int n, int C, int lin, int left, int lpad, float* xp,
              cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lpad);
  if (total == 0) return;
  pad_rows_kernel<<<grid(total), kThreads, 0, stream>>>(x, total, lin, left, lpad, xp);
  MINT_CUDA_CHECK_LAUNCH();
}

void crop_rows(const float* xp, int n, int C, int lpad, int left, int lin, float* x,
               cudaStream_t stream) {
  const std::int64_t total = rows_total(n, C, lin);
  if (total == 0) return;
  crop_rows_kernel<<<grid(total), kThreads, 0, stream>>>(xp, total, lpad, left, lin, x);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::seqnet::cuda

// The CNN's dense head on the CUDA backend, forward and backward: cuBLAS SGEMMs (row-major
// tensors seen as column-major transposes) plus small bias / ReLU kernels; bias gradients by
// column_sums_kernel (one block per column, double, fixed order). Launchers in cnn.cuh; the CPU
// twin is CpuCnn::head_forward and the head pass of CpuCnn::backward (cnn.cpp).
#include "ops/cnn/cnn_device.cuh"

namespace mint::cuda {

// ---- the dense head's small kernels ---------------------------------------------------------

// h[r, c] += bias[c]; a[r, c] = ReLU(h[r, c]) when a is not null.
static __global__ void bias_relu_kernel(float* __restrict__ h, const float* __restrict__ bias,
                                        int rows, int cols, float* __restrict__ a) {
  const std::size_t total = static_cast<std::size_t>(rows) * cols;
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float v = bias[e % cols] + h[e];
    h[e] = v;
    if (a != nullptr) a[e] = v < 0.0f ? 0.0f : v;
  }
}

// out[c] = Σ_r weight[r]·m[r, c] (weight null: 1); one block per column, double, fixed order.
static __global__ void column_sums_kernel(const float* __restrict__ m, int rows, int cols,
                                          const float* __restrict__ weight,
                                          float* __restrict__ out) {
  const int c = blockIdx.x;
  double acc = 0.0;
  for (int r = threadIdx.x; r < rows; r += blockDim.x) {
    const float v = m[static_cast<std::size_t>(r) * cols + c];
    acc += weight != nullptr ? static_cast<double>(weight[r] * v) : static_cast<double>(v);
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) out[c] = static_cast<float>(acc);
}

// dh2[r, c] = h2[r, c] > 0 ? dlogits[r]·w3[c] : 0.
static __global__ void fc3_backward_kernel(const float* __restrict__ h2,
                                           const float* __restrict__ dlogits,
                                           const float* __restrict__ w3, int rows, int cols,
                                           float* __restrict__ dh2) {
  const std::size_t total = static_cast<std::size_t>(rows) * cols;
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    dh2[e] = h2[e] > 0.0f ? dlogits[e / cols] * w3[e % cols] : 0.0f;
  }
}

// d = 0 where h <= 0 (the ReLU's backward).
static __global__ void relu_mask_kernel(const float* __restrict__ h, float* __restrict__ d,
                                        std::size_t total) {
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    if (h[e] <= 0.0f) d[e] = 0.0f;  // as the CPU: a NaN h passes its gradient on
  }
}

// ---- launchers --------------------------------------------------------------------------------

// Row-major tensors are column-major transposes: row-major Y (N, O) = X (N, I)·Wᵀ with W (O, I)
// is column-major Yᵀ (O, N) = (W seen as (I, O))ᵀ · (X seen as (I, N)).
void head_forward(cublasHandle_t handle, const HeadShape& s, const HeadParams& p,
                  const float* d_pooled, int n, const HeadActivations& act, float* d_logits,
                  cudaStream_t stream) {
  if (n <= 0) return;
  const float one = 1.0f, zero = 0.0f;
  MINT_CUBLAS_CHECK(cublasSetStream(handle, stream));
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, s.hidden1, n, s.inputs, &one,
                                p.w1, s.inputs, d_pooled, s.inputs, &zero, act.h1, s.hidden1));
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden1, kThreads), kThreads,
                     0, stream>>>(act.h1, p.b1, n, s.hidden1, act.a1);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, s.hidden2, n, s.hidden1, &one,
                                p.w2, s.hidden1, act.a1, s.hidden1, &zero, act.h2, s.hidden2));
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden2, kThreads), kThreads,
                     0, stream>>>(act.h2, p.b2, n, s.hidden2, act.a2);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, 1, n, s.hidden2, &one, p.w3,
                                s.hidden2, act.a2, s.hidden2, &zero, d_logits, 1));
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n), kThreads), kThreads, 0,
                     stream>>>(d_logits, p.b3, n, 1, nullptr);
  MINT_CUDA_CHECK_LAUNCH();
}

void head_backward(cublasHandle_t handle, const HeadShape& s, const HeadParams& p,
                   const float* d_pooled, int n, const HeadActivations& act, const float* d_dlogits,
                   const HeadGrads& g, float* d_dh1, float* d_dh2, float* d_dpooled,
                   cudaStream_t stream) {
  if (n <= 0) return;
  const float one = 1.0f, zero = 0.0f;
  MINT_CUBLAS_CHECK(cublasSetStream(handle, stream));
  // fc3: db3 = Σ d, dW3[c] = Σ_n d[n]·a2[n, c]; dh2 = d·w3 where h2 > 0.
  column_sums_kernel<<<1, kThreads, 0, stream>>>(d_dlogits, n, 1, nullptr, g.b3);
  MINT_CUDA_CHECK_LAUNCH();
  column_sums_kernel<<<static_cast<unsigned>(s.hidden2), kThreads, 0, stream>>>(
      act.a2, n, s.hidden2, d_dlogits, g.w3);
  MINT_CUDA_CHECK_LAUNCH();
  fc3_backward_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden2, kThreads),
                        kThreads, 0, stream>>>(act.h2, d_dlogits, p.w3, n, s.hidden2, d_dh2);
  MINT_CUDA_CHECK_LAUNCH();
  // fc2: db2 = Σ_n dh2, dW2 (H2, H1) = dh2ᵀ·a1, dh1 = (dh2·W2) where h1 > 0.
  column_sums_kernel<<<static_cast<unsigned>(s.hidden2), kThreads, 0, stream>>>(d_dh2, n, s.hidden2,
                                                                                nullptr, g.b2);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_T, s.hidden1, s.hidden2, n, &one,
                                act.a1, s.hidden1, d_dh2, s.hidden2, &zero, g.w2, s.hidden1));
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, s.hidden1, n, s.hidden2, &one,
                                p.w2, s.hidden1, d_dh2, s.hidden2, &zero, d_dh1, s.hidden1));
  const std::size_t h1_count = static_cast<std::size_t>(n) * s.hidden1;
  relu_mask_kernel<<<elementwise_grid(h1_count, kThreads), kThreads, 0, stream>>>(act.h1, d_dh1,
                                                                                  h1_count);
  MINT_CUDA_CHECK_LAUNCH();
  // fc1: db1 = Σ_n dh1, dW1 (H1, F·W) = dh1ᵀ·pooled, dpooled = dh1·W1.
  column_sums_kernel<<<static_cast<unsigned>(s.hidden1), kThreads, 0, stream>>>(d_dh1, n, s.hidden1,
                                                                                nullptr, g.b1);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_T, s.inputs, s.hidden1, n, &one,
                                d_pooled, s.inputs, d_dh1, s.hidden1, &zero, g.w1, s.inputs));
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, s.inputs, n, s.hidden1, &one,
                                p.w1, s.inputs, d_dh1, s.hidden1, &zero, d_dpooled, s.inputs));
}

}  // namespace mint::cuda

// The CNN's forward kernels on the CUDA backend: the conv block (conv → BatchNorm → activation
// → max-pool) and BatchNorm's statistics; launchers and layouts in cnn.cuh, the CPU twin is
// cnn.cpp (CpuCnn::conv_forward, infer_pooled, forward). Design:
//
// Eval mode (or no BatchNorm) — one fused kernel, conv_bn_act_pool_kernel: a block stages the
//   conv weights (transposed to (K, 4, S), S = F rounded up to odd so the four codes a warp
//   gathers at once hit four banks), the conv bias and the BN affine in shared memory once, then
//   loops over sequences (a grid sized to the resident blocks): it stages the sequence's codes
//   (L bytes) and each thread computes one pooled output (f, w) — P conv values, each a gather
//   of K filter columns — applies the affine and the activation and keeps the first maximum.
//   Consecutive threads take consecutive w, so the stores of pooled (and argmax / the conv value
//   at the argmax, which backward needs) are coalesced. The conv outputs never reach device
//   memory.
// Train mode with BatchNorm — the batch statistics are needed before the affine, so:
//   conv_kernel writes c (N, F, Lc) → bn_partial_kernel (grid chunks × F, each block a fixed
//   chunk of kSeqsPerChunk sequences, double, fixed-order tree) → bn_mean_kernel (chunks summed
//   in order) → bn_partial_kernel on (c − mean)² → bn_variance_kernel (invstd, running
//   statistics with the unbiased variance, the affine) → bn_act_pool_kernel.
#include <algorithm>

#include "ops/cnn/cnn_core.hpp"
#include "ops/cnn/cnn_device.cuh"

namespace mint::cuda {

namespace {

// ---- the conv, shared by the fused and the train-mode kernels ------------------------------

// Row stride of the staged weights (K, 4, S): odd, so the up-to-four different codes a warp
// reads for one k land in four different banks.
__host__ __device__ inline int weight_stride(int filters) { return filters | 1; }

// Shared memory: weights (4·K·S floats), conv bias (F), affine (3·F), codes (L bytes).
std::size_t conv_shared_bytes(const ConvShape& s, bool with_codes) {
  const std::size_t floats =
      4 * static_cast<std::size_t>(s.width) * weight_stride(s.filters) + 4 * s.filters;
  return floats * sizeof(float) + (with_codes ? static_cast<std::size_t>(s.length) : 0);
}

struct ConvSmem {
  float* weight;        // (K, 4, S)
  float* bias;          // (F)
  float* affine;        // (3, F): mean | scale | shift
  std::uint8_t* codes;  // (L)
};

__device__ ConvSmem conv_smem_layout(const ConvShape& s, unsigned char* raw) {
  ConvSmem m;
  m.weight = reinterpret_cast<float*>(raw);
  m.bias = m.weight + 4 * s.width * weight_stride(s.filters);
  m.affine = m.bias + s.filters;
  m.codes = reinterpret_cast<std::uint8_t*>(m.affine + 3 * s.filters);
  return m;
}

// Stages the weights (from PyTorch's (F, 4, K)), the bias and, when given, the affine.
__device__ void stage_conv_params(const ConvShape& s, const float* __restrict__ weight,
                                  const float* __restrict__ bias, const float* __restrict__ affine,
                                  const ConvSmem& m) {
  const int per_filter = 4 * s.width, stride = weight_stride(s.filters);
  for (int e = threadIdx.x; e < s.filters * per_filter; e += blockDim.x) {
    const int f = e / per_filter, r = e - f * per_filter;
    const int ch = r / s.width, k = r - ch * s.width;
    m.weight[(k * 4 + ch) * stride + f] = weight[e];
  }
  for (int e = threadIdx.x; e < s.filters; e += blockDim.x) m.bias[e] = bias[e];
  if (affine != nullptr) {
    for (int e = threadIdx.x; e < 3 * s.filters; e += blockDim.x) m.affine[e] = affine[e];
  }
}

// Conv output c[f, j] of one sequence: bias + scale·Σ_k W[f, x(j+k−pad), k], summed in k order
// from 0 over the taps inside [0, L), as the CPU does. kDense: x is the sequence's (4, L) row in
// global memory; else its codes are in shared memory.
template <bool kDense>
__device__ __forceinline__ float conv_at(const ConvShape& s, const ConvSmem& m,
                                         const float* __restrict__ x, float scale, int f, int j) {
  const int stride = weight_stride(s.filters);
  const int k_lo = max(0, s.pad_left - j), k_hi = min(s.width, s.length + s.pad_left - j);
  float acc = 0.0f;
  for (int k = k_lo; k < k_hi; ++k) {
    const int pos = j + k - s.pad_left;
    if constexpr (kDense) {
      for (int ch = 0; ch < 4; ++ch) {
        acc += __ldg(x + ch * s.length + pos) * m.weight[(k * 4 + ch) * stride + f];
      }
    } else {
      acc += m.weight[(k * 4 + m.codes[pos]) * stride + f];
    }
  }
  return m.bias[f] + scale * acc;
}

// The first maximum of act((c − mean)·scale + shift) over window w; conv(j) gives c.
struct Window {
  float value;  // pooled output
  int where;    // conv position of the first maximum
  float conv;   // c there
};

template <typename Conv>
__device__ __forceinline__ Window pool_window(const ConvShape& s, int w, float mean, float scale,
                                              float shift, Conv conv) {
  Window best{0.0f, 0, 0.0f};
  for (int jj = 0; jj < s.pool; ++jj) {
    const int j = w * s.pool + jj;
    const float c = conv(j);
    const float v = activate(s.exp_activation, batchnorm_affine(c, mean, scale, shift));
    if (jj == 0 || v > best.value) best = {v, j, c};  // strict: the first maximum wins ties
  }
  return best;
}

// Blocks to launch for a kernel that loops over `work` sequences: as many as stay resident.
template <typename Kernel>
int resident_grid(Kernel kernel, std::size_t shared_bytes, int work) {
  int device = 0, sms = 0, per_sm = 0;
  MINT_CUDA_CHECK(cudaGetDevice(&device));
  MINT_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  MINT_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, shared_bytes));
  return std::max(1, std::min(work, sms * std::max(per_sm, 1)));
}

// Raises the kernel's dynamic shared-memory limit past the default 48 KB when it needs it.
template <typename Kernel>
void allow_shared_bytes(Kernel kernel, std::size_t bytes) {
  if (bytes <= 48 * 1024) return;
  int device = 0, limit = 0;
  MINT_CUDA_CHECK(cudaGetDevice(&device));
  MINT_CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (bytes > static_cast<std::size_t>(limit)) {
    throw Error("CUDA CNN: the conv weights and one sequence need " + std::to_string(bytes) +
                " bytes of shared memory, the GPU offers " + std::to_string(limit) +
                " per block (fewer filters, a narrower filter or shorter sequences fit)");
  }
  MINT_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(bytes)));
}

}  // namespace

// ---- forward kernels --------------------------------------------------------------------------

template <bool kDense>
static __global__ void conv_bn_act_pool_kernel(
    ConvShape s, DeviceInput in, int n, const float* __restrict__ weight,
    const float* __restrict__ bias, const float* __restrict__ affine, float* __restrict__ pooled,
    std::int32_t* __restrict__ argmax, float* __restrict__ pooled_conv) {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  const ConvSmem m = conv_smem_layout(s, shared_raw);
  stage_conv_params(s, weight, bias, affine, m);
  const int outputs = s.filters * s.pooled;  // F·W per sequence
  for (int i = blockIdx.x; i < n; i += gridDim.x) {
    __syncthreads();  // parameters staged; the previous sequence's codes no longer read
    if constexpr (!kDense) {
      const std::uint8_t* codes = in.codes + static_cast<std::size_t>(i) * s.length;
      for (int p = threadIdx.x; p < s.length; p += blockDim.x) m.codes[p] = codes[p];
    }
    __syncthreads();
    const float scale = in.scale != nullptr ? in.scale[i] : 1.0f;
    const float* x = kDense ? in.dense + static_cast<std::size_t>(i) * 4 * s.length : nullptr;
    for (int item = threadIdx.x; item < outputs; item += blockDim.x) {
      const int f = item / s.pooled, w = item - f * s.pooled;
      const Window best =
          pool_window(s, w, m.affine[f], m.affine[s.filters + f], m.affine[2 * s.filters + f],
                      [&](int j) { return conv_at<kDense>(s, m, x, scale, f, j); });
      const std::size_t out = static_cast<std::size_t>(i) * outputs + item;
      pooled[out] = best.value;
      if (argmax != nullptr) argmax[out] = best.where;
      if (pooled_conv != nullptr) pooled_conv[out] = best.conv;
    }
  }
}

template <bool kDense>
static __global__ void conv_kernel(ConvShape s, DeviceInput in, int n,
                                   const float* __restrict__ weight, const float* __restrict__ bias,
                                   float* __restrict__ conv) {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  const ConvSmem m = conv_smem_layout(s, shared_raw);
  stage_conv_params(s, weight, bias, nullptr, m);
  const int outputs = s.filters * s.conv_length;
  for (int i = blockIdx.x; i < n; i += gridDim.x) {
    __syncthreads();
    if constexpr (!kDense) {
      const std::uint8_t* codes = in.codes + static_cast<std::size_t>(i) * s.length;
      for (int p = threadIdx.x; p < s.length; p += blockDim.x) m.codes[p] = codes[p];
    }
    __syncthreads();
    const float scale = in.scale != nullptr ? in.scale[i] : 1.0f;
    const float* x = kDense ? in.dense + static_cast<std::size_t>(i) * 4 * s.length : nullptr;
    for (int item = threadIdx.x; item < outputs; item += blockDim.x) {
      const int f = item / s.conv_length, j = item - f * s.conv_length;
      conv[static_cast<std::size_t>(i) * outputs + item] = conv_at<kDense>(s, m, x, scale, f, j);
    }
  }
}

static __global__ void bn_act_pool_kernel(ConvShape s, const float* __restrict__ conv, int n,
                                          const float* __restrict__ affine,
                                          float* __restrict__ pooled,
                                          std::int32_t* __restrict__ argmax,
                                          float* __restrict__ pooled_conv) {
  const int outputs = s.filters * s.pooled;
  const std::size_t total = static_cast<std::size_t>(n) * outputs;
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t i = e / outputs;
    const int item = static_cast<int>(e - i * outputs);
    const int f = item / s.pooled, w = item - f * s.pooled;
    const float* c = conv + (i * s.filters + f) * s.conv_length;
    const Window best = pool_window(s, w, affine[f], affine[s.filters + f],
                                    affine[2 * s.filters + f], [&](int j) { return c[j]; });
    pooled[e] = best.value;
    argmax[e] = best.where;
    pooled_conv[e] = best.conv;
  }
}

// ---- BatchNorm statistics -----------------------------------------------------------------------

// Block (chunk, f): partial[chunk·F + f] = Σ over the chunk's (n, j) of c (mean == null) or of
// (c − mean[f])².
static __global__ void bn_partial_kernel(ConvShape s, const float* __restrict__ conv, int n,
                                         const double* __restrict__ mean,
                                         double* __restrict__ partial) {
  const int chunk = blockIdx.x, f = blockIdx.y;
  const int first = chunk * kSeqsPerChunk, count = min(kSeqsPerChunk, n - first);
  const int items = count * s.conv_length;
  const double center = mean != nullptr ? mean[f] : 0.0;
  double acc = 0.0;
  for (int e = threadIdx.x; e < items; e += blockDim.x) {
    const int local = e / s.conv_length, j = e - local * s.conv_length;
    const double c =
        conv[(static_cast<std::size_t>(first + local) * s.filters + f) * s.conv_length + j];
    if (mean != nullptr) {
      const double d = c - center;
      acc += d * d;
    } else {
      acc += c;
    }
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) partial[static_cast<std::size_t>(chunk) * s.filters + f] = acc;
}

static __global__ void bn_mean_kernel(int filters, int chunks, double count,
                                      const double* __restrict__ partial,
                                      double* __restrict__ mean) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= filters) return;
  double sum = 0.0;
  for (int c = 0; c < chunks; ++c) sum += partial[static_cast<std::size_t>(c) * filters + f];
  mean[f] = sum / count;
}

static __global__ void bn_variance_kernel(int filters, int chunks, double count, double momentum,
                                          double eps, const double* __restrict__ partial,
                                          const float* __restrict__ gamma,
                                          const float* __restrict__ beta,
                                          float* __restrict__ running_mean,
                                          float* __restrict__ running_var,
                                          const double* __restrict__ mean,
                                          double* __restrict__ invstd, float* __restrict__ affine) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= filters) return;
  double sum = 0.0;
  for (int c = 0; c < chunks; ++c) sum += partial[static_cast<std::size_t>(c) * filters + f];
  const double var = sum / count;
  const double is = batchnorm_invstd(var, eps);
  invstd[f] = is;
  const double unbiased = count > 1 ? sum / (count - 1) : var;
  running_mean[f] = batchnorm_running_update(running_mean[f], momentum, mean[f]);
  running_var[f] = batchnorm_running_update(running_var[f], momentum, unbiased);
  affine[f] = static_cast<float>(mean[f]);
  affine[filters + f] = static_cast<float>(gamma[f] * is);
  affine[2 * filters + f] = beta[f];
}

static __global__ void bn_running_affine_kernel(
    int filters, double eps, const float* __restrict__ gamma, const float* __restrict__ beta,
    const float* __restrict__ running_mean, const float* __restrict__ running_var,
    double* __restrict__ mean, double* __restrict__ invstd, float* __restrict__ affine) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= filters) return;
  const double is = batchnorm_invstd(running_var[f], eps);
  mean[f] = running_mean[f];
  invstd[f] = is;
  affine[f] = running_mean[f];
  affine[filters + f] = static_cast<float>(gamma[f] * is);
  affine[2 * filters + f] = beta[f];
}

// ---- launchers --------------------------------------------------------------------------------

void launch_conv_bn_act_pool(const ConvShape& s, const DeviceInput& in, int n,
                             const float* d_conv_weight, const float* d_conv_bias,
                             const float* d_bn_affine, float* d_pooled, std::int32_t* d_argmax,
                             float* d_pooled_conv, cudaStream_t stream) {
  if (n <= 0) return;
  const bool dense = in.dense != nullptr;
  const std::size_t bytes = conv_shared_bytes(s, !dense);
  auto* kernel = dense ? conv_bn_act_pool_kernel<true> : conv_bn_act_pool_kernel<false>;
  allow_shared_bytes(kernel, bytes);
  const int grid = resident_grid(kernel, bytes, n);
  kernel<<<grid, kThreads, bytes, stream>>>(s, in, n, d_conv_weight, d_conv_bias, d_bn_affine,
                                            d_pooled, d_argmax, d_pooled_conv);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_conv(const ConvShape& s, const DeviceInput& in, int n, const float* d_conv_weight,
                 const float* d_conv_bias, float* d_conv, cudaStream_t stream) {
  if (n <= 0) return;
  const bool dense = in.dense != nullptr;
  const std::size_t bytes = conv_shared_bytes(s, !dense);
  auto* kernel = dense ? conv_kernel<true> : conv_kernel<false>;
  allow_shared_bytes(kernel, bytes);
  const int grid = resident_grid(kernel, bytes, n);
  kernel<<<grid, kThreads, bytes, stream>>>(s, in, n, d_conv_weight, d_conv_bias, d_conv);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_bn_batch_statistics(const ConvShape& s, const float* d_conv, int n, double momentum,
                                double eps, const float* d_gamma, const float* d_beta,
                                float* d_running_mean, float* d_running_var, double* d_scratch,
                                double* d_mean, double* d_invstd, float* d_bn_affine,
                                cudaStream_t stream) {
  if (n <= 0) return;
  const int chunks = reduction_chunks(n);
  const double count = static_cast<double>(n) * s.conv_length;
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(s.filters));
  const unsigned per_filter = static_cast<unsigned>((s.filters + kThreads - 1) / kThreads);
  bn_partial_kernel<<<grid, kThreads, 0, stream>>>(s, d_conv, n, nullptr, d_scratch);
  MINT_CUDA_CHECK_LAUNCH();
  bn_mean_kernel<<<per_filter, kThreads, 0, stream>>>(s.filters, chunks, count, d_scratch, d_mean);
  MINT_CUDA_CHECK_LAUNCH();
  bn_partial_kernel<<<grid, kThreads, 0, stream>>>(s, d_conv, n, d_mean, d_scratch);
  MINT_CUDA_CHECK_LAUNCH();
  bn_variance_kernel<<<per_filter, kThreads, 0, stream>>>(
      s.filters, chunks, count, momentum, eps, d_scratch, d_gamma, d_beta, d_running_mean,
      d_running_var, d_mean, d_invstd, d_bn_affine);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_bn_running_affine(int filters, double eps, const float* d_gamma, const float* d_beta,
                              const float* d_running_mean, const float* d_running_var,
                              double* d_mean, double* d_invstd, float* d_bn_affine,
                              cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>((filters + kThreads - 1) / kThreads);
  bn_running_affine_kernel<<<blocks, kThreads, 0, stream>>>(
      filters, eps, d_gamma, d_beta, d_running_mean, d_running_var, d_mean, d_invstd, d_bn_affine);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_bn_act_pool(const ConvShape& s, const float* d_conv, int n, const float* d_bn_affine,
                        float* d_pooled, std::int32_t* d_argmax, float* d_pooled_conv,
                        cudaStream_t stream) {
  if (n <= 0) return;
  const std::size_t total = static_cast<std::size_t>(n) * s.filters * s.pooled;
  bn_act_pool_kernel<<<elementwise_grid(total, kThreads), kThreads, 0, stream>>>(
      s, d_conv, n, d_bn_affine, d_pooled, d_argmax, d_pooled_conv);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::cuda

// CUDA kernels of the CNN; the launchers and layouts are documented in kernels/cnn.cuh, the CPU
// twin is src/cpu/cnn.cpp. Design, stage by stage:
//
// Forward, eval mode (or no BatchNorm) — one fused kernel, conv_bn_act_pool_kernel: a block
//   stages the conv weights (transposed to (K, 4, S), S = F rounded up to odd so the four codes
//   a warp gathers at once hit four banks), the conv bias and the BN affine in shared memory
//   once, then loops over sequences (a grid sized to the resident blocks): it stages the
//   sequence's codes (L bytes) and each thread computes one pooled output (f, w) — P conv
//   values, each a gather of K filter columns — applies the affine and the activation and
//   keeps the first maximum. Consecutive threads take consecutive w, so the stores of pooled
//   (and argmax / the conv value at the argmax, which backward needs) are coalesced. The conv
//   outputs never reach device memory.
// Forward, train mode with BatchNorm — the batch statistics are needed before the affine, so:
//   conv_kernel writes c (N, F, Lc) → bn_partial_kernel (grid chunks × F, each block a fixed
//   chunk of kSeqsPerChunk sequences, double, fixed-order tree) → bn_mean_kernel (chunks summed
//   in order) → bn_partial_kernel on (c − mean)² → bn_variance_kernel (invstd, running
//   statistics with the unbiased variance, the affine) → bn_act_pool_kernel.
// The dense head: cuBLAS SGEMMs (row-major tensors seen as column-major transposes) plus small
//   bias/ReLU kernels; bias gradients by column_sums_kernel (one block per column, double).
// Backward of the conv block: dy at the BN output is non-zero only at each window's argmax,
//   so bn_backward_kernel reduces Σdy and Σdy·x̂ per filter over the pooled positions only
//   (one block per filter, double) and turns them into dc = a·dy − b − x̂·e coefficients;
//   conv_output_grad_kernel writes dc (N, F, Lc) (a gather: position j looks up window j / P);
//   conv_param_grad_kernel reduces dW[f, ch, k] = Σ scale·dc[f, j]·x[ch, j+k−pad] and the bias
//   gradient over fixed chunks (grid chunks × F·K, five double accumulators per thread: four
//   channels and the bias), conv_param_grad_finalize_kernel sums the chunks in order; no
//   atomics, so gradients are bitwise reproducible. input_grad_kernel: one thread per input
//   position, all four channels.
//
// Floating point: plain float expressions, which nvcc contracts into FMAs (a·b + c) as GCC does
// for the x86-64-v3 CPU build; the conv sums run in k order from 0 like the CPU's, so in eval
// mode the conv and BN outputs agree with the CPU to the last bit or nearly, and max-pool ties
// (mostly exact ties between identical K-mers) resolve the same way. Nothing here is promised
// bitwise against the CPU: the tests compare with relative-norm tolerances.
#include <algorithm>

#include "ops/cnn/cnn.cuh"

namespace mint::cuda {

namespace {

constexpr int kThreads = 256;  // every kernel; a multiple of 32 (block_sum relies on it)

// ---- per-element math, the device twin of activate()/activation_slope() in src/cpu/cnn.cpp --

__device__ __forceinline__ float activate(bool exp_activation, float v) {
  return exp_activation ? expf(v) : (v < 0.0f ? 0.0f : v);  // std::max(v, 0.0f)
}
// The activation's slope at a window's pre-activation b, from its output y = act(b): ReLU is 1
// where b > 0, i.e. y > 0; exp's slope is exp(b) = y.
__device__ __forceinline__ float slope_from_output(bool exp_activation, float y) {
  return exp_activation ? y : (y > 0.0f ? 1.0f : 0.0f);
}

// Sum of v over the block (blockDim.x a multiple of 32), in a fixed order: warp shuffles, then
// warp 0 over the warp sums. Every thread must call it; the result is valid in thread 0.
__device__ double block_sum(double v) {
  __shared__ double warp_sums[32];
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // a previous call's reads of warp_sums are done
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  v = 0.0;
  if (warp == 0) {
    v = lane < static_cast<int>(blockDim.x >> 5) ? warp_sums[lane] : 0.0;
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  }
  return v;
}

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
    const float v = activate(s.exp_activation, (c - mean) * scale + shift);
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

// Grid for a grid-stride loop over `items` elements.
unsigned elementwise_grid(std::size_t items) {
  const std::size_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, 1u << 20));
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
  const double is = 1.0 / sqrt(var + eps);
  invstd[f] = is;
  const double unbiased = count > 1 ? sum / (count - 1) : var;
  running_mean[f] = static_cast<float>((1 - momentum) * running_mean[f] + momentum * mean[f]);
  running_var[f] = static_cast<float>((1 - momentum) * running_var[f] + momentum * unbiased);
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
  const double is = 1.0 / sqrt(static_cast<double>(running_var[f]) + eps);
  mean[f] = running_mean[f];
  invstd[f] = is;
  affine[f] = running_mean[f];
  affine[filters + f] = static_cast<float>(gamma[f] * is);
  affine[2 * filters + f] = beta[f];
}

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

// ---- backward of the conv block ---------------------------------------------------------------

static __global__ void fill_identity_bn_backward_kernel(int filters, float* __restrict__ coef) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f >= filters) return;
  coef[f] = 1.0f;                // dy scale
  coef[filters + f] = 0.0f;      // shift
  coef[2 * filters + f] = 0.0f;  // x̂ scale
  coef[3 * filters + f] = 0.0f;  // x̂ mean
  coef[4 * filters + f] = 1.0f;  // x̂ invstd
}

// Block f: Σ dy and Σ dy·x̂ over the pooled positions (n, w) — dy is zero elsewhere.
static __global__ void bn_backward_kernel(
    ConvShape s, int n, bool train, const float* __restrict__ dpooled,
    const float* __restrict__ pooled, const float* __restrict__ pooled_conv,
    const double* __restrict__ mean, const double* __restrict__ invstd,
    const float* __restrict__ gamma, float* __restrict__ grad_gamma, float* __restrict__ grad_beta,
    float* __restrict__ coef) {
  const int f = blockIdx.x, outputs = s.filters * s.pooled;
  const double center = mean[f], is = invstd[f];
  double sum_dy = 0.0, sum_dy_xhat = 0.0;
  for (int e = threadIdx.x; e < n * s.pooled; e += blockDim.x) {
    const int i = e / s.pooled, w = e - i * s.pooled;
    const std::size_t at = static_cast<std::size_t>(i) * outputs + f * s.pooled + w;
    const float dy = dpooled[at] * slope_from_output(s.exp_activation, pooled[at]);
    if (dy == 0.0f) continue;
    sum_dy += dy;
    sum_dy_xhat += static_cast<double>(dy) * (pooled_conv[at] - center) * is;
  }
  sum_dy = block_sum(sum_dy);
  sum_dy_xhat = block_sum(sum_dy_xhat);
  if (threadIdx.x != 0) return;
  grad_gamma[f] = static_cast<float>(sum_dy_xhat);
  grad_beta[f] = static_cast<float>(sum_dy);
  // dc = γ·invstd·(dy − [train]·(Σdy + x̂·Σdy·x̂)/M), as in src/cpu/cnn.cpp.
  const double count = static_cast<double>(n) * s.conv_length;
  const double a = gamma[f] * is;
  coef[f] = static_cast<float>(a);
  coef[s.filters + f] = train ? static_cast<float>(a * sum_dy / count) : 0.0f;
  coef[2 * s.filters + f] = train ? static_cast<float>(a * sum_dy_xhat / count) : 0.0f;
  coef[3 * s.filters + f] = static_cast<float>(center);
  coef[4 * s.filters + f] = static_cast<float>(is);
}

// dc[n, f, j]: dy unpooled from window j / P when j is its argmax, then BatchNorm's backward.
static __global__ void conv_output_grad_kernel(
    ConvShape s, int n, const float* __restrict__ dpooled, const float* __restrict__ pooled,
    const std::int32_t* __restrict__ argmax, const float* __restrict__ conv,
    const float* __restrict__ coef, float* __restrict__ dconv) {
  const int per_seq = s.filters * s.conv_length, outputs = s.filters * s.pooled;
  const std::size_t total = static_cast<std::size_t>(n) * per_seq;
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t i = e / per_seq;
    const int r = static_cast<int>(e - i * per_seq);
    const int f = r / s.conv_length, j = r - f * s.conv_length, w = j / s.pool;
    float dy = 0.0f;
    if (w < s.pooled) {
      const std::size_t at = i * outputs + f * s.pooled + w;
      if (argmax[at] == j) dy = dpooled[at] * slope_from_output(s.exp_activation, pooled[at]);
    }
    const float xhat =
        conv != nullptr ? (conv[e] - coef[3 * s.filters + f]) * coef[4 * s.filters + f] : 0.0f;
    dconv[e] = coef[f] * dy - coef[s.filters + f] - xhat * coef[2 * s.filters + f];
  }
}

// Block (chunk, f·K + k): over the chunk's (n, j), Σ scale·dc[f, j]·x[ch, j+k−pad] for the four
// channels, and (k = 0 only) Σ dc[f, j] for the bias; partial[(chunk·F·K + f·K + k)·5 + q].
template <bool kDense>
static __global__ void conv_param_grad_kernel(ConvShape s, DeviceInput in, int n,
                                              const float* __restrict__ dconv,
                                              double* __restrict__ partial) {
  const int chunk = blockIdx.x, fk = blockIdx.y;
  const int f = fk / s.width, k = fk - f * s.width;
  const int first = chunk * kSeqsPerChunk, count = min(kSeqsPerChunk, n - first);
  const int items = count * s.conv_length;
  double acc0 = 0.0, acc1 = 0.0, acc2 = 0.0, acc3 = 0.0, acc_bias = 0.0;
  for (int e = threadIdx.x; e < items; e += blockDim.x) {
    const int local = e / s.conv_length, j = e - local * s.conv_length;
    const std::size_t i = static_cast<std::size_t>(first + local);
    const float d = dconv[(i * s.filters + f) * s.conv_length + j];
    if (k == 0) acc_bias += d;
    const int pos = j + k - s.pad_left;
    if (pos < 0 || pos >= s.length) continue;
    const float v = in.scale != nullptr ? in.scale[i] * d : d;
    if constexpr (kDense) {
      const float* x = in.dense + i * 4 * s.length + pos;
      acc0 += static_cast<double>(x[0] * v);
      acc1 += static_cast<double>(x[s.length] * v);
      acc2 += static_cast<double>(x[2 * s.length] * v);
      acc3 += static_cast<double>(x[3 * s.length] * v);
    } else {
      switch (in.codes[i * s.length + pos]) {
        case 0:
          acc0 += v;
          break;
        case 1:
          acc1 += v;
          break;
        case 2:
          acc2 += v;
          break;
        default:
          acc3 += v;
          break;
      }
    }
  }
  acc0 = block_sum(acc0);
  acc1 = block_sum(acc1);
  acc2 = block_sum(acc2);
  acc3 = block_sum(acc3);
  acc_bias = block_sum(acc_bias);
  if (threadIdx.x == 0) {
    double* out = partial + (static_cast<std::size_t>(chunk) * s.filters * s.width + fk) * 5;
    out[0] = acc0;
    out[1] = acc1;
    out[2] = acc2;
    out[3] = acc3;
    out[4] = acc_bias;
  }
}

static __global__ void conv_param_grad_finalize_kernel(int filters, int width, int chunks,
                                                       const double* __restrict__ partial,
                                                       float* __restrict__ grad_weight,
                                                       float* __restrict__ grad_bias) {
  const int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= filters * width * 5) return;
  const int fk = e / 5, q = e - fk * 5, f = fk / width, k = fk - f * width;
  if (q == 4 && k != 0) return;
  double sum = 0.0;
  for (int c = 0; c < chunks; ++c) {
    sum += partial[(static_cast<std::size_t>(c) * filters * width + fk) * 5 + q];
  }
  if (q < 4) {
    grad_weight[(f * 4 + q) * width + k] = static_cast<float>(sum);
  } else {
    grad_bias[f] = static_cast<float>(sum);
  }
}

// dx[n, ch, p] = Σ_f Σ_k W[f, ch, k]·dc[n, f, p−k+pad]; one thread per (n, p). The weight
// index is uniform across a warp, so its loads are broadcasts.
static __global__ void input_grad_kernel(ConvShape s, int n, const float* __restrict__ weight,
                                         const float* __restrict__ dconv,
                                         float* __restrict__ dinput) {
  const std::size_t total = static_cast<std::size_t>(n) * s.length;
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t i = e / s.length;
    const int p = static_cast<int>(e - i * s.length);
    // Taps k with j = p − k + pad inside [0, Lc).
    const int k_lo = max(0, p + s.pad_left - s.conv_length + 1);
    const int k_hi = min(s.width, p + s.pad_left + 1);
    const float* dc = dconv + i * s.filters * s.conv_length;
    float acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
    for (int f = 0; f < s.filters; ++f) {
      const float* w = weight + f * 4 * s.width;
      const float* d = dc + static_cast<std::size_t>(f) * s.conv_length + p + s.pad_left;
      for (int k = k_lo; k < k_hi; ++k) {
        const float g = d[-k];
        acc0 += __ldg(w + k) * g;
        acc1 += __ldg(w + s.width + k) * g;
        acc2 += __ldg(w + 2 * s.width + k) * g;
        acc3 += __ldg(w + 3 * s.width + k) * g;
      }
    }
    float* dx = dinput + i * 4 * s.length + p;
    dx[0] = acc0;
    dx[s.length] = acc1;
    dx[2 * s.length] = acc2;
    dx[3 * s.length] = acc3;
  }
}

// ---- launchers --------------------------------------------------------------------------------

std::size_t conv_block_scratch_doubles(const ConvShape& s, int capacity) {
  return static_cast<std::size_t>(reduction_chunks(capacity)) * s.filters * s.width * 5;
}

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
  bn_act_pool_kernel<<<elementwise_grid(total), kThreads, 0, stream>>>(
      s, d_conv, n, d_bn_affine, d_pooled, d_argmax, d_pooled_conv);
  MINT_CUDA_CHECK_LAUNCH();
}

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
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden1), kThreads, 0,
                     stream>>>(act.h1, p.b1, n, s.hidden1, act.a1);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, s.hidden2, n, s.hidden1, &one,
                                p.w2, s.hidden1, act.a1, s.hidden1, &zero, act.h2, s.hidden2));
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden2), kThreads, 0,
                     stream>>>(act.h2, p.b2, n, s.hidden2, act.a2);
  MINT_CUDA_CHECK_LAUNCH();
  MINT_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, 1, n, s.hidden2, &one, p.w3,
                                s.hidden2, act.a2, s.hidden2, &zero, d_logits, 1));
  bias_relu_kernel<<<elementwise_grid(static_cast<std::size_t>(n)), kThreads, 0, stream>>>(
      d_logits, p.b3, n, 1, nullptr);
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
  fc3_backward_kernel<<<elementwise_grid(static_cast<std::size_t>(n) * s.hidden2), kThreads, 0,
                        stream>>>(act.h2, d_dlogits, p.w3, n, s.hidden2, d_dh2);
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
  relu_mask_kernel<<<elementwise_grid(h1_count), kThreads, 0, stream>>>(act.h1, d_dh1, h1_count);
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

void launch_fill_identity_bn_backward(int filters, float* d_bn_backward, cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>((filters + kThreads - 1) / kThreads);
  fill_identity_bn_backward_kernel<<<blocks, kThreads, 0, stream>>>(filters, d_bn_backward);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_bn_backward(const ConvShape& s, int n, bool train, const float* d_dpooled,
                        const float* d_pooled, const float* d_pooled_conv, const double* d_mean,
                        const double* d_invstd, const float* d_gamma, float* d_grad_gamma,
                        float* d_grad_beta, float* d_bn_backward, cudaStream_t stream) {
  if (n <= 0) return;
  bn_backward_kernel<<<static_cast<unsigned>(s.filters), kThreads, 0, stream>>>(
      s, n, train, d_dpooled, d_pooled, d_pooled_conv, d_mean, d_invstd, d_gamma, d_grad_gamma,
      d_grad_beta, d_bn_backward);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_conv_output_grad(const ConvShape& s, int n, const float* d_dpooled,
                             const float* d_pooled, const std::int32_t* d_argmax,
                             const float* d_conv, const float* d_bn_backward, float* d_dconv,
                             cudaStream_t stream) {
  if (n <= 0) return;
  const std::size_t total = static_cast<std::size_t>(n) * s.filters * s.conv_length;
  conv_output_grad_kernel<<<elementwise_grid(total), kThreads, 0, stream>>>(
      s, n, d_dpooled, d_pooled, d_argmax, d_conv, d_bn_backward, d_dconv);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_conv_param_grad(const ConvShape& s, const DeviceInput& in, int n, const float* d_dconv,
                            double* d_scratch, float* d_grad_weight, float* d_grad_bias,
                            cudaStream_t stream) {
  if (n <= 0) return;
  const int chunks = reduction_chunks(n);
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(s.filters * s.width));
  if (in.dense != nullptr) {
    conv_param_grad_kernel<true><<<grid, kThreads, 0, stream>>>(s, in, n, d_dconv, d_scratch);
  } else {
    conv_param_grad_kernel<false><<<grid, kThreads, 0, stream>>>(s, in, n, d_dconv, d_scratch);
  }
  MINT_CUDA_CHECK_LAUNCH();
  const int outputs = s.filters * s.width * 5;
  conv_param_grad_finalize_kernel<<<static_cast<unsigned>((outputs + kThreads - 1) / kThreads),
                                    kThreads, 0, stream>>>(s.filters, s.width, chunks, d_scratch,
                                                           d_grad_weight, d_grad_bias);
  MINT_CUDA_CHECK_LAUNCH();
}

void launch_input_grad(const ConvShape& s, int n, const float* d_conv_weight, const float* d_dconv,
                       float* d_dinput, cudaStream_t stream) {
  if (n <= 0) return;
  const std::size_t total = static_cast<std::size_t>(n) * s.length;
  input_grad_kernel<<<elementwise_grid(total), kThreads, 0, stream>>>(s, n, d_conv_weight, d_dconv,
                                                                      d_dinput);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::cuda

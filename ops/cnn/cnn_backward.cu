// The CNN's backward kernels of the conv block on the CUDA backend; launchers in cnn.cuh, the
// CPU twin is CpuCnn::backward (cnn.cpp). Design:
//
// dy at the BN output is non-zero only at each window's argmax, so bn_backward_kernel reduces
// Σdy and Σdy·x̂ per filter over the pooled positions only (one block per filter, double) and
// turns them into dc = a·dy − b − x̂·e coefficients; conv_output_grad_kernel writes dc
// (N, F, Lc) (a gather: position j looks up window j / P); conv_param_grad_kernel reduces
// dW[f, ch, k] = Σ scale·dc[f, j]·x[ch, j+k−pad] and the bias gradient over fixed chunks (grid
// chunks × F·K, five double accumulators per thread: four channels and the bias),
// conv_param_grad_finalize_kernel sums the chunks in order; no atomics, so gradients are
// bitwise reproducible. input_grad_kernel: one thread per input position, all four channels.
#include "ops/cnn/cnn_core.hpp"
#include "ops/cnn/cnn_device.cuh"

namespace mint::cuda {

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
    const float dy = dpooled[at] * activation_slope_from_output(s.exp_activation, pooled[at]);
    if (dy == 0.0f) continue;
    sum_dy += dy;
    sum_dy_xhat += static_cast<double>(dy) * (pooled_conv[at] - center) * is;
  }
  sum_dy = block_sum(sum_dy);
  sum_dy_xhat = block_sum(sum_dy_xhat);
  if (threadIdx.x != 0) return;
  grad_gamma[f] = static_cast<float>(sum_dy_xhat);
  grad_beta[f] = static_cast<float>(sum_dy);
  // dc = γ·invstd·(dy − [train]·(Σdy + x̂·Σdy·x̂)/M), as in cnn.cpp.
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
      if (argmax[at] == j)
        dy = dpooled[at] * activation_slope_from_output(s.exp_activation, pooled[at]);
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
  conv_output_grad_kernel<<<elementwise_grid(total, kThreads), kThreads, 0, stream>>>(
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
  input_grad_kernel<<<elementwise_grid(total, kThreads), kThreads, 0, stream>>>(s, n, d_conv_weight,
                                                                                d_dconv, d_dinput);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::cuda

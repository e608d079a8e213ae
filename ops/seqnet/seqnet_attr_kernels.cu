// The attribution kernels of the general sequential network on the GPU. See
// seqnet_attr_kernels.cuh. Every kernel is a grid-stride loop with one thread per output
// element and 64-bit indices (ISM's variant rows of long sequences pass 2^31 elements).
#include "ops/common/cuda_check.cuh"
#include "ops/seqnet/seqnet_attr_kernels.cuh"

namespace mint::seqnet::cuda {
namespace {

using mint::cuda::elementwise_grid;

constexpr int kThreads = 256;

unsigned grid(std::int64_t items) {
  return elementwise_grid(static_cast<std::size_t>(items), kThreads);
}

#define MINT_GRID_STRIDE(k, total)                                                        \
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; \
       k < (total); k += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// The outputs w whose window [w·stride, w·stride + kernel) holds input t: [lo, hi] (as
// seqnet_kernels.cu's windows_of).
__device__ __forceinline__ void windows_of(int t, int kernel, int stride, int lout, int& lo,
                                           int& hi) {
  lo = t >= kernel ? (t - kernel) / stride + 1 : 0;
  hi = min(lout - 1, t / stride);
}

__global__ void rescale_kernel(ActParams a, const float* in_x, const float* out_x,
                               const float* in_r, const float* out_r, const float* g,
                               const float* rec, std::int64_t half, std::int64_t total,
                               std::int64_t size, float eps, float* plain, float* m) {
  MINT_GRID_STRIDE(e, total) {
    const std::int64_t ex = e % half;  // the same element of the input half
    const std::int64_t j = e % size;   // the reference's element
    const float vx = in_x[ex], vr = in_r[j], ox = out_x[ex], orf = out_r[j];
    const bool ref = e >= half;
    const float p = g[e] * activation_derivative(a, ref ? vr : vx, ref ? orf : ox);
    const float din = vx - vr, dout = ox - orf;
    plain[e] = p;
    m[e] = fabsf(din) < eps ? p : rec[e] * dout / din;
  }
}

// One thread per input element (h, r, c, t) of both halves.
__global__ void maxpool_plain_kernel(const float* g, const std::int32_t* arg_x,
                                     const std::int32_t* arg_r, std::int64_t half_rc,
                                     std::int64_t total, int C, int lin, int kernel, int stride,
                                     int lout, float* plain) {
  MINT_GRID_STRIDE(e, total) {
    const std::int64_t rc = e / lin;  // (half, row, channel) of the gradient
    const int t = static_cast<int>(e % lin);
    const std::int32_t* arg = rc < half_rc ? arg_x + rc * lout : arg_r + (rc % C) * lout;
    int lo, hi;
    windows_of(t, kernel, stride, lout, lo, hi);
    float s = 0.0f;
    for (int w = lo; w <= hi; ++w) {
      if (arg[w] == t) s += g[rc * lout + w];
    }
    plain[e] = s;
  }
}

// One thread per input element (r, c, t) of the input half; it writes both halves.
__global__ void maxpool_rule_kernel(const float* in_x, const float* in_r, const float* o_x,
                                    const float* o_r, const std::int32_t* arg_x,
                                    const std::int32_t* arg_r, const float* rec, const float* plain,
                                    const float* row0, std::int64_t half, std::int64_t half_out,
                                    int C, int lin, int kernel, int stride, int lout, float eps,
                                    float* m) {
  MINT_GRID_STRIDE(e, half) {
    const std::int64_t rc = e / lin;
    const int c = static_cast<int>(rc % C), t = static_cast<int>(e % lin);
    int lo, hi;
    windows_of(t, kernel, stride, lout, lo, hi);
    float ux = 0.0f, ur = 0.0f;
    for (int w = lo; w <= hi; ++w) {
      const std::int64_t kx = rc * lout + w, kr = static_cast<std::int64_t>(c) * lout + w;
      const float ox = o_x[kx], orf = o_r[kr];
      const float M = ox < orf ? orf : ox;  // std::max(o_x, o_r)
      if (arg_x[kx] == t) ux = rec[kx] * (M - orf);
      if (arg_r[kr] == t) ur = rec[half_out + kx] * (ox - M);
    }
    const std::int64_t er = static_cast<std::int64_t>(c) * lin + t;
    const float d = in_x[e] - in_r[er];
    const float u = ux + ur;
    if (fabsf(d) < eps) {
      m[e] = row0 != nullptr ? row0[er] : plain[e];
      m[half + e] = row0 != nullptr ? row0[er] : plain[half + e];
    } else {
      m[e] = m[half + e] = u / d;
    }
  }
}

__global__ void variant_rows_kernel(const float* base, const std::int32_t* seq,
                                    const std::int32_t* pos, const float* delta, std::int64_t total,
                                    int C, int len, const float* w, int kernel, int dilation,
                                    int pad_left, float* rows) {
  const std::int64_t row = static_cast<std::int64_t>(C) * len;
  MINT_GRID_STRIDE(e, total) {
    const std::int64_t v = e / row, j = e % row;
    const int f = static_cast<int>(j / len), t = static_cast<int>(j % len);
    const int p = pos[v];
    const float* dv = delta + 4 * v;
    float value = base[static_cast<std::int64_t>(seq[v]) * row + j];
    if (w == nullptr) {
      if (t == p) value += dv[f];
    } else {
      // Input column p reaches output t through kernel tap q when t + q·dilation − pad_left = p.
      const int reach = p + pad_left - t;
      if (reach >= 0 && reach % dilation == 0 && reach / dilation < kernel) {
        const int q = reach / dilation;
        float d = 0.0f;
        for (int c = 0; c < 4; ++c) {
          if (dv[c] != 0.0f) d += w[(static_cast<std::int64_t>(f) * 4 + c) * kernel + q] * dv[c];
        }
        value += d;
      }
    }
    rows[e] = value;
  }
}

}  // namespace

void deeplift_rescale(const ActParams& a, const float* in_x, const float* out_x, const float* in_r,
                      const float* out_r, const float* g, const float* rec, int n, int halves,
                      std::int64_t size, float eps, float* plain, float* m, cudaStream_t stream) {
  const std::int64_t half = static_cast<std::int64_t>(n) * size, total = half * halves;
  if (total == 0) return;
  rescale_kernel<<<grid(total), kThreads, 0, stream>>>(a, in_x, out_x, in_r, out_r, g, rec, half,
                                                       total, size, eps, plain, m);
  MINT_CUDA_CHECK_LAUNCH();
}

void deeplift_maxpool_plain(const float* g, const std::int32_t* arg_x, const std::int32_t* arg_r,
                            int n, int C, int lin, int kernel, int stride, int lout, float* plain,
                            cudaStream_t stream) {
  const std::int64_t half_rc = static_cast<std::int64_t>(n) * C, total = 2 * half_rc * lin;
  if (total == 0) return;
  maxpool_plain_kernel<<<grid(total), kThreads, 0, stream>>>(g, arg_x, arg_r, half_rc, total, C,
                                                             lin, kernel, stride, lout, plain);
  MINT_CUDA_CHECK_LAUNCH();
}

void deeplift_maxpool_rule(const float* in_x, const float* in_r, const float* o_x, const float* o_r,
                           const std::int32_t* arg_x, const std::int32_t* arg_r, const float* rec,
                           const float* plain, const float* row0, int n, int C, int lin, int kernel,
                           int stride, int lout, float eps, float* m, cudaStream_t stream) {
  const std::int64_t half = static_cast<std::int64_t>(n) * C * lin;
  const std::int64_t half_out = static_cast<std::int64_t>(n) * C * lout;
  if (half == 0) return;
  maxpool_rule_kernel<<<grid(half), kThreads, 0, stream>>>(in_x, in_r, o_x, o_r, arg_x, arg_r, rec,
                                                           plain, row0, half, half_out, C, lin,
                                                           kernel, stride, lout, eps, m);
  MINT_CUDA_CHECK_LAUNCH();
}

void variant_rows(const float* base, const std::int32_t* seq, const std::int32_t* pos,
                  const float* delta, int k, int C, int len, const float* w, int kernel,
                  int dilation, int pad_left, float* rows, cudaStream_t stream) {
  const std::int64_t total = static_cast<std::int64_t>(k) * C * len;
  if (total == 0) return;
  variant_rows_kernel<<<grid(total), kThreads, 0, stream>>>(base, seq, pos, delta, total, C, len, w,
                                                            kernel, dilation, pad_left, rows);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::seqnet::cuda

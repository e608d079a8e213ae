// The attribution kernels of the general sequential network on the GPU (seqnet_attr_kernels.cu):
// DeepLIFT's rules at hooked layers (seqnet_deeplift_cuda.cu) and the variant rows of ISM and
// Feature Permutation (seqnet_perturbation_cuda.cu). The arithmetic is seqnet_deeplift.cpp's
// and seqnet_methods.cpp's, operation for operation (rec·Δout/Δin, u/Δin, the eps test on
// |Δin| in float), so only the inputs' rounding differs from the CPU.
//
// DeepLIFT's gradients are (halves·n, size) buffers: rows [0, n) the input half, rows [n, 2n)
// the reference half (halves = 2) of the same n sequences. The reference's activations and
// argmaxes are one row, shared by every sequence (the zero reference is the same for all).
// Each launcher enqueues on `stream` and checks the launch. Private to ops/seqnet.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/seqnet/seqnet_core.hpp"

namespace mint::seqnet::cuda {

// The rescale rule of an elementwise layer (size values per row): in_x, out_x (n, size) the
// input half's activations, in_r, out_r (size) the reference's; g the gradient that flows into
// the layer's output and rec the one it recorded (g itself, or the stale one of
// DeepLiftCompat::captum_0_8), both (halves·n, size). Writes plain = g·f'(in, out) of each
// row's own half and m = rec·Δout/Δin where |Δin| ≥ eps, else plain.
void deeplift_rescale(const ActParams& a, const float* in_x, const float* out_x, const float* in_r,
                      const float* out_r, const float* g, const float* rec, int n, int halves,
                      std::int64_t size, float eps, float* plain, float* m, cudaStream_t stream);

// A max pool's plain input gradient of both halves: plain (2n, C, lin) from g (2n, C, lout),
// the input half through its argmaxes arg_x (n, C, lout), the reference half through the
// reference's arg_r (C, lout). Overlapping windows sum in increasing output order (SeqNet's).
void deeplift_maxpool_plain(const float* g, const std::int32_t* arg_x, const std::int32_t* arg_r,
                            int n, int C, int lin, int kernel, int stride, int lout, float* plain,
                            cudaStream_t stream);

// The max-pool rule of both halves (windows [w·stride, w·stride + kernel)): with M = max(o_x,
// o_r), u = rec_x·(M − o_r) unpooled at x's argmax plus rec_r·(o_x − M) at the reference's
// (assignment: a later window overwrites an earlier one, as max_unpool1d); m = u/Δin in both
// halves where |Δin| ≥ eps, else the fallback: each half's own `plain` (2n rows), or, when
// row0 is not null, row0 (C, lin) for every row of both halves (Captum 0.8's issue #1276).
// in_x (n, C, lin), in_r (C, lin); o_x (n, C, lout), o_r (C, lout); rec (2n, C, lout).
void deeplift_maxpool_rule(const float* in_x, const float* in_r, const float* o_x, const float* o_r,
                           const std::int32_t* arg_x, const std::int32_t* arg_r, const float* rec,
                           const float* plain, const float* row0, int n, int C, int lin, int kernel,
                           int stride, int lout, float eps, float* m, cudaStream_t stream);

// ISM and Feature Permutation: k rows (C, len), row v = base row seq[v] with input column pos[v]
// changed by delta[4v .. 4v + 4). With a first Conv1d (w (C, 4, kernel), dilation, pad_left;
// base and rows are its outputs, len = its output length) the change is added in the column's
// receptive field, Σ_c w[f, c, j]·delta[c] over the nonzero deltas in channel order (as
// seqnet_methods.cpp's VariantRunner::variant); without one (w null) the rows are inputs
// (C = 4, len = L) and delta is added at column pos[v].
void variant_rows(const float* base, const std::int32_t* seq, const std::int32_t* pos,
                  const float* delta, int k, int C, int len, const float* w, int kernel,
                  int dilation, int pad_left, float* rows, cudaStream_t stream);

}  // namespace mint::seqnet::cuda

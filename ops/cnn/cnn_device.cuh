// Device helpers shared by the CNN's kernel files (cnn_forward.cu, cnn_head.cu,
// cnn_backward.cu), private to them: the block size every kernel uses and the fixed-order block
// reduction behind every double sum (BatchNorm statistics, bias and conv gradients).
#pragma once

#include "ops/cnn/cnn.cuh"
#include "ops/common/cuda_check.cuh"

namespace mint::cuda {

namespace {

constexpr int kThreads = 256;  // every kernel; a multiple of 32 (block_sum relies on it)

// Sum of v over the block (blockDim.x a multiple of 32), in a fixed order: warp shuffles, then
// warp 0 over the warp sums. Every thread must call it; the result is valid in thread 0.
__device__ inline double block_sum(double v) {
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

}  // namespace

}  // namespace mint::cuda

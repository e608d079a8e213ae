// Adam's kernel (adam.cuh): mint::adam_update (adam_core.hpp) per element, a grid-stride loop.
#include "ops/adam/adam.cuh"
#include "ops/common/cuda_check.cuh"

namespace mint::cuda {

namespace {

constexpr int kThreads = 256;

}  // namespace

static __global__ void adam_kernel(AdamStep step, std::size_t count,
                                   const float* __restrict__ grads, float* __restrict__ params,
                                   float* __restrict__ m, float* __restrict__ v) {
  for (std::size_t e = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; e < count;
       e += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    adam_update(step, grads[e], params[e], m[e], v[e]);
  }
}

void launch_adam(const AdamStep& step, std::size_t count, const float* d_grads, float* d_params,
                 float* d_m, float* d_v, cudaStream_t stream) {
  if (count == 0) return;
  adam_kernel<<<elementwise_grid(count, kThreads), kThreads, 0, stream>>>(step, count, d_grads,
                                                                          d_params, d_m, d_v);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::cuda

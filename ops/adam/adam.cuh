// Adam's CUDA launcher (adam.cu), private to the .cu files: the CUDA backend
// (ops/cnn/cnn_backend_cuda.cu) keeps parameters, gradients and moments in flat device buffers
// and updates them in one launch. The CPU twin is adam_update_cpu (adam.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "ops/adam/adam_core.hpp"

namespace mint::cuda {

// One Adam step (mint::adam_update) over `count` parameters.
void launch_adam(const AdamStep& step, std::size_t count, const float* d_grads, float* d_params,
                 float* d_m, float* d_v, cudaStream_t stream);

}  // namespace mint::cuda

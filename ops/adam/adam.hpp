// Adam over flat float arrays on the CPU: the optimiser's entry point for the CPU backend
// (ops/cnn/cnn_backend_cpu.cpp calls it once per trainable tensor). Each element gets
// mint::adam_update (adam_core.hpp, the math the CUDA kernel shares), so the result does not
// depend on the thread count. The CUDA twin is launch_adam (adam.cuh, private to .cu files).
#pragma once

#include <cstddef>

#include "ops/adam/adam_core.hpp"

namespace mint {

// One Adam step over `count` parameters: params, m and v updated in place from grads. Parallel
// over elements (OpenMP, `threads` threads) when count exceeds 4096, serial below.
void adam_update_cpu(const AdamStep& step, std::size_t count, const float* grads, float* params,
                     float* m, float* v, int threads);

}  // namespace mint

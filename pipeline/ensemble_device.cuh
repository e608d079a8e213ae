// An ensemble's mean on the device, in attribute_models' arithmetic: the members' values summed
// in float64 in model order (the first one added to 0.0), divided by the count, rounded to float.
// Private to pipeline's .cu files (the device stream and attribute_device).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace mint::device_ensemble {

// sum = (first ? 0 : sum) + x, element by element, in float64.
static __global__ void add_kernel(const float* __restrict__ x, std::size_t size, bool first,
                                  double* __restrict__ sum) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < size;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const double v = static_cast<double>(x[i]);
    sum[i] = first ? __dadd_rn(0.0, v) : __dadd_rn(sum[i], v);
  }
}

// out = float(sum / models).
static __global__ void mean_kernel(const double* __restrict__ sum, std::size_t size, double models,
                                   float* __restrict__ out) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < size;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    out[i] = __double2float_rn(__ddiv_rn(sum[i], models));
  }
}

}  // namespace mint::device_ensemble

// Timing helpers shared by the CUDA benchmarks: CUDA-event timing of a piece of work and the
// card's peak DRAM bandwidth for the roofline fractions. Event (an owned cudaEvent_t) is
// mint::cuda::Event from ops/common/cuda_check.cuh.
#pragma once

#include <cuda_runtime.h>

#include "ops/common/cuda_check.cuh"

namespace mint::bench {

using cuda::Event;

// Peak DRAM bandwidth in bytes/s from the attributes (cudaDeviceProp's memoryClockRate and
// memoryBusWidth are gone in CUDA 13); 0 if the driver does not say.
inline double peak_dram_bytes_per_s(int device) {
  int clock_khz = 0, bus_bits = 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);
}

// Mean milliseconds of `work` over `reps` repetitions on the legacy default stream, after one
// warm-up, by CUDA events.
template <typename Work>
double time_ms(Work&& work, int reps) {
  work();
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  Event start, stop;
  MINT_CUDA_CHECK(cudaEventRecord(start.get(), nullptr));
  for (int r = 0; r < reps; ++r) work();
  MINT_CUDA_CHECK(cudaEventRecord(stop.get(), nullptr));
  MINT_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  MINT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms / static_cast<float>(reps);
}

}  // namespace mint::bench

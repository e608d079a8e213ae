// CUDA sampler launcher (device pointers, stream last). The per-position math is
// ops/sampler/sampler_core.hpp, shared with the CPU backend (ops/sampler/sampler.cpp).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/common/cuda_check.cuh"
#include "ops/sampler/sampler.hpp"

namespace mint::cuda {

// The split's tables in device memory; view() points into them.
class DeviceSamplerTables {
 public:
  explicit DeviceSamplerTables(const SamplerTables& host);
  SamplerView view() const { return view_; }

 private:
  DeviceBuffer<std::uint32_t> group_mask_;
  DeviceBuffer<std::int64_t> group_start_;
  DeviceBuffer<int> slot_start_, slot_length_, column_index_;
  DeviceBuffer<ColumnThresholds> columns_;
  DeviceBuffer<std::int64_t> base_scores_, min_score_;  // empty when the filter is off
  SamplerView view_{};
};

// Sequences [first, first + count) of the split into d_codes (count * L bytes, row-major).
void launch_sample_codes(const SamplerView& view, std::int64_t first, std::int64_t count,
                         std::uint8_t* d_codes, cudaStream_t stream);

}  // namespace mint::cuda

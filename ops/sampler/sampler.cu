// CUDA sampler: one thread per 16 positions of one sequence (4 Philox blocks), the plan of the
// sequence (group lookup + grammar offset) computed once per thread. Bit-identical to
// sample_codes_cpu because both call sampler_core.hpp. Output is written byte by byte: a warp
// covers 512 contiguous bytes of a row, which the L2 merges into full sectors.
#include "core/device.hpp"
#include "ops/sampler/sampler.cuh"

namespace mint::cuda {

namespace {

constexpr int kBlocksPerThread = 4;  // 4 Philox blocks = 16 positions

__global__ void sample_codes_kernel(SamplerView v, std::int64_t first, std::int64_t count,
                                    std::uint8_t* __restrict__ codes) {
  const int blocks = (v.length + 3) / 4;
  const int chunks = (blocks + kBlocksPerThread - 1) / kBlocksPerThread;
  const std::int64_t items = count * chunks;
  for (std::int64_t item = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       item < items; item += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t i = item / chunks;
    const int chunk = static_cast<int>(item - i * chunks);
    const SequencePlan plan = plan_sequence(v, first + i);
    std::uint8_t* row = codes + i * v.length;
#pragma unroll
    for (int k = 0; k < kBlocksPerThread; ++k) {
      const int b = chunk * kBlocksPerThread + k;
      if (b >= blocks) break;
      std::uint8_t four[4];
      sample_block(v, plan, b, four);
      const int n = min(4, v.length - 4 * b);
      for (int lane = 0; lane < n; ++lane) row[4 * b + lane] = four[lane];
    }
  }
}

}  // namespace

DeviceSamplerTables::DeviceSamplerTables(const SamplerTables& host)
    : group_mask_(to_device(host.group_mask_.data(), host.group_mask_.size())),
      group_start_(to_device(host.group_start_.data(), host.group_start_.size())),
      slot_start_(to_device(host.slot_start_.data(), host.slot_start_.size())),
      slot_length_(to_device(host.slot_length_.data(), host.slot_length_.size())),
      column_index_(to_device(host.column_index_.data(), host.column_index_.size())),
      columns_(to_device(host.columns_.data(), host.columns_.size())),
      base_scores_(to_device(host.base_scores_.data(), host.base_scores_.size())),
      min_score_(to_device(host.min_score_.data(), host.min_score_.size())) {
  view_ = host.view();
  view_.group_mask = group_mask_.get();
  view_.group_start = group_start_.get();
  view_.slot_start = slot_start_.get();
  view_.slot_length = slot_length_.get();
  view_.column_index = column_index_.get();
  view_.columns = columns_.get();
  view_.base_scores = host.base_scores_.empty() ? nullptr : base_scores_.get();
  view_.min_score = host.min_score_.empty() ? nullptr : min_score_.get();
}

void launch_sample_codes(const SamplerView& view, std::int64_t first, std::int64_t count,
                         std::uint8_t* d_codes, cudaStream_t stream) {
  if (count == 0) return;
  const int blocks = (view.length + 3) / 4;
  const std::int64_t items = count * ((blocks + kBlocksPerThread - 1) / kBlocksPerThread);
  constexpr int kThreads = 256;
  const std::int64_t grid = std::min<std::int64_t>((items + kThreads - 1) / kThreads, 1 << 20);
  sample_codes_kernel<<<static_cast<unsigned>(grid), kThreads, 0, stream>>>(view, first, count,
                                                                            d_codes);
  MINT_CUDA_CHECK_LAUNCH();
}

}  // namespace mint::cuda

namespace mint {

void sample_codes_cuda(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                       std::uint8_t* codes) {
  if (first < 0 || count < 0 || first + count > tables.sequences()) {
    throw Error("sample_codes_cuda: sequence range outside the split");
  }
  if (cuda_device_count() == 0) throw Error("CUDA sampler: " + cuda_unavailable_reason());
  const cuda::DeviceSamplerTables device_tables(tables);
  const std::size_t bytes = static_cast<std::size_t>(count) * tables.length();
  cuda::DeviceBuffer<std::uint8_t> d_codes(bytes);
  cuda::launch_sample_codes(device_tables.view(), first, count, d_codes.get(), nullptr);
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  d_codes.download(codes, bytes);
}

struct SamplerCuda::Impl {
  explicit Impl(const SamplerTables& t) : device(t), sequences(t.sequences()) {}
  cuda::DeviceSamplerTables device;
  std::int64_t sequences;
};

namespace {

const SamplerTables& require_sampler_gpu(const SamplerTables& tables) {
  if (cuda_device_count() == 0) throw Error("CUDA sampler: " + cuda_unavailable_reason());
  return tables;
}

}  // namespace

SamplerCuda::SamplerCuda(const SamplerTables& tables)
    : impl_(std::make_unique<Impl>(require_sampler_gpu(tables))) {}
SamplerCuda::~SamplerCuda() = default;
SamplerCuda::SamplerCuda(SamplerCuda&&) noexcept = default;
SamplerCuda& SamplerCuda::operator=(SamplerCuda&&) noexcept = default;

void SamplerCuda::sample(std::int64_t first, std::int64_t count, std::uint8_t* d_codes,
                         CUstream_st* stream) const {
  if (first < 0 || count < 0 || first + count > impl_->sequences) {
    throw Error("SamplerCuda: sequence range outside the split");
  }
  cuda::launch_sample_codes(impl_->device.view(), first, count, d_codes, stream);
}

}  // namespace mint

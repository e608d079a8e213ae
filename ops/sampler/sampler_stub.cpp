// Built instead of ops/sampler/sampler.cu without CUDA: the CUDA sampler reports that it is
// unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/sampler/sampler.hpp"

namespace mint {

void sample_codes_cuda(const SamplerTables&, std::int64_t, std::int64_t, std::uint8_t*) {
  throw Error(cuda_unavailable_reason());
}

struct SamplerCuda::Impl {};
SamplerCuda::SamplerCuda(const SamplerTables&) {
  throw Error("CUDA sampler: " + cuda_unavailable_reason());
}
SamplerCuda::~SamplerCuda() = default;
SamplerCuda::SamplerCuda(SamplerCuda&&) noexcept = default;
SamplerCuda& SamplerCuda::operator=(SamplerCuda&&) noexcept = default;
void SamplerCuda::sample(std::int64_t, std::int64_t, std::uint8_t*, CUstream_st*) const {
  throw Error("CUDA sampler: " + cuda_unavailable_reason());
}

}  // namespace mint

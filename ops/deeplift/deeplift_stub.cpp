// Built instead of deeplift.cu when mint is built without CUDA (MINT_CUDA=OFF or no nvcc):
// every CUDA entry point of deeplift.hpp reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/deeplift/deeplift.hpp"

namespace mint {
namespace {

[[noreturn]] void unavailable() {
  throw Error("CUDA attribution (DeepLIFT on the GPU) is unavailable: " +
              cuda_unavailable_reason());
}

}  // namespace

std::vector<float> deeplift_cuda(const ModelConfig&, const ModelParams&, const std::uint8_t*, int,
                                 DeepLiftCompat, Target, const float*) {
  unavailable();
}

struct DeepLiftCuda::Impl {};

DeepLiftCuda::DeepLiftCuda(const ModelConfig&, const ModelParams&) { unavailable(); }
DeepLiftCuda::~DeepLiftCuda() = default;
DeepLiftCuda::DeepLiftCuda(DeepLiftCuda&&) noexcept = default;
DeepLiftCuda& DeepLiftCuda::operator=(DeepLiftCuda&&) noexcept = default;

void DeepLiftCuda::deeplift(const std::uint8_t*, const float*, int, DeepLiftCompat, Target, float*,
                            CUstream_st*) {
  unavailable();
}

}  // namespace mint

// Built instead of kernels/attribution.cu when mint is built without CUDA (MINT_CUDA=OFF or no
// nvcc): every entry point of attribution_cuda.hpp reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/ig/ig_cuda.hpp"

namespace mint {
namespace {

[[noreturn]] void unavailable() {
  throw Error("CUDA attribution (integrated gradients / DeepLIFT on the GPU) is unavailable: " +
              cuda_unavailable_reason());
}

}  // namespace

std::vector<float> integrated_gradients_cuda(const ModelConfig&, const ModelParams&,
                                             const std::uint8_t*, const float*, int,
                                             const Quadrature&, Target) {
  unavailable();
}

std::vector<float> deeplift_cuda(const ModelConfig&, const ModelParams&, const std::uint8_t*, int,
                                 DeepLiftCompat, Target, const float*) {
  unavailable();
}

struct AttributionCuda::Impl {};

AttributionCuda::AttributionCuda(const ModelConfig&, const ModelParams&) { unavailable(); }
AttributionCuda::~AttributionCuda() = default;
AttributionCuda::AttributionCuda(AttributionCuda&&) noexcept = default;
AttributionCuda& AttributionCuda::operator=(AttributionCuda&&) noexcept = default;

void AttributionCuda::integrated_gradients(const std::uint8_t*, const float*, int,
                                           const Quadrature&, Target, float*, CUstream_st*) {
  unavailable();
}

void AttributionCuda::deeplift(const std::uint8_t*, const float*, int, DeepLiftCompat, Target,
                               float*, CUstream_st*) {
  unavailable();
}

}  // namespace mint

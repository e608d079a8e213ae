// Built instead of ig.cu when mint is built without CUDA (MINT_CUDA=OFF or no nvcc): every
// CUDA entry point of ig.hpp reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/ig/ig.hpp"

namespace mint {
namespace {

[[noreturn]] void unavailable() {
  throw Error("CUDA attribution (integrated gradients on the GPU) is unavailable: " +
              cuda_unavailable_reason());
}

}  // namespace

std::vector<float> integrated_gradients_cuda(const ModelConfig&, const ModelParams&,
                                             const std::uint8_t*, const float*, int,
                                             const Quadrature&, Target) {
  unavailable();
}

struct IntegratedGradientsCuda::Impl {};

IntegratedGradientsCuda::IntegratedGradientsCuda(const ModelConfig&, const ModelParams&) {
  unavailable();
}
IntegratedGradientsCuda::~IntegratedGradientsCuda() = default;
IntegratedGradientsCuda::IntegratedGradientsCuda(IntegratedGradientsCuda&&) noexcept = default;
IntegratedGradientsCuda& IntegratedGradientsCuda::operator=(IntegratedGradientsCuda&&) noexcept =
    default;

void IntegratedGradientsCuda::integrated_gradients(const std::uint8_t*, const float*, int,
                                                   const Quadrature&, Target, float*,
                                                   CUstream_st*) {
  unavailable();
}

}  // namespace mint

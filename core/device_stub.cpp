// Built instead of core/device_cuda.cu when mint is built without CUDA (MINT_CUDA=OFF or no
// nvcc): no device is usable, and cuda_unavailable_reason() says why. Each op's CUDA entry
// points have their own stub beside their kernels (ops/<op>/<op>_stub.cpp).
#include "core/device.hpp"

namespace mint {

bool built_with_cuda() { return false; }
int cuda_device_count() { return 0; }
std::string cuda_unavailable_reason() {
  return "mint was built without CUDA (configure with -DMINT_CUDA=ON on a machine with nvcc)";
}
std::string cuda_device_name(int) { return ""; }

}  // namespace mint

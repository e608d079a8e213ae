// Built instead of the CNN's .cu files (cnn_forward.cu, cnn_head.cu, cnn_backward.cu,
// cnn_backend_cuda.cu) without CUDA: the CUDA backend reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

std::unique_ptr<CnnBackend> make_cuda_backend(const ModelConfig&, int) {
  throw Error(cuda_unavailable_reason());
}

}  // namespace mint

// Built instead of ops/cnn/cnn.cu and cnn_backend_cuda.cu without CUDA: the CUDA backend
// reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

std::unique_ptr<CnnBackend> make_cuda_backend(const ModelConfig&, int) {
  throw Error(cuda_unavailable_reason());
}

}  // namespace mint

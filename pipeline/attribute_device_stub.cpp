// attribute_device.hpp without CUDA: every entry point says why it is unavailable.
#include "core/error.hpp"
#include "pipeline/attribute_device.hpp"

namespace mint {
namespace {

[[noreturn]] void unavailable() {
  throw Error("a GPU array, but mint was built without CUDA (reinstall with nvcc on the PATH)");
}

}  // namespace

void set_cuda_device(int) { unavailable(); }
void free_device(void*) noexcept {}
std::uint8_t* onehot_codes_device(const float*, std::int64_t, int) { unavailable(); }
bool codes_valid_device(const std::uint8_t*, std::size_t) { unavailable(); }
float* attribute_models_device(const std::vector<Model>&, const std::uint8_t*, std::int64_t, int,
                               const AttributeOptions&) {
  unavailable();
}
std::vector<std::vector<float>> predict_each_device(const std::vector<Model>&, const std::uint8_t*,
                                                    std::int64_t, int) {
  unavailable();
}

}  // namespace mint

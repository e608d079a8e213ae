// Built instead of src/cuda_runtime.cu and kernels/*.cu when mint is built without CUDA
// (MINT_CUDA=OFF or no nvcc): every CUDA entry point reports that it is unavailable.
#include "mint/auprc_cuda.hpp"
#include "mint/cnn_backend.hpp"
#include "mint/device.hpp"
#include "mint/error.hpp"
#include "mint/sampler.hpp"

namespace mint {

bool built_with_cuda() { return false; }
int cuda_device_count() { return 0; }
std::string cuda_unavailable_reason() {
  return "mint was built without CUDA (configure with -DMINT_CUDA=ON on a machine with nvcc)";
}
std::string cuda_device_name(int) { return ""; }

std::unique_ptr<CnnBackend> make_cuda_backend(const ModelConfig&, int) {
  throw Error(cuda_unavailable_reason());
}

void sample_codes_cuda(const SamplerTables&, std::int64_t, std::int64_t, std::uint8_t*) {
  throw Error(cuda_unavailable_reason());
}

struct AuprcCudaWorkspace::Impl {};
AuprcCudaWorkspace::AuprcCudaWorkspace() : impl_(std::make_unique<Impl>()) {}
AuprcCudaWorkspace::~AuprcCudaWorkspace() = default;
AuprcCudaWorkspace::AuprcCudaWorkspace(AuprcCudaWorkspace&&) noexcept = default;
AuprcCudaWorkspace& AuprcCudaWorkspace::operator=(AuprcCudaWorkspace&&) noexcept = default;

RowCurveScores score_rows_cuda(const float*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                               std::size_t, AuprcCudaPath) {
  throw Error(cuda_unavailable_reason());
}
RowCurveScores score_rows_cuda(const double*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                               std::size_t, AuprcCudaPath) {
  throw Error(cuda_unavailable_reason());
}
CurveScores score_pooled_cuda(const float*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                              std::size_t) {
  throw Error(cuda_unavailable_reason());
}
CurveScores score_pooled_cuda(const double*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                              std::size_t) {
  throw Error(cuda_unavailable_reason());
}
void score_rows_cuda_device(const float*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                            std::size_t, const RowCurveScoresDevice&, AuprcCudaWorkspace&,
                            AuprcCudaPath, CUstream_st*) {
  throw Error(cuda_unavailable_reason());
}
void score_rows_cuda_device(const double*, const std::uint8_t*, const std::uint8_t*, std::size_t,
                            std::size_t, const RowCurveScoresDevice&, AuprcCudaWorkspace&,
                            AuprcCudaPath, CUstream_st*) {
  throw Error(cuda_unavailable_reason());
}
CurveScores score_pooled_cuda_device(const float*, const std::uint8_t*, const std::uint8_t*,
                                     std::size_t, std::size_t, AuprcCudaWorkspace&, CUstream_st*) {
  throw Error(cuda_unavailable_reason());
}
CurveScores score_pooled_cuda_device(const double*, const std::uint8_t*, const std::uint8_t*,
                                     std::size_t, std::size_t, AuprcCudaWorkspace&, CUstream_st*) {
  throw Error(cuda_unavailable_reason());
}

}  // namespace mint

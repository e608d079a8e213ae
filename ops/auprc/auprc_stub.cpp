// Built instead of the device-side AUPRC's .cu files (auprc.cu, auprc_block.cu,
// auprc_segmented.cu) without CUDA: every entry point reports that it is unavailable.
#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/auprc/auprc_cuda.hpp"

namespace mint {

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

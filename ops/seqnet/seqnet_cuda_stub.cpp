// Built instead of seqnet_cuda.cu, seqnet_cudnn.cu and seqnet_kernels.cu without CUDA, or with
// CUDA but without cuDNN (not found at configure time; CMakeLists.txt defines
// MINT_SEQNET_NO_CUDNN then): the general sequential network has no GPU path, and every entry
// point says why.
#include <string>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"

namespace mint {

struct SeqNetCuda::Impl {};

namespace {

[[noreturn]] void unavailable() {
#if defined(MINT_SEQNET_NO_CUDNN)
  throw Error(
      "sequential network on the GPU: mint was built without cuDNN (not found at configure "
      "time, or MINT_CUDNN=OFF; install cuDNN, set CUDNN_ROOT and reconfigure), so general "
      "sequential models run on the CPU only (--device cpu)");
#else
  throw Error("sequential network on the GPU: " + cuda_unavailable_reason());
#endif
}

}  // namespace

SeqNetCuda::SeqNetCuda(const SequentialArchitecture&, int) { unavailable(); }
SeqNetCuda::~SeqNetCuda() = default;
void SeqNetCuda::forward(const SequentialParams&, const float*, int, Mode, float*, int) {
  unavailable();
}
void SeqNetCuda::update_running_stats(SequentialParams&) const { unavailable(); }
void SeqNetCuda::backward(const SequentialParams&, const float*, SequentialParams*, float*) {
  unavailable();
}
void SeqNetCuda::set_dropout_stream(std::uint64_t, std::uint64_t) { unavailable(); }
const SequentialArchitecture& SeqNetCuda::arch() const { unavailable(); }
int SeqNetCuda::capacity() const { unavailable(); }

}  // namespace mint

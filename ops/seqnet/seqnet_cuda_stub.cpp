// Built instead of seqnet_cuda.cu and the other .cu files of ops/seqnet without CUDA, or with
// CUDA but without cuDNN (not found at configure time; CMakeLists.txt defines
// MINT_SEQNET_NO_CUDNN then): the general sequential network has no GPU path, and every entry
// point says why.
#include <string>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_methods_common.hpp"

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

// The methods check their arguments first, as with CUDA (and as seqnet_methods_cuda.cpp's do).
std::vector<float> seqnet_deeplift_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        DeepLiftCompat, const SeqAttributeOptions& o) {
  seqnet_detail::check(m, in, n, o, "deeplift");
  unavailable();
}
std::vector<float> seqnet_ism_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  seqnet_detail::check(m, in, n, o, "ism");
  unavailable();
}
std::vector<float> seqnet_feature_permutation_cuda(const SequentialModel& m, const CnnInput& in,
                                                   int n, const FpOptions&,
                                                   const SeqAttributeOptions& o,
                                                   std::vector<std::vector<std::int64_t>>*) {
  seqnet_detail::check(m, in, n, o, "feature permutation");
  unavailable();
}

}  // namespace mint

// The general sequential CNN (core/sequential.hpp) on the GPU: SeqNetCuda mirrors SeqNet
// (seqnet.hpp) — forward, backward, BatchNorm's running-statistics update, Dropout from the same
// Philox stream — with host inputs and outputs, and prediction and every attribution method
// (gradient, saliency, input × gradient, Integrated Gradients, DeepLIFT in both compat modes,
// ISM, Feature Permutation) with the CPU functions' signatures. Every result equals the CPU's up
// to float32 summation order.
//
// Files: seqnet_cuda.cu (SeqNetCuda; its device state SeqNetCuda::Impl in seqnet_cuda_impl.cuh,
// which the methods' .cu files drive directly), seqnet_cudnn.cu (Conv1d), seqnet_kernels.cu
// (the other layers), seqnet_methods_cuda.cpp (predict, the gradient methods, IG),
// seqnet_deeplift_cuda.cu and seqnet_perturbation_cuda.cu (DeepLIFT; ISM and FP) with their
// kernels in seqnet_attr_kernels.cu.
//
// The generic path: cuDNN for Conv1d (a 2-D convolution of height 1: forward, backward data,
// backward filter; deterministic algorithms, FMA math — never TF32), cuBLAS SGEMM for Linear
// (CUBLAS_DEFAULT_MATH), small kernels for the rest (bias, BatchNorm with PyTorch's formulas in
// double reductions, the activations of seqnet_core.hpp, pooling with the first maximum's
// argmax, Dropout masks). The paper's model keeps its fused path (ops/cnn: make_cuda_backend).
//
// Parameters: forward() uploads the layers' parameters on every call (they are small next to
// the activations; buffers are allocated once); backward() uses those uploaded by the last
// forward(), so its `p` must be the same parameters.
//
// Compiles without CUDA. Built without CUDA or without cuDNN (seqnet_cuda_stub.cpp), every
// entry point throws mint::Error saying why.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ops/seqnet/seqnet.hpp"

namespace mint {

class SeqNetCuda {
 public:
  // Device workspace for batches of up to `capacity` rows. Throws mint::Error when no GPU is
  // usable or mint was built without CUDA or cuDNN.
  SeqNetCuda(const SequentialArchitecture& arch, int capacity);
  ~SeqNetCuda();
  SeqNetCuda(const SeqNetCuda&) = delete;
  SeqNetCuda& operator=(const SeqNetCuda&) = delete;

  // As SeqNet::forward: host rows `in` (n, arch.size_before(first)) through layers [first, end)
  // into host `out` (n, outputs). Activations stay on the device for backward().
  void forward(const SequentialParams& p, const float* in, int n, Mode mode, float* out,
               int first = 0);
  // As SeqNet::update_running_stats (after a train-mode forward).
  void update_running_stats(SequentialParams& p) const;
  // As SeqNet::backward: host dout (n, outputs); parameter gradients into grads (overwritten)
  // and the input gradient into host din (n, size_before(first)), each when not null.
  void backward(const SequentialParams& p, const float* dout, SequentialParams* grads, float* din);
  // As SeqNet::set_dropout_stream: the same masks, bit for bit.
  void set_dropout_stream(std::uint64_t seed, std::uint64_t step);

  const SequentialArchitecture& arch() const;
  int capacity() const;
  int outputs() const { return arch().outputs(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// As seqnet_predict and the gradient methods of seqnet.hpp, on the GPU (o.threads is ignored).
std::vector<float> seqnet_predict_cuda(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                                       int threads = 0);
std::vector<float> seqnet_gradient_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        const SeqAttributeOptions& o);
std::vector<float> seqnet_saliency_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        const SeqAttributeOptions& o);
std::vector<float> seqnet_input_x_gradient_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                                const SeqAttributeOptions& o);
// Zero baseline; rows of a batch are (sequence, step) pairs of several sequences. When layer 0
// is a Conv1d it is evaluated once per sequence on the host (as seqnet_integrated_gradients
// does; it is linear in the input) and the steps start at layer 1.
std::vector<float> seqnet_integrated_gradients_cuda(const SequentialModel& m, const CnnInput& in,
                                                    int n, IgMethod method, int steps,
                                                    const SeqAttributeOptions& o);
// As seqnet_deeplift, both compat modes (seqnet_deeplift_cuda.cu): the input half of a batch
// and the zero reference forward on the device, one backward pass with a gradient per half and
// the rules of the hooked layers as kernels. captum_0_8's max-pool fallback takes sequence 0's
// gradient for every sequence, as on the CPU (the whole call is Captum's one batch).
std::vector<float> seqnet_deeplift_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        DeepLiftCompat compat, const SeqAttributeOptions& o);
// As seqnet_ism and seqnet_feature_permutation (seqnet_perturbation_cuda.cu): the first Conv1d's
// output of each sequence is computed once and each variant's is updated on the device in the
// changed column's receptive field; the rest of the network runs on batches of variants. FP
// draws (or replays) the CPU's permutations, fp.batch_size sequences per permutation.
std::vector<float> seqnet_ism_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o);
std::vector<float> seqnet_feature_permutation_cuda(
    const SequentialModel& m, const CnnInput& in, int n, const FpOptions& fp,
    const SeqAttributeOptions& o, std::vector<std::vector<std::int64_t>>* used = nullptr);

}  // namespace mint

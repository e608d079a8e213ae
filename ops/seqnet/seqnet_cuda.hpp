// The general sequential CNN (core/sequential.hpp) on the GPU: SeqNetCuda mirrors SeqNet
// (seqnet.hpp) — forward, backward, BatchNorm's running-statistics update, Dropout from the same
// Philox stream — with host inputs and outputs, and prediction and the gradient attributions
// (gradient, saliency, input × gradient, Integrated Gradients) with the CPU functions'
// signatures. Every result equals SeqNet's up to float32 summation order.
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

}  // namespace mint

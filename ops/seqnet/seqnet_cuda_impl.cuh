// SeqNetCuda's device state (SeqNetCuda::Impl), shared by the .cu files of the general sequential
// network on the GPU: seqnet_cuda.cu (forward, backward, training), seqnet_deeplift_cuda.cu
// (DeepLIFT's two halves) and seqnet_perturbation_cuda.cu (ISM and Feature Permutation variants).
// The attribution methods drive the layers directly: parameters uploaded once, rows already on
// the device (act[first]), forward_range and input_grad on device pointers. Private to ops/seqnet.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "ops/common/cuda_check.cuh"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_cudnn.cuh"

namespace mint {
namespace seqnet::cuda {

// One layer's device tensors (empty when the layer has none).
struct DeviceLayer {
  mint::cuda::DeviceBuffer<float> weight, bias, alpha, beta, running_mean, running_var;
  mint::cuda::DeviceBuffer<float> grad_weight, grad_bias;
  mint::cuda::DeviceBuffer<double> mean, var, invstd;  // train-mode BatchNorm's batch statistics
  mint::cuda::DeviceBuffer<std::int32_t> argmax;       // max pooling
  mint::cuda::DeviceBuffer<float> mask;                // train-mode Dropout
};

}  // namespace seqnet::cuda

struct SeqNetCuda::Impl {
  SequentialArchitecture arch;
  int capacity;
  cuda::Stream stream;  // first: destroyed last
  seqnet::cuda::CudnnHandle cudnn;
  std::unique_ptr<seqnet::cuda::CublasHandle> cublas;
  std::vector<cuda::DeviceBuffer<float>> act;  // act[i]: layer i's input; act[L]: the output
  std::vector<seqnet::cuda::DeviceLayer> layers;
  std::vector<std::unique_ptr<seqnet::cuda::ConvPlan>> convs;  // per layer; null but for Conv1d
  cuda::DeviceBuffer<float> grad_a, grad_b, padded;  // gradients; a padded conv input/gradient
  cuda::DeviceBuffer<unsigned char> workspace;
  int last_n = 0, last_first = 0;
  Mode last_mode = Mode::eval;
  std::uint64_t dropout_seed = 0, dropout_step = 0;

  // make() checks first: mint::Error without a usable GPU, for a capacity below 1 or no layers.
  static std::unique_ptr<Impl> make(const SequentialArchitecture& a, int cap);
  Impl(const SequentialArchitecture& a, int cap);
  cudaStream_t s() const { return stream.get(); }
  void upload_params(const SequentialParams& p);
  void reserve_workspace(std::size_t bytes);
  // Rows act[first] (n of them, already on the device) through layers [first, end) into
  // act[end]; eval mode unless train. Enqueued on s(), not synchronised.
  void forward_range(int n, std::size_t first, bool train);
  void forward_layer(std::size_t i, int n, bool train);
  void conv_forward(std::size_t i, int n);
  void linear_forward(std::size_t i, int n);
  // Layer i's parameter gradients from g (n, size_after) into its device gradient buffers.
  void param_grad(std::size_t i, int n, bool train, const float* g);
  // Layer i's input gradient gin (n, size_before) from g. For a layer whose input gradient does
  // not read its activations (Conv1d, Linear, eval-mode BatchNorm and Dropout, average pooling,
  // Flatten) g and gin may be any n rows, e.g. DeepLIFT's reference half.
  void input_grad(std::size_t i, int n, bool train, const float* g, float* gin);
  void conv_input_grad(std::size_t i, int n, const float* g, float* gin);
};

}  // namespace mint

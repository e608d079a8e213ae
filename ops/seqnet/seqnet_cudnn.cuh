// cuDNN and cuBLAS for the general sequential network on the GPU (seqnet_cuda.cu): error checks,
// RAII handles and descriptors, and one Conv1d as a cuDNN 2-D convolution of height 1 —
// tensors (n, C, 1, L), filter (out, in, 1, K), stride 1, dilation along the width — with its
// forward, backward-data and backward-filter algorithms chosen per batch size:
//   * FMA math only (cudnnSetConvolutionMathType(CUDNN_FMA_MATH)): never TF32 or tensor ops;
//   * no FFT or Winograd algorithms (they round differently from a direct sum);
//   * deterministic algorithms first (cudnnGetConvolution*Algorithm_v7's order within each).
// cuDNN pads symmetrically: a conv padded unevenly (even kernels' 'same') or by more than its
// span gets its input padded explicitly by the caller and a cuDNN padding of 0. Private to
// ops/seqnet.
#pragma once

#include <cublas_v2.h>
#include <cudnn.h>

#include <cstdio>
#include <string>

#include "core/error.hpp"

namespace mint::seqnet::cuda {

inline void check_cudnn(cudnnStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED) {
    throw DeviceOutOfMemory(std::string("cuDNN error: ") + cudnnGetErrorString(status) + " in " +
                            expr + " (" + file + ":" + std::to_string(line) + ")");
  }
  if (status != CUDNN_STATUS_SUCCESS) {
    throw Error(std::string("cuDNN error: ") + cudnnGetErrorString(status) + " in " + expr + " (" +
                file + ":" + std::to_string(line) + ")");
  }
}
inline void check_cublas(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_ALLOC_FAILED) {
    throw DeviceOutOfMemory(std::string("cuBLAS error: ") + cublasGetStatusString(status) + " in " +
                            expr + " (" + file + ":" + std::to_string(line) + ")");
  }
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw Error(std::string("cuBLAS error: ") + cublasGetStatusString(status) + " in " + expr +
                " (" + file + ":" + std::to_string(line) + ")");
  }
}

}  // namespace mint::seqnet::cuda

#define MINT_CUDNN_CHECK(expr) ::mint::seqnet::cuda::check_cudnn((expr), #expr, __FILE__, __LINE__)
#define MINT_SEQ_CUBLAS_CHECK(expr) \
  ::mint::seqnet::cuda::check_cublas((expr), #expr, __FILE__, __LINE__)

namespace mint::seqnet::cuda {

// Owns one cuDNN / cuBLAS object created by Create and destroyed by Destroy; neither copied nor
// moved. Destroy failures are printed, never thrown.
template <typename T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class CudnnOwned {
 public:
  CudnnOwned() { MINT_CUDNN_CHECK(Create(&h_)); }
  ~CudnnOwned() {
    const cudnnStatus_t status = Destroy(h_);
    if (status != CUDNN_STATUS_SUCCESS)
      std::fprintf(stderr, "cuDNN: %s\n", cudnnGetErrorString(status));
  }
  CudnnOwned(const CudnnOwned&) = delete;
  CudnnOwned& operator=(const CudnnOwned&) = delete;
  T get() const { return h_; }

 private:
  T h_{};
};

using CudnnHandle = CudnnOwned<cudnnHandle_t, cudnnCreate, cudnnDestroy>;
using TensorDesc =
    CudnnOwned<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    CudnnOwned<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = CudnnOwned<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                            cudnnDestroyConvolutionDescriptor>;

class CublasHandle {
 public:
  explicit CublasHandle(cudaStream_t stream) {
    MINT_SEQ_CUBLAS_CHECK(cublasCreate(&h_));
    MINT_SEQ_CUBLAS_CHECK(cublasSetStream(h_, stream));
    MINT_SEQ_CUBLAS_CHECK(cublasSetMathMode(h_, CUBLAS_DEFAULT_MATH));  // no TF32
  }
  ~CublasHandle() {
    const cublasStatus_t status = cublasDestroy(h_);
    if (status != CUBLAS_STATUS_SUCCESS)
      std::fprintf(stderr, "cublasDestroy: %s\n", cublasGetStatusString(status));
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return h_; }

 private:
  cublasHandle_t h_{};
};

// One Conv1d's descriptors and algorithms (seqnet_cudnn.cu).
struct ConvPlan {
  int cin = 0, cout = 0, kernel = 0, dilation = 1;
  int lx = 0;   // the input length cuDNN sees (explicitly padded when `padded`)
  int pad = 0;  // cuDNN's symmetric padding
  int lout = 0;
  bool padded = false;
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
  int algo_n = -1;  // the batch size the descriptors and algorithms are set for
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  std::size_t workspace = 0;  // bytes, the most of the three algorithms

  // The layer's shape: input (cin, lin), padding left/right, output length lout.
  ConvPlan(int cin, int cout, int kernel, int dilation, int lin, int pad_left, int pad_right,
           int lout);
  // Sets the descriptors for n rows and picks the algorithms (once per n).
  void prepare(cudnnHandle_t handle, int n);
};

}  // namespace mint::seqnet::cuda

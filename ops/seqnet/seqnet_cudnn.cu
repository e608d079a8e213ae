// One Conv1d as a cuDNN convolution: descriptors and algorithm choice. See seqnet_cudnn.cuh.
#include <algorithm>
#include <string>

#include "ops/seqnet/seqnet_cudnn.cuh"

namespace mint::seqnet::cuda {
namespace {

bool is_fft_or_winograd(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool is_fft_or_winograd(cudnnConvolutionBwdDataAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}
bool is_fft_or_winograd(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

// The first usable algorithm of cuDNN's heuristic list (best first): succeeded, no tensor-op
// math, no FFT/Winograd; a deterministic one when there is one.
template <typename Perf>
decltype(Perf{}.algo) choose(const Perf* perf, int count, const char* what) {
  int pick = -1;
  for (int k = 0; k < count; ++k) {
    const Perf& p = perf[k];
    if (p.status != CUDNN_STATUS_SUCCESS || is_fft_or_winograd(p.algo)) continue;
    if (p.mathType == CUDNN_TENSOR_OP_MATH || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) {
      continue;
    }
    if (p.determinism == CUDNN_DETERMINISTIC) return p.algo;
    if (pick < 0) pick = k;
  }
  if (pick < 0) {
    throw Error(std::string("cuDNN offers no float32 FMA algorithm for a Conv1d's ") + what);
  }
  return perf[pick].algo;
}

}  // namespace

ConvPlan::ConvPlan(int cin_, int cout_, int kernel_, int dilation_, int lin, int pad_left,
                   int pad_right, int lout_)
    : cin(cin_), cout(cout_), kernel(kernel_), dilation(dilation_), lout(lout_) {
  // cuDNN pads symmetrically; padding beyond the kernel's span is padded explicitly too (not
  // every algorithm takes it).
  padded = pad_left != pad_right || pad_left > dilation * (kernel - 1);
  pad = padded ? 0 : pad_left;
  lx = padded ? lin + pad_left + pad_right : lin;
  MINT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, cout,
                                              cin, 1, kernel));
  MINT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv.get(), 0, pad, 1, 1, 1, dilation,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  MINT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv.get(), CUDNN_FMA_MATH));
}

void ConvPlan::prepare(cudnnHandle_t h, int n) {
  if (n == algo_n) return;
  MINT_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(x.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, cin, 1, lx));
  MINT_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(y.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, cout, 1, lout));
  int dn = 0, dc = 0, dh = 0, dw = 0;
  MINT_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(conv.get(), x.get(), w.get(), &dn, &dc, &dh, &dw));
  if (dn != n || dc != cout || dh != 1 || dw != lout) {
    throw Error("cuDNN's Conv1d output is (" + std::to_string(dc) + ", " + std::to_string(dw) +
                "), expected (" + std::to_string(cout) + ", " + std::to_string(lout) + ")");
  }
  int got = 0;
  cudnnConvolutionFwdAlgoPerf_t fp[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  MINT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
      h, x.get(), w.get(), conv.get(), y.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, fp));
  fwd = choose(fp, got, "forward pass");
  cudnnConvolutionBwdDataAlgoPerf_t dp[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  MINT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
      h, w.get(), y.get(), conv.get(), x.get(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, dp));
  bwd_data = choose(dp, got, "input gradient");
  cudnnConvolutionBwdFilterAlgoPerf_t wp[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  MINT_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
      h, x.get(), y.get(), conv.get(), w.get(), CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, wp));
  bwd_filter = choose(wp, got, "weight gradient");
  // The heuristics may report a math type per algorithm; FMA stays set on the descriptor.
  MINT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv.get(), CUDNN_FMA_MATH));
  std::size_t a = 0, b = 0, c = 0;
  MINT_CUDNN_CHECK(
      cudnnGetConvolutionForwardWorkspaceSize(h, x.get(), w.get(), conv.get(), y.get(), fwd, &a));
  MINT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, w.get(), y.get(), conv.get(),
                                                                x.get(), bwd_data, &b));
  MINT_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, x.get(), y.get(), conv.get(),
                                                                  w.get(), bwd_filter, &c));
  workspace = std::max({a, b, c});
  algo_n = n;
}

}  // namespace mint::seqnet::cuda

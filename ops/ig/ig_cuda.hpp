// Integrated Gradients and DeepLIFT of one-hot (byte-code) input on the GPU
// (ig.cu): the same numbers as the CPU's integrated_gradients_onehot
// (ig.hpp) and deeplift (deeplift.hpp), computed the same way in float32 — one thread
// block per sequence, every per-sequence loop of the CPU code mirrored (same formulas, same
// first-maximum max-pool, same order of the long sums where the CPU's is sequential), so CUDA and
// CPU agree to float32 rounding (≤ 1e-5 relative norm, tests/ops/test_ig_cuda.cpp).
//
//   integrated_gradients_cuda  x ⊙ Σ_i w_i ∇f(α_i x) with the quadrature of ig_quadrature():
//                              conv of the one-hot input once, per step BN + activation +
//                              max-pool + dense head and its backward, Σ_i w_i ∂f/∂conv kept in
//                              shared memory, the transposed conv once at the observed base.
//                              ReLU or exp models; Target::prob weights each step by σ'(logit).
//   deeplift_cuda              DeepLIFT rescale rule, zero reference (deeplift.hpp), both
//                              DeepLiftCompat modes; ReLU models only (exp: mint::Error).
//                              Carried as reference + delta like the CPU, so an exactly equal
//                              conv sum gives an exactly zero delta and the eps fallbacks fire
//                              where the CPU's do. captum_0_8: sequence 0 of the call is
//                              attributed first and its plain max-pool gradient is every
//                              sequence's fallback (the whole call is one Captum batch, also
//                              across the internal chunks).
//
// Input: codes (N, L) uint8 0..3 (A,C,G,T), optional row scale (N) — x = scale[n]·onehot;
// output (N, 4, L) float32, exactly 0 at absent bases. BatchNorm uses the running statistics.
// Host entry points check the codes (mint::Error naming the sequence, as the CPU), upload the
// parameters once and stream N through the device in chunks of at most 65536 sequences, so
// device memory stays bounded for any N. n = 0 returns an empty array.
//
// AttributionCuda is the device-pointer entry point for pipelines that keep sequences on the
// GPU: parameters uploaded once by the constructor, inputs and outputs device pointers, stream
// last. A sequence with a code > 3 gets NaN in all of its 4·L outputs (nothing is read out of
// bounds; the host entry points reject such input before it reaches the device). An object
// owns the quadrature, row-0 and scratch buffers: its calls may queue on one stream, but calls
// on different streams must not overlap in time (synchronise between them).
//
// Without a GPU (or in a build without CUDA) every entry point throws mint::Error saying why.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/model.hpp"
#include "ops/common/target.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"

struct CUstream_st;  // = cudaStream_t, without the CUDA headers (public headers compile without)

namespace mint {

// (N, 4, L) float32; scale null means 1.
std::vector<float> integrated_gradients_cuda(const ModelConfig& config, const ModelParams& params,
                                             const std::uint8_t* codes, const float* scale, int n,
                                             const Quadrature& quadrature,
                                             Target target = Target::logit);

// (N, 4, L) float32; scale (N) or null (1).
std::vector<float> deeplift_cuda(const ModelConfig& config, const ModelParams& params,
                                 const std::uint8_t* codes, int n,
                                 DeepLiftCompat compat = DeepLiftCompat::none,
                                 Target target = Target::logit, const float* scale = nullptr);

class AttributionCuda {
 public:
  // Validates the configuration and parameter shapes (mint::Error) and uploads the parameters
  // to the current device.
  AttributionCuda(const ModelConfig& config, const ModelParams& params);
  ~AttributionCuda();
  AttributionCuda(AttributionCuda&&) noexcept;
  AttributionCuda& operator=(AttributionCuda&&) noexcept;
  AttributionCuda(const AttributionCuda&) = delete;
  AttributionCuda& operator=(const AttributionCuda&) = delete;

  // d_codes (n, L), d_scale (n) or null, d_out (n, 4, L): device pointers. Asynchronous in
  // `stream` (null: the legacy default stream), except that a quadrature other than the
  // previous call's is uploaded after the device is drained.
  void integrated_gradients(const std::uint8_t* d_codes, const float* d_scale, int n,
                            const Quadrature& quadrature, Target target, float* d_out,
                            CUstream_st* stream = nullptr);
  // captum_0_8 takes sequence 0 of d_codes as the batch's row 0.
  void deeplift(const std::uint8_t* d_codes, const float* d_scale, int n, DeepLiftCompat compat,
                Target target, float* d_out, CUstream_st* stream = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mint

// DeepLIFT (rescale rule) of the CNN, as Captum's DeepLift computes it with a zero reference,
// eps 1e-10 and multiply_by_inputs (docs: reference-semantics.md §4), on the CPU (deeplift.cpp)
// and on the GPU (deeplift.cu, below); the per-element rules both use are deeplift_core.hpp.
//
//   deeplift            (N, 4, L) float32 attributions, channels A,C,G,T. Codes input (the
//                       one-hot fast path, optionally x = scale[n]·onehot) or dense (N, 4, L).
//                       attribution = x ⊙ m_x, so it is exactly 0 wherever x is 0 (absent bases).
//   deeplift_reference  the same algorithm in float64, written as the literal composition of
//                       the per-module rules (x and reference rows forwarded separately), for
//                       tests (deeplift_reference.cpp). x is dense (N, 4, L).
//
// Rules, per sequence, reference x0 = 0 (its activations are the same at every position):
//   Conv, BatchNorm (eval: running statistics), Linear, flatten: plain backprop.
//   ReLU (relu1 on the BN output, relu2/relu3 on fc1/fc2):  m = g·Δout/Δin where |Δin| ≥ eps,
//     else g·[v_x > 0].
//   MaxPool1d(P) (first maximum wins): the window's change g·(o_x − o_r) goes to the input's
//     argmax when o_x ≥ o_r, else to the reference's argmax (the window start); m = U/Δa where
//     |Δa| ≥ eps, else the plain max-pool gradient G.
//   Target::prob attributes sigmoid(logit): every multiplier times
//     (σ(f(x)) − σ(f(0)))/(f(x) − f(0)) where |f(x) − f(0)| ≥ eps, else σ'(f(x)).
// Summation-to-delta: Σ attribution = f(x) − f(0) (σ(f(x)) − σ(f(0)) for prob).
//
// DeepLiftCompat::none (default) is Captum 0.8.0 with upstream PRs #1843 and #1847: relu1
// rescales the MaxPool rule's multipliers and every fallback uses the sequence's own gradient,
// so a sequence's result does not depend on the rest of the batch.
// DeepLiftCompat::captum_0_8 reproduces released Captum ≤ 0.9 (§4.2): relu1 rescales the plain
// max-pool gradient G (issue #1104), and where a relu1 input equals the reference's exactly the
// fallback uses G of sequence 0 of the call (issue #1276) — the whole call is one Captum batch,
// so results depend on which sequence comes first.
//
// Models with the exp activation are rejected (mint::Error). Parallel over sequences with
// OpenMP (threads <= 0: all cores); every sequence is computed by one thread with per-thread
// scratch, so the result is bitwise identical for any thread count.
//
// float32 accuracy: every x-side quantity is carried as reference + delta, the deltas computed
// directly (Δb = bn_scale·(conv sum without bias), Δh1 = W1·Δpooled, ...), so an exactly equal
// conv sum gives Δb = 0 exactly and the rescale ratios do not suffer the cancellation of
// subtracting two nearly equal activations.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/common/target.hpp"

struct CUstream_st;  // = cudaStream_t, without the CUDA headers (public headers compile without)

namespace mint {

enum class DeepLiftCompat { none, captum_0_8 };

// "none" | "captum-0.8"; throws mint::Error listing the choices otherwise.
DeepLiftCompat parse_deeplift_compat(const std::string& name);
const char* deeplift_compat_name(DeepLiftCompat compat);

// Captum's DeepLift eps (compared with |Δ| in the working precision).
inline constexpr double kDeepLiftEps = 1e-10;

// (N, 4, L) float32 attributions of the n sequences of `input`.
std::vector<float> deeplift(const ModelConfig& config, const ModelParams& params,
                            const CnnInput& input, int n,
                            DeepLiftCompat compat = DeepLiftCompat::none,
                            Target target = Target::logit, int threads = 0);

// Float64 reference of the same algorithm; x dense (N, 4, L).
std::vector<double> deeplift_reference(const ModelConfig& config, const ModelParams& params,
                                       const std::vector<double>& x, int n,
                                       DeepLiftCompat compat = DeepLiftCompat::none,
                                       Target target = Target::logit);

// ---- on the GPU (deeplift.cu) ----
//
// The same numbers as deeplift() of codes input, computed the same way in float32 — one thread
// block per sequence, every per-sequence loop of the CPU code mirrored (same formulas, same
// first-maximum max-pool, same order of the long sums where the CPU's is sequential), so CUDA
// and CPU agree to float32 rounding (≤ 1e-5 relative norm, tests/ops/test_deeplift_cuda.cpp).
// Both DeepLiftCompat modes; ReLU models only (exp: mint::Error). Carried as reference + delta
// like the CPU, so an exactly equal conv sum gives an exactly zero delta and the eps fallbacks
// fire where the CPU's do. captum_0_8: sequence 0 of the call is attributed first and its plain
// max-pool gradient is every sequence's fallback (the whole call is one Captum batch, also
// across the internal chunks).
//
// Input: codes (N, L) uint8 0..3 (A,C,G,T), optional row scale (N) — x = scale[n]·onehot;
// output (N, 4, L) float32, exactly 0 at absent bases. The host entry point checks the codes
// (mint::Error naming the sequence, as the CPU), uploads the parameters once and streams N
// through the device in chunks of at most 65536 sequences, so device memory stays bounded for
// any N. n = 0 returns an empty array.
// Without a GPU (or in a build without CUDA) every entry point throws mint::Error saying why.

// (N, 4, L) float32; scale (N) or null (1).
std::vector<float> deeplift_cuda(const ModelConfig& config, const ModelParams& params,
                                 const std::uint8_t* codes, int n,
                                 DeepLiftCompat compat = DeepLiftCompat::none,
                                 Target target = Target::logit, const float* scale = nullptr);

// The device-pointer entry point for pipelines that keep sequences on the GPU: parameters
// uploaded once by the constructor, inputs and outputs device pointers, stream last. A
// sequence with a code > 3 gets NaN in all of its 4·L outputs (nothing is read out of bounds;
// the host entry point rejects such input before it reaches the device). An object owns the
// row-0 and scratch buffers: its calls may queue on one stream, but calls on different streams
// must not overlap in time (synchronise between them).
class DeepLiftCuda {
 public:
  // Validates the configuration and parameter shapes (mint::Error) and uploads the parameters
  // to the current device.
  DeepLiftCuda(const ModelConfig& config, const ModelParams& params);
  ~DeepLiftCuda();
  DeepLiftCuda(DeepLiftCuda&&) noexcept;
  DeepLiftCuda& operator=(DeepLiftCuda&&) noexcept;
  DeepLiftCuda(const DeepLiftCuda&) = delete;
  DeepLiftCuda& operator=(const DeepLiftCuda&) = delete;

  // d_codes (n, L), d_scale (n) or null, d_out (n, 4, L): device pointers. Asynchronous in
  // `stream` (null: the legacy default stream). An exp model throws mint::Error here.
  // captum_0_8 takes sequence 0 of d_codes as the batch's row 0.
  void deeplift(const std::uint8_t* d_codes, const float* d_scale, int n, DeepLiftCompat compat,
                Target target, float* d_out, CUstream_st* stream = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mint

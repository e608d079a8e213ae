// DeepLIFT (rescale rule) of the CNN on the CPU backend, as Captum's DeepLift computes it with
// a zero reference, eps 1e-10 and multiply_by_inputs (docs: reference-semantics.md §4).
//
//   deeplift            (N, 4, L) float32 attributions, channels A,C,G,T. Codes input (the
//                       one-hot fast path, optionally x = scale[n]·onehot) or dense (N, 4, L).
//                       attribution = x ⊙ m_x, so it is exactly 0 wherever x is 0 (absent bases).
//   deeplift_reference  the same algorithm in float64, written as the literal composition of
//                       the per-module rules (x and reference rows forwarded separately), for
//                       tests. x is dense (N, 4, L).
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

#include <string>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/common/target.hpp"

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

}  // namespace mint

// One entry point for "attribute these models with this method": picks the fastest path that
// gives the method's results (fused one-hot Integrated Gradients and DeepLIFT, incremental ISM
// and Feature Permutation on the CPU; the fused CUDA kernels or the CUDA backend on a GPU) and
// averages an ensemble's attributions in float64. `mint attribute` and `mint experiment` both
// call it, so the CLI and the runner cannot drift apart.
//
// Methods (SPEC §5): grad, saliency, ixg (input × gradient), ig, deeplift, fp (Feature
// Permutation), ism. The result is (N, 4, L) float32, channels A,C,G,T.
//
// Progress (AttributeOptions::progress, core/progress.hpp): when set, the sequences go through
// the method (every model of an ensemble) chunk by chunk, and the hook is called with
// (sequences done, n) once at 0 and after every chunk; it may throw to stop the call. The
// result is the same bits as without the hook: every path's result for a sequence depends only
// on that sequence, except
//   fp         chunks are whole Captum batches (a multiple of fp_batch) and continue the seeded
//              permutation stream (fp_first_batch); `permutations` is the whole call's
//   deeplift   with DeepLiftCompat::captum_0_8 every result depends on sequence 0 of the call
//              (its fallback gradient): each later chunk is attributed with sequence 0 in front
//   on a GPU   the CUDA backend's batches (256 and 1024 sequences, cuBLAS GEMMs whose rounding
//              may depend on the batch) stay the same: chunks are a multiple of 1024
// and one chunk (reports at 0 and n only) where chunking could change a result or an error
// message: replayed FP permutations, an FP batch size that fails, codes above 3, ISM of dense
// or scaled input on a GPU (variable mutants per sequence).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/model.hpp"
#include "core/progress.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/common/target.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"

namespace mint {

enum class Method { grad, saliency, ixg, ig, deeplift, fp, ism };
// "grad", "saliency", "ixg", "ig", "deeplift", "fp", "ism"; mint::Error listing them otherwise.
Method parse_method(const std::string& name);
const char* to_string(Method method);
const std::vector<Method>& all_methods();

struct AttributeOptions {
  Method method = Method::ig;
  Target target = Target::logit;
  int output = 0;  // which output of a multi-output model (--target-index)
  IgMethod ig_method = IgMethod::gausslegendre;
  int ig_steps = 50;
  DeepLiftCompat compat = DeepLiftCompat::none;
  int fp_batch = 128;         // sequences permuted together (Captum's batch)
  std::uint64_t fp_seed = 0;  // seed of the permutations
  int fp_first_batch = 0;     // the first batch's index in the seeded stream (FpOptions)
  const std::vector<std::vector<std::int64_t>>* fp_replay = nullptr;  // or replay these
  Compute compute;  // the device, and CPU threads (<= 0: all)
  // Called with (sequences done, n) between chunks (above); empty: one call, no chunks.
  ProgressFn progress;
  // Sequences per chunk when `progress` is set, rounded up to a multiple of fp_batch (fp) or
  // of 1024 (on a GPU); must be positive.
  int chunk = 4096;
};

struct AttributeResult {
  std::vector<float> values;  // (N, 4, L), the models' mean
  std::string where;          // "cpu" or "cuda"
  // Feature Permutation: the permutations the last model used (one row per feature).
  std::vector<std::vector<std::int64_t>> permutations;
};

// Checks the options `methods` will use before any work: IG's steps (ig_quadrature's limits) and
// Feature Permutation's batch in [2, 2^20] (mint::Error naming `batch_option`, the caller's name
// for it: --batch-size, --fp-batch, batch_size).
void check_attribute_options(const AttributeOptions& options, const std::vector<Method>& methods,
                             const std::string& batch_option);

// General sequential models (Model::sequential, issue 12) are attributed on the CPU by ops/seqnet
// (every method, the same options; --device cuda is an error for them, auto runs them on the CPU).
//
// Throws mint::Error for an unknown method, models whose length differs from `length`, or
// sequences the method cannot take (n above 2^31 - 1).
AttributeResult attribute_models(const std::vector<Model>& models, const CnnInput& input,
                                 std::int64_t n, int length, const AttributeOptions& options);

}  // namespace mint

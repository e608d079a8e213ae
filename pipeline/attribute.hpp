// One entry point for "attribute these models with this method": picks the fastest path that
// gives the method's results (fused one-hot Integrated Gradients and DeepLIFT, incremental ISM
// and Feature Permutation on the CPU; the fused CUDA kernels or the CUDA backend on a GPU) and
// averages an ensemble's attributions in float64. `mint attribute` and `mint experiment` both
// call it, so the CLI and the runner cannot drift apart.
//
// Methods (SPEC §5): grad, saliency, ixg (input × gradient), ig, deeplift, fp (Feature
// Permutation), ism. The result is (N, 4, L) float32, channels A,C,G,T.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/model.hpp"
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
  IgMethod ig_method = IgMethod::gausslegendre;
  int ig_steps = 50;
  DeepLiftCompat compat = DeepLiftCompat::none;
  int fp_batch = 128;         // sequences permuted together (Captum's batch)
  std::uint64_t fp_seed = 0;  // seed of the permutations
  int fp_first_batch = 0;     // the first batch's index in the seeded stream (FpOptions)
  const std::vector<std::vector<std::int64_t>>* fp_replay = nullptr;  // or replay these
  Compute compute;  // the device, and CPU threads (<= 0: all)
};

struct AttributeResult {
  std::vector<float> values;  // (N, 4, L), the models' mean
  std::string where;          // "cpu" or "cuda"
  // Feature Permutation: the permutations the last model used (one row per feature).
  std::vector<std::vector<std::int64_t>> permutations;
};

// Throws mint::Error for an unknown method, models whose length differs from `length`, or
// sequences the method cannot take (n above 2^31 - 1).
AttributeResult attribute_models(const std::vector<Model>& models, const CnnInput& input,
                                 std::int64_t n, int length, const AttributeOptions& options);

}  // namespace mint

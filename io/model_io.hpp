// Model files: safetensors (safetensors.hpp) with PyTorch's state-dict names, so a mint model
// loads into the equivalent nn.Module (docs/pytorch.md) and a PyTorch state dict loads here.
//
//   conv.weight (F, 4, K)  conv.bias (F)                                       F32
//   bn.weight, bn.bias, bn.running_mean, bn.running_var (F)                    F32
//   bn.num_batches_tracked []                                                   I64
//   fc1.weight (H1, F·W)  fc1.bias (H1)  fc2.weight (H2, H1)  fc2.bias (H2)     F32
//   fc3.weight (1, H2)    fc3.bias (1)                                          F32
//
// Metadata (all strings) written by mint: format "pt", arch "mint-cnn", mint_version, L, F, K,
// P, H1, H2, padding ("same"/"valid"), activation ("relu"/"exp"), batchnorm ("true"/"false"),
// bn_eps, bn_momentum (shortest round-trip decimal).
//
// Loading: the shapes give F, K, H1, H2 (metadata values for them must agree); L and P come
// from the hints (CLI flags) or else the metadata; the padding is the one whose pooled width W
// (⌊L/P⌋ 'same', ⌊(L−K+1)/P⌋ 'valid') equals fc1's inputs / F, restricted to the hinted or
// recorded padding when there is one (the hint wins over the metadata). A hint that disagrees
// with the metadata is used only when it fits the shapes, so a wrong flag is an error, never a
// silently different model. The activation: hint, else metadata, else relu. No bn.* tensors →
// no BatchNorm; bn.num_batches_tracked alone may be absent (PyTorch loads such state dicts
// too; it becomes 0). Every weight must be F32, of the expected shape and finite (running_var
// also ≥ 0); other tensors, unparsable metadata values and hyper-parameters that fail
// ModelConfig::validate() are errors. Each error is one mint::Error line starting with the
// file's path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"

namespace mint {

// What the command line says about a model file; each overrides the file's metadata.
struct ModelHints {
  std::optional<int> length;             // --length
  std::optional<int> pool;               // --pool-width
  std::optional<Padding> padding;        // --padding
  std::optional<Activation> activation;  // --activation
  std::string arch;                      // --arch FILE.json: a general sequential model
};

// Throws mint::Error (naming the tensor) when params do not match config's shapes.
SafeTensors model_to_safetensors(const Model& model);
Model model_from_safetensors(const SafeTensors& st, const std::string& source,
                             const ModelHints& hints = {});

void save_model(const std::string& path, const Model& model);             // atomic
Model load_model(const std::string& path, const ModelHints& hints = {});  // sets Model::source
std::vector<Model> load_models(const std::vector<std::string>& paths, const ModelHints& hints = {});

}  // namespace mint

// A general sequential CNN (issue 12): a PyTorch nn.Sequential of the layers below, on (N, 4, L)
// one-hot DNA, with one or more outputs. io/sequential_io.hpp reads its architecture from JSON;
// ops/seqnet runs it (forward, backward, every attribution method).
//
// Supported layers: Conv1d (stride 1; padding "same" — PyTorch's: (dilation·(K−1))//2 zeros
// left, the rest right — "valid" or an integer), BatchNorm1d, ReLU, Exp, GELU, Softplus, Sigmoid,
// Tanh, MaxPool1d and AvgPool1d (kernel, stride, no padding), global max and average pooling
// (output length 1), Flatten, Linear (on flat input), Dropout.
//
// Parameters are stored per layer exactly as PyTorch's state_dict (row-major, same shapes):
// Conv1d weight (out, in, K), Linear weight (out, in), BatchNorm's four vectors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mint {

struct ModelConfig;
struct ModelParams;

enum class LayerType {
  conv1d,
  batchnorm1d,
  relu,
  exp,
  gelu,
  softplus,
  sigmoid,
  tanh,
  maxpool1d,
  avgpool1d,
  global_maxpool1d,
  global_avgpool1d,
  flatten,
  linear,
  dropout
};
const char* to_string(LayerType type);  // the PyTorch class name ("Conv1d", ...)

// Elementwise nonlinearities (DeepLIFT's rescale rule).
bool is_elementwise(LayerType type);
// Max pooling, local or global (DeepLIFT's max-pool rule).
bool is_max_pool(LayerType type);
// Layers DeepLIFT gives a rule (Captum hooks them): the two above.
inline bool is_deeplift_hooked(LayerType type) { return is_elementwise(type) || is_max_pool(type); }

struct SequentialLayer {
  LayerType type = LayerType::relu;
  std::string name;     // state_dict prefix
  int in = 0, out = 0;  // channels (Conv1d, BatchNorm1d) or features (Linear)
  int kernel = 0, stride = 0, dilation = 1;
  int pad_left = 0, pad_right = 0;    // Conv1d
  bool bias = true;                   // Conv1d, Linear
  double eps = 1e-5, momentum = 0.1;  // BatchNorm1d; momentum < 0: PyTorch's None
  // BatchNorm's running-average factor for the update that makes num_batches_tracked `tracked`:
  // the momentum, or with momentum None the cumulative average's 1 / tracked (as PyTorch).
  double bn_factor(std::int64_t tracked) const {
    return momentum < 0 ? 1.0 / static_cast<double>(tracked) : momentum;
  }
  double beta = 1, threshold = 20;   // Softplus
  std::string approximate = "none";  // GELU
  double p = 0;                      // Dropout
  // The activation's shape after this layer: (channels, length), or (features, 0) once flat.
  int channels_after = 0, length_after = 0;
  // Floats per sequence after this layer.
  std::int64_t size_after() const {
    return static_cast<std::int64_t>(channels_after) * (length_after > 0 ? length_after : 1);
  }
};

struct SequentialArchitecture {
  int channels = 4, length = 0;  // the input (N, channels, length)
  std::vector<SequentialLayer> layers;
  int outputs() const;  // features of the last layer (the model's outputs)
  // Layer i's input: (channels, length) — length 0 when flat — and floats per sequence.
  int channels_before(std::size_t i) const;
  int length_before(std::size_t i) const;
  std::int64_t size_before(std::size_t i) const;
};

// One layer's parameters, PyTorch's shapes; empty vectors for a layer without them.
struct LayerParams {
  std::vector<float> weight, bias;               // Conv1d, Linear, BatchNorm1d (affine)
  std::vector<float> running_mean, running_var;  // BatchNorm1d
  std::int64_t num_batches_tracked = 0;          // BatchNorm1d
};

// Per layer (index = layer index). Also used for gradients and Adam's moments.
struct SequentialParams {
  std::vector<LayerParams> layers;
  // Zeros of the right shapes (BatchNorm: weight 1, running_var 1, as PyTorch).
  static SequentialParams zeros(const SequentialArchitecture& arch);
  // The trainable tensors in a fixed order (per layer: weight, then bias), with their
  // state_dict names.
  std::vector<std::vector<float>*> trainable();
  std::vector<const std::vector<float>*> trainable() const;
  static std::vector<std::string> trainable_names(const SequentialArchitecture& arch);
};

struct SequentialModel {
  SequentialArchitecture arch;
  SequentialParams params;
};

// Throws mint::Error "<who>: layer 3 ('fc', Linear): weight has 959 values, expected 960" for
// the first tensor whose size does not fit the architecture.
void check_sequential_params(const SequentialArchitecture& arch, const SequentialParams& params,
                             const std::string& who);

// PyTorch's default initialisation (Conv1d, Linear: U(±1/√fan_in) for weight and bias;
// BatchNorm weight 1, bias 0), deterministic in the seed (Philox, the paper model's stream).
SequentialParams init_sequential(const SequentialArchitecture& arch, std::uint64_t seed);

// The paper's CNN (core/model.hpp) as a sequential architecture: conv [bn] act pool flatten fc1
// relu fc2 relu fc3, named as its state_dict ("conv", "bn", "fc1", ...), and its parameters.
// Global pooling (pool = conv length) stays MaxPool1d (kernel = stride = conv length), as in
// PyTorch's model; it computes exactly what GlobalMaxPool1d does (tests/ops/test_seqnet.cpp).
SequentialArchitecture paper_architecture(const ModelConfig& config);
SequentialParams paper_params(const ModelConfig& config, const ModelParams& params);

// The paper's CNN with a second convolution after its max pool (docs/model-defaults.md, "General
// architectures for MEF2A"): conv [bn] act pool(P) conv2 (F → F, width conv2_width, same
// padding) relu2 GlobalMaxPool1d flatten fc1 relu fc2 relu fc3. The pooled positions keep where
// each instance is, which lets conv2 count the instances of a grammar; the global maximum keeps
// the translation invariance of the paper's global pooling. config.pool must leave >= 1
// position; conv2_width >= 1.
SequentialArchitecture pooled_conv_architecture(const ModelConfig& config, int conv2_width);

}  // namespace mint

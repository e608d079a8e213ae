// A general sequential CNN's architecture (issue 12): the JSON a model file carries under the
// safetensors metadata key `mint.architecture` (or a file given beside it), as
// `mint.torch.export_sequential` writes it:
//
//   {"input": {"channels": 4, "length": L},
//    "layers": [{"type": "Conv1d", "name": "0", "in_channels": 4, "out_channels": 64,
//                "kernel_size": 15, "padding": "same", "dilation": 1, "bias": true},
//               {"type": "ReLU", "name": "1"}, ...]}
//
// `type` is the PyTorch class (plus Exp, GlobalMaxPool1d, GlobalAvgPool1d; AdaptiveMaxPool1d /
// AdaptiveAvgPool1d with output_size 1 are read as the global pools), the other keys are its
// constructor arguments, `name` the state_dict prefix of its parameters. Supported: Conv1d
// (stride 1; padding "same" — PyTorch's: (dilation·(K−1))//2 zeros left, the rest right —
// "valid" or an integer), BatchNorm1d, ReLU, Exp, GELU, Softplus, Sigmoid, Tanh, MaxPool1d and
// AvgPool1d (kernel, stride), the global pools, Flatten (start_dim 1, end_dim −1), Linear (after
// a Flatten or a global pool's Flatten), Dropout. The shapes are walked from the input: every
// mismatch, unknown type or unsupported setting is one mint::Error naming the source, the layer
// (index, name, type) and what is wrong.
//
// This is the format and its checks only; the models themselves are the rest of issue 12.
#pragma once

#include <string>
#include <vector>

#include "io/safetensors.hpp"

namespace mint {

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

struct SequentialLayer {
  LayerType type = LayerType::relu;
  std::string name;     // state_dict prefix
  int in = 0, out = 0;  // channels (Conv1d, BatchNorm1d) or features (Linear)
  int kernel = 0, stride = 0, dilation = 1;
  int pad_left = 0, pad_right = 0;    // Conv1d
  bool bias = true;                   // Conv1d, Linear
  double eps = 1e-5, momentum = 0.1;  // BatchNorm1d
  double beta = 1, threshold = 20;    // Softplus
  std::string approximate = "none";   // GELU
  double p = 0;                       // Dropout
  // The activation's shape after this layer: (channels, length), or (features, 0) once flat.
  int channels_after = 0, length_after = 0;
};

struct SequentialArchitecture {
  int channels = 4, length = 0;  // the input (N, channels, length)
  std::vector<SequentialLayer> layers;
  int outputs() const;  // features of the last layer (the model's outputs)
};

// Parses and walks the shapes; `source` names the file in errors.
SequentialArchitecture parse_architecture(const std::string& json_text, const std::string& source);

// Every parameter the layers need is in `weights` with its shape (F32; BatchNorm's
// num_batches_tracked I64 and optional), and nothing else is: errors name the tensor and layer.
void check_sequential_weights(const SequentialArchitecture& arch, const SafeTensors& weights,
                              const std::string& source);

}  // namespace mint

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
// A model file is the state_dict in safetensors with this JSON in its metadata
// (sequential_from_safetensors / sequential_to_safetensors); the network itself is ops/seqnet.
#pragma once

#include <string>
#include <vector>

#include "core/sequential.hpp"
#include "io/safetensors.hpp"

namespace mint {

// Parses and walks the shapes; `source` names the file in errors.
SequentialArchitecture parse_architecture(const std::string& json_text, const std::string& source);

// Every parameter the layers need is in `weights` with its shape (F32; BatchNorm's
// num_batches_tracked I64 and optional), and nothing else is: errors name the tensor and layer.
void check_sequential_weights(const SequentialArchitecture& arch, const SafeTensors& weights,
                              const std::string& source);

// The architecture of a JSON file; with length > 0, its input length must be that (the data's):
// mint::Error naming the file otherwise.
SequentialArchitecture read_architecture(const std::string& path, int length = 0);
// The first Conv1d's output channels (0 without one): the F of a model file's stem.
int first_conv_channels(const SequentialArchitecture& arch);

// The metadata key of the architecture JSON.
inline constexpr const char* kArchitectureKey = "mint.architecture";

// The JSON parse_architecture reads back to the same architecture.
std::string architecture_json(const SequentialArchitecture& arch);

// The model of a safetensors state_dict: its architecture from `arch_json` when not empty
// (a file given beside the weights, named `arch_source` in errors), else from the metadata key
// kArchitectureKey. Weights checked (check_sequential_weights) and finite (running_var ≥ 0).
SequentialModel sequential_from_safetensors(const SafeTensors& st, const std::string& source,
                                            const std::string& arch_json = "",
                                            const std::string& arch_source = "");
// The state_dict (F32; num_batches_tracked I64) with the architecture in the metadata.
SafeTensors sequential_to_safetensors(const SequentialModel& m);

}  // namespace mint

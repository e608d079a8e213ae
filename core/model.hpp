// The paper's CNN (SPEC §4), PyTorch-compatible:
//
//   x (N,4,L) one-hot, channels A,C,G,T
//   conv  Conv1d(4→F, width K, bias), padding 'same' ((K−1)//2 zeros left, the rest right)
//         or 'valid'                                   → (N, F, Lc)
//   bn    BatchNorm1d(F) (optional)                     → (N, F, Lc)
//   act   ReLU (or exp, Koo & Ploenzke)                 → (N, F, Lc)
//   pool  MaxPool1d(P, stride P, floor); first maximum wins ties → (N, F, W), W = ⌊Lc/P⌋
//   flatten (index f·W + w) → fc1 (H1) → ReLU → fc2 (H2) → ReLU → fc3 (1)  = the logit
//
// Parameters are stored exactly as PyTorch's state dict (row-major, same names, same shapes),
// so model files move both ways (model_io.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sequential.hpp"

namespace mint {

enum class Padding { same, valid };
enum class Activation { relu, exp };

std::string to_string(Padding p);
std::string to_string(Activation a);
Padding parse_padding(const std::string& s);
Activation parse_activation(const std::string& s);

struct ModelConfig {
  int length = 250;  // L
  int filters = 32;  // F
  int width = 12;    // K
  int pool = 10;     // P
  int hidden1 = 64;  // H1
  int hidden2 = 32;  // H2
  Padding padding = Padding::same;
  bool batchnorm = true;
  Activation activation = Activation::relu;
  double bn_eps = 1e-5;
  double bn_momentum = 0.1;

  int pad_left() const { return padding == Padding::same ? (width - 1) / 2 : 0; }
  int conv_length() const { return padding == Padding::same ? length : length - width + 1; }
  int pooled_length() const { return conv_length() / pool; }  // W
  int fc1_inputs() const { return filters * pooled_length(); }
  // Throws mint::Error naming the offending hyper-parameter (K > L, W = 0, ...).
  void validate() const;
};

// Float32 parameters with PyTorch's names and shapes; also used for gradients and Adam moments.
struct ModelParams {
  std::vector<float> conv_weight;      // conv.weight (F, 4, K)
  std::vector<float> conv_bias;        // conv.bias (F)
  std::vector<float> bn_weight;        // bn.weight (F)
  std::vector<float> bn_bias;          // bn.bias (F)
  std::vector<float> bn_running_mean;  // bn.running_mean (F) — buffers, not trained
  std::vector<float> bn_running_var;   // bn.running_var (F)
  std::int64_t bn_num_batches_tracked = 0;
  std::vector<float> fc1_weight, fc1_bias;  // (H1, F·W), (H1)
  std::vector<float> fc2_weight, fc2_bias;  // (H2, H1), (H2)
  std::vector<float> fc3_weight, fc3_bias;  // (1, H2), (1)

  // Zero-filled parameters of the right shapes (running_var = 1, bn.weight = 1 as PyTorch).
  static ModelParams zeros(const ModelConfig& c);
  // The trainable tensors in a fixed order (for optimisers and checks), with their names.
  std::vector<std::vector<float>*> trainable();
  std::vector<const std::vector<float>*> trainable() const;
  static std::vector<std::string> trainable_names(bool batchnorm);
};

// The paper's CNN (config, params), or — when `sequential` is set — a general sequential CNN
// (core/sequential.hpp, issue 12), whose config holds only its input length.
struct Model {
  ModelConfig config;
  ModelParams params;
  std::string source;  // the file it was loaded from (load_model), for messages; "" in memory
  std::shared_ptr<const SequentialModel> sequential;

  bool is_sequential() const { return sequential != nullptr; }
  int outputs() const { return sequential ? sequential->arch.outputs() : 1; }
  // F: the first layer's filters (a general model's first Conv1d; 0 without one).
  int filters() const;
  // A general model: config.length = the architecture's input length.
  static Model general(SequentialModel m, std::string source = "");
};

// Throws mint::Error "<who>: parameter fc1.weight has 959 values, expected 960" for the first
// tensor whose size does not fit the config (BatchNorm tensors only when it has BatchNorm).
// The config must be valid (validate() first).
void check_params(const ModelConfig& config, const ModelParams& params, const std::string& who);

// PyTorch's default initialisation: weights and biases ~ U(−1/√fan_in, 1/√fan_in) (Kaiming
// uniform with a = √5 for weights gives the same bound), BatchNorm weight 1, bias 0, running
// mean 0, var 1. Deterministic in the seed (Philox).
Model init_model(const ModelConfig& config, std::uint64_t seed);

// The initialisation stream both init_model and init_sequential draw from: v[i] ~ U(−bound,
// bound) from Philox keyed by the seed, counter (i, tensor, 0, 3).
void fill_init_uniform(std::vector<float>& v, double bound, std::uint64_t seed,
                       std::uint32_t tensor);

}  // namespace mint

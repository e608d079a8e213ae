// Training (SPEC §4): Adam, mini-batches (128) reshuffled every epoch, BCE-with-logits for
// classification or MSE for regression, early stopping on the validation loss (patience 5)
// with the best weights restored. Written once against CnnBackend, so it runs on the CPU or
// the GPU. Reproducible for a seed and device: on the CPU the same bits for any thread count.
//
// train_and_save() is the step `mint train` and `mint experiment` both run: the model's shape
// from a ModelSpec and the data (model_config), training on the data's train and valid splits,
// then <dir>/<stem>.log.tsv and <dir>/<stem>.safetensors, the model last (its presence marks a
// finished model). Stems are <name>_f<F>_seed<S> (model_stem).
//
// Progress: TrainOptions::progress (core/progress.hpp) is called with (mini-batches done,
// max_epochs × batches per epoch) once at 0 and after every mini-batch, outside any parallel
// region; early stopping ends with a report of (total, total). It and on_epoch may throw to stop
// training: the exception propagates out of train_model and train_and_save, which then writes
// nothing (the files are written only after training returns). The weights do not depend on it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/design.hpp"
#include "core/device.hpp"
#include "core/progress.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

enum class Loss { bce, mse };

struct TrainOptions {
  int batch = 128;
  int max_epochs = 50;
  int patience = 5;
  AdamOptions adam;
  std::uint64_t seed = 1;  // initialisation and shuffling
  Loss loss = Loss::bce;
  int eval_batch = 512;
  bool print_progress = true;  // progress bar on stderr when it is a terminal
  // Called after every epoch (with that epoch's log), e.g. for a caller's own status line.
  std::function<void(const struct EpochLog&)> on_epoch;
  // Called with (mini-batches done, max_epochs × batches per epoch) after every mini-batch.
  ProgressFn progress;
};

struct EpochLog {
  int epoch;
  double train_loss;
  double valid_loss;
  double valid_accuracy;  // classification: accuracy; regression: share within 0.5 of the label
  double seconds;
  bool improved;
};

struct TrainResult {
  Model model;  // best weights (lowest validation loss)
  int best_epoch = 0;
  std::vector<EpochLog> history;
};

// Trains a model of `config` initialised from options.seed. The backend's capacity must be at
// least max(batch, eval_batch).
TrainResult train_model(const ModelConfig& config, const SplitData& train, const SplitData& valid,
                        const TrainOptions& options, CnnBackend& backend);

// The per-epoch log as a TSV (epoch, train_loss, valid_loss, valid_accuracy, seconds, best),
// the <model>.log.tsv that `mint train` and `mint experiment` write beside each model.
std::string training_log_tsv(const TrainResult& result);

// Logits of every sequence of a split (eval mode), in batches of the backend's capacity.
std::vector<float> predict_codes(CnnBackend& backend, const std::uint8_t* codes, std::int64_t n,
                                 int length);

// Mean loss of logits against labels.
double mean_loss(Loss loss, const std::vector<float>& logits, const std::vector<float>& labels);

// The per-epoch log read back: epochs run, the best (kept) epoch and its validation numbers.
struct TrainingSummary {
  int epochs = 0, best_epoch = 0;
  double valid_loss = 0, valid_metric = 0;
};
TrainingSummary read_training_log(const std::string& path);

// ---- the train step -------------------------------------------------------------------------

// Max-pool width: `global` pools the whole conv output (P = the conv length), else `width`.
struct PoolSpec {
  bool global = false;
  int width = 10;
};
PoolSpec parse_pool(const std::string& text);  // "global" or a positive integer
std::string to_string(const PoolSpec& pool);

// The same loop for a general sequential model (ops/seqnet: on the CPU with `threads`, or on the
// GPU with `gpu`), initialised by init_sequential(arch, options.seed); the architecture must have
// one output. Train-mode Dropout draws its masks from (options.seed, the step).
TrainResult train_sequential(const SequentialArchitecture& arch, const SplitData& train,
                             const SplitData& valid, const TrainOptions& options, int threads,
                             bool gpu = false);

// The model's hyper-parameters before the data fixes L (and K when width is 0).
struct ModelSpec {
  int filters = 32;
  int width = 0;  // K; 0: the data set's filter width (its longest motif)
  PoolSpec pool;
  int hidden1 = 64, hidden2 = 32;
  Padding padding = Padding::same;
  Activation activation = Activation::relu;
  bool batchnorm = true;
  // > 0: a second Conv1d (F → F, this width, same padding) + ReLU after the pool, then a global
  // max pool before fc1 (core/sequential.hpp: pooled_conv_architecture), trained as a general
  // sequential model; 0: the paper's model.
  int conv2_width = 0;
};
// Validated (mint::Error naming the hyper-parameter).
ModelConfig model_config(const Simulation& data, const ModelSpec& spec);

std::string model_stem(const std::string& name, int filters, std::uint64_t seed);

// The largest mini-batch train_on takes (the backend holds a batch's activations).
inline constexpr int kMaxTrainBatch = 65536;

// Trains on the data's train and valid splits, in memory (the Python package's train); the loss
// is chosen by the data's design (options.loss is overwritten).
TrainResult train_on(const Simulation& data, const ModelConfig& config, TrainOptions options,
                     const Compute& compute);

// A general sequential model of `arch` (on the CPU; on the GPU with an explicit --device cuda).
TrainResult train_on(const Simulation& data, const SequentialArchitecture& arch,
                     TrainOptions options, const Compute& compute);

// train_on, then the log and the model file (the model last).
TrainResult train_and_save(const Simulation& data, const ModelConfig& config, TrainOptions options,
                           const Compute& compute, const std::string& dir, const std::string& stem);
TrainResult train_and_save(const Simulation& data, const SequentialArchitecture& arch,
                           TrainOptions options, const Compute& compute, const std::string& dir,
                           const std::string& stem);

}  // namespace mint

// Training (SPEC §4): Adam, mini-batches (128) reshuffled every epoch, BCE-with-logits for
// classification or MSE for regression, early stopping on the validation loss (patience 5)
// with the best weights restored. Written once against CnnBackend, so it runs on the CPU or
// the GPU. Reproducible for a seed (and, on the CPU, a thread count).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/design.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/sampler/sampler.hpp"

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
  bool progress = true;  // progress bar on stderr when it is a terminal
  // Called after every epoch (with that epoch's log), e.g. for a caller's own status line.
  std::function<void(const struct EpochLog&)> on_epoch;
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

}  // namespace mint

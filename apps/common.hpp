// Pieces several CLI commands share: model-file flags, choosing the backend, and predicting
// a set of sequences with one model or the average of several (an ensemble).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint::cli {

// --length, --pool-width, --padding, --activation: what a PyTorch-written file may lack.
struct ModelFlags {
  int length = 0, pool = 0;
  std::string padding, activation;
  void add_to(CLI::App* cmd);
  ModelHints hints() const;
};

// --device auto|cpu|cuda and --threads.
struct DeviceFlags {
  std::string device = "auto";
  int threads = 0;
  void add_to(CLI::App* cmd);
  std::unique_ptr<CnnBackend> backend(const ModelConfig& config, int capacity) const;
};

// Logits of every input sequence, averaged over the models (all must share L).
std::vector<float> predict_ensemble(const std::vector<Model>& models, const SequenceInput& input,
                                    const DeviceFlags& device);

std::vector<Model> load_models(const std::vector<std::string>& paths, const ModelHints& hints);

}  // namespace mint::cli

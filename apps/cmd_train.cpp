// `mint train --data DIR --out DIR`: trains the paper's CNN on a simulated data set, one model
// per seed (SPEC §4: five seeds), writing OUT/model_seed<S>.safetensors and
// OUT/train_log_seed<S>.tsv. A model file that already exists is skipped (rerun-safe;
// --force retrains). Loss: BCE-with-logits for classification, MSE for regression.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "pipeline/train.hpp"

namespace mint::cli {

void add_train_command(CLI::App& app) {
  struct Args {
    std::string data, out, padding = "same", activation = "relu";
    ModelConfig config;
    bool no_batchnorm = false, force = false, quiet = false;
    TrainOptions train;
    std::uint64_t seed = 1;
    int seeds = 5;
    DeviceFlags device;
  };
  auto a = std::make_shared<Args>();
  a->config.width = 0;  // default: the data set's filter width
  auto* cmd =
      app.add_subcommand("train", "Train the paper's CNN on a data set (one model per seed)");
  cmd->add_option("--data", a->data, "A mint data set directory (mint simulate)")->required();
  cmd->add_option("--out", a->out, "Output directory for model files and logs")->required();
  cmd->add_option("--filters", a->config.filters, "Conv filters F")->capture_default_str();
  cmd->add_option("--width", a->config.width, "Filter width K (default: the data set's K)");
  cmd->add_option("--pool-width", a->config.pool, "Max-pool width P")->capture_default_str();
  cmd->add_option("--hidden1", a->config.hidden1, "fc1 width H1")->capture_default_str();
  cmd->add_option("--hidden2", a->config.hidden2, "fc2 width H2")->capture_default_str();
  cmd->add_option("--padding", a->padding, "Conv padding: same or valid")->capture_default_str();
  cmd->add_option("--activation", a->activation, "First-layer activation: relu or exp")
      ->capture_default_str();
  cmd->add_flag("--no-batchnorm", a->no_batchnorm, "Drop the BatchNorm layer");
  cmd->add_option("--epochs", a->train.max_epochs, "Maximum epochs")->capture_default_str();
  cmd->add_option("--patience", a->train.patience, "Early-stopping patience (epochs)")
      ->capture_default_str();
  cmd->add_option("--batch", a->train.batch, "Batch size")->capture_default_str();
  cmd->add_option("--lr", a->train.adam.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--seed", a->seed, "First model seed")->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "Number of model seeds (seed, seed+1, …)")
      ->capture_default_str();
  cmd->add_flag("--force", a->force, "Retrain models whose files exist");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  a->device.add_to(cmd);
  cmd->callback([a] {
    const Simulation data = load_dataset(a->data);
    ModelConfig config = a->config;
    config.length = data.options.length;
    if (config.width == 0) config.width = data.grammar.filter_width;
    config.padding = parse_padding(a->padding);
    config.activation = parse_activation(a->activation);
    config.batchnorm = !a->no_batchnorm;
    config.validate();
    if (a->seeds <= 0) throw Error("--seeds must be positive");
    TrainOptions o = a->train;
    o.loss = data.options.design.kind == DesignKind::regression ? Loss::mse : Loss::bce;
    o.progress = !a->quiet;
    const SplitData* train = nullptr;
    const SplitData* valid = nullptr;
    for (const SplitData& s : data.splits) {
      if (s.name == "train") train = &s;
      if (s.name == "valid") valid = &s;
    }
    if (train == nullptr || valid == nullptr)
      throw Error(a->data + ": needs train and valid splits");
    make_directories(a->out);
    for (int k = 0; k < a->seeds; ++k) {
      o.seed = a->seed + static_cast<std::uint64_t>(k);
      const std::string stem = a->out + "/model_seed" + std::to_string(o.seed);
      if (!a->force && std::filesystem::exists(stem + ".safetensors")) {
        std::printf("seed %llu: %s.safetensors exists, skipped (--force retrains)\n",
                    static_cast<unsigned long long>(o.seed), stem.c_str());
        continue;
      }
      auto backend = a->device.backend(config, std::max(o.batch, o.eval_batch));
      if (!a->quiet) {
        std::fprintf(stderr, "training seed %llu on %s: F %d, K %d, P %d, %s padding, %s\n",
                     static_cast<unsigned long long>(o.seed), backend->name(), config.filters,
                     config.width, config.pool, to_string(config.padding).c_str(),
                     config.batchnorm ? "BatchNorm" : "no BatchNorm");
      }
      const TrainResult r = train_model(config, *train, *valid, o, *backend);
      write_file_atomic(stem + ".log.tsv", training_log_tsv(r));
      save_model(stem + ".safetensors", r.model);  // last: its presence marks a finished model
      const EpochLog& best = r.history[r.best_epoch - 1];
      std::printf(
          "seed %llu: best epoch %d of %zu, valid loss %.4f, valid accuracy %.4f → "
          "%s.safetensors\n",
          static_cast<unsigned long long>(o.seed), r.best_epoch, r.history.size(), best.valid_loss,
          best.valid_accuracy, stem.c_str());
    }
  });
}

}  // namespace mint::cli

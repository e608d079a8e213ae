// `mint train --data DIR --out DIR`: trains the paper's CNN on a simulated data set, one model
// per seed (SPEC §4: five seeds), writing OUT/<name>_f<F>_seed<S>.safetensors and its training
// log OUT/<name>_f<F>_seed<S>.log.tsv — the step and the file names of `mint experiment`
// (pipeline/train.hpp: train_and_save). A model file that already exists is skipped
// (rerun-safe; --force retrains). Loss: BCE-with-logits for classification, MSE for regression.
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "io/sequential_io.hpp"
#include "options.hpp"
#include "pipeline/train.hpp"

namespace mint::cli {

void add_train_command(CLI::App& app) {
  struct Args {
    std::string data, out, name = "model", padding = "same", activation = "relu";
    std::string pool = "10", arch;
    ModelSpec spec;
    bool no_batchnorm = false, force = false, quiet = false;
    TrainOptions train;
    std::uint64_t seed = 1;
    int seeds = 5;
    DeviceFlags device;
  };
  auto a = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("train", "Train the paper's CNN on a data set (one model per seed)");
  cmd->add_option("--data", a->data, "A mint data set directory (mint simulate)")->required();
  cmd->add_option("--out", a->out, "Output directory for model files and logs")->required();
  cmd->add_option("--name", a->name, "Model name: files are <name>_f<F>_seed<S>.*")
      ->capture_default_str();
  cmd->add_option("--filters", a->spec.filters, "Conv filters F")
      ->capture_default_str()
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--width", a->spec.width, "Filter width K (default: the data set's K)")
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--pool-width", a->pool, "Max-pool width P, or global (P = conv length)")
      ->capture_default_str();
  cmd->add_option("--hidden1", a->spec.hidden1, "fc1 width H1")
      ->capture_default_str()
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--hidden2", a->spec.hidden2, "fc2 width H2")
      ->capture_default_str()
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--padding", a->padding, "Conv padding: same or valid")->capture_default_str();
  cmd->add_option("--activation", a->activation, "First-layer activation: relu or exp")
      ->capture_default_str();
  cmd->add_flag("--no-batchnorm", a->no_batchnorm, "Drop the BatchNorm layer");
  cmd->add_option("--arch", a->arch,
                  "Train a general sequential CNN of this architecture (JSON, docs/models.md) "
                  "instead of the paper's");
  cmd->add_option("--epochs", a->train.max_epochs, "Maximum epochs")
      ->capture_default_str()
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--patience", a->train.patience, "Early-stopping patience (epochs)")
      ->capture_default_str()
      ->transform(integer(0, kInt32Max));
  cmd->add_option("--batch", a->train.batch, "Batch size")
      ->capture_default_str()
      ->transform(integer(1, kMaxTrainBatch));
  cmd->add_option("--lr", a->train.adam.lr, "Adam learning rate")
      ->capture_default_str()
      ->transform(number_above(0));
  cmd->add_option("--seed", a->seed, "First model seed")
      ->capture_default_str()
      ->transform(unsigned64());
  cmd->add_option("--seeds", a->seeds, "Number of model seeds (seed, seed+1, …)")
      ->capture_default_str()
      ->transform(integer(1, 100000));
  cmd->add_flag("--force", a->force, "Retrain models whose files exist");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  a->device.add_to(cmd);
  cmd->callback([a, cmd] {
    require_value("--out", a->out);
    ModelSpec spec = a->spec;
    spec.pool = parse_pool(a->pool);
    spec.padding = parse_padding(a->padding);
    spec.activation = parse_activation(a->activation);
    spec.batchnorm = !a->no_batchnorm;
    const Compute compute = a->device.compute();
    if (a->seeds <= 0) throw Error("--seeds must be positive");
    // The seeds are seed … seed + seeds - 1: the last must not wrap past 2^64 - 1 to 0.
    if (a->seed >
        std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(a->seeds - 1)) {
      throw Error("--seed " + std::to_string(a->seed) + " with --seeds " +
                  std::to_string(a->seeds) + ": the last seed would pass 2^64 - 1 (" +
                  std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")");
    }
    if (a->name.empty() || a->name.find_first_of("/\t\n") != std::string::npos) {
      throw Error("--name " + quote_value(a->name) + ": give a non-empty name without '/' or tabs");
    }
    if (!a->arch.empty()) {
      for (const char* flag : {"--filters", "--width", "--pool-width", "--hidden1", "--hidden2",
                               "--padding", "--activation", "--no-batchnorm"}) {
        if (cmd->count(flag) > 0) {
          throw Error(std::string(flag) +
                      " describes the paper's model; with --arch the "
                      "architecture is the JSON's");
        }
      }
    }
    const Simulation data = load_dataset(a->data);
    const bool general = !a->arch.empty();
    const SequentialArchitecture arch =
        general ? read_architecture(a->arch, data.options.length) : SequentialArchitecture{};
    const ModelConfig config = general ? ModelConfig{} : model_config(data, spec);
    const int filters = general ? first_conv_channels(arch) : config.filters;
    if (general && arch.outputs() != 1) {
      throw Error(a->arch +
                  ": training needs a model with one output (a data set has one label "
                  "per sequence); the architecture has " +
                  std::to_string(arch.outputs()));
    }
    TrainOptions o = a->train;
    o.print_progress = !a->quiet;
    // A failed first model (a full disk, ulimit -f) removes the directory this run made.
    OutputDirectory out_dir(a->out);
    for (int k = 0; k < a->seeds; ++k) {
      o.seed = a->seed + static_cast<std::uint64_t>(k);
      const std::string stem = model_stem(a->name, filters, o.seed);
      const std::string path = (std::filesystem::path(a->out) / stem).string();
      if (!a->force && std::filesystem::exists(path + ".safetensors")) {
        std::printf("seed %llu: %s.safetensors exists, skipped (--force retrains)\n",
                    static_cast<unsigned long long>(o.seed), path.c_str());
        continue;
      }
      if (!a->quiet && general) {
        std::fprintf(stderr, "training seed %llu on cpu: %s, %zu layers\n",
                     static_cast<unsigned long long>(o.seed), a->arch.c_str(), arch.layers.size());
      } else if (!a->quiet) {
        std::fprintf(stderr, "training seed %llu on %s: F %d, K %d, P %d, %s padding, %s\n",
                     static_cast<unsigned long long>(o.seed), to_string(compute.backend()),
                     config.filters, config.width, config.pool, to_string(config.padding).c_str(),
                     config.batchnorm ? "BatchNorm" : "no BatchNorm");
      }
      const TrainResult r = general ? train_and_save(data, arch, o, compute, a->out, stem)
                                    : train_and_save(data, config, o, compute, a->out, stem);
      out_dir.commit();  // a finished model: the directory stays
      const EpochLog& best = r.history[static_cast<std::size_t>(r.best_epoch - 1)];
      std::printf(
          "seed %llu: best epoch %d of %zu, valid loss %.4f, valid accuracy %.4f → "
          "%s.safetensors\n",
          static_cast<unsigned long long>(o.seed), r.best_epoch, r.history.size(), best.valid_loss,
          best.valid_accuracy, path.c_str());
    }
  });
}

}  // namespace mint::cli

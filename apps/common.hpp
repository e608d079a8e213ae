// Flags several CLI commands share, each parsed into its typed value once, here at the edge:
// the model-file hints a PyTorch-written file may need, and where the work runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/dataset.hpp"
#include "core/device.hpp"
#include "core/motif.hpp"
#include "io/model_io.hpp"
#include "pipeline/attribute.hpp"

namespace mint::cli {

// --length, --pool-width, --padding, --activation: what a PyTorch-written file may lack;
// --arch FILE.json: a general sequential model's architecture, when its file does not hold it.
struct ModelFlags {
  int length = 0, pool = 0;
  std::string padding, activation, arch;
  // with_length false: the command has its own --length (a simulation's), set into hints.
  void add_to(CLI::App* cmd, bool with_length = true);
  ModelHints hints() const;
};

// --device auto|cpu|cuda and --threads.
struct DeviceFlags {
  std::string device = "auto";
  int threads = 0;
  void add_to(CLI::App* cmd);
  Compute compute() const;
};

// What a simulation is: --motifs, the design and its sizes, the grammar, the seed, L, GC
// (`mint simulate` and `mint stream`).
struct SimulationFlags {
  std::string motifs = "distinct_1";
  std::string design = "classification", negatives = "with-subsets", effect = "additive";
  std::string order = "file";
  std::vector<int> gaps;
  std::vector<double> weights;
  double interaction = 0, min_instance_score = 0;
  CLI::Option* interaction_option = nullptr;
  CLI::Option* min_score_option = nullptr;
  SimulationOptions options;
  // train_sizes: also --train and --valid (a stream samples only the test split).
  void add_to(CLI::App* cmd, bool train_sizes = true);
  // The typed options for the motif set they name (the order is checked against it).
  SimulationOptions resolve(const MotifSet& motifs);
};

// How a method attributes: --target, --steps, --ig-method, --deeplift-compat, and Feature
// Permutation's batch and seed (`mint attribute` and `mint stream`).
struct AttributeFlags {
  std::string target = "logit", ig_method = "gausslegendre", compat = "none";
  int steps = 50, batch_size = 128, target_index = 0;
  std::uint64_t seed = 0;
  std::string batch_flag = "--batch-size";
  void add_to(CLI::App* cmd, const char* batch, const char* seed_name);
  // Every option but the method; errors name the flag (bad --steps, --batch-size < 2 with FP).
  AttributeOptions options(const std::vector<Method>& methods) const;
};

// Errors naming the option: an empty value (e.g. --out ""), or a name for the tables that
// holds a tab or a line break (it would break the TSV files).
void require_value(const char* option, const std::string& value);
// --threads, 0 (all cores) to kMaxThreads.
CLI::Option* add_threads_option(CLI::App* cmd, int& threads);
// A split's or a stream's number of sequences: at most 2^32 - 1 (core/design's plans).
inline constexpr std::int64_t kMaxSplitSize = 0xFFFFFFFFll;
void check_table_name(const char* option, const std::string& value);

}  // namespace mint::cli

// Flags several CLI commands share, each parsed into its typed value once, here at the edge:
// the model-file hints a PyTorch-written file may need, and where the work runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/device.hpp"
#include "io/model_io.hpp"

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
  Compute compute() const;
};

// Errors naming the option: an empty value (e.g. --out ""), or a name for the tables that
// holds a tab or a line break (it would break the TSV files).
void require_value(const char* option, const std::string& value);
void check_table_name(const char* option, const std::string& value);

}  // namespace mint::cli

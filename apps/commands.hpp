// The mint CLI's subcommands: each adds itself to the app and runs from its callback.
#pragma once

#include <CLI/CLI.hpp>

namespace mint::cli {

void add_motifs_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_auprc_command(CLI::App& app);
void add_attribute_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_experiment_command(CLI::App& app);  // experiment and merge
void add_report_command(CLI::App& app);
void add_stream_command(CLI::App& app);  // the streaming benchmark

}  // namespace mint::cli

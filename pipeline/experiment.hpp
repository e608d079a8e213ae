// `mint experiment negatives|interactions|all`: the paper's two experiments end to end, as a
// list of steps whose outputs are files (layout and tables: docs/experiment.md). Every file is
// written atomically, and a step whose outputs exist and are not older than its inputs is
// skipped, so an interrupted run resumes where it stopped and a rerun does nothing.
//
// Steps, in order:
//   data        per set: data_w, data_wo (negatives), data_<effect> (interactions); the
//               simulation is deterministic, so every run (and every shard) makes its own
//   train       per set × model × filters × seed → models/<model>_f<F>_seed<S>.safetensors
//               (+ .log.tsv, the training log, written first)
//   attribute   per set × model × filters × method → attr/<model>_f<F>_<method>.npy, the
//               average over the seeds' attributions of the test split; stale when a model
//               file is newer
//   tables      tables/*.tsv from the data, models and attributions (accuracy, AUPRC, …)
//   report      write_report(out) → report.html
//
// The job grid is the train jobs followed by the attribute jobs, in a fixed order. A shard
// (`--shard i/N`) runs the data steps and the jobs with index % N == i of its stage (train by
// default; attribute once all models exist in its --out, e.g. a shared directory) and writes
// no tables. merge_experiments() copies the shards' data, models and attributions into one
// directory and runs the whole experiment there — the same code path as a single run.
//
// Progress: RunOptions::progress (core/progress.hpp) is called with (steps done, steps) once at
// 0 and after every step, skipped ones included, and, with the running step's count, between
// the units of its work (sampled chunks, mini-batches, attributed chunks, predicted batches),
// so a hook that throws stops a long step too; the step's outputs are then not written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/design.hpp"
#include "core/device.hpp"
#include "core/progress.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/train.hpp"

namespace mint {

enum class ExperimentKind { negatives, interactions, all };
enum class ExperimentSize { quick, full };
ExperimentKind parse_experiment_kind(const std::string& s);  // negatives | interactions | all
ExperimentSize parse_experiment_size(const std::string& s);  // quick | full
const char* to_string(ExperimentKind kind);
const char* to_string(ExperimentSize size);

// Every key of config.json (docs/experiment.md), typed; config_to_json writes them in this order.
struct ExperimentConfig {
  ExperimentKind experiment = ExperimentKind::all;
  ExperimentSize size = ExperimentSize::quick;  // the defaults the other keys started from
  std::vector<std::string> sets;                // bundled motif set names or motif files
  std::vector<int> filters;
  int seeds = 2;                // model seeds 1..seeds
  std::vector<Method> methods;  // ig, deeplift, fp (also grad, saliency, ixg, ism)
  std::vector<Effect> effects;  // additive, enhancing, inhibiting, quadratic
  int ig_steps = 50;
  int fp_batch = 128;
  // data
  int length = 250;
  std::uint64_t seed = 1;                    // data seed
  double pseudocount = 0.01;                 // PWM pseudocount of the simulation (SPEC §2)
  std::optional<double> min_instance_score;  // the simulation's minimum-instance-score filter
                                             // (SimulationOptions); empty: off;
                                             // default_config() sets 0.6
  std::int64_t train = 10000, valid = 1000, test_positives = 2000, test_per_subset = 100;
  std::int64_t regression_train = 8000, regression_valid = 1000, test_per_count = 200;
  // training
  int epochs = 15, patience = 5, batch = 128;
  double lr = 1e-3;
  // model: pool (global: P = the conv length), batchnorm, padding, activation, width (0: the
  // data's K), hidden1, hidden2; model.filters is set per job from `filters`
  ModelSpec model = {.pool = {true, 0}};
  // A general sequential architecture (io/sequential_io.hpp's JSON, normalised), trained instead
  // of the paper's model for every model kind; empty: the paper's model of `model`. The config
  // key "architecture" takes the JSON object or a file's path; `filters` is then its first
  // Conv1d's out_channels (the model files' f<F>), and the paper model's keys are unused.
  std::string architecture;
  // scoring
  int bootstrap = 1000;
  // where: the keys that may change between runs into one directory
  Compute compute;
};

// Defaults of a size for an experiment.
ExperimentConfig default_config(ExperimentKind experiment, ExperimentSize size);
// `base` with the keys of a JSON object replaced (unknown keys and bad values are errors
// naming the key); the result is validated.
ExperimentConfig apply_config_json(const ExperimentConfig& base, const std::string& json_text,
                                   const std::string& source = "config");
std::string config_to_json(const ExperimentConfig& config);  // every key, pretty-printed
void validate(const ExperimentConfig& config);
// The data sets' and training's memory, against core/limits.hpp's limit: run_experiment checks
// it before anything is written (not validate: the defaults are valid on any machine).
void check_memory(const ExperimentConfig& config);
// What needs the motif sets, before anything is written: every set loads (an unknown one is
// "config key 'sets': unknown motif set ..." with the bundled names), the model's geometry fits
// (K <= length, pool <= the conv outputs, conv2_width <= the pooled positions), every split fits
// its design. run_experiment checks it; mint experiment first, to name the flags.
void check_plan(const ExperimentConfig& config);

enum class Stage { all, train, attribute };
Stage parse_stage(const std::string& s);

struct RunOptions {
  std::string out;
  int shard_index = 0, shard_count = 1;
  Stage stage = Stage::all;
  bool force = false;   // a different config may replace config.json; every step reruns
  bool quiet = false;   // no progress lines
  ProgressFn progress;  // (steps done, steps); also called within a step (above)
};

struct StepStatus {
  std::string name;  // "train distinct_1 M_w f32 seed 2"
  bool ran = false;  // false: skipped (outputs existed)
  double seconds = 0;
};

struct ExperimentResult {
  std::vector<StepStatus> steps;
  int ran() const;
};

// "i/N" → (i, N); errors name the flag.
void parse_shard(const std::string& text, int& index, int& count);

ExperimentResult run_experiment(const ExperimentConfig& config, const RunOptions& options);

// Copies data, models (+ logs) and attributions of shard directories into options.out (files
// that exist there are kept), then runs the experiment there (options.stage must be all and no
// shard). The shards' config.json must agree.
ExperimentResult merge_experiments(const std::vector<std::string>& shard_dirs,
                                   const RunOptions& options);

// ---- shared by the runner and the merge (pipeline/experiment_config.cpp) ----

// The first key, in the new config's order, whose value differs between two config.json texts
// (the where-keys threads and device aside), with both values; "" when they agree.
std::string first_config_difference(const std::string& old_text, const std::string& new_text,
                                    std::string* old_value, std::string* new_value);
// Writes out/config.json, or checks that the one there is the same experiment (mint::Error
// naming the first differing key, unless force).
void check_and_write_config(const ExperimentConfig& config, const std::string& out, bool force);

}  // namespace mint

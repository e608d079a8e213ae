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
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mint {

struct ExperimentConfig {
  std::string experiment = "all";  // negatives | interactions | all
  std::string size = "quick";      // quick | full: the defaults the other keys started from
  std::vector<std::string> sets;   // bundled motif set names or motif files
  std::vector<int> filters;
  int seeds = 2;                     // model seeds 1..seeds
  std::vector<std::string> methods;  // ig, deeplift, fp (also grad, saliency, ixg, ism)
  std::vector<std::string> effects;  // additive, enhancing, inhibiting, quadratic
  int ig_steps = 50;
  int fp_batch = 128;
  // data
  int length = 250;
  std::uint64_t seed = 1;     // data seed
  double pseudocount = 0.01;  // PWM pseudocount of the simulation (SPEC §2); 0 makes the
                              // instances as detectable as the paper's accuracies imply
                              // (docs/model-defaults.md)
  std::optional<double> min_instance_score;  // the simulation's minimum-instance-score
                                             // filter (SimulationOptions); empty: off;
                                             // default_config() sets 0.6
  std::int64_t train = 10000, valid = 1000, test_positives = 2000, test_per_subset = 100;
  std::int64_t regression_train = 8000, regression_valid = 1000, test_per_count = 200;
  // training
  int epochs = 15, patience = 5, batch = 128;
  double lr = 1e-3;
  // model
  std::string pool = "global";  // "global" (P = conv length) or a width
  bool batchnorm = true;
  std::string padding = "same";
  std::string activation = "relu";
  int width = 0;  // 0: the data's filter width K
  int hidden1 = 64, hidden2 = 32;
  // scoring
  int bootstrap = 1000;
  // where
  int threads = 0;
  std::string device = "auto";
};

// Defaults of a size ("quick" or "full") for an experiment.
ExperimentConfig default_config(const std::string& experiment, const std::string& size);
// `base` with the keys of a JSON object replaced (unknown keys and bad values are errors
// naming the key); the result is validated.
ExperimentConfig apply_config_json(const ExperimentConfig& base, const std::string& json_text,
                                   const std::string& source = "config");
std::string config_to_json(const ExperimentConfig& config);  // every key, pretty-printed
void validate(const ExperimentConfig& config);

enum class Stage { all, train, attribute };
Stage parse_stage(const std::string& s);

struct RunOptions {
  std::string out;
  int shard_index = 0, shard_count = 1;
  Stage stage = Stage::all;
  bool force = false;  // a different config may replace config.json; every step reruns
  bool quiet = false;  // no progress lines
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

}  // namespace mint

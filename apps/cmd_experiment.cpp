// `mint experiment negatives|interactions|all` and `mint merge`: the paper's experiments end to
// end (pipeline/experiment.hpp, docs/experiment.md). The configuration is the size's
// defaults (--quick, the default, or --full), then --config FILE's keys, then the flags below.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "options.hpp"
#include "pipeline/experiment.hpp"

namespace mint::cli {

namespace {

// One flag per config.json key (but experiment and size): --ig-steps sets "ig_steps". What a
// flag's value may be follows the key's value in the defaults (an integer, a number, a string,
// a list, true/false); "pool" also takes "global", "min_instance_score" also "off".
enum class Kind { integer, seed, number, number_or_off, string, ints, strings, pool, boolean };

struct Override {
  std::string flag, key, help;
  Kind kind;
};

// The flags' help, one "key: text" per line.
constexpr const char* kHelp = R"(sets: Motif sets (comma-separated; bundled names or files)
filters: Conv filter counts F (comma-separated)
seeds: Model seeds per configuration
methods: Attribution methods: ig, deeplift, fp, grad, saliency, ixg, ism
effects: Regression effects (interactions experiment)
ig_steps: Integrated Gradients steps
fp_batch: Feature permutation batch size
length: Sequence length L
seed: Data seed
pseudocount: PWM pseudocount of the simulation (0.01; 0: paper-like accuracy)
min_instance_score: Re-draw motif instances below this fraction of the consensus's log-odds score, or off
train: Classification training sequences
valid: Classification validation sequences
test_positives: Classification test positives
test_per_subset: Test sequences per proper subset
regression_train: Regression training sequences
regression_valid: Regression validation sequences
test_per_count: Regression test sequences per motif count
epochs: Maximum epochs
patience: Early-stopping patience
batch: Batch size
lr: Adam learning rate
pool: Max-pool width: global (P = conv length) or a number
batchnorm: BatchNorm layer: true or false
padding: Conv padding: same or valid
activation: First-layer activation: relu or exp
width: Filter width K (0: the data's K)
hidden1: fc1 width H1
hidden2: fc2 width H2
conv2_width: Second conv width after the pool, then a global max (0: the paper's model)
architecture: A general sequential CNN's architecture (a JSON file, docs/models.md) instead of the paper's model
bootstrap: Bootstrap resamples for the CIs
threads: CPU threads (0: all)
device: auto, cpu or cuda)";

Kind kind_of(const std::string& key, const nlohmann::ordered_json& v) {
  if (key == "pool") return Kind::pool;
  if (key == "seed") return Kind::seed;  // [0, 2^64 - 1], as simulate's and train's --seed
  if (key == "min_instance_score") return Kind::number_or_off;
  if (v.is_boolean()) return Kind::boolean;
  if (v.is_number_integer()) return Kind::integer;
  if (v.is_number()) return Kind::number;
  if (v.is_array()) return !v.empty() && v[0].is_number() ? Kind::ints : Kind::strings;
  return Kind::string;
}

const std::vector<Override>& overrides() {
  static const std::vector<Override> all = [] {
    const auto defaults = nlohmann::ordered_json::parse(
        config_to_json(default_config(ExperimentKind::all, ExperimentSize::quick)));
    std::map<std::string, std::string> help;
    std::istringstream lines(kHelp);
    for (std::string line; std::getline(lines, line);) {
      const auto colon = line.find(": ");
      help[line.substr(0, colon)] = line.substr(colon + 2);
    }
    std::vector<Override> out;
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
      if (it.key() == "experiment" || it.key() == "size") continue;
      std::string flag = "--" + it.key();
      std::replace(flag.begin(), flag.end(), '_', '-');
      out.push_back({flag, it.key(), help.at(it.key()), kind_of(it.key(), it.value())});
    }
    return out;
  }();
  return all;
}

// The value's type is checked here (options.hpp: the whole text, fits 64 bits, finite); its
// range by validate() (pipeline/experiment_config.cpp), as for a config file's keys.
std::int64_t to_integer(const std::string& flag, const std::string& s) {
  return parse_integer(flag, s, std::numeric_limits<std::int64_t>::min(), kInt64Max);
}

// An error of the flags' keys names the flag: "command line: config key 'lr': must be ..."
// becomes "--lr: must be ...".
[[noreturn]] void rethrow_for_flag(const Error& e) {
  std::string what = e.what();
  const std::string source = "command line: ";
  if (what.rfind(source, 0) == 0) what = what.substr(source.size());
  for (const Override& o : overrides()) {
    for (const std::string& p : {"config key '" + o.key + "': ", "key '" + o.key + "' "}) {
      if (what.rfind(p, 0) == 0) throw Error(o.flag + ": " + what.substr(p.size()));
    }
  }
  throw Error(source + what);
}

// check_plan's and check_memory's errors name a config key; one that a flag set is named by its
// flag, one from the config file by the file.
void check_plan_naming_flags(const ExperimentConfig& config, const nlohmann::ordered_json& flags,
                             const std::string& config_file) {
  try {
    check_plan(config);
    check_memory(config);
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const Override& o : overrides()) {
      const std::string p = "config key '" + o.key + "': ";
      if (what.rfind(p, 0) != 0) continue;
      if (flags.contains(o.key)) throw Error(o.flag + ": " + what.substr(p.size()));
      if (!config_file.empty()) throw Error(config_file + ": " + what);
    }
    throw;
  }
}

nlohmann::ordered_json to_json(const Override& o, const std::vector<std::string>& values) {
  const std::string flag = o.flag;
  auto one = [&]() -> const std::string& {
    if (values.empty()) throw Error(flag + ": needs a value");
    return values.back();
  };
  switch (o.kind) {
    case Kind::integer:
      return to_integer(flag, one());
    case Kind::seed:
      return parse_unsigned64(flag, one());
    case Kind::number_or_off:
      if (one() == "off") return nullptr;
      [[fallthrough]];
    case Kind::number:
      return parse_number(flag, one());
    case Kind::string:
      return one();
    case Kind::pool: {
      const std::string& s = one();
      if (s == "global") return s;
      return to_integer(flag, s);
    }
    case Kind::boolean: {
      const std::string& s = one();
      if (s == "true" || s == "1" || s == "on") return true;
      if (s == "false" || s == "0" || s == "off") return false;
      throw Error(flag + ": must be true or false, got '" + s + "'");
    }
    case Kind::ints: {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const std::string& v : values) a.push_back(to_integer(flag, v));
      return a;
    }
    case Kind::strings:
      return values;
  }
  return nullptr;
}

}  // namespace

void add_experiment_command(CLI::App& app) {
  struct Args {
    std::string experiment, config, out, shard, stage = "all";
    bool quick = false, full = false, force = false, quiet = false;
    std::vector<std::vector<std::string>> values =
        std::vector<std::vector<std::string>>(overrides().size());
    std::vector<CLI::Option*> options;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "experiment",
      "Reproduce the paper's experiments end to end: simulate, train, evaluate, attribute, "
      "score, report (docs/experiment.md)");
  cmd->add_option("experiment", a->experiment, "negatives, interactions or all")
      ->required()
      ->check(CLI::IsMember({"negatives", "interactions", "all"}));
  auto* quick = cmd->add_flag("--quick", a->quick,
                              "Small sizes for 2 CPU cores, a few minutes (the default)");
  auto* full = cmd->add_flag("--full", a->full, "The paper's sizes (SPEC §3–§4), for a GPU");
  quick->excludes(full);
  cmd->add_option("--config", a->config, "JSON file of config keys (see <out>/config.json)");
  cmd->add_option("--out", a->out, "Output directory (default out/<experiment>)");
  cmd->add_option("--shard", a->shard,
                  "Run only jobs with index % N == i of the stage (i/N); no tables");
  cmd->add_option("--stage", a->stage, "all, train or attribute (a shard's default is train)")
      ->check(CLI::IsMember({"all", "train", "attribute"}))
      ->capture_default_str();
  cmd->add_flag("--force", a->force, "Replace a different config.json and rerun every step");
  cmd->add_flag("--quiet", a->quiet, "No progress lines");
  for (std::size_t i = 0; i < a->values.size(); ++i) {
    const Override& o = overrides()[i];
    auto* opt = cmd->add_option(o.flag, a->values[i], o.help);
    // A list may be given in pieces (--sets a --sets b); a single value once, as every other
    // command's options (CLI11's default: "--epochs: At Most 1 required but received 2").
    if (o.kind == Kind::ints || o.kind == Kind::strings) {
      opt->delimiter(',');
    } else {
      opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    }
    a->options.push_back(opt);
  }
  cmd->callback([a] {
    std::string file_text;
    std::string size = a->full ? "full" : a->quick ? "quick" : "";
    const bool has_config = !a->config.empty();
    if (has_config) {
      file_text = read_file(a->config);
      if (file_text.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw Error(a->config + ": the config file is empty (expected a JSON object of keys)");
      }
      if (size.empty()) {
        try {
          const auto j = nlohmann::json::parse(file_text);
          if (j.is_object() && j.contains("size") && j["size"].is_string()) {
            size = j["size"].get<std::string>();
          }
        } catch (const std::exception&) {
        }  // apply_config_json reports the error
      }
    }
    if (size.empty()) size = "quick";
    const ExperimentKind kind = parse_experiment_kind(a->experiment);
    const ExperimentSize sz = parse_experiment_size(size);
    ExperimentConfig config = default_config(kind, sz);
    if (has_config) config = apply_config_json(config, file_text, a->config);
    config.experiment = kind;
    config.size = sz;
    nlohmann::ordered_json flags = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < a->options.size(); ++i) {
      const Override& o = overrides()[i];
      if (a->options[i]->count() > 0) flags[o.key] = to_json(o, a->values[i]);
    }
    try {
      config = apply_config_json(config, flags.dump(), "command line");
    } catch (const Error& e) {
      rethrow_for_flag(e);
    }
    check_plan_naming_flags(config, flags, a->config);
    RunOptions run;
    run.out = a->out.empty() ? "out/" + a->experiment : a->out;
    if (!a->shard.empty()) parse_shard(a->shard, run.shard_index, run.shard_count);
    run.stage = parse_stage(a->stage);
    run.force = a->force;
    run.quiet = a->quiet;
    const ExperimentResult r = run_experiment(config, run);
    if (!a->quiet) {
      std::printf("mint experiment %s: %d of %zu steps ran → %s/\n", a->experiment.c_str(), r.ran(),
                  r.steps.size(), run.out.c_str());
    }
  });

  struct MergeArgs {
    std::string out;
    std::vector<std::string> shards;
    bool force = false, quiet = false;
  };
  auto m = std::make_shared<MergeArgs>();
  auto* merge = app.add_subcommand(
      "merge",
      "Join the directories of `mint experiment --shard i/N` runs and finish the experiment");
  merge->add_option("--out", m->out, "Output directory")->required();
  merge->add_option("shards", m->shards, "Shard output directories")->required();
  merge->add_flag("--force", m->force, "Replace a different config.json in --out");
  merge->add_flag("--quiet", m->quiet, "No progress lines");
  merge->callback([m] {
    RunOptions run;
    run.out = m->out;
    run.force = m->force;
    run.quiet = m->quiet;
    const ExperimentResult r = merge_experiments(m->shards, run);
    if (!m->quiet) {
      std::printf("mint merge: %zu shard(s), %d of %zu steps ran → %s/\n", m->shards.size(),
                  r.ran(), r.steps.size(), m->out.c_str());
    }
  });
}

}  // namespace mint::cli

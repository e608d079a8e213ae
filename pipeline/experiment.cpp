// The experiment runner (include/mint/experiment.hpp, docs/experiment.md).
#include "pipeline/experiment.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/device.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/evaluate.hpp"
#include "pipeline/report/report.hpp"
#include "pipeline/score.hpp"
#include "pipeline/train.hpp"

namespace mint {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

const std::vector<std::string> kEffects = {"additive", "enhancing", "inhibiting", "quadratic"};
const std::vector<std::string> kMethods = {"ig",       "deeplift", "fp", "grad",
                                           "saliency", "ixg",      "ism"};
// Keys that say where a run computes, not what: they may change between runs into one dir.
const std::set<std::string> kWhereKeys = {"threads", "device"};

bool has_negatives(const ExperimentConfig& c) { return c.experiment != "interactions"; }
bool has_interactions(const ExperimentConfig& c) { return c.experiment != "negatives"; }

std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool is_classification(const std::string& model) { return model == "M_w" || model == "M_wo"; }

}  // namespace

// ---- configuration --------------------------------------------------------------------------

ExperimentConfig default_config(const std::string& experiment, const std::string& size) {
  ExperimentConfig c;
  c.experiment = experiment;
  c.size = size;
  c.methods = {"ig", "deeplift", "fp"};
  c.effects = kEffects;
  // Instances at >= 0.6 of the consensus's log-odds: what reproduces the paper's accuracies
  // (docs/model-defaults.md); "min_instance_score": null gives SPEC §3's plain PWM sampling.
  c.min_instance_score = 0.6;
  if (size == "quick") {
    c.sets = {"distinct_1"};
    c.filters = {32};
    c.seeds = 2;
    c.train = 10000;
    c.valid = 1000;
    c.test_positives = 2000;
    c.test_per_subset = 100;
    c.regression_train = 8000;
    c.regression_valid = 1000;
    c.test_per_count = 200;
    c.epochs = 15;
    c.patience = 5;
  } else if (size == "full") {
    c.sets = {"distinct_1", "MEF2A"};
    c.filters = {4, 32};
    c.seeds = 5;
    c.train = 40000;
    c.valid = 5000;
    c.test_positives = 10000;
    c.test_per_subset = 500;
    c.regression_train = 40000;
    c.regression_valid = 5000;
    c.test_per_count = 2500;
    c.epochs = 50;
    c.patience = 5;
  } else {
    throw Error("size must be quick or full, got '" + size + "'");
  }
  validate(c);
  return c;
}

void validate(const ExperimentConfig& c) {
  auto fail = [](const std::string& key, const std::string& what) {
    throw Error("config key '" + key + "': " + what);
  };
  if (c.experiment != "negatives" && c.experiment != "interactions" && c.experiment != "all") {
    fail("experiment", "must be negatives, interactions or all, got '" + c.experiment + "'");
  }
  if (c.size != "quick" && c.size != "full") fail("size", "must be quick or full");
  if (c.sets.empty()) fail("sets", "needs at least one motif set");
  std::set<std::string> stems;
  for (const std::string& s : c.sets) {
    if (!stems.insert(fs::path(s).stem().string()).second) fail("sets", "'" + s + "' given twice");
  }
  if (c.filters.empty()) fail("filters", "needs at least one value");
  for (int f : c.filters) {
    if (f <= 0) fail("filters", "must be positive");
  }
  if (std::set<int>(c.filters.begin(), c.filters.end()).size() != c.filters.size()) {
    fail("filters", "values must be distinct");
  }
  if (c.seeds <= 0) fail("seeds", "must be positive");
  for (const std::string& m : c.methods) {
    if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end()) {
      fail("methods", "unknown method '" + m + "' (ig, deeplift, fp, grad, saliency, ixg, ism)");
    }
  }
  for (const std::string& e : c.effects) {
    if (std::find(kEffects.begin(), kEffects.end(), e) == kEffects.end()) {
      fail("effects", "unknown effect '" + e + "' (additive, enhancing, inhibiting, quadratic)");
    }
  }
  if (has_interactions(c) && c.effects.empty()) fail("effects", "needs at least one effect");
  if (c.ig_steps <= 0) fail("ig_steps", "must be positive");
  if (c.fp_batch < 2) fail("fp_batch", "must be at least 2");
  if (c.length <= 0) fail("length", "must be positive");
  const std::pair<const char*, std::int64_t> sizes[] = {{"train", c.train},
                                                        {"valid", c.valid},
                                                        {"test_positives", c.test_positives},
                                                        {"test_per_subset", c.test_per_subset},
                                                        {"regression_train", c.regression_train},
                                                        {"regression_valid", c.regression_valid},
                                                        {"test_per_count", c.test_per_count}};
  for (const auto& [key, v] : sizes) {
    if (v <= 0) fail(key, "must be positive");
  }
  if (c.epochs <= 0) fail("epochs", "must be positive");
  if (c.patience <= 0) fail("patience", "must be positive");
  if (c.batch <= 0) fail("batch", "must be positive");
  if (!(c.lr > 0)) fail("lr", "must be positive");
  if (!(c.pseudocount >= 0 && c.pseudocount < 1)) fail("pseudocount", "must be in [0, 1)");
  if (c.min_instance_score && !(*c.min_instance_score >= 0 && *c.min_instance_score <= 1)) {
    fail("min_instance_score", "must be in [0, 1] or null (off)");
  }
  if (c.pool != "global") {
    std::size_t used = 0;
    int p = 0;
    try {
      p = std::stoi(c.pool, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != c.pool.size() || p <= 0) fail("pool", "must be \"global\" or a positive width");
  }
  if (c.padding != "same" && c.padding != "valid") fail("padding", "must be same or valid");
  if (c.activation != "relu" && c.activation != "exp") fail("activation", "must be relu or exp");
  if (c.width < 0) fail("width", "must be 0 (the data's K) or positive");
  if (c.hidden1 <= 0) fail("hidden1", "must be positive");
  if (c.hidden2 <= 0) fail("hidden2", "must be positive");
  if (c.bootstrap < 0) fail("bootstrap", "must be non-negative");
  if (c.threads < 0) fail("threads", "must be non-negative");
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda") {
    fail("device", "must be auto, cpu or cuda");
  }
}

std::string config_to_json(const ExperimentConfig& c) {
  json j;
  j["experiment"] = c.experiment;
  j["size"] = c.size;
  j["sets"] = c.sets;
  j["filters"] = c.filters;
  j["seeds"] = c.seeds;
  j["methods"] = c.methods;
  j["effects"] = c.effects;
  j["ig_steps"] = c.ig_steps;
  j["fp_batch"] = c.fp_batch;
  j["length"] = c.length;
  j["seed"] = c.seed;
  j["pseudocount"] = c.pseudocount;
  j["min_instance_score"] =
      c.min_instance_score ? nlohmann::ordered_json(*c.min_instance_score) : nullptr;
  j["train"] = c.train;
  j["valid"] = c.valid;
  j["test_positives"] = c.test_positives;
  j["test_per_subset"] = c.test_per_subset;
  j["regression_train"] = c.regression_train;
  j["regression_valid"] = c.regression_valid;
  j["test_per_count"] = c.test_per_count;
  j["epochs"] = c.epochs;
  j["patience"] = c.patience;
  j["batch"] = c.batch;
  j["lr"] = c.lr;
  if (c.pool == "global") {
    j["pool"] = c.pool;
  } else {
    j["pool"] = std::stoi(c.pool);
  }
  j["batchnorm"] = c.batchnorm;
  j["padding"] = c.padding;
  j["activation"] = c.activation;
  j["width"] = c.width;
  j["hidden1"] = c.hidden1;
  j["hidden2"] = c.hidden2;
  j["bootstrap"] = c.bootstrap;
  j["threads"] = c.threads;
  j["device"] = c.device;
  return j.dump(2) + "\n";
}

ExperimentConfig apply_config_json(const ExperimentConfig& base, const std::string& text,
                                   const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(source + ": must be a JSON object");
  ExperimentConfig c = base;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    auto bad = [&](const char* expected) -> Error {
      return Error(source + ": key '" + key + "' must be " + expected + ", got " + v.dump());
    };
    auto as_int = [&]() -> int {
      if (!v.is_number_integer()) throw bad("an integer");
      const auto x = v.get<std::int64_t>();
      if (x < -2147483647 || x > 2147483647) throw bad("an integer");
      return static_cast<int>(x);
    };
    auto as_int64 = [&]() -> std::int64_t {
      if (!v.is_number_integer()) throw bad("an integer");
      return v.get<std::int64_t>();
    };
    auto as_string = [&]() -> std::string {
      if (!v.is_string()) throw bad("a string");
      return v.get<std::string>();
    };
    auto as_strings = [&]() -> std::vector<std::string> {
      if (!v.is_array()) throw bad("an array of strings");
      std::vector<std::string> out;
      for (const json& x : v) {
        if (!x.is_string()) throw bad("an array of strings");
        out.push_back(x.get<std::string>());
      }
      return out;
    };
    if (key == "experiment")
      c.experiment = as_string();
    else if (key == "size")
      c.size = as_string();
    else if (key == "sets")
      c.sets = as_strings();
    else if (key == "filters") {
      if (!v.is_array()) throw bad("an array of integers");
      c.filters.clear();
      for (const json& x : v) {
        if (!x.is_number_integer()) throw bad("an array of integers");
        c.filters.push_back(x.get<int>());
      }
    } else if (key == "seeds")
      c.seeds = as_int();
    else if (key == "methods")
      c.methods = as_strings();
    else if (key == "effects")
      c.effects = as_strings();
    else if (key == "ig_steps")
      c.ig_steps = as_int();
    else if (key == "fp_batch")
      c.fp_batch = as_int();
    else if (key == "length")
      c.length = as_int();
    else if (key == "seed") {
      if (!v.is_number_unsigned()) throw bad("a non-negative integer");
      c.seed = v.get<std::uint64_t>();
    } else if (key == "train")
      c.train = as_int64();
    else if (key == "valid")
      c.valid = as_int64();
    else if (key == "test_positives")
      c.test_positives = as_int64();
    else if (key == "test_per_subset")
      c.test_per_subset = as_int64();
    else if (key == "regression_train")
      c.regression_train = as_int64();
    else if (key == "regression_valid")
      c.regression_valid = as_int64();
    else if (key == "test_per_count")
      c.test_per_count = as_int64();
    else if (key == "epochs")
      c.epochs = as_int();
    else if (key == "patience")
      c.patience = as_int();
    else if (key == "batch")
      c.batch = as_int();
    else if (key == "lr") {
      if (!v.is_number()) throw bad("a number");
      c.lr = v.get<double>();
    } else if (key == "pseudocount") {
      if (!v.is_number()) throw bad("a number");
      c.pseudocount = v.get<double>();
    } else if (key == "min_instance_score") {
      if (v.is_null())
        c.min_instance_score.reset();
      else if (v.is_number())
        c.min_instance_score = v.get<double>();
      else
        throw bad("a number or null (off)");
    } else if (key == "pool") {
      if (v.is_string())
        c.pool = v.get<std::string>();
      else if (v.is_number_integer())
        c.pool = std::to_string(as_int());
      else
        throw bad("\"global\" or an integer");
    } else if (key == "batchnorm") {
      if (!v.is_boolean()) throw bad("true or false");
      c.batchnorm = v.get<bool>();
    } else if (key == "padding")
      c.padding = as_string();
    else if (key == "activation")
      c.activation = as_string();
    else if (key == "width")
      c.width = as_int();
    else if (key == "hidden1")
      c.hidden1 = as_int();
    else if (key == "hidden2")
      c.hidden2 = as_int();
    else if (key == "bootstrap")
      c.bootstrap = as_int();
    else if (key == "threads")
      c.threads = as_int();
    else if (key == "device")
      c.device = as_string();
    else
      throw Error(source + ": unknown key '" + key + "'");
  }
  try {
    validate(c);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return c;
}

Stage parse_stage(const std::string& s) {
  if (s == "all") return Stage::all;
  if (s == "train") return Stage::train;
  if (s == "attribute") return Stage::attribute;
  throw Error("--stage must be all, train or attribute, got '" + s + "'");
}

void parse_shard(const std::string& text, int& index, int& count) {
  const auto slash = text.find('/');
  bool ok = slash != std::string::npos;
  if (ok) {
    try {
      std::size_t u1 = 0, u2 = 0;
      const std::string a = text.substr(0, slash), b = text.substr(slash + 1);
      index = std::stoi(a, &u1);
      count = std::stoi(b, &u2);
      ok = u1 == a.size() && u2 == b.size() && count >= 1 && index >= 0 && index < count;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) throw Error("--shard must be i/N with 0 <= i < N, got '" + text + "'");
}

int ExperimentResult::ran() const {
  int n = 0;
  for (const StepStatus& s : steps) n += s.ran;
  return n;
}

// ---- attributions ---------------------------------------------------------------------------

namespace {

// ---- the plan -------------------------------------------------------------------------------

struct SetPlan {
  std::string spec;                 // as configured
  std::string name;                 // directory name
  std::vector<std::string> models;  // M_w, M_wo, effects
};

std::string set_name(const std::string& spec) { return fs::path(spec).stem().string(); }

std::vector<SetPlan> make_plan(const ExperimentConfig& c) {
  std::vector<SetPlan> plan;
  for (const std::string& spec : c.sets) {
    SetPlan p;
    p.spec = spec;
    p.name = set_name(spec);
    if (has_negatives(c)) p.models = {"M_w", "M_wo"};
    if (has_interactions(c)) {
      for (const std::string& e : c.effects) p.models.push_back(e);
    }
    plan.push_back(p);
  }
  return plan;
}

std::string train_data_dir(const std::string& model) {
  if (model == "M_w") return "data_w";
  if (model == "M_wo") return "data_wo";
  return "data_" + model;
}
std::string test_data_dir(const std::string& model) {
  return is_classification(model) ? "data_w" : "data_" + model;
}

std::vector<std::string> data_dirs(const ExperimentConfig& c) {
  std::vector<std::string> d;
  if (has_negatives(c)) d = {"data_w", "data_wo"};
  if (has_interactions(c)) {
    for (const std::string& e : c.effects) d.push_back("data_" + e);
  }
  return d;
}

SimulationOptions simulation_options(const ExperimentConfig& c, const std::string& dir) {
  SimulationOptions o;
  o.length = c.length;
  o.seed = c.seed;
  o.pseudocount = c.pseudocount;
  o.min_instance_score = c.min_instance_score;
  o.grammar.filter_width = c.width;
  DesignOptions& d = o.design;
  if (dir == "data_w" || dir == "data_wo") {
    d.kind = DesignKind::classification;
    d.negatives = dir == "data_w" ? Negatives::with_subsets : Negatives::without;
    d.train = c.train;
    d.valid = c.valid;
    d.test_positives = c.test_positives;
    d.test_per_subset = c.test_per_subset;
  } else {
    d.kind = DesignKind::regression;
    d.effect = parse_effect(dir.substr(5));
    d.train = c.regression_train;
    d.valid = c.regression_valid;
    d.test_per_count = c.test_per_count;
  }
  return o;
}

std::string model_stem(const std::string& model, int filters, int seed) {
  return model + "_f" + std::to_string(filters) + "_seed" + std::to_string(seed);
}

// ---- file freshness -------------------------------------------------------------------------

bool file_exists(const fs::path& p) { return fs::exists(p); }

// Outputs all exist and none is older than any input.
bool fresh(const std::vector<fs::path>& outputs, const std::vector<fs::path>& inputs) {
  fs::file_time_type oldest = fs::file_time_type::max();
  for (const fs::path& o : outputs) {
    std::error_code ec;
    const auto t = fs::last_write_time(o, ec);
    if (ec) return false;
    oldest = std::min(oldest, t);
  }
  for (const fs::path& i : inputs) {
    std::error_code ec;
    const auto t = fs::last_write_time(i, ec);
    if (!ec && t > oldest) return false;
  }
  return true;
}

// ---- tables ---------------------------------------------------------------------------------

struct Table {
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per key column
  std::vector<std::vector<std::string>> rows;

  std::string text() const {
    std::vector<std::vector<std::string>> sorted = rows;
    const std::size_t keys = numeric.size();
    std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
      for (std::size_t k = 0; k < keys; ++k) {
        if (a[k] == b[k]) continue;
        if (numeric[k]) return std::stod(a[k]) < std::stod(b[k]);
        return a[k] < b[k];
      }
      return false;
    });
    std::string s;
    for (std::size_t i = 0; i < header.size(); ++i) s += (i ? "\t" : "") + header[i];
    s += '\n';
    for (const auto& r : sorted) {
      for (std::size_t i = 0; i < r.size(); ++i) s += (i ? "\t" : "") + r[i];
      s += '\n';
    }
    return s;
  }
};

const std::vector<std::string> kTableNames = {
    "accuracy_by_count", "accuracy_by_pair",  "regression_binned", "auprc",
    "auprc_summary",     "auprc_differences", "filters",           "training"};

struct Whiskers {
  double lo, hi;
};

// matplotlib's boxplot whiskers: the most extreme data within 1.5 IQR of the box.
Whiskers whiskers(const std::vector<double>& values, const Distribution& d) {
  const double iqr = d.q3 - d.q1;
  const double lo_bound = d.q1 - 1.5 * iqr, hi_bound = d.q3 + 1.5 * iqr;
  double lo = NAN, hi = NAN;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v >= lo_bound && (std::isnan(lo) || v < lo)) lo = v;
    if (v <= hi_bound && (std::isnan(hi) || v > hi)) hi = v;
  }
  if (d.count == 0) return {NAN, NAN};
  if (std::isnan(lo) || lo > d.q1) lo = d.q1;
  if (std::isnan(hi) || hi < d.q3) hi = d.q3;
  return {lo, hi};
}

struct TrainLog {
  int epochs = 0, best_epoch = 0;
  double valid_loss = NAN, valid_metric = NAN;
};

TrainLog read_train_log(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  TrainLog log;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream f(line);
    int epoch = 0, best = 0;
    double train_loss = 0, valid_loss = 0, valid_acc = 0, seconds = 0;
    if (!(f >> epoch >> train_loss >> valid_loss >> valid_acc >> seconds >> best)) {
      throw Error(path + ": malformed training log line '" + line + "'");
    }
    ++log.epochs;
    if (best) {
      log.best_epoch = epoch;
      log.valid_loss = valid_loss;
      log.valid_metric = valid_acc;
    }
  }
  return log;
}

// ---- the runner -----------------------------------------------------------------------------

struct Step {
  std::string name;
  std::function<bool()> is_fresh;
  std::function<void()> run;
};

class Runner {
 public:
  Runner(const ExperimentConfig& c, const RunOptions& o)
      : c_(c), o_(o), out_(o.out), live_(!o.quiet && ::isatty(1) == 1) {
    plan_ = make_plan(c);
  }

  ExperimentResult run();

 private:
  fs::path set_dir(const SetPlan& s) const { return out_ / s.name; }
  fs::path data_dir(const SetPlan& s, const std::string& d) const { return set_dir(s) / d; }
  fs::path model_path(const SetPlan& s, const std::string& m, int f, int seed) const {
    return set_dir(s) / "models" / (model_stem(m, f, seed) + ".safetensors");
  }
  fs::path log_path(const SetPlan& s, const std::string& m, int f, int seed) const {
    return set_dir(s) / "models" / (model_stem(m, f, seed) + ".log.tsv");
  }
  fs::path attr_path(const SetPlan& s, const std::string& m, int f,
                     const std::string& method) const {
    return set_dir(s) / "attr" / (m + "_f" + std::to_string(f) + "_" + method + ".npy");
  }
  const Simulation& dataset(const fs::path& dir) {
    auto it = cache_.find(dir.string());
    if (it != cache_.end()) return it->second;
    return cache_.emplace(dir.string(), load_dataset(dir.string())).first->second;
  }
  static const SplitData& split(const Simulation& sim, const std::string& name) {
    for (const SplitData& s : sim.splits) {
      if (s.name == name) return s;
    }
    throw Error("data set has no " + name + " split");
  }
  ModelConfig model_config(const Simulation& data, int filters) const;
  std::vector<Model> load_seed_models(const SetPlan& s, const std::string& m, int f) const;
  std::vector<float> predict(const Model& model, const SplitData& split) const;

  void simulate_data(const SetPlan& s, const std::string& d);
  void train_job(const SetPlan& s, const std::string& m, int f, int seed);
  void attribute_job(const SetPlan& s, const std::string& m, int f, const std::string& method);
  void write_tables();
  std::vector<fs::path> table_paths() const {
    std::vector<fs::path> p;
    for (const std::string& t : kTableNames) p.push_back(out_ / "tables" / (t + ".tsv"));
    return p;
  }
  std::vector<fs::path> all_inputs() const;

  const ExperimentConfig& c_;
  const RunOptions& o_;
  fs::path out_;
  std::string status_;  // "[i/N] step …" of the running step, for live status lines
  bool live_ = false;   // stdout is a terminal and not quiet: redraw status_ with details
  std::vector<SetPlan> plan_;
  std::map<std::string, Simulation> cache_;
};

ModelConfig Runner::model_config(const Simulation& data, int filters) const {
  ModelConfig m;
  m.length = data.options.length;
  m.filters = filters;
  m.width = c_.width > 0 ? c_.width : data.grammar.filter_width;
  m.padding = parse_padding(c_.padding);
  m.activation = parse_activation(c_.activation);
  m.batchnorm = c_.batchnorm;
  m.hidden1 = c_.hidden1;
  m.hidden2 = c_.hidden2;
  m.pool = c_.pool == "global" ? m.conv_length() : std::stoi(c_.pool);
  m.validate();
  return m;
}

std::vector<Model> Runner::load_seed_models(const SetPlan& s, const std::string& m, int f) const {
  std::vector<Model> models;
  for (int seed = 1; seed <= c_.seeds; ++seed) {
    const fs::path p = model_path(s, m, f, seed);
    if (!file_exists(p)) {
      throw Error(p.string() + ": missing; run the train stage (or merge the shards) first");
    }
    models.push_back(load_model(p.string()));
  }
  return models;
}

std::vector<float> Runner::predict(const Model& model, const SplitData& sp) const {
  const int batch = 512;
  auto backend = use_cuda(parse_device(c_.device))
                     ? make_cuda_backend(model.config, batch)
                     : make_cpu_backend(model.config, batch, c_.threads);
  backend->set_params(model.params);
  std::vector<float> out(static_cast<std::size_t>(sp.size()));
  for (std::int64_t first = 0; first < sp.size(); first += batch) {
    const int count = static_cast<int>(std::min<std::int64_t>(batch, sp.size() - first));
    CnnInput in;
    in.codes = sp.codes.data() + first * sp.length;
    backend->forward(in, count, Mode::infer, out.data() + first);
  }
  return out;
}

void Runner::simulate_data(const SetPlan& s, const std::string& d) {
  const MotifSet motifs = load_motifs(s.spec);
  const Backend backend = use_cuda(parse_device(c_.device)) ? Backend::cuda : Backend::cpu;
  const Simulation sim = simulate(motifs, simulation_options(c_, d), backend, c_.threads);
  write_dataset(sim, data_dir(s, d).string());
  cache_.erase(data_dir(s, d).string());
}

void Runner::train_job(const SetPlan& s, const std::string& m, int f, int seed) {
  const Simulation& data = dataset(data_dir(s, train_data_dir(m)));
  const ModelConfig config = model_config(data, f);
  TrainOptions t;
  t.batch = c_.batch;
  t.max_epochs = c_.epochs;
  t.patience = c_.patience;
  t.adam.lr = static_cast<decltype(t.adam.lr)>(c_.lr);
  t.seed = static_cast<std::uint64_t>(seed);
  t.loss = is_classification(m) ? Loss::bce : Loss::mse;
  t.progress = false;
  if (live_) {
    t.on_epoch = [this, &t](const EpochLog& e) {
      std::printf("\r\033[K%s epoch %d/%d, valid loss %.4f", status_.c_str(), e.epoch, t.max_epochs,
                  e.valid_loss);
      std::fflush(stdout);
    };
  }
  const int capacity = std::max(t.batch, t.eval_batch);
  auto backend = use_cuda(parse_device(c_.device)) ? make_cuda_backend(config, capacity)
                                                   : make_cpu_backend(config, capacity, c_.threads);
  const TrainResult r =
      train_model(config, split(data, "train"), split(data, "valid"), t, *backend);
  make_directories((set_dir(s) / "models").string());
  write_file_atomic(log_path(s, m, f, seed).string(), training_log_tsv(r));
  save_model(model_path(s, m, f, seed).string(), r.model);  // last: marks a finished model
}

void Runner::attribute_job(const SetPlan& s, const std::string& m, int f,
                           const std::string& method) {
  const std::vector<Model> models = load_seed_models(s, m, f);
  const Simulation& data = dataset(data_dir(s, test_data_dir(m)));
  const SplitData& test = split(data, "test");
  AttributeOptions o;
  o.method = method;
  o.ig_steps = c_.ig_steps;
  o.fp_batch = c_.fp_batch;
  o.device = parse_device(c_.device);
  o.threads = c_.threads;
  CnnInput in;
  in.codes = test.codes.data();
  const std::vector<float> attr = attribute_models(models, in, test.size(), test.length, o).values;
  make_directories((set_dir(s) / "attr").string());
  write_npy<float>(attr_path(s, m, f, method).string(), {test.size(), 4, test.length}, attr.data());
}

std::vector<fs::path> Runner::all_inputs() const {
  std::vector<fs::path> in;
  for (const SetPlan& s : plan_) {
    for (const std::string& d : data_dirs(c_)) in.push_back(data_dir(s, d) / "dataset.json");
    for (const std::string& m : s.models) {
      for (int f : c_.filters) {
        for (int seed = 1; seed <= c_.seeds; ++seed) {
          in.push_back(model_path(s, m, f, seed));
          in.push_back(log_path(s, m, f, seed));
        }
        for (const std::string& method : c_.methods) in.push_back(attr_path(s, m, f, method));
      }
    }
  }
  return in;
}

void Runner::write_tables() {
  auto key = [](std::initializer_list<bool> k) { return std::vector<bool>(k); };
  Table by_count{{"set", "filters", "model", "n_present", "sequences", "accuracy"},
                 key({false, true, false, true}),
                 {}};
  Table by_pair{{"set", "filters", "model", "pair", "sequences", "accuracy"},
                key({false, true, false, false}),
                {}};
  Table binned{
      {"set", "filters", "effect", "n_present", "sequences", "binned_accuracy", "mean_abs_error"},
      key({false, true, false, true}),
      {}};
  Table auprc{{"set", "filters", "model", "method", "motif", "n_present", "sequence", "auprc",
               "average_precision", "auroc", "abs_error"},
              key({false, true, false, false, false, true, true}),
              {}};
  Table summary{
      {"set", "filters", "model", "method", "motif", "n_present", "sequences", "median", "q1", "q3",
       "mean", "median_lo", "median_hi", "pooled_auprc", "whisker_lo", "whisker_hi"},
      key({false, true, false, false, false, true}),
      {}};
  Table diffs{
      {"set", "filters", "method", "motif", "n_present", "pairs", "delta_median", "lo", "hi"},
      key({false, true, false, false, true}),
      {}};
  Table filters{{"set", "filters", "model", "filter", "position", "A", "C", "G", "T"},
                key({false, true, false, true, true}),
                {}};
  Table training{
      {"set", "filters", "model", "seed", "epochs", "best_epoch", "valid_loss", "valid_metric"},
      key({false, true, false, true}),
      {}};
  BootstrapOptions boot;
  boot.resamples = c_.bootstrap;
  const Backend score_backend = use_cuda(parse_device(c_.device)) ? Backend::cuda : Backend::cpu;

  for (const SetPlan& s : plan_) {
    for (int f : c_.filters) {
      const std::string F = std::to_string(f);
      // (method, motif, n_present) → per-sequence AUPRC of M_w and M_wo, for the differences.
      std::map<std::tuple<std::string, int, int>, std::vector<double>> w_values, wo_values;
      for (const std::string& m : s.models) {
        const Simulation& data = dataset(data_dir(s, test_data_dir(m)));
        const SplitData& test = split(data, "test");
        const int n_motifs = static_cast<int>(data.motifs.size());
        const DesignOptions& design = data.options.design;
        const std::vector<Model> models = load_seed_models(s, m, f);

        // Accuracy: the mean over the seed models; the ensemble's prediction for abs_error.
        std::map<std::string, std::pair<std::int64_t, double>> count_acc, pair_acc;
        std::map<int, double> mae;
        std::map<int, std::int64_t> per_count;
        std::vector<double> ensemble(static_cast<std::size_t>(test.size()), 0.0);
        for (const Model& model : models) {
          const std::vector<float> pred = predict(model, test);
          for (std::size_t i = 0; i < pred.size(); ++i)
            ensemble[i] += pred[i] / static_cast<double>(models.size());
          for (const AccuracyRow& r :
               accuracy_by_count(test.masks, test.labels, pred, n_motifs, design)) {
            if (r.group == "total") continue;
            count_acc[r.group].first = r.sequences;
            count_acc[r.group].second += r.accuracy() / static_cast<double>(models.size());
          }
          if (is_classification(m)) {
            for (const AccuracyRow& r :
                 accuracy_by_pair(test.masks, test.labels, pred, data.motifs, design)) {
              pair_acc[r.group].first = r.sequences;
              pair_acc[r.group].second += r.accuracy() / static_cast<double>(models.size());
            }
          } else {
            std::map<int, double> err;
            per_count.clear();
            for (std::size_t i = 0; i < pred.size(); ++i) {
              const int np = std::popcount(test.masks[i]);
              err[np] += std::fabs(static_cast<double>(pred[i]) - test.labels[i]);
              ++per_count[np];
            }
            for (const auto& [np, e] : err) {
              mae[np] +=
                  e / static_cast<double>(per_count[np]) / static_cast<double>(models.size());
            }
          }
        }
        for (const auto& [group, v] : count_acc) {
          if (is_classification(m)) {
            by_count.rows.push_back({s.name, F, m, group, std::to_string(v.first), fmt(v.second)});
          } else {
            binned.rows.push_back({s.name, F, m, group, std::to_string(v.first), fmt(v.second),
                                   fmt(mae[std::stoi(group)])});
          }
        }
        for (const auto& [group, v] : pair_acc) {
          by_pair.rows.push_back({s.name, F, m, group, std::to_string(v.first), fmt(v.second)});
        }

        // Training logs and the first seed's filters.
        for (int seed = 1; seed <= c_.seeds; ++seed) {
          const TrainLog log = read_train_log(log_path(s, m, f, seed).string());
          training.rows.push_back({s.name, F, m, std::to_string(seed), std::to_string(log.epochs),
                                   std::to_string(log.best_epoch), fmt(log.valid_loss),
                                   fmt(log.valid_metric)});
        }
        {
          const ModelConfig& mc = models.front().config;
          const std::vector<float>& w = models.front().params.conv_weight;
          for (int fi = 0; fi < mc.filters; ++fi) {
            for (int k = 0; k < mc.width; ++k) {
              std::vector<std::string> row = {s.name, F, m, std::to_string(fi), std::to_string(k)};
              for (int ch = 0; ch < 4; ++ch) {
                row.push_back(fmt(w[static_cast<std::size_t>((fi * 4 + ch) * mc.width + k)]));
              }
              filters.rows.push_back(row);
            }
          }
        }

        // Attribution scores.
        for (const std::string& method : c_.methods) {
          const fs::path ap = attr_path(s, m, f, method);
          const NpyArray arr = read_npy(ap.string());
          if (arr.shape != std::vector<std::int64_t>{test.size(), 4, test.length}) {
            throw Error(ap.string() + ": attributions do not match the test split's shape");
          }
          const std::vector<float> attr = arr.to_vector<float>();
          const std::vector<float> pos =
              position_scores(attr.data(), test.codes.data(), test.size(), test.length,
                              method == "ism" ? ScoreRule::ism : ScoreRule::observed);
          const std::vector<MotifScore> rows =
              score_motifs(pos.data(), test, data.grammar, data.motifs, {}, score_backend);
          std::map<std::pair<int, int>, std::vector<double>> groups;
          const std::vector<std::string> labels = data.motifs.labels();
          for (const MotifScore& r : rows) {
            const std::string& motif = labels[static_cast<std::size_t>(r.motif)];
            const double abs_error =
                is_classification(m) ? NAN
                                     : std::fabs(ensemble[static_cast<std::size_t>(r.sequence)] -
                                                 test.labels[static_cast<std::size_t>(r.sequence)]);
            auprc.rows.push_back({s.name, F, m, method, motif, std::to_string(r.n_present),
                                  std::to_string(r.sequence), fmt(r.scores.auprc),
                                  fmt(r.scores.average_precision), fmt(r.scores.auroc),
                                  fmt(abs_error)});
            groups[{r.motif, r.n_present}].push_back(r.scores.auprc);
          }
          for (const auto& [g, values] : groups) {
            const auto& [motif, n_present] = g;
            const Distribution d = summarize(values, boot);
            const Whiskers wk = whiskers(values, d);
            const CurveScores pooled =
                pooled_motif_scores(pos.data(), test, data.grammar, data.motifs, motif, n_present);
            summary.rows.push_back({s.name, F, m, method, labels[static_cast<std::size_t>(motif)],
                                    std::to_string(n_present), std::to_string(d.count),
                                    fmt(d.median), fmt(d.q1), fmt(d.q3), fmt(d.mean),
                                    fmt(d.median_lo), fmt(d.median_hi), fmt(pooled.auprc),
                                    fmt(wk.lo), fmt(wk.hi)});
            if (m == "M_w") w_values[{method, motif, n_present}] = values;
            if (m == "M_wo") wo_values[{method, motif, n_present}] = values;
          }
        }
      }
      // Δ medians M_w − M_wo, paired by sequence (both score data_w's test split).
      const std::vector<std::string> labels = w_values.empty()
                                                  ? std::vector<std::string>{}
                                                  : dataset(data_dir(s, "data_w")).motifs.labels();
      for (const auto& [k, a] : w_values) {
        const auto it = wo_values.find(k);
        if (it == wo_values.end()) continue;
        const Difference d = median_difference(a, it->second, boot);
        const auto& [method, motif, n_present] = k;
        diffs.rows.push_back({s.name, F, method, labels[static_cast<std::size_t>(motif)],
                              std::to_string(n_present), std::to_string(d.pairs), fmt(d.delta),
                              fmt(d.lo), fmt(d.hi)});
      }
    }
  }
  make_directories((out_ / "tables").string());
  const Table* tables[] = {&by_count, &by_pair, &binned,  &auprc,
                           &summary,  &diffs,   &filters, &training};
  for (std::size_t i = 0; i < kTableNames.size(); ++i) {
    write_file_atomic((out_ / "tables" / (kTableNames[i] + ".tsv")).string(), tables[i]->text());
  }
}

// Differences between two configs, ignoring where-keys; empty when equal.
std::string first_difference(const std::string& old_text, const std::string& new_text,
                             std::string* old_value, std::string* new_value) {
  const json a = json::parse(old_text), b = json::parse(new_text);
  std::set<std::string> keys;
  for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
  for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
  // In the order of the new config's keys first.
  std::vector<std::string> ordered;
  for (auto it = b.begin(); it != b.end(); ++it) ordered.push_back(it.key());
  for (const std::string& k : keys) {
    if (!b.contains(k)) ordered.push_back(k);
  }
  for (const std::string& k : ordered) {
    if (kWhereKeys.count(k)) continue;
    const json va = a.contains(k) ? a[k] : json(), vb = b.contains(k) ? b[k] : json();
    if (va != vb) {
      *old_value = a.contains(k) ? va.dump() : "(absent)";
      *new_value = b.contains(k) ? vb.dump() : "(absent)";
      return k;
    }
  }
  return "";
}

void check_and_write_config(const ExperimentConfig& c, const fs::path& out, bool force) {
  const std::string text = config_to_json(c);
  const fs::path p = out / "config.json";
  if (file_exists(p) && !force) {
    const std::string old = read_file(p.string());
    std::string ov, nv;
    std::string key;
    try {
      key = first_difference(old, text, &ov, &nv);
    } catch (const json::exception& e) {
      throw Error(p.string() + ": not valid JSON (" + e.what() + "); use --force to replace it");
    }
    if (!key.empty()) {
      throw Error(p.string() + ": key '" + key + "' is " + ov + " there but " + nv +
                  " now; use another --out, or --force to replace the configuration and rerun "
                  "every step");
    }
    return;  // the same experiment: keep the file (and its mtime), even when only where it
             // runs (threads, device) changed
  }
  make_directories(out.string());
  write_file_atomic(p.string(), text);
}

ExperimentResult Runner::run() {
  const bool sharded = o_.shard_count > 1;
  const Stage stage = sharded && o_.stage == Stage::all ? Stage::train : o_.stage;
  check_and_write_config(c_, out_, o_.force);

  std::vector<Step> steps;
  for (const SetPlan& s : plan_) {
    for (const std::string& d : data_dirs(c_)) {
      steps.push_back({"data " + s.name + " " + d,
                       [this, &s, d] { return file_exists(data_dir(s, d) / "dataset.json"); },
                       [this, &s, d] { simulate_data(s, d); }});
    }
  }
  // The job grid: train jobs, then attribute jobs; a shard takes index % N == i.
  std::size_t job = 0;
  auto mine = [&](std::size_t index) {
    return index % static_cast<std::size_t>(o_.shard_count) ==
           static_cast<std::size_t>(o_.shard_index);
  };
  for (const SetPlan& s : plan_) {
    for (const std::string& m : s.models) {
      for (int f : c_.filters) {
        for (int seed = 1; seed <= c_.seeds; ++seed) {
          if (mine(job++) && stage != Stage::attribute) {
            steps.push_back({"train " + s.name + " " + m + " f" + std::to_string(f) + " seed " +
                                 std::to_string(seed),
                             [this, &s, m, f, seed] {
                               return fresh({model_path(s, m, f, seed), log_path(s, m, f, seed)},
                                            {data_dir(s, train_data_dir(m)) / "dataset.json"});
                             },
                             [this, &s, m, f, seed] { train_job(s, m, f, seed); }});
          }
        }
      }
    }
  }
  for (const SetPlan& s : plan_) {
    for (const std::string& m : s.models) {
      for (int f : c_.filters) {
        for (const std::string& method : c_.methods) {
          if (mine(job++) && stage != Stage::train) {
            steps.push_back(
                {"attribute " + s.name + " " + m + " f" + std::to_string(f) + " " + method,
                 [this, &s, m, f, method] {
                   std::vector<fs::path> in = {data_dir(s, test_data_dir(m)) / "dataset.json"};
                   for (int seed = 1; seed <= c_.seeds; ++seed)
                     in.push_back(model_path(s, m, f, seed));
                   return fresh({attr_path(s, m, f, method)}, in);
                 },
                 [this, &s, m, f, method] { attribute_job(s, m, f, method); }});
          }
        }
      }
    }
  }
  if (!sharded && stage == Stage::all) {
    steps.push_back({"tables", [this] { return fresh(table_paths(), all_inputs()); },
                     [this] { write_tables(); }});
    steps.push_back({"report", [this] { return fresh({out_ / "report.html"}, table_paths()); },
                     [this] { write_report(out_.string()); }});
  }

  ExperimentResult result;
  const std::size_t total = steps.size();
  for (std::size_t i = 0; i < total; ++i) {
    const Step& st = steps[i];
    StepStatus status{st.name, false, 0};
    if (!o_.force && st.is_fresh()) {
      if (!o_.quiet) std::printf("[%zu/%zu] %s: skipped\n", i + 1, total, st.name.c_str());
    } else {
      char counter[48];
      std::snprintf(counter, sizeof counter, "[%zu/%zu] ", i + 1, total);
      status_ = counter;
      status_ += st.name;
      status_ += " …";
      if (!o_.quiet) {
        std::printf("%s", status_.c_str());
        std::fflush(stdout);
      }
      const auto t0 = std::chrono::steady_clock::now();
      st.run();
      status.ran = true;
      status.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // A live status line was redrawn over the step's line: write the step's line again.
      if (live_) std::printf("\r\033[K%s", status_.c_str());
      if (!o_.quiet) std::printf(" %.1f s\n", status.seconds);
    }
    if (!o_.quiet) std::fflush(stdout);
    result.steps.push_back(status);
  }
  return result;
}

void copy_file_atomic(const fs::path& from, const fs::path& to) {
  make_directories(to.parent_path().string());
  const fs::path tmp = to.string() + ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp);
    throw Error(to.string() + ": cannot copy from " + from.string() + " (" + ec.message() + ")");
  }
}

}  // namespace

ExperimentResult run_experiment(const ExperimentConfig& config, const RunOptions& options) {
  validate(config);
  if (options.out.empty()) throw Error("--out: no output directory given");
  if (options.shard_count < 1 || options.shard_index < 0 ||
      options.shard_index >= options.shard_count) {
    throw Error("--shard: index must be in [0, N)");
  }
  Runner runner(config, options);
  return runner.run();
}

ExperimentResult merge_experiments(const std::vector<std::string>& shard_dirs,
                                   const RunOptions& options) {
  if (shard_dirs.empty()) throw Error("merge: give at least one shard directory");
  if (options.shard_count != 1 || options.stage != Stage::all) {
    throw Error("merge: runs the whole experiment (no --shard, --stage all)");
  }
  std::string first_text;
  for (const std::string& d : shard_dirs) {
    const fs::path p = fs::path(d) / "config.json";
    if (!file_exists(p)) throw Error(d + ": no config.json (not an experiment directory)");
    const std::string text = read_file(p.string());
    if (first_text.empty()) {
      first_text = text;
      continue;
    }
    std::string ov, nv;
    const std::string key = first_difference(first_text, text, &ov, &nv);
    if (!key.empty()) {
      throw Error(p.string() + ": key '" + key + "' is " + nv + " but " + ov + " in " +
                  shard_dirs.front() + "/config.json; shards of one experiment share a config");
    }
  }
  const ExperimentConfig config = apply_config_json(
      ExperimentConfig{}, first_text, (fs::path(shard_dirs.front()) / "config.json").string());
  const fs::path out(options.out);
  check_and_write_config(config, out, options.force);

  const std::vector<SetPlan> plan = make_plan(config);
  // Data first, then models (log before model), then attributions, so that every copy is at
  // least as new as what it depends on.
  for (const SetPlan& s : plan) {
    for (const std::string& d : data_dirs(config)) {
      const fs::path to = out / s.name / d;
      if (file_exists(to / "dataset.json")) continue;
      for (const std::string& shard : shard_dirs) {
        const fs::path from = fs::path(shard) / s.name / d;
        if (!file_exists(from / "dataset.json")) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(from)) {
          if (e.is_regular_file() && e.path().filename() != "dataset.json" &&
              e.path().filename().string().find(".tmp.") == std::string::npos) {
            files.push_back(e.path());
          }
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) copy_file_atomic(f, to / f.filename());
        copy_file_atomic(from / "dataset.json", to / "dataset.json");  // last: marks it complete
        break;
      }
    }
  }
  for (const SetPlan& s : plan) {
    for (const std::string& m : s.models) {
      for (int f : config.filters) {
        for (int seed = 1; seed <= config.seeds; ++seed) {
          const std::string stem = model_stem(m, f, seed);
          const fs::path to = out / s.name / "models" / (stem + ".safetensors");
          if (file_exists(to)) continue;
          for (const std::string& shard : shard_dirs) {
            const fs::path dir = fs::path(shard) / s.name / "models";
            if (!file_exists(dir / (stem + ".safetensors")) ||
                !file_exists(dir / (stem + ".log.tsv")))
              continue;
            copy_file_atomic(dir / (stem + ".log.tsv"),
                             out / s.name / "models" / (stem + ".log.tsv"));
            copy_file_atomic(dir / (stem + ".safetensors"), to);
            break;
          }
        }
      }
    }
  }
  for (const SetPlan& s : plan) {
    for (const std::string& m : s.models) {
      for (int f : config.filters) {
        for (const std::string& method : config.methods) {
          const std::string name = m + "_f" + std::to_string(f) + "_" + method + ".npy";
          const fs::path to = out / s.name / "attr" / name;
          if (file_exists(to)) continue;
          for (const std::string& shard : shard_dirs) {
            const fs::path from = fs::path(shard) / s.name / "attr" / name;
            if (!file_exists(from)) continue;
            copy_file_atomic(from, to);
            break;
          }
        }
      }
    }
  }
  RunOptions run = options;
  run.force = false;  // the config was replaced above if forced; the copies are kept
  return run_experiment(config, run);
}

}  // namespace mint

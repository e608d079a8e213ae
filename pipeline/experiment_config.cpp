// The experiment's configuration (pipeline/experiment.hpp): sizes' defaults, validation, and
// config.json — written with every key, read back with each key parsed into its type once.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "io/atomic_file.hpp"
#include "io/sequential_io.hpp"
#include "ops/ig/ig.hpp"
#include "pipeline/experiment.hpp"
#include "pipeline/score.hpp"

namespace mint {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// Keys that say where a run computes, not what: they may change between runs into one dir.
const std::set<std::string> kWhereKeys = {"threads", "device"};

[[noreturn]] void fail_key(const std::string& key, const std::string& what) {
  throw Error("config key '" + key + "': " + what);
}

bool has_interactions(const ExperimentConfig& c) {
  return c.experiment != ExperimentKind::negatives;
}

}  // namespace

ExperimentKind parse_experiment_kind(const std::string& s) {
  if (s == "negatives") return ExperimentKind::negatives;
  if (s == "interactions") return ExperimentKind::interactions;
  if (s == "all") return ExperimentKind::all;
  fail_key("experiment", "must be negatives, interactions or all, got '" + s + "'");
}

ExperimentSize parse_experiment_size(const std::string& s) {
  if (s == "quick") return ExperimentSize::quick;
  if (s == "full") return ExperimentSize::full;
  fail_key("size", "must be quick or full, got '" + s + "'");
}

const char* to_string(ExperimentKind kind) {
  static const char* const names[] = {"negatives", "interactions", "all"};
  return names[static_cast<int>(kind)];
}

const char* to_string(ExperimentSize size) {
  return size == ExperimentSize::full ? "full" : "quick";
}

// What a size changes: which sets and models, how many sequences, how long to train.
struct SizeDefaults {
  std::vector<std::string> sets;
  std::vector<int> filters;
  int seeds;
  std::int64_t train, valid, test_positives, test_per_subset;
  std::int64_t regression_train, regression_valid, test_per_count;
  int epochs;
};

// quick: 2 CPU cores, a minute; full: the paper's sizes (SPEC §3–§4).
const SizeDefaults kQuick{{"distinct_1"}, {32}, 2, 10000, 1000, 2000, 100, 8000, 1000, 200, 15};
const SizeDefaults kFull{
    {"distinct_1", "MEF2A"}, {4, 32}, 5, 40000, 5000, 10000, 500, 40000, 5000, 2500, 50};

ExperimentConfig default_config(ExperimentKind experiment, ExperimentSize size) {
  const SizeDefaults& d = size == ExperimentSize::quick ? kQuick : kFull;
  ExperimentConfig c;
  c.experiment = experiment;
  c.size = size;
  c.methods = {Method::ig, Method::deeplift, Method::fp};
  c.effects = {Effect::additive, Effect::enhancing, Effect::inhibiting, Effect::quadratic};
  // Instances at >= 0.6 of the consensus's log-odds: what reproduces the paper's accuracies
  // (docs/model-defaults.md); "min_instance_score": null gives SPEC §3's plain PWM sampling.
  c.min_instance_score = 0.6;
  c.sets = d.sets;
  c.filters = d.filters;
  c.seeds = d.seeds;
  c.train = d.train;
  c.valid = d.valid;
  c.test_positives = d.test_positives;
  c.test_per_subset = d.test_per_subset;
  c.regression_train = d.regression_train;
  c.regression_valid = d.regression_valid;
  c.test_per_count = d.test_per_count;
  c.epochs = d.epochs;
  c.patience = 5;
  validate(c);
  return c;
}

namespace {

constexpr std::int64_t kNoMax = std::numeric_limits<std::int32_t>::max();

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// A range error in apps/options.hpp's form, the value first: "0 must be >= 1",
// "2000000000 must be in [0, 1000000]", "100000 must be in [0, 1024] (0: all cores)".
void check_int(const char* key, std::int64_t v, std::int64_t lo, std::int64_t hi = kNoMax,
               const std::string& note = "") {
  if (v >= lo && v <= hi) return;
  const std::string range = hi == kNoMax
                                ? ">= " + std::to_string(lo)
                                : "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  fail_key(key, std::to_string(v) + " must be " + range + (note.empty() ? "" : " (" + note + ")"));
}

// The same for a number: `ok` says whether v is in `range` ("> 0", "in [0, 1)").
void check_number(const char* key, double v, bool ok, const std::string& range) {
  if (!std::isfinite(v)) fail_key(key, number_text(v) + " is not a finite number");
  if (!ok) fail_key(key, number_text(v) + " must be " + range);
}

// The model's keys.
void validate_model(const ExperimentConfig& c) {
  if (!c.model.pool.global) check_int("pool", c.model.pool.width, 1, kNoMax, "or \"global\"");
  check_int("width", c.model.width, 0, kNoMax, "0: the data's K");
  check_int("hidden1", c.model.hidden1, 1);
  check_int("hidden2", c.model.hidden2, 1);
  if (c.model.conv2_width > 0 && c.model.pool.global) {
    fail_key("conv2_width", "needs a numeric pool before it (global pooling leaves 1 position)");
  }
  // conv2 convolves the pooled positions, at most length / pool of them (check_plan: exactly,
  // with the data's K and the padding).
  const int pool = c.model.pool.global ? c.length : c.model.pool.width;
  check_int("conv2_width", c.model.conv2_width, 0, c.length / pool,
            "0: none; length " + std::to_string(c.length) + " / pool " + std::to_string(pool) +
                " pooled positions");
  // The paper model's conv layer per sequence (core/model.cpp checks the same when a model is
  // made; here, before anything is written).
  for (int f : c.filters) {
    const auto floats =
        bytes_of({static_cast<std::uint64_t>(f), static_cast<std::uint64_t>(c.length)});
    if (c.architecture.empty() && floats > static_cast<std::uint64_t>(kMaxActivationFloats)) {
      fail_key("filters", std::to_string(f) + " filters x L " + std::to_string(c.length) +
                              " is more than 2^28 conv outputs per sequence");
    }
  }
  if (c.architecture.empty()) return;
  const SequentialArchitecture a = parse_architecture(c.architecture, "key 'architecture'");
  if (a.length != c.length) {
    fail_key("architecture", "has input length " + std::to_string(a.length) +
                                 " but the experiment's length is " + std::to_string(c.length));
  }
  if (a.outputs() != 1) fail_key("architecture", "must have one output");
  const int f = first_conv_channels(a);
  if (c.filters != std::vector<int>{f}) {
    fail_key("filters", "with an architecture, must be [" + std::to_string(f) +
                            "] (its first Conv1d's out_channels, the model files' f<F>)");
  }
}

}  // namespace

void validate(const ExperimentConfig& c) {
  if (c.sets.empty()) fail_key("sets", "needs at least one motif set");
  std::set<std::string> stems;
  for (const std::string& s : c.sets) {
    if (!stems.insert(fs::path(s).stem().string()).second)
      fail_key("sets", "'" + s + "' given twice");
  }
  if (c.filters.empty()) fail_key("filters", "needs at least one value");
  for (int f : c.filters) check_int("filters", f, 1);
  if (std::set<int>(c.filters.begin(), c.filters.end()).size() != c.filters.size()) {
    fail_key("filters", "values must be distinct");
  }
  check_int("seeds", c.seeds, 1);
  // A method or effect listed twice would run, and report, every row twice.
  for (std::size_t i = 0; i < c.methods.size(); ++i) {
    if (std::find(c.methods.begin(), c.methods.begin() + i, c.methods[i]) != c.methods.begin() + i)
      fail_key("methods", std::string(to_string(c.methods[i])) + " given twice");
  }
  for (std::size_t i = 0; i < c.effects.size(); ++i) {
    if (std::find(c.effects.begin(), c.effects.begin() + i, c.effects[i]) != c.effects.begin() + i)
      fail_key("effects", std::string(to_string(c.effects[i])) + " given twice");
  }
  if (has_interactions(c) && c.effects.empty()) fail_key("effects", "needs at least one effect");
  check_int("ig_steps", c.ig_steps, 1, kMaxGaussLegendreSteps, "Gauss-Legendre nodes");
  check_int("fp_batch", c.fp_batch, 2, 1 << 20);
  check_int("length", c.length, 1, kMaxLength);
  const std::pair<const char*, std::int64_t> sizes[] = {{"train", c.train},
                                                        {"valid", c.valid},
                                                        {"test_positives", c.test_positives},
                                                        {"test_per_subset", c.test_per_subset},
                                                        {"regression_train", c.regression_train},
                                                        {"regression_valid", c.regression_valid},
                                                        {"test_per_count", c.test_per_count}};
  for (const auto& [key, v] : sizes) check_int(key, v, 1, 0xFFFFFFFFll);
  check_int("epochs", c.epochs, 1);
  check_int("patience", c.patience, 0);  // as mint train: 0 stops at the first epoch without a gain
  check_int("batch", c.batch, 1, kMaxTrainBatch);
  check_number("lr", c.lr, c.lr > 0, "> 0");
  check_number("pseudocount", c.pseudocount, c.pseudocount >= 0 && c.pseudocount < 1, "in [0, 1)");
  if (c.min_instance_score) {
    const double v = *c.min_instance_score;
    check_number("min_instance_score", v, v >= 0 && v <= 1,
                 "in [0, 1] (or off: null in a config file)");
  }
  validate_model(c);
  check_int("bootstrap", c.bootstrap, 0, kMaxBootstrap);
  check_int("threads", c.compute.threads, 0, kMaxThreads, "0: all cores");
}

void check_memory(const ExperimentConfig& c) {
  // The largest data set's codes (test splits left out: their sizes depend on the motif sets),
  // of the data sets this experiment builds: negatives classification, interactions regression.
  // A batch holds at most one split's sequences (a test split at least its positives).
  std::vector<std::int64_t> sizes;
  std::int64_t largest = 1;
  if (c.experiment != ExperimentKind::interactions) {
    sizes.push_back(c.train + c.valid);
    largest = std::max({largest, c.train + c.valid, c.test_positives});
  }
  if (has_interactions(c)) {
    sizes.push_back(c.regression_train + c.regression_valid);
    largest = std::max({largest, c.regression_train + c.regression_valid, c.test_per_count});
  }
  for (const std::int64_t n : sizes) {
    check_memory("config key 'length': a data set",
                 bytes_of({static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(c.length)}),
                 std::to_string(n) + " training and validation sequences x " +
                     std::to_string(c.length) + " bases");
  }
  // The conv layer's output and gradient for a training or evaluation batch (pipeline/train.cpp).
  const auto batch = static_cast<std::uint64_t>(
      std::min<std::int64_t>(std::max(c.batch, TrainOptions{}.eval_batch), largest));
  for (int f : c.filters) {
    check_memory("config key 'filters': training " + std::to_string(f) + " filters",
                 bytes_of({static_cast<std::uint64_t>(f), static_cast<std::uint64_t>(c.length),
                           batch, 2 * sizeof(float)}),
                 "batches of " + std::to_string(batch) + " sequences");
  }
}

std::string config_to_json(const ExperimentConfig& c) {
  json j;
  j["experiment"] = to_string(c.experiment);
  j["size"] = to_string(c.size);
  j["sets"] = c.sets;
  j["filters"] = c.filters;
  j["seeds"] = c.seeds;
  j["methods"] = json::array();
  for (Method m : c.methods) j["methods"].push_back(to_string(m));
  j["effects"] = json::array();
  for (Effect e : c.effects) j["effects"].push_back(to_string(e));
  j["ig_steps"] = c.ig_steps;
  j["fp_batch"] = c.fp_batch;
  j["length"] = c.length;
  j["seed"] = c.seed;
  j["pseudocount"] = c.pseudocount;
  j["min_instance_score"] = c.min_instance_score ? json(*c.min_instance_score) : nullptr;
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
  j["pool"] = c.model.pool.global ? json("global") : json(c.model.pool.width);
  j["batchnorm"] = c.model.batchnorm;
  j["padding"] = to_string(c.model.padding);
  j["activation"] = to_string(c.model.activation);
  j["width"] = c.model.width;
  j["hidden1"] = c.model.hidden1;
  j["hidden2"] = c.model.hidden2;
  j["conv2_width"] = c.model.conv2_width;
  j["architecture"] = c.architecture.empty() ? json(nullptr) : json::parse(c.architecture);
  j["bootstrap"] = c.bootstrap;
  j["threads"] = c.compute.threads;
  j["device"] = to_string(c.compute.device);
  return j.dump(2) + "\n";
}

namespace {

// One key of a config object, with typed getters whose errors name the key.
struct Value {
  const std::string& source;
  const std::string& key;
  const json& v;

  Error bad(const char* expected) const {
    return Error(source + ": key '" + key + "' must be " + expected + ", got " + v.dump());
  }
  // Whether x is an integer in [lo, hi]: a value that does not fit its type is an error, never
  // truncated (JSON's unsigned integers above hi included).
  static bool fits(const json& x, std::int64_t lo, std::int64_t hi) {
    if (x.is_number_unsigned()) return x.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi);
    if (!x.is_number_integer()) return false;
    const auto i = x.get<std::int64_t>();
    return i >= lo && i <= hi;
  }
  // An integer too large for its type: "99999999999 does not fit a 32-bit integer", as
  // apps/options.hpp says it of a flag.
  Error too_large(int bits) const {
    return Error(source + ": config key '" + key + "': " + v.dump() + " does not fit a " +
                 std::to_string(bits) + "-bit integer");
  }
  int integer() const {
    if (!v.is_number_integer()) throw bad("an integer");
    if (!fits(v, -2147483647, 2147483647)) throw too_large(32);
    return static_cast<int>(v.get<std::int64_t>());
  }
  std::int64_t integer64() const {
    if (!v.is_number_integer()) throw bad("an integer");
    if (!fits(v, std::numeric_limits<std::int64_t>::min(),
              std::numeric_limits<std::int64_t>::max())) {
      throw too_large(64);
    }
    return v.get<std::int64_t>();
  }
  double number() const {
    if (!v.is_number()) throw bad("a number");
    return v.get<double>() + 0.0;  // -0.0 is +0.0 (config.json never holds -0.0)
  }
  std::string string() const {
    if (!v.is_string()) throw bad("a string");
    return v.get<std::string>();
  }
  std::vector<std::string> strings() const {
    if (!v.is_array()) throw bad("an array of strings");
    std::vector<std::string> out;
    for (const json& x : v) {
      if (!x.is_string()) throw bad("an array of strings");
      out.push_back(x.get<std::string>());
    }
    return out;
  }
  // Parses a string with `parse`, turning its error into "config key 'key': what".
  template <typename Parse>
  auto parsed(const std::string& text, Parse parse, const std::string& what) const {
    try {
      return parse(text);
    } catch (const Error&) {
      fail_key(key, what);
    }
  }
};

// Sets the key of c that `key` names; false for an unknown key.
bool set_key(ExperimentConfig& c, const Value& v) {
  const std::string& key = v.key;
  if (key == "experiment") {
    c.experiment = parse_experiment_kind(v.string());
  } else if (key == "size") {
    c.size = parse_experiment_size(v.string());
  } else if (key == "sets") {
    c.sets = v.strings();
  } else if (key == "filters") {
    if (!v.v.is_array()) throw v.bad("an array of integers");
    c.filters.clear();
    for (const json& x : v.v) {
      if (!x.is_number_integer()) throw v.bad("an array of integers");
      if (!Value::fits(x, -2147483647, 2147483647)) {
        throw Error(v.source + ": config key 'filters': " + x.dump() +
                    " does not fit a 32-bit integer");
      }
      c.filters.push_back(static_cast<int>(x.get<std::int64_t>()));
    }
  } else if (key == "seeds") {
    c.seeds = v.integer();
  } else if (key == "methods") {
    c.methods.clear();
    for (const std::string& m : v.strings()) {
      c.methods.push_back(
          v.parsed(m, parse_method,
                   "unknown method '" + m + "' (ig, deeplift, fp, grad, saliency, ixg, ism)"));
    }
  } else if (key == "effects") {
    c.effects.clear();
    for (const std::string& e : v.strings()) {
      c.effects.push_back(
          v.parsed(e, parse_effect,
                   "unknown effect '" + e + "' (additive, enhancing, inhibiting, quadratic)"));
    }
  } else if (key == "ig_steps") {
    c.ig_steps = v.integer();
  } else if (key == "fp_batch") {
    c.fp_batch = v.integer();
  } else if (key == "length") {
    c.length = v.integer();
  } else if (key == "seed") {
    // JSON's -0 is a signed integer 0.
    const bool zero = v.v.is_number_integer() && v.v.get<std::int64_t>() == 0;
    if (!v.v.is_number_unsigned() && !zero) throw v.bad("a non-negative integer");
    c.seed = zero ? 0 : v.v.get<std::uint64_t>();
  } else if (key == "pseudocount") {
    c.pseudocount = v.number();
  } else if (key == "min_instance_score") {
    if (v.v.is_null()) {
      c.min_instance_score.reset();
    } else if (v.v.is_number()) {
      c.min_instance_score = v.v.get<double>() + 0.0;  // -0.0 is 0, as for a flag
    } else {
      throw v.bad("a number or null (off)");
    }
  } else {
    return false;
  }
  return true;
}

// The training, model, scoring and where keys; false for an unknown key.
bool set_model_key(ExperimentConfig& c, const Value& v) {
  const std::string& key = v.key;
  std::int64_t* sizes[] = {&c.train,
                           &c.valid,
                           &c.test_positives,
                           &c.test_per_subset,
                           &c.regression_train,
                           &c.regression_valid,
                           &c.test_per_count};
  const char* size_keys[] = {"train",
                             "valid",
                             "test_positives",
                             "test_per_subset",
                             "regression_train",
                             "regression_valid",
                             "test_per_count"};
  for (std::size_t i = 0; i < 7; ++i) {
    if (key == size_keys[i]) {
      *sizes[i] = v.integer64();
      return true;
    }
  }
  if (key == "epochs") {
    c.epochs = v.integer();
  } else if (key == "patience") {
    c.patience = v.integer();
  } else if (key == "batch") {
    c.batch = v.integer();
  } else if (key == "lr") {
    c.lr = v.number();
  } else if (key == "pool") {
    // "global" or a JSON integer: a numeric string ("10") is refused, as for every other key.
    if (v.v.is_string() && v.v.get<std::string>() == "global") {
      c.model.pool = {true, 0};
    } else if (v.v.is_number_integer()) {
      c.model.pool = {false, v.integer()};
    } else {
      throw v.bad("\"global\" or an integer");
    }
  } else if (key == "batchnorm") {
    if (!v.v.is_boolean()) throw v.bad("true or false");
    c.model.batchnorm = v.v.get<bool>();
  } else if (key == "padding") {
    c.model.padding = v.parsed(v.string(), parse_padding, "must be same or valid");
  } else if (key == "activation") {
    c.model.activation = v.parsed(v.string(), parse_activation, "must be relu or exp");
  } else if (key == "width") {
    c.model.width = v.integer();
  } else if (key == "hidden1") {
    c.model.hidden1 = v.integer();
  } else if (key == "hidden2") {
    c.model.hidden2 = v.integer();
  } else if (key == "conv2_width") {
    c.model.conv2_width = v.integer();
  } else if (key == "architecture") {
    if (v.v.is_null()) {
      c.architecture.clear();
    } else if (v.v.is_object()) {
      c.architecture = architecture_json(parse_architecture(v.v.dump(), "key 'architecture'"));
    } else if (v.v.is_string()) {
      c.architecture = architecture_json(read_architecture(v.v.get<std::string>()));
    } else {
      throw v.bad("an architecture (a JSON object), a file's path or null (the paper's model)");
    }
  } else if (key == "bootstrap") {
    c.bootstrap = v.integer();
  } else if (key == "threads") {
    c.compute.threads = v.integer();
  } else if (key == "device") {
    c.compute.device = v.parsed(v.string(), parse_device, "must be auto, cpu or cuda");
  } else {
    return false;
  }
  return true;
}

}  // namespace

ExperimentConfig apply_config_json(const ExperimentConfig& base, const std::string& text,
                                   const std::string& source) {
  json j;
  // A key given twice in one object would be last-wins: an error naming it. One set of keys
  // per open object (the architecture's objects too).
  std::vector<std::set<std::string>> open_objects;
  std::string twice;
  const auto note_key = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && twice.empty() && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second) {
      twice = parsed.get<std::string>();
    }
    return true;
  };
  try {
    j = json::parse(text, note_key);
  } catch (const std::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
  if (!twice.empty()) throw Error(source + ": key '" + twice + "' given twice");
  if (!j.is_object()) throw Error(source + ": must be a JSON object");
  ExperimentConfig c = base;
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const Value v{source, it.key(), it.value()};
      if (!set_key(c, v) && !set_model_key(c, v)) {
        throw Error(source + ": unknown key '" + it.key() + "'");
      }
    }
    if (!c.architecture.empty() && !j.contains("filters")) {
      c.filters = {first_conv_channels(parse_architecture(c.architecture, "architecture"))};
    }
    validate(c);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(source + ": ", 0) == 0) throw;
    throw Error(source + ": " + what);
  }
  return c;
}

std::string first_config_difference(const std::string& old_text, const std::string& new_text,
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

void check_and_write_config(const ExperimentConfig& c, const std::string& out, bool force) {
  const std::string text = config_to_json(c);
  const fs::path p = fs::path(out) / "config.json";
  if (fs::exists(p) && !force) {
    const std::string old = read_file(p.string());
    std::string ov, nv, key;
    try {
      key = first_config_difference(old, text, &ov, &nv);
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
  make_directories(out);
  write_file_atomic(p.string(), text);
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

}  // namespace mint

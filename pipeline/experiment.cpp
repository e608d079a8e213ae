// The experiment runner (pipeline/experiment.hpp, docs/experiment.md): plans the steps, skips
// the fresh ones, runs the rest. Each step is one call into the pipeline — simulate,
// train_and_save, attribute_models, evaluate + score_attribution_file + the table builders,
// write_report — the same functions the standalone commands call.
#include "pipeline/experiment.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "io/sequential_io.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/report/report.hpp"
#include "pipeline/simulate.hpp"
#include "pipeline/tables.hpp"

namespace mint {

namespace fs = std::filesystem;

namespace {

// One model of a set: M_w and M_wo (negatives), one per effect (interactions).
struct ModelPlan {
  std::string name;
  std::string train_data;  // data directory it trains on
  std::string test_data;   // data directory whose test split it is evaluated and attributed on
  bool classification = true;
};

struct SetPlan {
  std::string spec;  // as configured
  std::string name;  // directory name
  std::vector<ModelPlan> models;
};

bool has_negatives(const ExperimentConfig& c) {
  return c.experiment != ExperimentKind::interactions;
}
bool has_interactions(const ExperimentConfig& c) {
  return c.experiment != ExperimentKind::negatives;
}

std::vector<SetPlan> make_plan(const ExperimentConfig& c) {
  std::vector<SetPlan> plan;
  for (const std::string& spec : c.sets) {
    SetPlan p;
    p.spec = spec;
    p.name = set_label(spec);
    if (has_negatives(c)) {
      p.models.push_back({"M_w", "data_w", "data_w", true});
      p.models.push_back({"M_wo", "data_wo", "data_w", true});  // the same test sequences
    }
    if (has_interactions(c)) {
      for (Effect e : c.effects) {
        const std::string dir = "data_" + to_string(e);
        p.models.push_back({to_string(e), dir, dir, false});
      }
    }
    plan.push_back(p);
  }
  return plan;
}

std::vector<std::string> data_dirs(const ExperimentConfig& c) {
  std::vector<std::string> d;
  if (has_negatives(c)) d = {"data_w", "data_wo"};
  if (has_interactions(c)) {
    for (Effect e : c.effects) d.push_back("data_" + to_string(e));
  }
  return d;
}

SimulationOptions simulation_options(const ExperimentConfig& c, const std::string& dir) {
  SimulationOptions o;
  o.length = c.length;
  o.seed = c.seed;
  o.pseudocount = c.pseudocount;
  o.min_instance_score = c.min_instance_score;
  o.grammar.filter_width = c.model.width;
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

[[noreturn]] void fail_plan_key(const std::string& key, const std::string& what) {
  throw Error("config key '" + key + "': " + what);
}

// One set's model geometry: K fits L, the pool fits the conv outputs, conv2 the pooled ones.
void check_geometry(const ExperimentConfig& c, const MotifSet& motifs) {
  const int L = c.length;
  const int K = c.model.width > 0 ? c.model.width : static_cast<int>(motifs.max_length());
  const std::string of_set = " (set " + set_label(motifs.name) + ")";
  if (K > L) {
    fail_plan_key(c.model.width > 0 ? "width" : "length",
                  "the filter width K = " + std::to_string(K) + " is longer than length " +
                      std::to_string(L) + of_set);
  }
  const int conv = c.model.padding == Padding::same ? L : L - K + 1;
  const int pool = c.model.pool.global ? conv : c.model.pool.width;
  if (pool > conv) {
    fail_plan_key("pool", std::to_string(pool) + " is longer than the " + std::to_string(conv) +
                              " conv outputs of length " + std::to_string(L) + of_set +
                              ": nothing reaches fc1");
  }
  const int pooled = conv / pool;
  if (c.model.conv2_width > pooled) {
    fail_plan_key("conv2_width", std::to_string(c.model.conv2_width) + " is longer than the " +
                                     std::to_string(pooled) + " pooled positions it convolves (" +
                                     std::to_string(conv) + " conv outputs / pool " +
                                     std::to_string(pool) + ")" + of_set);
  }
}

// The splits of every data set fit their designs ("--valid 20 is too small ..." with the
// experiment's flag for regression data sets).
void check_designs(const ExperimentConfig& c, const MotifSet& motifs) {
  for (const std::string& dir : data_dirs(c)) {
    const SimulationOptions o = simulation_options(c, dir);
    const DesignOptions& d = o.design;
    try {
      check_simulation_memory(plan_simulation(motifs, o));
    } catch (const Error& e) {
      std::string what = e.what();
      // core/grammar's hint names simulate's flags (--filter-width, --gaps): the experiment's
      // are its length and width, named by the flag or the config file (check_plan's callers).
      const auto but = what.find(" but --length is ");
      if (what.rfind("the grammar spans ", 0) == 0 && but != std::string::npos) {
        fail_plan_key("length", what.substr(0, but) + " but the length is " +
                                    std::to_string(c.length) + " (" + dir + " of set " +
                                    set_label(motifs.name) + "); use a longer length" +
                                    (c.model.width > 0 ? " or a smaller width" : ""));
      }
      if (d.kind == DesignKind::regression &&
          (what.rfind("--train ", 0) == 0 || what.rfind("--valid ", 0) == 0)) {
        what = "--regression-" + what.substr(2);
      }
      throw Error(what + " (" + dir + " of set " + set_label(motifs.name) + ")");
    }
  }
}

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

struct Step {
  std::string name;
  std::function<bool()> is_fresh;
  std::function<void()> run;
};

class Runner {
 public:
  Runner(const ExperimentConfig& c, const RunOptions& o)
      : c_(c), o_(o), out_(o.out), live_(!o.quiet && ::isatty(1) == 1), plan_(make_plan(c)) {}

  ExperimentResult run();

 private:
  fs::path set_dir(const SetPlan& s) const { return out_ / s.name; }
  fs::path data_dir(const SetPlan& s, const std::string& d) const { return set_dir(s) / d; }
  fs::path model_file(const SetPlan& s, const ModelPlan& m, int f, int seed,
                      const char* ext) const {
    return set_dir(s) / "models" / (model_stem(m.name, f, static_cast<std::uint64_t>(seed)) + ext);
  }
  fs::path attr_path(const SetPlan& s, const ModelPlan& m, int f, Method method) const {
    return set_dir(s) / "attr" /
           (m.name + "_f" + std::to_string(f) + "_" + to_string(method) + ".npy");
  }
  const Simulation& dataset(const fs::path& dir) {
    auto it = cache_.find(dir.string());
    if (it != cache_.end()) return it->second;
    return cache_.emplace(dir.string(), load_dataset(dir.string())).first->second;
  }
  std::vector<Model> load_seed_models(const SetPlan& s, const ModelPlan& m, int f) const;

  std::vector<Step> plan_steps(Stage stage, bool sharded);
  void simulate_data(const SetPlan& s, const std::string& d);
  void train_job(const SetPlan& s, const ModelPlan& m, int f, int seed);
  void attribute_job(const SetPlan& s, const ModelPlan& m, int f, Method method);
  // The tables of one (set, filters, model); M_w's and M_wo's groups kept for the differences.
  void model_tables(Tables& t, const SetPlan& s, const ModelPlan& m, int f,
                    std::map<Method, std::vector<MotifGroup>>* groups);
  void write_all_tables();
  std::vector<fs::path> table_paths() const;
  std::vector<fs::path> all_inputs() const;
  void remove_temporaries() const;

  const ExperimentConfig& c_;
  const RunOptions& o_;
  fs::path out_;
  std::string status_;        // "[i/N] step …" of the running step, for live status lines
  ProgressFn step_progress_;  // the running step's calls report (steps done, steps) through it
  bool live_ = false;         // stdout is a terminal and not quiet: redraw status_ with details
  std::vector<SetPlan> plan_;
  std::map<std::string, Simulation> cache_;
};

std::vector<Model> Runner::load_seed_models(const SetPlan& s, const ModelPlan& m, int f) const {
  std::vector<Model> models;
  for (int seed = 1; seed <= c_.seeds; ++seed) {
    const fs::path p = model_file(s, m, f, seed, ".safetensors");
    if (!fs::exists(p)) {
      throw Error(p.string() + ": missing; run the train stage (or merge the shards) first");
    }
    models.push_back(load_model(p.string()));
  }
  return models;
}

void Runner::simulate_data(const SetPlan& s, const std::string& d) {
  const MotifSet motifs = load_motifs(s.spec);
  const Simulation sim = simulate(motifs, simulation_options(c_, d), c_.compute.backend(),
                                  c_.compute.threads, step_progress_);
  write_dataset(sim, data_dir(s, d).string());
  cache_.erase(data_dir(s, d).string());
}

void Runner::train_job(const SetPlan& s, const ModelPlan& m, int f, int seed) {
  const Simulation& data = dataset(data_dir(s, m.train_data));
  ModelSpec spec = c_.model;
  spec.filters = f;
  TrainOptions t;
  t.batch = c_.batch;
  t.max_epochs = c_.epochs;
  t.patience = c_.patience;
  t.adam.lr = static_cast<decltype(t.adam.lr)>(c_.lr);
  t.seed = static_cast<std::uint64_t>(seed);
  t.print_progress = false;
  t.progress = step_progress_;
  if (live_) {
    t.on_epoch = [this, &t](const EpochLog& e) {
      std::printf("\r\033[K%s epoch %d/%d, valid loss %.4f", status_.c_str(), e.epoch, t.max_epochs,
                  e.valid_loss);
      std::fflush(stdout);
    };
  }
  const std::string dir = (set_dir(s) / "models").string();
  const std::string stem = model_stem(m.name, f, static_cast<std::uint64_t>(seed));
  if (!c_.architecture.empty()) {
    train_and_save(data, parse_architecture(c_.architecture, "architecture"), t, c_.compute, dir,
                   stem);
    return;
  }
  if (spec.conv2_width > 0) {
    train_and_save(data, pooled_conv_architecture(model_config(data, spec), spec.conv2_width), t,
                   c_.compute, dir, stem);
    return;
  }
  train_and_save(data, model_config(data, spec), t, c_.compute, dir, stem);
}

void Runner::attribute_job(const SetPlan& s, const ModelPlan& m, int f, Method method) {
  const std::vector<Model> models = load_seed_models(s, m, f);
  const SplitData& test = find_split(dataset(data_dir(s, m.test_data)), "test");
  AttributeOptions o;
  o.method = method;
  o.ig_steps = c_.ig_steps;
  o.fp_batch = c_.fp_batch;
  o.compute = c_.compute;
  o.progress = step_progress_;
  CnnInput in;
  in.codes = test.codes.data();
  const std::vector<float> attr = attribute_models(models, in, test.size(), test.length, o).values;
  make_directories((set_dir(s) / "attr").string());
  write_npy<float>(attr_path(s, m, f, method).string(), {test.size(), 4, test.length}, attr.data());
}

void Runner::model_tables(Tables& t, const SetPlan& s, const ModelPlan& m, int f,
                          std::map<Method, std::vector<MotifGroup>>* groups) {
  const Simulation& data = dataset(data_dir(s, m.test_data));
  const SplitData& test = find_split(data, "test");
  const std::vector<Model> models = load_seed_models(s, m, f);
  const RowOwner owner{s.name, f, m.name};
  CnnInput in;
  in.codes = test.codes.data();
  const Evaluation e =
      evaluate(predict_each(models, in, test.size(), test.length, c_.compute, step_progress_), test,
               data.motifs, data.options.design);
  add_accuracy_rows(t, owner, e);
  for (int seed = 1; seed <= c_.seeds; ++seed) {
    add_training_row(t, owner, static_cast<std::uint64_t>(seed),
                     read_training_log(model_file(s, m, f, seed, ".log.tsv").string()));
  }
  add_filter_rows(t, owner, models.front());
  BootstrapOptions boot;
  boot.resamples = c_.bootstrap;
  ScoreOptions so;
  so.backend = c_.compute.backend();
  for (Method method : c_.methods) {
    const ScoredAttribution scored = score_attribution_file(attr_path(s, m, f, method).string(),
                                                            test, data, method == Method::ism, so);
    const std::vector<MotifGroup> g = group_scores(scored.rows, Metric::auprc);
    add_auprc_rows(t, owner, to_string(method), scored, data.motifs, test,
                   m.classification ? nullptr : &e.ensemble);
    add_summary_rows(t, owner, to_string(method), summarize_groups(scored, g, test, data, boot),
                     data.motifs, Metric::auprc);
    if (groups != nullptr) (*groups)[method] = g;
  }
}

void Runner::write_all_tables() {
  Tables t;
  for (const auto* l : layouts::experiment()) t[*l];  // every table, even when empty
  BootstrapOptions boot;
  boot.resamples = c_.bootstrap;
  for (const SetPlan& s : plan_) {
    for (int f : c_.filters) {
      // Per-sequence AUPRC groups of M_w and M_wo, paired for the Δ medians.
      std::map<Method, std::vector<MotifGroup>> w, wo;
      for (const ModelPlan& m : s.models) {
        model_tables(t, s, m, f, m.name == "M_w" ? &w : m.name == "M_wo" ? &wo : nullptr);
      }
      if (w.empty()) continue;
      const MotifSet& motifs = dataset(data_dir(s, "data_w")).motifs;
      for (const auto& [method, groups] : w) {
        add_difference_rows(t, {s.name, f, ""}, to_string(method), groups, wo[method], motifs, boot,
                            Metric::auprc);
      }
    }
  }
  write_tables(out_.string(), t);
}

std::vector<fs::path> Runner::table_paths() const {
  std::vector<fs::path> p;
  for (const auto* l : layouts::experiment()) p.push_back(out_ / "tables" / l->file());
  return p;
}

std::vector<fs::path> Runner::all_inputs() const {
  std::vector<fs::path> in;
  for (const SetPlan& s : plan_) {
    for (const std::string& d : data_dirs(c_)) in.push_back(data_dir(s, d) / "dataset.json");
    for (const ModelPlan& m : s.models) {
      for (int f : c_.filters) {
        for (int seed = 1; seed <= c_.seeds; ++seed) {
          in.push_back(model_file(s, m, f, seed, ".safetensors"));
          in.push_back(model_file(s, m, f, seed, ".log.tsv"));
        }
        for (Method method : c_.methods) in.push_back(attr_path(s, m, f, method));
      }
    }
  }
  return in;
}

// The temporaries that killed runs left in the directories a run writes (io/atomic_file).
void Runner::remove_temporaries() const {
  remove_stale_temporaries(out_.string());
  remove_stale_temporaries((out_ / "tables").string());
  for (const SetPlan& s : plan_) {
    remove_stale_temporaries(set_dir(s).string());
    for (const std::string& d : data_dirs(c_)) remove_stale_temporaries(data_dir(s, d).string());
    remove_stale_temporaries((set_dir(s) / "models").string());
    remove_stale_temporaries((set_dir(s) / "attr").string());
  }
}

// The steps: data per set, then the job grid (train jobs, then attribute jobs; a shard takes
// index % N == i of its stage), then tables and report for a whole run.
std::vector<Step> Runner::plan_steps(Stage stage, bool sharded) {
  std::vector<Step> steps;
  for (const SetPlan& s : plan_) {
    for (const std::string& d : data_dirs(c_)) {
      steps.push_back({"data " + s.name + " " + d,
                       [this, &s, d] { return fs::exists(data_dir(s, d) / "dataset.json"); },
                       [this, &s, d] { simulate_data(s, d); }});
    }
  }
  std::size_t job = 0;
  auto mine = [&](std::size_t index) {
    return index % static_cast<std::size_t>(o_.shard_count) ==
           static_cast<std::size_t>(o_.shard_index);
  };
  for (const SetPlan& s : plan_) {
    for (const ModelPlan& m : s.models) {
      for (int f : c_.filters) {
        for (int seed = 1; seed <= c_.seeds; ++seed) {
          if (!mine(job++) || stage == Stage::attribute) continue;
          steps.push_back({"train " + s.name + " " + m.name + " f" + std::to_string(f) + " seed " +
                               std::to_string(seed),
                           [this, &s, &m, f, seed] {
                             return fresh({model_file(s, m, f, seed, ".safetensors"),
                                           model_file(s, m, f, seed, ".log.tsv")},
                                          {data_dir(s, m.train_data) / "dataset.json"});
                           },
                           [this, &s, &m, f, seed] { train_job(s, m, f, seed); }});
        }
      }
    }
  }
  for (const SetPlan& s : plan_) {
    for (const ModelPlan& m : s.models) {
      for (int f : c_.filters) {
        for (Method method : c_.methods) {
          if (!mine(job++) || stage == Stage::train) continue;
          steps.push_back({"attribute " + s.name + " " + m.name + " f" + std::to_string(f) + " " +
                               to_string(method),
                           [this, &s, &m, f, method] {
                             std::vector<fs::path> in = {data_dir(s, m.test_data) / "dataset.json"};
                             for (int seed = 1; seed <= c_.seeds; ++seed) {
                               in.push_back(model_file(s, m, f, seed, ".safetensors"));
                             }
                             return fresh({attr_path(s, m, f, method)}, in);
                           },
                           [this, &s, &m, f, method] { attribute_job(s, m, f, method); }});
        }
      }
    }
  }
  if (!sharded && stage == Stage::all) {
    steps.push_back({"tables", [this] { return fresh(table_paths(), all_inputs()); },
                     [this] { write_all_tables(); }});
    steps.push_back({"report", [this] { return fresh({out_ / "report.html"}, table_paths()); },
                     [this] { write_report(out_.string()); }});
  }
  return steps;
}

ExperimentResult Runner::run() {
  const bool sharded = o_.shard_count > 1;
  const Stage stage = sharded && o_.stage == Stage::all ? Stage::train : o_.stage;
  check_and_write_config(c_, out_.string(), o_.force);
  remove_temporaries();
  const std::vector<Step> steps = plan_steps(stage, sharded);
  ExperimentResult result;
  const std::size_t total = steps.size();
  const auto steps_total = static_cast<std::int64_t>(total);
  report_progress(o_.progress, 0, steps_total);
  for (std::size_t i = 0; i < total; ++i) {
    const Step& st = steps[i];
    if (o_.progress) {
      step_progress_ = [this, i, steps_total](std::int64_t, std::int64_t) {
        report_progress(o_.progress, static_cast<std::int64_t>(i), steps_total);
      };
    }
    StepStatus status{st.name, false, 0};
    if (!o_.force && st.is_fresh()) {
      if (!o_.quiet) std::printf("[%zu/%zu] %s: skipped\n", i + 1, total, st.name.c_str());
    } else {
      char counter[48];
      std::snprintf(counter, sizeof counter, "[%zu/%zu] ", i + 1, total);
      status_ = counter + st.name + " …";
      if (!o_.quiet) {
        std::printf("%s", status_.c_str());
        std::fflush(stdout);
        set_line_open(stdout, true);
      }
      const auto t0 = std::chrono::steady_clock::now();
      st.run();
      status.ran = true;
      status.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // A live status line was redrawn over the step's line: write the step's line again.
      if (live_) std::printf("\r\033[K%s", status_.c_str());
      if (!o_.quiet) {
        std::printf(" %.1f s\n", status.seconds);
        set_line_open(stdout, false);
      }
    }
    if (!o_.quiet) std::fflush(stdout);
    result.steps.push_back(status);
    report_progress(o_.progress, static_cast<std::int64_t>(i + 1), steps_total);
  }
  return result;
}

}  // namespace

ExperimentResult run_experiment(const ExperimentConfig& config, const RunOptions& options) {
  validate(config);
  check_memory(config);
  check_plan(config);
  if (options.out.empty()) throw Error("--out: no output directory given");
  if (options.shard_count < 1 || options.shard_index < 0 ||
      options.shard_index >= options.shard_count) {
    throw Error("--shard: index must be in [0, N)");
  }
  Runner runner(config, options);
  return runner.run();
}

void check_plan(const ExperimentConfig& c) {
  for (const std::string& spec : c.sets) {
    MotifSet motifs;
    try {
      motifs = load_motifs(spec);
    } catch (const Error& e) {
      fail_plan_key("sets", e.what());
    }
    if (c.architecture.empty()) check_geometry(c, motifs);
    check_designs(c, motifs);
  }
}

// ---- merging shards -------------------------------------------------------------------------

namespace {

void copy_file_atomic(const fs::path& from, const fs::path& to) {
  make_directories(to.parent_path().string());
  const fs::path tmp = temporary_path(to.string());
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp);
    throw Error(to.string() + ": cannot copy from " + from.string() + " (" + ec.message() + ")");
  }
}

// The shards' common config.json text; mint::Error naming the first key that differs.
std::string shards_config(const std::vector<std::string>& shard_dirs) {
  std::string first_text;
  for (const std::string& d : shard_dirs) {
    const fs::path p = fs::path(d) / "config.json";
    if (!fs::exists(p)) throw Error(d + ": no config.json (not an experiment directory)");
    const std::string text = read_file(p.string());
    if (first_text.empty()) {
      first_text = text;
      continue;
    }
    std::string ov, nv;
    const std::string key = first_config_difference(first_text, text, &ov, &nv);
    if (!key.empty()) {
      throw Error(p.string() + ": key '" + key + "' is " + nv + " but " + ov + " in " +
                  shard_dirs.front() + "/config.json; shards of one experiment share a config");
    }
  }
  return first_text;
}

// A data set directory from the first shard that has it complete, dataset.json last.
void copy_data(const std::vector<std::string>& shard_dirs, const fs::path& rel,
               const fs::path& to) {
  for (const std::string& shard : shard_dirs) {
    const fs::path from = fs::path(shard) / rel;
    if (!fs::exists(from / "dataset.json")) continue;
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
    return;
  }
}

// The first of `names` (relative paths, copied in order) found complete in a shard.
void copy_first(const std::vector<std::string>& shard_dirs, const fs::path& out,
                const std::vector<fs::path>& names) {
  if (fs::exists(out / names.back())) return;
  for (const std::string& shard : shard_dirs) {
    bool all = true;
    for (const fs::path& n : names) all = all && fs::exists(fs::path(shard) / n);
    if (!all) continue;
    for (const fs::path& n : names) copy_file_atomic(fs::path(shard) / n, out / n);
    return;
  }
}

}  // namespace

ExperimentResult merge_experiments(const std::vector<std::string>& shard_dirs,
                                   const RunOptions& options) {
  if (shard_dirs.empty()) throw Error("merge: give at least one shard directory");
  if (options.shard_count != 1 || options.stage != Stage::all) {
    throw Error("merge: runs the whole experiment (no --shard, --stage all)");
  }
  const std::string text = shards_config(shard_dirs);
  const ExperimentConfig config = apply_config_json(
      ExperimentConfig{}, text, (fs::path(shard_dirs.front()) / "config.json").string());
  const fs::path out(options.out);
  check_and_write_config(config, out.string(), options.force);

  const std::vector<SetPlan> plan = make_plan(config);
  // Data first, then models (log before model), then attributions, so that every copy is at
  // least as new as what it depends on.
  for (const SetPlan& s : plan) {
    for (const std::string& d : data_dirs(config)) {
      const fs::path rel = fs::path(s.name) / d;
      if (!fs::exists(out / rel / "dataset.json")) copy_data(shard_dirs, rel, out / rel);
    }
  }
  for (const SetPlan& s : plan) {
    for (const ModelPlan& m : s.models) {
      for (int f : config.filters) {
        for (int seed = 1; seed <= config.seeds; ++seed) {
          const fs::path stem =
              fs::path(s.name) / "models" / model_stem(m.name, f, static_cast<std::uint64_t>(seed));
          copy_first(shard_dirs, out, {stem.string() + ".log.tsv", stem.string() + ".safetensors"});
        }
      }
    }
  }
  for (const SetPlan& s : plan) {
    for (const ModelPlan& m : s.models) {
      for (int f : config.filters) {
        for (Method method : config.methods) {
          copy_first(shard_dirs, out,
                     {fs::path(s.name) / "attr" /
                      (m.name + "_f" + std::to_string(f) + "_" + to_string(method) + ".npy")});
        }
      }
    }
  }
  RunOptions run = options;
  run.force = false;  // the config was replaced above if forced; the copies are kept
  return run_experiment(config, run);
}

}  // namespace mint

// The experiment runner (pipeline/experiment.hpp): a tiny run writes every table of
// docs/experiment.md, a rerun skips everything, deleting a model reruns only what depends on
// it, 3 shards + merge equal the single run byte for byte, and the paper's main effect
// (M_wo fails on 3-motif negatives where M_w succeeds) shows at a small size.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/model_io.hpp"
#include "io/sequential_io.hpp"
#include "pipeline/experiment.hpp"

namespace fs = std::filesystem;
using namespace mint;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() /
                     ("mint_test_experiment_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

// Tiny: 4 filters, 2 seeds, 2 epochs, L = 100, one regression effect.
ExperimentConfig tiny(const std::string& experiment = "all") {
  ExperimentConfig c = default_config(parse_experiment_kind(experiment), ExperimentSize::quick);
  c.filters = {4};
  c.seeds = 2;
  c.effects = {Effect::additive};
  c.length = 100;
  c.train = 300;
  c.valid = 60;
  c.test_positives = 20;
  c.test_per_subset = 4;
  c.regression_train = 300;
  c.regression_valid = 60;
  c.test_per_count = 6;
  c.epochs = 2;
  c.ig_steps = 8;
  c.fp_batch = 16;
  c.bootstrap = 50;
  c.compute.threads = 1;
  validate(c);
  return c;
}

RunOptions opts(const fs::path& out) {
  RunOptions o;
  o.out = out.string();
  o.quiet = true;
  return o;
}

struct Tsv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t col(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, '\t')) out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.push_back("");
  return out;
}

Tsv read_tsv(const fs::path& p) {
  std::istringstream in(read_file(p.string()));
  Tsv t;
  std::string line;
  std::getline(in, line);
  t.header = split_tabs(line);
  while (std::getline(in, line)) {
    t.rows.push_back(split_tabs(line));
    EXPECT_EQ(t.rows.back().size(), t.header.size()) << p << ": " << line;
  }
  return t;
}

double num(const std::string& s) { return s == "nan" ? NAN : std::stod(s); }

const std::map<std::string, std::vector<std::string>> kHeaders = {
    {"accuracy_by_count", {"set", "filters", "model", "n_present", "sequences", "accuracy"}},
    {"accuracy_by_pair", {"set", "filters", "model", "pair", "sequences", "accuracy"}},
    {"regression_binned",
     {"set", "filters", "effect", "n_present", "sequences", "binned_accuracy", "mean_abs_error"}},
    {"auprc",
     {"set", "filters", "model", "method", "motif", "n_present", "sequence", "auprc",
      "average_precision", "auroc", "abs_error"}},
    {"auprc_summary",
     {"set", "filters", "model", "method", "motif", "n_present", "sequences", "median", "q1", "q3",
      "mean", "median_lo", "median_hi", "pooled_auprc", "whisker_lo", "whisker_hi"}},
    {"auprc_differences",
     {"set", "filters", "method", "motif", "n_present", "pairs", "delta_median", "lo", "hi"}},
    {"filters", {"set", "filters", "model", "filter", "position", "A", "C", "G", "T"}},
    {"training",
     {"set", "filters", "model", "seed", "epochs", "best_epoch", "valid_loss", "valid_metric"}},
};

std::map<std::string, fs::file_time_type> mtimes(const fs::path& dir) {
  std::map<std::string, fs::file_time_type> m;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) m[e.path().string()] = e.last_write_time();
  }
  return m;
}

std::map<std::string, std::string> tables(const fs::path& dir) {
  std::map<std::string, std::string> t;
  for (const auto& [name, header] : kHeaders) {
    t[name] = read_file((dir / "tables" / (name + ".tsv")).string());
  }
  return t;
}

bool g_single_made = false;

// The single tiny run, shared by the tests below (made once per process; removed at exit).
const fs::path& single_run() {
  static const fs::path dir = [] {
    const fs::path d = temp_dir("single");
    g_single_made = true;
    RunOptions o = opts(d);
    const ExperimentResult r = run_experiment(tiny(), o);
    EXPECT_EQ(r.ran(), static_cast<int>(r.steps.size()));
    return d;
  }();
  return dir;
}

class Cleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_single_made) fs::remove_all(single_run());
  }
};
const auto* const g_cleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace

TEST(Experiment, ConfigJsonRoundTripsAndRejectsBadKeys) {
  const ExperimentConfig c = tiny();
  const ExperimentConfig back = apply_config_json(ExperimentConfig{}, config_to_json(c));
  EXPECT_EQ(config_to_json(back), config_to_json(c));
  EXPECT_EQ(default_config(ExperimentKind::all, ExperimentSize::full).seeds, 5);
  EXPECT_EQ(default_config(ExperimentKind::all, ExperimentSize::full).filters,
            (std::vector<int>{4, 32}));
  // The default model is the paper's (global pooling, no second conv); "conv2_width" adds the
  // second convolution of docs/model-defaults.md after a numeric pool.
  for (ExperimentSize size : {ExperimentSize::quick, ExperimentSize::full}) {
    EXPECT_EQ(to_string(default_config(ExperimentKind::all, size).model.pool), "global");
    EXPECT_EQ(default_config(ExperimentKind::all, size).model.conv2_width, 0);
  }
  // conv2 convolves the length / pool pooled positions (tiny(): length 100): 10 at most.
  const ExperimentConfig two = apply_config_json(c, R"({"pool": 10, "conv2_width": 10})");
  EXPECT_EQ(two.model.conv2_width, 10);
  EXPECT_EQ(apply_config_json(ExperimentConfig{}, config_to_json(two)).model.conv2_width, 10);
  for (const char* bad :
       {R"({"conv2_width": -1})", R"({"conv2_width": 13})", R"({"pool": 10, "conv2_width": 11})",
        R"({"pool": 10, "conv2_width": 100000})"}) {
    try {
      apply_config_json(c, bad, "f.json");
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'conv2_width'"), std::string::npos) << e.what();
    }
  }
  try {
    apply_config_json(c, R"({"epoch": 3})", "f.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'epoch'"), std::string::npos) << e.what();
  }
  try {
    apply_config_json(c, R"({"pool": "wide"})", "f.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'pool'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(to_string(apply_config_json(c, R"({"pool": 10})").model.pool), "10");
  // The minimum instance score: 0.6 by default, null turns it off, and it round-trips.
  EXPECT_EQ(default_config(ExperimentKind::all, ExperimentSize::quick).min_instance_score, 0.6);
  EXPECT_FALSE(apply_config_json(c, R"({"min_instance_score": null})").min_instance_score);
  EXPECT_EQ(apply_config_json(c, R"({"min_instance_score": 0.5})").min_instance_score, 0.5);
  EXPECT_EQ(apply_config_json(ExperimentConfig{}, config_to_json(apply_config_json(
                                                      c, R"({"min_instance_score": null})")))
                .min_instance_score,
            std::nullopt);
  try {
    apply_config_json(c, R"({"min_instance_score": 1.5})", "f.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("min_instance_score"), std::string::npos) << e.what();
  }
  // Integers that do not fit their key's type are errors naming the key, never truncated
  // (issue 13: filters 2^32 + 4 was read as 4; 2^64 - 1 as -1).
  const std::pair<const char*, const char*> too_big[] = {
      {R"({"filters": [4294967300]})",
       "config key 'filters': 4294967300 does not fit a 32-bit integer"},
      {R"({"seeds": 18446744073709551615})",
       "config key 'seeds': 18446744073709551615 does not fit a 32-bit integer"},
      {R"({"train": 18446744073709551615})",
       "config key 'train': 18446744073709551615 does not fit a 64-bit integer"},
      {R"({"epochs": -4294967296})",
       "config key 'epochs': -4294967296 does not fit a 32-bit integer"}};
  for (const auto& [text, reason] : too_big) {
    try {
      apply_config_json(c, text, "f.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("f.json: ") + reason), std::string::npos)
          << e.what();
    }
  }
  // Ranges in apps/options.hpp's form: the value, then what it must be.
  const std::pair<const char*, const char*> out_of_range[] = {
      {R"({"epochs": 0})", "config key 'epochs': 0 must be >= 1"},
      {R"({"lr": -0.5})", "config key 'lr': -0.5 must be > 0"},
      {R"({"threads": 5000})", "config key 'threads': 5000 must be in [0, 1024] (0: all cores)"}};
  for (const auto& [text, reason] : out_of_range) {
    try {
      apply_config_json(c, text, "f.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("f.json: ") + reason);
    }
  }
  int i = 0, n = 0;
  parse_shard("2/3", i, n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 3);
  EXPECT_THROW(parse_shard("3/3", i, n), Error);
  EXPECT_THROW(parse_shard("x", i, n), Error);
}

// A config file's errors: one line naming the file and the key, and what is wrong.
TEST(Experiment, ConfigRefusesRepeatsAndWrongTypes) {
  const ExperimentConfig c = tiny();
  const std::pair<const char*, const char*> refused[] = {
      {R"({"methods": ["grad", "grad"]})", "f.json: config key 'methods': grad given twice"},
      {R"({"effects": ["additive", "additive"]})",
       "f.json: config key 'effects': additive given twice"},
      {R"({"patience": -1})", "f.json: config key 'patience': -1 must be >= 0"},
      {R"({"pool": 10, "pool": 251})", "f.json: key 'pool' given twice"},
      {R"({"pool": 10, "lr": 0.1, "pool": 10})", "f.json: key 'pool' given twice"},
      {R"({"pool": "10"})", "f.json: key 'pool' must be \"global\" or an integer, got \"10\""},
      {R"({"epochs": "10"})", "f.json: key 'epochs' must be an integer, got \"10\""},
  };
  // Patience 0, as mint train: early stopping at the first epoch without a gain.
  EXPECT_EQ(apply_config_json(c, R"({"patience": 0})", "f.json").patience, 0);
  EXPECT_EQ(apply_config_json(c, R"({"seed": 18446744073709551615})", "f.json").seed,
            std::numeric_limits<std::uint64_t>::max());
  // A signed zero is 0 (apps/options' rule for flags): config.json never holds -0.0.
  EXPECT_FALSE(std::signbit(
      *apply_config_json(c, R"({"min_instance_score": -0.0})", "f.json").min_instance_score));
  EXPECT_FALSE(
      std::signbit(apply_config_json(c, R"({"pseudocount": -0.0})", "f.json").pseudocount));
  EXPECT_EQ(apply_config_json(c, R"({"seed": -0})", "f.json").seed, 0u);
  EXPECT_TRUE(apply_config_json(c, R"({"pool": "global"})", "f.json").model.pool.global);
  EXPECT_EQ(apply_config_json(c, R"({"pool": 10})", "f.json").model.pool.width, 10);
  // A whole config.json has no repeats.
  EXPECT_NO_THROW(apply_config_json(c, config_to_json(c), "f.json"));
  for (const auto& [text, reason] : refused) {
    try {
      apply_config_json(c, text, "f.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), reason);
    }
  }
}

TEST(Experiment, TinyRunWritesEveryTable) {
  const fs::path& d = single_run();
  EXPECT_TRUE(fs::exists(d / "config.json"));
  EXPECT_TRUE(fs::exists(d / "distinct_1" / "models" / "M_w_f4_seed2.safetensors"));
  EXPECT_TRUE(fs::exists(d / "distinct_1" / "attr" / "additive_f4_ig.npy"));
  for (const auto& [name, header] : kHeaders) {
    const Tsv t = read_tsv(d / "tables" / (name + ".tsv"));
    EXPECT_EQ(t.header, header) << name;
    EXPECT_FALSE(t.rows.empty()) << name;
    for (const auto& row : t.rows) {
      EXPECT_EQ(row[0], "distinct_1");
      EXPECT_EQ(row[1], "4");
      for (const char* col : {"accuracy", "binned_accuracy", "auprc", "average_precision", "median",
                              "q1", "q3", "pooled_auprc", "whisker_lo", "whisker_hi"}) {
        if (std::find(header.begin(), header.end(), col) == header.end()) continue;
        const double v = num(row[t.col(col)]);
        if (std::isnan(v)) continue;
        EXPECT_GE(v, 0.0) << name << " " << col;
        EXPECT_LE(v, 1.0) << name << " " << col;
      }
    }
  }
  // Summaries: q1 ≤ median ≤ q3, whiskers outside the box; abs_error only for regression.
  const Tsv s = read_tsv(d / "tables" / "auprc_summary.tsv");
  for (const auto& row : s.rows) {
    EXPECT_LE(num(row[s.col("q1")]), num(row[s.col("median")]));
    EXPECT_LE(num(row[s.col("median")]), num(row[s.col("q3")]));
    EXPECT_LE(num(row[s.col("whisker_lo")]), num(row[s.col("q1")]));
    EXPECT_GE(num(row[s.col("whisker_hi")]), num(row[s.col("q3")]));
  }
  const Tsv a = read_tsv(d / "tables" / "auprc.tsv");
  std::map<std::string, int> methods;
  for (const auto& row : a.rows) {
    ++methods[row[a.col("method")]];
    const bool regression = row[a.col("model")] == "additive";
    EXPECT_EQ(std::isnan(num(row[a.col("abs_error")])), !regression);
  }
  EXPECT_EQ(methods.size(), 3u);
  const Tsv tr = read_tsv(d / "tables" / "training.tsv");
  EXPECT_EQ(tr.rows.size(), 6u);  // (M_w, M_wo, additive) × 2 seeds
  const Tsv f = read_tsv(d / "tables" / "filters.tsv");
  EXPECT_EQ(f.rows.size() % 3, 0u);
  const Tsv diff = read_tsv(d / "tables" / "auprc_differences.tsv");
  EXPECT_FALSE(diff.rows.empty());
  EXPECT_TRUE(fs::exists(d / "report.html"));  // write_report(out) ran last
}

TEST(Experiment, RerunSkipsAndDeletedModelRecomputesItsDependents) {
  const fs::path d = temp_dir("rerun");
  fs::create_directories(d);
  fs::copy(single_run(), d, fs::copy_options::recursive);
  fs::remove(d / "report.html");  // the report is checked in its own test
  RunOptions o = opts(d);
  ExperimentConfig c = tiny();
  // Copies share mtimes in no order; one run settles them, then a rerun must do nothing.
  run_experiment(c, o);
  const auto before = mtimes(d);
  const ExperimentResult again = run_experiment(c, o);
  EXPECT_EQ(again.ran(), 0);
  EXPECT_EQ(mtimes(d), before);

  const auto tables_before = tables(d);
  fs::remove(d / "distinct_1" / "models" / "M_wo_f4_seed2.safetensors");
  const ExperimentResult r = run_experiment(c, o);
  std::vector<std::string> ran;
  for (const StepStatus& s : r.steps) {
    if (s.ran) ran.push_back(s.name);
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"train distinct_1 M_wo f4 seed 2",
                                           "attribute distinct_1 M_wo f4 ig",
                                           "attribute distinct_1 M_wo f4 deeplift",
                                           "attribute distinct_1 M_wo f4 fp", "tables", "report"}));
  EXPECT_EQ(tables(d), tables_before);  // training is deterministic

  // A different config into the same directory is an error naming the key.
  c.epochs = 3;
  try {
    run_experiment(c, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'epochs'"), std::string::npos) << e.what();
  }
  c.epochs = 2;
  c.compute.threads = 1;  // where it runs is not part of what it computes
  EXPECT_EQ(run_experiment(c, o).ran(), 0);
  EXPECT_EQ(mtimes(d).at((d / "config.json").string()), before.at((d / "config.json").string()));
  fs::remove_all(d);
}

TEST(Experiment, ThreeShardsAndMergeEqualTheSingleRun) {
  const fs::path root = temp_dir("shards");
  std::vector<std::string> shard_dirs;
  int trained = 0;
  for (int i = 0; i < 3; ++i) {
    const fs::path d = root / ("shard" + std::to_string(i));
    RunOptions o = opts(d);
    o.shard_index = i;
    o.shard_count = 3;
    const ExperimentResult r = run_experiment(tiny(), o);
    for (const StepStatus& s : r.steps) {
      EXPECT_TRUE(s.name.rfind("data ", 0) == 0 || s.name.rfind("train ", 0) == 0) << s.name;
      trained += s.name.rfind("train ", 0) == 0;
    }
    EXPECT_FALSE(fs::exists(d / "tables"));
    shard_dirs.push_back(d.string());
  }
  EXPECT_EQ(trained, 6);
  const fs::path merged = root / "merged";
  const ExperimentResult r = merge_experiments(shard_dirs, opts(merged));
  for (const StepStatus& s : r.steps) {
    EXPECT_TRUE(s.name.rfind("train ", 0) != 0 || !s.ran) << s.name << " retrained in the merge";
  }
  EXPECT_EQ(tables(merged), tables(single_run()));
  // Differing shard configs are refused.
  ExperimentConfig other = tiny();
  other.seeds = 1;
  RunOptions o = opts(root / "odd");
  o.shard_index = 0;
  o.shard_count = 3;
  run_experiment(other, o);
  shard_dirs.push_back((root / "odd").string());
  EXPECT_THROW(merge_experiments(shard_dirs, opts(root / "merged2")), Error);
  fs::remove_all(root);
}

// "conv2_width" (with a numeric pool) trains the paper's model with a second convolution and a
// global max (core/sequential.hpp: pooled_conv_architecture) as a general sequential model, of
// the data's K and the config's F and L, and the steps after training take it as any model.
TEST(Experiment, Conv2WidthTrainsThePooledConvModel) {
  const fs::path d = temp_dir("conv2");
  ExperimentConfig c = tiny("negatives");
  c.seeds = 1;
  c.methods = {Method::deeplift};
  c.model.pool = {false, 10};
  c.model.conv2_width = 5;
  validate(c);
  run_experiment(c, opts(d));
  const Model m = load_model((d / "distinct_1" / "models" / "M_w_f4_seed1.safetensors").string());
  ASSERT_TRUE(m.is_sequential());
  const SequentialArchitecture& a = m.sequential->arch;
  ModelConfig pc;
  pc.length = 100;
  pc.filters = 4;
  pc.width = a.layers[0].kernel;
  pc.pool = 10;
  EXPECT_EQ(architecture_json(a), architecture_json(pooled_conv_architecture(pc, 5)));
  EXPECT_TRUE(fs::exists(d / "tables" / "auprc_summary.tsv"));
  fs::remove_all(d);
}

// The paper's main effect at a small size (~20–30 s of CPU): trained without motif-subset
// negatives, M_wo calls 3-motif negatives positive; M_w does not.
TEST(Experiment, MwoFailsOnThreeMotifNegatives) {
  const fs::path d = temp_dir("effect");
  ExperimentConfig c = default_config(ExperimentKind::negatives, ExperimentSize::quick);
  c.seeds = 1;
  c.methods = {Method::deeplift};
  c.train = 6000;
  c.valid = 600;
  c.test_positives = 200;
  c.test_per_subset = 40;
  c.epochs = 8;
  c.bootstrap = 50;
  c.compute.threads = 1;
  run_experiment(c, opts(d));
  const Tsv t = read_tsv(d / "tables" / "accuracy_by_count.tsv");
  std::map<std::string, double> three;
  for (const auto& row : t.rows) {
    if (row[t.col("n_present")] == "3") three[row[t.col("model")]] = num(row[t.col("accuracy")]);
  }
  ASSERT_EQ(three.size(), 2u);
  // The paper (distinct_1, 32 filters, 40k sequences): 0.68 vs 0.06; the paper's model here
  // gave 0.65 vs 0.07 (with the default minimum instance score 0.6; 0.58 vs 0.10 without it).
  EXPECT_GE(three["M_w"], three["M_wo"] + 0.35)
      << "M_w " << three["M_w"] << ", M_wo " << three["M_wo"];
  fs::remove_all(d);
}

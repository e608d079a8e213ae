// `mint evaluate --model M [--model M2 …] --data DIR [--out RESULTS]`: the paper's accuracy
// tables on a data set split (test by default) — Table 2 (accuracy per number of present motifs)
// and Table 3 (per motif pair among two-motif sequences) for classification; Table 6 (binned
// accuracy and mean |error| per number of motifs) for regression. With several models (the
// seeds of one configuration) each number is the mean over the models (pipeline/evaluate.hpp).
// Printed as text; with --out, also added to RESULTS/tables/ (pipeline/tables.hpp) with the
// models' first-layer filters and, where <model>.log.tsv lies beside a model file, its training
// summary — the tables `mint experiment` writes, so `mint report RESULTS` draws them.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "io/inputs.hpp"
#include "pipeline/evaluate.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/tables.hpp"
#include "pipeline/train.hpp"

namespace mint::cli {

namespace {

void print_table(const char* title, const char* key, const std::vector<MeanAccuracy>& rows,
                 const std::map<int, double>* errors = nullptr) {
  std::printf("\n%s\n%-24s %10s %10s%s\n", title, key, "sequences", "accuracy",
              errors ? "  mean |error|" : "");
  for (const MeanAccuracy& r : rows) {
    std::printf("%-24s %10lld %10.4f", r.group.c_str(), static_cast<long long>(r.sequences),
                r.accuracy);
    if (errors && r.group != "total") {
      const auto it = errors->find(std::stoi(r.group));
      if (it != errors->end()) std::printf("  %12.4f", it->second);
    }
    std::printf("\n");
  }
}

// "<name>_f<F>_seed<S>" → name and seed (mint train's and mint experiment's model files).
const std::regex kStem(R"(^(.*)_f(\d+)_seed(\d+)$)");

std::string default_name(const std::string& model_path) {
  const std::string stem = std::filesystem::path(model_path).stem().string();
  std::smatch m;
  return std::regex_match(stem, m, kStem) ? m[1].str() : stem;
}

// Training rows from the <stem>.log.tsv beside each model file that has one.
void add_training_rows(Tables& t, const RowOwner& owner, const std::vector<std::string>& paths) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::filesystem::path p(paths[i]);
    const std::filesystem::path log = p.parent_path() / (p.stem().string() + ".log.tsv");
    if (!std::filesystem::exists(log)) continue;
    const std::string stem = p.stem().string();
    std::smatch m;
    std::uint64_t seed = i + 1;
    if (std::regex_match(stem, m, kStem)) {
      const std::string digits = m[3].str();
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
      if (ec != std::errc()) {
        throw Error(paths[i] + ": the seed in the file name (" + digits +
                    ") does not fit a 64-bit unsigned integer");
      }
    }
    add_training_row(t, owner, seed, read_training_log(log.string()));
  }
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> models;
    std::string data, split = "test", out, name, set;
    ModelFlags model;
    DeviceFlags device;
  };
  auto a = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("evaluate", "Accuracy tables (paper Tables 2, 3, 6) on a data set");
  cmd->add_option("--model", a->models, "Model file(s); several: each number is their mean")
      ->required();
  cmd->add_option("--data", a->data, "A mint data set directory")->required();
  cmd->add_option("--split", a->split, "train, valid or test")->capture_default_str();
  auto* out =
      cmd->add_option("--out", a->out, "Results directory: add the rows to its tables/*.tsv");
  auto* name = cmd->add_option(
      "--name", a->name,
      "Model name in the tables (default: the model file's stem without "
      "_f<F>_seed<S>; M_w, M_wo or an effect name for the paper's report sections)");
  auto* set =
      cmd->add_option("--set", a->set, "Motif set name in the tables (default: the data set's)");
  a->model.add_to(cmd);
  a->device.add_to(cmd);
  cmd->callback([a, out, name, set] {
    if (out->count() > 0) require_value("--out", a->out);
    if (name->count() > 0) require_value("--name", a->name);
    if (set->count() > 0) require_value("--set", a->set);
    check_table_name("--name", a->name);
    check_table_name("--set", a->set);
    const Compute compute = a->device.compute();
    const SequenceInput input = read_sequences(a->data, a->split);
    if (!input.dataset) {
      throw Error("--data " + a->data + ": evaluate needs a mint data set (labels and presence)");
    }
    const Simulation& ds = *input.dataset;
    const SplitData& split = ds.splits[input.split];
    const std::vector<Model> models = load_models(a->models, a->model.hints());
    check_ensemble(models, "--model");
    check_lengths(models, input.length, input.source);
    const Evaluation e =
        evaluate(predict_each(models, input.slice(0), input.n, input.length, compute), split,
                 ds.motifs, ds.options.design);
    std::printf("mint evaluate: %s split of %s, %zu model(s)%s, %s\n", split.name.c_str(),
                a->data.c_str(), models.size(), models.size() > 1 ? " (means over the models)" : "",
                to_string(ds.options.design.kind).c_str());
    if (e.classification) {
      print_table("Table 2: accuracy per number of present motifs", "motifs present", e.by_count);
      print_table("Table 3: accuracy per motif pair (two-motif negatives)", "pair", e.by_pair);
    } else {
      print_table("Table 6: binned accuracy per number of present motifs", "motifs present",
                  e.by_count, &e.mean_abs_error);
    }
    if (a->out.empty()) return;
    const RowOwner owner{a->set.empty() ? set_label(ds.motifs.name) : a->set,
                         models.front().filters(),
                         a->name.empty() ? default_name(a->models.front()) : a->name};
    Tables t;
    add_accuracy_rows(t, owner, e);
    add_filter_rows(t, owner, models.front());
    add_training_rows(t, owner, a->models);
    write_tables(a->out, t, /*merge=*/true);
    std::printf("\nadded %s (set %s, %d filters) to %s/tables/\n", owner.model.c_str(),
                owner.set.c_str(), owner.filters, a->out.c_str());
  });
}

}  // namespace mint::cli

// `mint evaluate --model M [--model M2 …] --data DIR`: the paper's accuracy tables on a data
// set split (test by default), with the models' logits averaged when several are given:
// Table 2 (accuracy per number of present motifs) and Table 3 (per motif pair among two-motif
// sequences) for classification; Table 6 (binned accuracy per number of motifs and total) for
// regression. Printed as text; with --out also written as TSV.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/evaluate.hpp"

namespace mint::cli {

namespace {

std::string table_tsv(const char* key, const std::vector<AccuracyRow>& rows) {
  std::string s = std::string(key) + "\tsequences\tcorrect\taccuracy\n";
  for (const AccuracyRow& r : rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%s\t%lld\t%lld\t%.6f\n", r.group.c_str(),
                  static_cast<long long>(r.sequences), static_cast<long long>(r.correct),
                  r.accuracy());
    s += line;
  }
  return s;
}

void print_table(const char* title, const char* key, const std::vector<AccuracyRow>& rows) {
  std::printf("\n%s\n%-24s %10s %10s\n", title, key, "sequences", "accuracy");
  for (const AccuracyRow& r : rows) {
    std::printf("%-24s %10lld %10.4f\n", r.group.c_str(), static_cast<long long>(r.sequences),
                r.accuracy());
  }
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> models;
    std::string data, split = "test", out;
    ModelFlags model;
    DeviceFlags device;
  };
  auto a = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("evaluate", "Accuracy tables (paper Tables 2, 3, 6) on a data set");
  cmd->add_option("--model", a->models, "Model file(s); several are averaged")->required();
  cmd->add_option("--data", a->data, "A mint data set directory")->required();
  cmd->add_option("--split", a->split, "train, valid or test")->capture_default_str();
  cmd->add_option("--out", a->out, "Directory for the TSV tables");
  a->model.add_to(cmd);
  a->device.add_to(cmd);
  cmd->callback([a] {
    const SequenceInput input = read_sequences(a->data, a->split);
    if (!input.dataset) {
      throw Error("--data " + a->data + ": evaluate needs a mint data set (labels and presence)");
    }
    const Simulation& ds = *input.dataset;
    const SplitData& split = ds.splits[input.split];
    const std::vector<Model> models = load_models(a->models, a->model.hints());
    const std::vector<float> logits = predict_ensemble(models, input, a->device);
    const DesignOptions& design = ds.options.design;
    const int n = static_cast<int>(ds.motifs.size());
    const auto by_count = accuracy_by_count(split.masks, split.labels, logits, n, design);
    std::printf("mint evaluate: %s split of %s, %zu model(s), %s\n", split.name.c_str(),
                a->data.c_str(), models.size(), to_string(design.kind).c_str());
    if (a->out.size()) make_directories(a->out);
    if (design.kind == DesignKind::classification) {
      const auto by_pair = accuracy_by_pair(split.masks, split.labels, logits, ds.motifs, design);
      print_table("Table 2: accuracy per number of present motifs", "motifs present", by_count);
      print_table("Table 3: accuracy per motif pair (two-motif negatives)", "pair", by_pair);
      if (a->out.size()) {
        write_file_atomic(a->out + "/table2_accuracy_by_count.tsv",
                          table_tsv("motifs_present", by_count));
        write_file_atomic(a->out + "/table3_accuracy_by_pair.tsv", table_tsv("pair", by_pair));
      }
    } else {
      print_table("Table 6: binned accuracy per number of present motifs", "motifs present",
                  by_count);
      if (a->out.size()) {
        write_file_atomic(a->out + "/table6_binned_accuracy.tsv",
                          table_tsv("motifs_present", by_count));
      }
    }
  });
}

}  // namespace mint::cli

// `mint score --data D --attr M_w:ig=A.npy [--attr ...] --out RESULTS`: per-sequence, per-motif
// AUPRC (and average precision, ROC AUC) of attributions against the data set's ground truth, a
// summary per (model, method, motif, number of motifs present) with bootstrap confidence
// intervals and the pooled AUPRC, the paired difference of medians between two models, and a
// printed table like the paper's Table 5. The rows go into RESULTS/tables/ — auprc.tsv,
// <metric>_summary.tsv, <metric>_differences.tsv — the tables `mint experiment` writes
// (pipeline/tables.hpp), so `mint report RESULTS` draws them; rows of other models stay.
//
// --attr takes MODEL:METHOD=PATH (or METHOD=PATH, or PATH); METHOD "ism" selects ISM's
// position score (|mean Δ over the three other bases|), any other the observed base's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/npy.hpp"
#include "options.hpp"
#include "pipeline/score.hpp"
#include "pipeline/tables.hpp"

namespace mint::cli {
namespace {

struct AttrSpec {
  std::string model, method, path;
};

AttrSpec parse_attr(const std::string& text) {
  AttrSpec s;
  const auto eq = text.find('=');
  s.path = eq == std::string::npos ? text : text.substr(eq + 1);
  std::string label = eq == std::string::npos ? "" : text.substr(0, eq);
  const auto colon = label.find(':');
  if (colon != std::string::npos) {
    s.model = label.substr(0, colon);
    s.method = label.substr(colon + 1);
  } else {
    s.method = label;
  }
  if (s.model.empty()) s.model = std::filesystem::path(s.path).stem().string();
  if (s.method.empty()) s.method = "attr";
  if (s.path.empty()) throw Error("--attr '" + text + "': no file given (MODEL:METHOD=PATH)");
  for (const std::string* f : {&s.model, &s.method}) {
    if (f->find_first_of("\t\n") != std::string::npos) {
      throw Error("--attr: model and method names may not contain tabs or line breaks");
    }
  }
  return s;
}

struct Scored {
  AttrSpec spec;
  ScoredAttribution scored;
  std::vector<MotifGroup> groups;
  std::vector<GroupSummary> summaries;
};

template <typename T>
void add_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// One table per motif: rows = number of motifs present (most first), columns = method × model
// medians with their CIs.
void print_medians(const std::vector<Scored>& scored, const MotifSet& motifs, int n_motifs) {
  std::vector<std::string> models, methods;
  for (const Scored& s : scored) {
    add_unique(models, s.spec.model);
    add_unique(methods, s.spec.method);
  }
  auto find = [&](const std::string& model, const std::string& method) -> const Scored* {
    for (const Scored& s : scored) {
      if (s.spec.model == model && s.spec.method == method) return &s;
    }
    return nullptr;
  };
  for (int motif = 0; motif < n_motifs; ++motif) {
    const Motif& m = motifs.motifs[static_cast<std::size_t>(motif)];
    std::printf("\n%s (%s)\n%-8s", m.name.c_str(), m.id.c_str(), "#motifs");
    for (const std::string& method : methods) {
      for (const std::string& model : models) {
        if (find(model, method)) std::printf("  %-21s", (method + " " + model).c_str());
      }
    }
    std::printf("\n");
    for (int np = n_motifs; np >= 1; --np) {
      bool any = false;
      char cell[64];
      std::snprintf(cell, sizeof cell, "%-8d", np);
      std::string line = cell;
      for (const std::string& method : methods) {
        for (const std::string& model : models) {
          const Scored* s = find(model, method);
          if (s == nullptr) continue;
          const auto it = std::find_if(
              s->summaries.begin(), s->summaries.end(),
              [&](const auto& g) { return g.group.motif == motif && g.group.n_present == np; });
          if (it == s->summaries.end()) {
            std::snprintf(cell, sizeof cell, "  %-21s", "-");
          } else {
            any = true;
            const Distribution& d = it->distribution;
            std::snprintf(cell, sizeof cell, "  %.3f [%.3f,%.3f]  ", d.median, d.median_lo,
                          d.median_hi);
          }
          line += cell;
        }
      }
      if (any) std::printf("%s\n", line.c_str());
    }
  }
}

// The two models compared: --compare A,B, else the first two models given.
std::pair<std::string, std::string> compared(const std::vector<Scored>& scored,
                                             const std::vector<std::string>& compare) {
  std::vector<std::string> models;
  for (const Scored& s : scored) add_unique(models, s.spec.model);
  if (!compare.empty()) {
    for (const std::string& m : compare) {
      if (std::find(models.begin(), models.end(), m) == models.end()) {
        throw Error("--compare: no attributions for model '" + m + "'");
      }
    }
    return {compare[0], compare[1]};
  }
  if (models.size() >= 2) return {models[0], models[1]};
  return {};
}

// Δ medians of every method both compared models have: printed as asked (first − second) and
// added to the tables in the report's order (report_order); returns the rows added.
std::size_t differences(Tables& t, const RowOwner& owner, const std::vector<Scored>& scored,
                        const std::pair<std::string, std::string>& ab, const MotifSet& motifs,
                        const BootstrapOptions& boot, Metric metric) {
  std::printf("\nmedian(%s) − median(%s), paired by sequence [%g%% CI]\n", ab.first.c_str(),
              ab.second.c_str(), boot.level * 100);
  const bool swap = !report_order(ab.first, ab.second);
  std::size_t added = 0;
  for (const Scored& a : scored) {
    if (a.spec.model != ab.first) continue;
    for (const Scored& b : scored) {
      if (b.spec.model != ab.second || b.spec.method != a.spec.method) continue;
      Tables asked;
      add_difference_rows(asked, owner, a.spec.method, a.groups, b.groups, motifs, boot, metric);
      for (const auto& [name, table] : asked.all()) {
        for (const auto& row : table.rows) {
          std::printf("  %-10s %-10s %s motifs: %+.4f [%+.4f, %+.4f]\n", row[2].c_str(),
                      row[3].c_str(), row[4].c_str(), std::stod(row[6]), std::stod(row[7]),
                      std::stod(row[8]));
        }
      }
      const Scored& first = swap ? b : a;
      const Scored& second = swap ? a : b;
      const std::size_t before = t[layouts::differences(metric)].rows.size();
      add_difference_rows(t, owner, a.spec.method, first.groups, second.groups, motifs, boot,
                          metric);
      added += t[layouts::differences(metric)].rows.size() - before;
    }
  }
  return added;
}

// --filters not given: the F the results' tables already record for these models of this set,
// when they agree on one (mint evaluate or an earlier mint score wrote them); else 0.
int recorded_filters(const std::string& out, const std::string& set,
                     const std::vector<Scored>& scored) {
  std::set<std::string> found;
  for (const TableLayout* l :
       {&layouts::training(), &layouts::accuracy_by_count(), &layouts::regression_binned(),
        &layouts::filters(), &layouts::summary()}) {
    for (const auto& row : read_table(out, *l).rows) {
      for (const Scored& s : scored) {
        if (row[0] == set && row[2] == s.spec.model) found.insert(row[1]);
      }
    }
  }
  if (found.size() != 1) return 0;
  const std::string e = integer_error(*found.begin(), 0, kInt32Max);
  if (!e.empty()) {
    throw Error(out + "/tables: the filters recorded for set " + set + " are " + e +
                "; give --filters F");
  }
  return std::stoi(*found.begin());
}

// --predictions MODEL=PATH: the model's predictions (N,) of the split (mint predict), for the
// absolute error of regression models.
std::map<std::string, std::vector<double>> read_predictions(const std::vector<std::string>& specs,
                                                            const SplitData& split) {
  std::map<std::string, std::vector<double>> out;
  for (const std::string& text : specs) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
      throw Error("--predictions '" + text + "': expected MODEL=PATH");
    }
    const std::string model = text.substr(0, eq), path = text.substr(eq + 1);
    const NpyArray a = read_npy(path);
    if (a.shape != std::vector<std::int64_t>{split.size()}) {
      throw Error(path + ": predictions must have shape (" + std::to_string(split.size()) +
                  ",), one per sequence of split '" + split.name + "'");
    }
    out[model] = a.to_vector<double>();
    for (double v : out[model]) {
      if (!std::isfinite(v)) throw Error(path + ": a prediction is not finite");
    }
  }
  return out;
}

// --positives ic: every motif needs a column above the threshold, or it has no positives.
void check_ic_threshold(const MotifSet& motifs, double threshold) {
  if (!std::isfinite(threshold)) throw Error("--ic-threshold must be a finite number of bits");
  for (const Motif& m : motifs.motifs) {
    bool any = false;
    for (std::size_t j = 0; j < m.length(); ++j) any = any || m.column_information(j) > threshold;
    if (!any) {
      throw Error("--ic-threshold " + format_number(threshold) + ": no column of " + m.name +
                  " carries more information, so it would have no positives");
    }
  }
}

// Every --attr scored on the split, in order; a model:method given twice is an error.
std::vector<Scored> score_all(const std::vector<std::string>& attrs, const SplitData& split,
                              const Simulation& sim, const ScoreOptions& options, Metric metric,
                              const BootstrapOptions& boot) {
  std::vector<Scored> scored;
  for (const std::string& text : attrs) {
    Scored s;
    s.spec = parse_attr(text);
    for (const Scored& other : scored) {
      if (other.spec.model == s.spec.model && other.spec.method == s.spec.method) {
        throw Error("--attr: " + s.spec.model + ":" + s.spec.method + " given twice");
      }
    }
    s.scored = score_attribution_file(s.spec.path, split, sim, s.spec.method == "ism", options);
    s.groups = group_scores(s.scored.rows, metric);
    s.summaries = summarize_groups(s.scored, s.groups, split, sim, boot);
    scored.push_back(std::move(s));
  }
  return scored;
}

// The rows of every scored file; each method's old Δ rows are claimed (a new score of a model
// makes them stale).
void add_rows(Tables& t, RowOwner owner, const std::vector<Scored>& scored, const Simulation& sim,
              const SplitData& split, const std::map<std::string, std::vector<double>>& predicted,
              Metric metric) {
  for (const Scored& s : scored) {
    owner.model = s.spec.model;
    const auto p = predicted.find(s.spec.model);
    add_auprc_rows(t, owner, s.spec.method, s.scored, sim.motifs, split,
                   p == predicted.end() ? nullptr : &p->second);
    add_summary_rows(t, owner, s.spec.method, s.summaries, sim.motifs, metric);
    t[layouts::differences(metric)].claims.push_back(
        {owner.set, std::to_string(owner.filters), s.spec.method});
  }
}

struct ScoreArgs {
  std::string data, split = "test", out, positives = "span", metric = "auprc", set;
  std::vector<std::string> attrs, compare, predictions;
  double ic_threshold = 1.0, level = 0.95;
  int bootstrap = 1000, filters = -1;
  std::uint64_t seed = 0;
  bool signed_scores = false;
  std::string device = "auto";
};

void run_score(const ScoreArgs& a) {
  if (!(a.level > 0 && a.level < 1)) {
    throw Error("--ci must be in (0, 1), got " + format_number(a.level));
  }
  require_value("--out", a.out);
  check_table_name("--set", a.set);
  const Metric metric = parse_metric(a.metric);
  ScoreOptions options;
  options.backend = resolve_backend(parse_device(a.device));
  options.positives.by_information = a.positives == "ic";
  options.positives.ic_threshold = a.ic_threshold;
  options.signed_scores = a.signed_scores;
  BootstrapOptions boot;
  boot.resamples = a.bootstrap;
  boot.level = a.level;
  boot.seed = a.seed;
  const SequenceInput input = read_sequences(a.data, a.split);
  if (!input.dataset) {
    throw Error(a.data +
                ": scoring needs a mint data set directory (its ground truth), not an array");
  }
  const Simulation& sim = *input.dataset;
  const SplitData& split = sim.splits[input.split];
  if (options.positives.by_information) check_ic_threshold(sim.motifs, a.ic_threshold);
  const std::map<std::string, std::vector<double>> predicted =
      read_predictions(a.predictions, split);
  const std::vector<Scored> scored = score_all(a.attrs, split, sim, options, metric, boot);
  RowOwner owner{a.set.empty() ? set_label(sim.motifs.name) : a.set, a.filters, ""};
  if (owner.filters < 0) owner.filters = recorded_filters(a.out, owner.set, scored);
  std::printf(
      "mint score: %zu attribution file(s), %lld sequences of %s/%s; median %s per "
      "sequence [%g%% bootstrap CI, %d resamples]\n",
      scored.size(), static_cast<long long>(split.size()), a.data.c_str(), split.name.c_str(),
      a.metric.c_str(), a.level * 100, a.bootstrap);
  print_medians(scored, sim.motifs, split.n_motifs);
  Tables t;
  add_rows(t, owner, scored, sim, split, predicted, metric);
  const auto ab = compared(scored, a.compare);
  const std::size_t deltas =
      ab.first.empty() ? 0 : differences(t, owner, scored, ab, sim.motifs, boot, metric);
  write_tables(a.out, t, /*merge=*/true);
  std::printf("\nwrote %s/tables/: auprc.tsv, %s_summary.tsv%s (set %s, %s)\n", a.out.c_str(),
              a.metric.c_str(), deltas ? (", " + a.metric + "_differences.tsv").c_str() : "",
              owner.set.c_str(),
              owner.filters > 0 ? (std::to_string(owner.filters) + " filters").c_str()
                                : "filters not recorded: give --filters F");
}

}  // namespace

void add_score_command(CLI::App& app) {
  auto a = std::make_shared<ScoreArgs>();
  auto* cmd = app.add_subcommand(
      "score", "Per-motif AUPRC of attributions against a data set's ground truth");
  cmd->add_option("--data", a->data, "A mint data set directory (its ground truth)")->required();
  cmd->add_option("--split", a->split, "Split the attributions belong to")->capture_default_str();
  cmd->add_option("--attr", a->attrs,
                  "Attributions (N,4,L) .npy (repeatable) as MODEL:METHOD=PATH; METHOD=PATH "
                  "names the model after the file's stem, PATH alone also calls the method "
                  "'attr'; METHOD ism scores |mean Δ| over the other bases")
      ->required();
  cmd->add_option("--out", a->out, "Results directory: add the rows to its tables/*.tsv")
      ->required();
  cmd->add_option("--set", a->set, "Motif set name in the tables (default: the data set's)");
  cmd->add_option("--filters", a->filters,
                  "The models' number of filters F in the tables (default: what the results' "
                  "tables record for these models, e.g. from mint evaluate; else 0: not "
                  "recorded)")
      ->transform(integer(0, kInt32Max));
  cmd->add_option("--predictions", a->predictions,
                  "MODEL=PATH: a regression model's predictions (N,) of the split (mint "
                  "predict), for the absolute error beside each AUPRC (repeatable)");
  cmd->add_option("--metric", a->metric, "Metric summarised: auprc, ap or auroc")
      ->check(CLI::IsMember({"auprc", "ap", "auroc"}))
      ->capture_default_str();
  cmd->add_option("--positives", a->positives,
                  "Positives: the motif's whole span, or its columns with information content "
                  "above --ic-threshold")
      ->check(CLI::IsMember({"span", "ic"}))
      ->capture_default_str();
  cmd->add_option("--ic-threshold", a->ic_threshold, "Bits, with --positives ic")
      ->capture_default_str()
      ->transform(finite());
  cmd->add_flag("--signed", a->signed_scores, "Signed position scores instead of absolute");
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap resamples for the CIs (0: none)")
      ->transform(integer(0, kMaxBootstrap))
      ->capture_default_str();
  cmd->add_option("--ci", a->level, "Confidence level")
      ->capture_default_str()
      ->transform(number_between(0, 1));
  cmd->add_option("--seed", a->seed, "Bootstrap seed")
      ->capture_default_str()
      ->transform(unsigned64());
  cmd->add_option("--device", a->device, "Where the curves are computed: auto, cpu or cuda")
      ->capture_default_str();
  cmd->add_option("--compare", a->compare,
                  "Two model names A,B: report median(A) − median(B) (default: the first two)")
      ->delimiter(',')
      ->expected(2);
  cmd->callback([a] { run_score(*a); });
}

}  // namespace mint::cli

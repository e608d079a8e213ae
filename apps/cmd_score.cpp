// `mint score --data D --attr M_w:ig=A.npy [--attr ...] --out scores.tsv`: per-sequence,
// per-motif AUPRC (and average precision, ROC AUC) of attributions against the data set's
// ground truth (include/mint/scoring.hpp), a summary per (model, method, motif, number of
// motifs present) with bootstrap confidence intervals and the pooled AUPRC, the difference of
// medians between two models, and a printed table like the paper's Table 5.
//
// --attr takes MODEL:METHOD=PATH (or METHOD=PATH, or PATH); METHOD "ism" selects ISM's
// position score (|mean Δ over the three other bases|), any other the observed base's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/inputs.hpp"
#include "io/npy.hpp"
#include "pipeline/score.hpp"

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
      throw Error("--attr '" + text + "': names may not contain tabs or newlines");
    }
  }
  return s;
}

std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

double metric_of(const CurveScores& s, const std::string& metric) {
  if (metric == "ap") return s.average_precision;
  if (metric == "auroc") return s.auroc;
  return s.auprc;
}

}  // namespace

void add_score_command(CLI::App& app) {
  struct Args {
    std::string data, split = "test", out, summary, positives = "span", metric = "auprc";
    std::vector<std::string> attrs;
    std::vector<std::string> compare;
    double ic_threshold = 1.0, level = 0.95;
    int bootstrap = 1000;
    std::uint64_t seed = 0;
    bool signed_scores = false;
    std::string device = "auto";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "score", "Per-motif AUPRC of attributions against a data set's ground truth");
  cmd->add_option("--data", a->data, "A mint data set directory (its ground truth)")->required();
  cmd->add_option("--split", a->split, "Split the attributions belong to")->capture_default_str();
  cmd->add_option("--attr", a->attrs,
                  "Attributions (N,4,L) .npy as MODEL:METHOD=PATH (repeatable); METHOD ism "
                  "scores |mean Δ| over the other bases")
      ->required();
  cmd->add_option("--out", a->out, "Per-sequence table (TSV)")->required();
  cmd->add_option("--summary", a->summary, "Summary table (TSV): medians, CIs, pooled AUPRC");
  cmd->add_option("--metric", a->metric, "Metric summarised: auprc, ap or auroc")
      ->check(CLI::IsMember({"auprc", "ap", "auroc"}))
      ->capture_default_str();
  cmd->add_option("--positives", a->positives,
                  "Positives: the motif's whole span, or its columns with information content "
                  "above --ic-threshold")
      ->check(CLI::IsMember({"span", "ic"}))
      ->capture_default_str();
  cmd->add_option("--ic-threshold", a->ic_threshold, "Bits, with --positives ic")
      ->capture_default_str();
  cmd->add_flag("--signed", a->signed_scores, "Signed position scores instead of absolute");
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap resamples for the CIs (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--ci", a->level, "Confidence level")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--device", a->device, "Where the curves are computed: auto, cpu or cuda")
      ->capture_default_str();
  cmd->add_option("--compare", a->compare,
                  "Two model names A,B: report median(A) − median(B) (default: the first two)")
      ->delimiter(',')
      ->expected(2);
  cmd->callback([a] {
    if (!(a->level > 0 && a->level < 1))
      throw Error("--ci must be in (0, 1), got " + fmt(a->level));
    const Backend backend = use_cuda(parse_device(a->device)) ? Backend::cuda : Backend::cpu;
    const SequenceInput input = read_sequences(a->data, a->split);
    if (!input.dataset) {
      throw Error(a->data +
                  ": scoring needs a mint data set directory (its ground truth), "
                  "not an array");
    }
    const Simulation& sim = *input.dataset;
    const SplitData& split = sim.splits[input.split];
    const std::int64_t n = split.size();
    const int L = split.length;
    PositiveRule rule;
    rule.by_information = a->positives == "ic";
    rule.ic_threshold = a->ic_threshold;
    BootstrapOptions boot;
    boot.resamples = a->bootstrap;
    boot.level = a->level;
    boot.seed = a->seed;

    struct Scored {
      AttrSpec spec;
      std::vector<float> positions;
      std::vector<MotifScore> rows;
    };
    std::vector<Scored> scored;
    for (const std::string& text : a->attrs) {
      Scored s;
      s.spec = parse_attr(text);
      for (const Scored& other : scored) {
        if (other.spec.model == s.spec.model && other.spec.method == s.spec.method) {
          throw Error("--attr: " + s.spec.model + ":" + s.spec.method + " given twice");
        }
      }
      const NpyArray arr = read_npy(s.spec.path);
      if (arr.shape != std::vector<std::int64_t>{n, 4, L}) {
        std::string shape;
        for (auto d : arr.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        throw Error(s.spec.path + ": attributions have shape (" + shape + ") but split '" +
                    split.name + "' of " + a->data + " needs (" + std::to_string(n) + ", 4, " +
                    std::to_string(L) + ")");
      }
      const std::vector<float> attr = arr.to_vector<float>();
      for (std::size_t i = 0; i < attr.size(); ++i) {
        if (!std::isfinite(attr[i])) {
          throw Error(s.spec.path + ": non-finite attribution at flat index " + std::to_string(i));
        }
      }
      const ScoreRule sr = s.spec.method == "ism" ? ScoreRule::ism : ScoreRule::observed;
      s.positions = position_scores(attr.data(), split.codes.data(), n, L, sr, a->signed_scores);
      s.rows = score_motifs(s.positions.data(), split, sim.grammar, sim.motifs, rule, backend);
      scored.push_back(std::move(s));
    }

    // Per-sequence table.
    std::ostringstream out;
    out << "model\tmethod\tmotif\tmotif_id\tn_present\tsequence\tpositives\tnegatives\tauprc"
           "\taverage_precision\tauroc\n";
    for (const Scored& s : scored) {
      for (const MotifScore& r : s.rows) {
        const Motif& m = sim.motifs.motifs[static_cast<std::size_t>(r.motif)];
        out << s.spec.model << '\t' << s.spec.method << '\t' << m.name << '\t' << m.id << '\t'
            << r.n_present << '\t' << r.sequence << '\t' << r.positives << '\t' << r.negatives
            << '\t' << fmt(r.scores.auprc) << '\t' << fmt(r.scores.average_precision) << '\t'
            << fmt(r.scores.auroc) << '\n';
      }
    }
    write_file_atomic(a->out, out.str());

    // Groups: (model/method index, motif, n_present) → metric values in sequence order.
    using Key = std::tuple<std::size_t, int, int>;
    std::map<Key, std::vector<double>> groups;
    for (std::size_t i = 0; i < scored.size(); ++i) {
      for (const MotifScore& r : scored[i].rows) {
        groups[{i, r.motif, r.n_present}].push_back(metric_of(r.scores, a->metric));
      }
    }
    std::map<Key, Distribution> dist;
    for (const auto& [key, values] : groups) dist[key] = summarize(values, boot);

    // Model comparison: the same method, motif and n_present, paired by sequence.
    std::vector<std::string> models;
    for (const Scored& s : scored) {
      if (std::find(models.begin(), models.end(), s.spec.model) == models.end()) {
        models.push_back(s.spec.model);
      }
    }
    std::string model_a, model_b;
    if (!a->compare.empty()) {
      model_a = a->compare[0];
      model_b = a->compare[1];
      for (const std::string* m : {&model_a, &model_b}) {
        if (std::find(models.begin(), models.end(), *m) == models.end()) {
          throw Error("--compare: no attributions for model '" + *m + "'");
        }
      }
    } else if (models.size() >= 2) {
      model_a = models[0];
      model_b = models[1];
    }

    const std::vector<std::string> labels = sim.motifs.labels();
    std::ostringstream sum;
    sum << "model\tmethod\tmotif\tn_present\tsequences\tmetric\tmedian\tq1\tq3\tmean\tmedian_lo"
           "\tmedian_hi\tpooled_auprc\n";
    for (const auto& [key, d] : dist) {
      const auto& [i, motif, n_present] = key;
      const Scored& s = scored[i];
      const CurveScores pooled = pooled_motif_scores(s.positions.data(), split, sim.grammar,
                                                     sim.motifs, motif, n_present, rule);
      sum << s.spec.model << '\t' << s.spec.method << '\t'
          << labels[static_cast<std::size_t>(motif)] << '\t' << n_present << '\t' << d.count << '\t'
          << a->metric << '\t' << fmt(d.median) << '\t' << fmt(d.q1) << '\t' << fmt(d.q3) << '\t'
          << fmt(d.mean) << '\t' << fmt(d.median_lo) << '\t' << fmt(d.median_hi) << '\t'
          << fmt(pooled.auprc) << '\n';
    }
    if (!a->summary.empty()) write_file_atomic(a->summary, sum.str());

    // Printed: one table per motif, rows = number of motifs present (most first), columns =
    // method × model medians with their CIs; then the differences of medians.
    std::vector<std::string> methods;
    for (const Scored& s : scored) {
      if (std::find(methods.begin(), methods.end(), s.spec.method) == methods.end()) {
        methods.push_back(s.spec.method);
      }
    }
    auto index_of = [&](const std::string& model, const std::string& method) -> int {
      for (std::size_t i = 0; i < scored.size(); ++i) {
        if (scored[i].spec.model == model && scored[i].spec.method == method)
          return static_cast<int>(i);
      }
      return -1;
    };
    std::printf(
        "mint score: %zu attribution file(s), %lld sequences of %s/%s; median %s per "
        "sequence [%g%% bootstrap CI, %d resamples]\n",
        scored.size(), static_cast<long long>(n), a->data.c_str(), split.name.c_str(),
        a->metric.c_str(), a->level * 100, a->bootstrap);
    for (int motif = 0; motif < split.n_motifs; ++motif) {
      std::printf("\n%s (%s)\n%-8s",
                  sim.motifs.motifs[static_cast<std::size_t>(motif)].name.c_str(),
                  sim.motifs.motifs[static_cast<std::size_t>(motif)].id.c_str(), "#motifs");
      for (const std::string& method : methods) {
        for (const std::string& model : models) {
          if (index_of(model, method) >= 0) {
            std::printf("  %-21s", (method + " " + model).c_str());
          }
        }
      }
      std::printf("\n");
      for (int np = split.n_motifs; np >= 1; --np) {
        bool any = false;
        std::string line;
        char cell[64];
        std::snprintf(cell, sizeof cell, "%-8d", np);
        line += cell;
        for (const std::string& method : methods) {
          for (const std::string& model : models) {
            const int i = index_of(model, method);
            if (i < 0) continue;
            const auto it = dist.find({static_cast<std::size_t>(i), motif, np});
            if (it == dist.end()) {
              std::snprintf(cell, sizeof cell, "  %-21s", "-");
            } else {
              any = true;
              std::snprintf(cell, sizeof cell, "  %.3f [%.3f,%.3f]  ", it->second.median,
                            it->second.median_lo, it->second.median_hi);
            }
            line += cell;
          }
        }
        if (any) std::printf("%s\n", line.c_str());
      }
    }
    if (!model_a.empty()) {
      std::ostringstream diff;
      diff << "model_a\tmodel_b\tmethod\tmotif\tn_present\tpairs\tdelta_median\tlo\thi\n";
      std::printf("\nmedian(%s) − median(%s), paired by sequence [%g%% CI]\n", model_a.c_str(),
                  model_b.c_str(), a->level * 100);
      for (const std::string& method : methods) {
        const int ia = index_of(model_a, method), ib = index_of(model_b, method);
        if (ia < 0 || ib < 0) continue;
        for (int motif = 0; motif < split.n_motifs; ++motif) {
          for (int np = split.n_motifs; np >= 1; --np) {
            const Key ka{static_cast<std::size_t>(ia), motif, np};
            const Key kb{static_cast<std::size_t>(ib), motif, np};
            if (!groups.count(ka) || !groups.count(kb)) continue;
            // Both files score the same split, so the rows pair up by sequence.
            const Difference d = median_difference(groups[ka], groups[kb], boot);
            const std::string& name = labels[static_cast<std::size_t>(motif)];
            std::printf("  %-10s %-10s %d motifs: %+.4f [%+.4f, %+.4f]\n", method.c_str(),
                        name.c_str(), np, d.delta, d.lo, d.hi);
            diff << model_a << '\t' << model_b << '\t' << method << '\t' << name << '\t' << np
                 << '\t' << d.pairs << '\t' << fmt(d.delta) << '\t' << fmt(d.lo) << '\t'
                 << fmt(d.hi) << '\n';
          }
        }
      }
      if (!a->summary.empty()) {
        const std::filesystem::path p(a->summary);
        write_file_atomic((p.parent_path() / (p.stem().string() + ".differences.tsv")).string(),
                          diff.str());
      }
    }
    std::printf("\nwrote %s%s%s\n", a->out.c_str(), a->summary.empty() ? "" : ", ",
                a->summary.c_str());
  });
}

}  // namespace mint::cli

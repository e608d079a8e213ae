// The negatives experiment's sections (pipeline/report/sections.hpp): the classifiers' accuracy
// by number of motifs present and per motif pair, first-layer filter logos, and AUPRC box plots
// with median and Δ tables. The classifiers are M_w and M_wo in the experiment, or whatever
// models accuracy_by_count / accuracy_by_pair hold (report_data.hpp: ModelKinds).
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "pipeline/report/sections.hpp"

namespace mint::report {

using svg::escape;

// Table 2 and Fig. 2B: accuracy by number of motifs present, per classification model.
void accuracy_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Accuracy by number of motifs present</h5>\n";
  const TableView* t = pg.table(layouts::accuracy_by_count());
  if (!t) return pg.missing(layouts::accuracy_by_count(), "accuracy (Table 2, Fig. 2B)");
  const auto rows = pg.rows_of_kind(*t, set, F, true);
  if (rows.empty()) {
    return pg.no_rows(layouts::accuracy_by_count(), set, F, "accuracy (Table 2, Fig. 2B)");
  }
  const auto models = ordered(distinct_text(*t, rows, "model"), kClassificationModels);
  const auto ns = distinct_ints(*t, rows, "n_present");
  const CountIndex at = index_by_count(*t, rows, "model");
  svg::Panel p;
  p.width = std::max(320.0, 90.0 * static_cast<double>(ns.size()));
  p.height = 230;
  p.y_label = "accuracy";
  const long nmax = ns.back();
  pg.html += "<figure><div>" + svg::legend(model_series(models)) + "</div>" +
             bars_by_count(*t, at, ns, models, "accuracy", p, set, F) +
             pg.figure_caption(
                 "Fig. 2B",
                 "Accuracy of each model on the test sequences grouped by the number of motifs "
                 "they contain. Sequences with all " +
                     std::to_string(nmax) + " motifs are positives; fewer motifs are negatives." +
                     (models == kClassificationModels
                          ? std::string(" M<sub>w</sub> was trained with motif subsets among its "
                                        "negatives, M<sub>wo</sub> with motif-free negatives only.")
                          : std::string()),
                 t->href) +
             "</figure>\n";

  // Table 2, n descending, then weighted summaries.
  std::string h = "<table>" +
                  pg.table_caption("Table 2",
                                   "Accuracy by number of motifs present; hover a "
                                   "value for its number of sequences.",
                                   t->href) +
                  "<tr><th>motifs present</th>";
  for (const auto& m : models) h += "<th>" + model_html(m) + "</th>";
  h += "<th>sequences</th></tr>";
  std::map<std::string, std::array<double, 4>> sums;  // neg correct, neg n, all correct, all n
  for (auto it = ns.rbegin(); it != ns.rend(); ++it) {
    h += "<tr><th>" + n_label(*it) + "</th>";
    std::vector<std::string> counts;
    for (const auto& m : models) {
      const auto f = at.find({m, *it});
      if (f == at.end()) {
        h += "<td>–</td>";
        continue;
      }
      const double acc = t->v(f->second, "accuracy"), n = t->v(f->second, "sequences");
      h += cell(fixed(acc), t->href, count_text(n) + " sequences");
      add_unique(counts, count_text(n));
      auto& s = sums[m];
      if (std::isfinite(acc)) {
        if (*it < nmax) s[0] += acc * n, s[1] += n;
        s[2] += acc * n, s[3] += n;
      }
    }
    h += cell(join(counts, " / "), t->href) + "</tr>";
  }
  if (ns.size() > 1) {
    for (int which = 0; which < 2; ++which) {
      h += std::string("<tr class=\"sum\"><th>") +
           (which == 0 ? "negatives (&lt; " + std::to_string(nmax) + ")" : "all") + "</th>";
      std::vector<std::string> counts;
      for (const auto& m : models) {
        const auto& s = sums[m];
        const double n = s[static_cast<std::size_t>(2 * which + 1)];
        h += cell(n > 0 ? fixed(s[static_cast<std::size_t>(2 * which)] / n) : "n/a", t->href,
                  "mean weighted by sequences, " + count_text(n) + " sequences");
        add_unique(counts, count_text(n));
      }
      h += cell(join(counts, " / "), t->href) + "</tr>";
    }
  }
  pg.html += h + "</table>\n";
}

// Table 3: accuracy per motif pair (sequences with exactly two motifs).
void pair_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Accuracy per motif pair</h5>\n";
  const TableView* t = pg.table(layouts::accuracy_by_pair());
  if (!t) return pg.missing(layouts::accuracy_by_pair(), "pair accuracy (Table 3)");
  const auto rows = pg.rows_of_kind(*t, set, F, true);
  if (rows.empty())
    return pg.no_rows(layouts::accuracy_by_pair(), set, F, "pair accuracy (Table 3)");
  const auto models = ordered(distinct_text(*t, rows, "model"), kClassificationModels);
  // Pairs in the set's motif order (as the paper's Table 3): by first, then second motif.
  auto pairs = distinct_text(*t, rows, "pair");
  {
    const auto found = pg.data.motif_order.find(set);
    const std::vector<std::string> order =
        found == pg.data.motif_order.end() ? std::vector<std::string>{} : found->second;
    auto rank = [&](const std::string& m) {
      return std::find(order.begin(), order.end(), m) - order.begin();
    };
    auto key = [&](const std::string& p) {
      const auto plus = p.find('+');
      return plus == std::string::npos
                 ? std::pair{rank(p), rank(p)}
                 : std::pair{rank(p.substr(0, plus)), rank(p.substr(plus + 1))};
    };
    std::stable_sort(pairs.begin(), pairs.end(),
                     [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  }
  std::map<std::pair<std::string, std::string>, std::size_t> at;
  for (auto r : rows) at[{t->s(r, "model"), t->s(r, "pair")}] = r;
  std::string h = "<table>" +
                  pg.table_caption("Table 3",
                                   "Accuracy on test sequences holding exactly one pair of motifs. "
                                   "A low accuracy means the model calls that pair "
                                   "positive: the pair alone is evidence for the positive class.",
                                   t->href) +
                  "<tr><th>pair</th>";
  for (const auto& p : pairs) {
    std::string label = escape(p);
    for (std::size_t pos = 0; (pos = label.find('+', pos)) != std::string::npos; pos += 5) {
      label.replace(pos, 1, "+<br>");
    }
    h += "<th>" + label + "</th>";
  }
  h += "</tr>";
  for (const auto& m : models) {
    h += "<tr><th>" + model_html(m) + "</th>";
    for (const auto& p : pairs) {
      const auto f = at.find({m, p});
      h += f == at.end() ? "<td>–</td>"
                         : cell(fixed(t->v(f->second, "accuracy")), t->href,
                                count_text(t->v(f->second, "sequences")) + " sequences");
    }
    h += "</tr>";
  }
  pg.html += h + "</table>\n";
}

// Fig. 2C: first-layer filters as sequence logos, at most 8 per model (largest weight norm).
void filters_section(Page& pg, const std::string& set, long F, bool classification) {
  constexpr std::size_t kMaxShown = 8;
  pg.html += "<h5>First-layer filters</h5>\n";
  const TableView* t = pg.table(layouts::filters());
  if (!t) return pg.missing(layouts::filters(), "filter logos (Fig. 2C)");
  const auto rows = pg.rows_of_kind(*t, set, F, classification);
  if (rows.empty()) return pg.no_rows(layouts::filters(), set, F, "filter logos (Fig. 2C)");
  const auto models = ordered(distinct_text(*t, rows, "model"),
                              classification ? kClassificationModels : pg.effect_order());
  std::string body;
  std::size_t most = 0;
  for (const auto& m : models) {
    // filter index → (position, A C G T)
    std::map<long, std::map<long, std::array<double, 4>>> w;
    for (auto r : rows) {
      if (t->s(r, "model") != m) continue;
      w[static_cast<long>(t->v(r, "filter"))][static_cast<long>(t->v(r, "position"))] = {
          t->v(r, "A"), t->v(r, "C"), t->v(r, "G"), t->v(r, "T")};
    }
    std::vector<std::pair<double, long>> by_norm;
    for (const auto& [f, cols] : w) {
      double ss = 0;
      for (const auto& [pos, a] : cols) {
        for (double x : a) ss += std::isfinite(x) ? x * x : 0;
      }
      by_norm.push_back({std::sqrt(ss), f});
    }
    most = std::max(most, by_norm.size());
    if (by_norm.size() > kMaxShown) {
      std::stable_sort(by_norm.begin(), by_norm.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      by_norm.resize(kMaxShown);
      std::sort(by_norm.begin(), by_norm.end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
    }
    body += "<div class=\"logo-row\"><div class=\"row-label\">" + model_html(m) + "</div>";
    for (const auto& [norm, f] : by_norm) {
      std::vector<std::array<double, 4>> weights;
      for (const auto& [pos, a] : w[f]) weights.push_back(a);
      svg::Panel p;
      p.width = std::max(140.0, 40 + 15.0 * static_cast<double>(weights.size()));
      p.height = 120;
      p.title = "filter " + std::to_string(f) + " (‖w‖ " + fixed(norm, 2) + ")";
      p.y_label = "bits";
      body += svg::logo(p, weights);
    }
    body += "</div>";
  }
  pg.html += "<figure>" + body +
             pg.figure_caption(
                 "Fig. 2C",
                 "First-layer convolution filters of the seed-1 models as sequence logos. Per "
                 "position the weights w are turned into probabilities "
                 "p = softmax(β·w), β = 3 / max|w| of the filter, and letters are stacked by "
                 "p × information content (2 − entropy, bits); A green, C blue, G orange, T red." +
                     (most > kMaxShown ? " Of " + std::to_string(most) + " filters the " +
                                             std::to_string(kMaxShown) +
                                             " with the largest weight norm are shown."
                                       : std::string()),
                 t->href) +
             "</figure>\n";
}

namespace {

// The classifiers' rows of <metric>_summary for one (set, filters), in the page's orders.
struct ClassifierSummary {
  const TableView& t;
  std::vector<std::string> models, methods, motifs;
  std::vector<long> ns;                  // n_present, ascending
  std::map<SummaryKey, std::size_t> at;  // row by (model, method, motif, n_present)
};

// What Δ is: M_w − M_wo in the experiment; between other models, whatever pair
// `mint score --compare A,B` scored (the differences table does not name its models).
std::string delta_caption(const std::vector<std::string>& models) {
  const std::string what =
      models == kClassificationModels
          ? "the difference of the medians M<sub>w</sub> − M<sub>wo</sub>"
          : "the difference of the medians of the two models compared by "
            "<code>mint score --compare</code>, the first column minus the second";
  return "; Δ: " + what +
         " with its CI from resampling the sequences in pairs, bold where the CI excludes 0 (from "
         "<a href=\"tables/auprc_differences.tsv\">tables/auprc_differences.tsv</a>)";
}

// Table 5: median [CI] per (motif, n) × (method, model), with paired Δ medians.
void median_table(Page& pg, const ClassifierSummary& s, const std::string& set, long F) {
  const TableView& t = s.t;
  const TableView* d = pg.table(layouts::differences());
  std::map<std::tuple<std::string, std::string, long>, std::size_t> dat;
  if (d) {
    for (auto r : d->rows(set, F)) {
      dat[{d->s(r, "method"), d->s(r, "motif"), static_cast<long>(d->v(r, "n_present"))}] = r;
    }
  }
  const bool with_delta = !dat.empty();
  std::string h = "<table>" +
                  pg.table_caption("Table 5",
                                   "Median AUPRC with its confidence interval [lo, hi] per motif "
                                   "and number of motifs present" +
                                       (with_delta ? delta_caption(s.models) : std::string()) + ".",
                                   t.href) +
                  "<tr><th rowspan=\"2\">motif</th><th rowspan=\"2\">motifs present</th>";
  const std::size_t per_method = s.models.size() + (with_delta ? 1 : 0);
  for (const auto& method : s.methods) {
    h += "<th colspan=\"" + std::to_string(per_method) + "\">" + escape(method_name(method)) +
         "</th>";
  }
  h += "</tr><tr>";
  for (std::size_t i = 0; i < s.methods.size(); ++i) {
    for (const auto& m : s.models) h += "<th>" + model_html(m) + "</th>";
    if (with_delta) h += "<th>Δ</th>";
  }
  h += "</tr>";
  for (const auto& motif : s.motifs) {
    std::vector<long> motif_ns;
    for (long n : s.ns) {
      bool any = false;
      for (const auto& method : s.methods) {
        for (const auto& m : s.models) any = any || s.at.count({m, method, motif, n});
      }
      if (any) motif_ns.push_back(n);
    }
    for (std::size_t i = motif_ns.size(); i-- > 0;) {
      const long n = motif_ns[i];
      h += "<tr>";
      if (i + 1 == motif_ns.size()) {
        h += "<th rowspan=\"" + std::to_string(motif_ns.size()) + "\">" + escape(motif) + "</th>";
      }
      h += "<th>" + n_label(n) + "</th>";
      for (const auto& method : s.methods) {
        for (const auto& m : s.models) {
          const auto it = s.at.find({m, method, motif, n});
          if (it == s.at.end()) {
            h += "<td>–</td>";
            continue;
          }
          const auto r = it->second;
          h += ci_cell(t.v(r, "median"), t.v(r, "median_lo"), t.v(r, "median_hi"), t.href,
                       count_text(t.v(r, "sequences")) + " sequences; mean " +
                           fixed(t.v(r, "mean")) + ", pooled AUPRC " +
                           fixed(t.v(r, "pooled_auprc")));
        }
        if (with_delta) {
          const auto it = dat.find({method, motif, n});
          h += it == dat.end()
                   ? "<td>–</td>"
                   : ci_cell(d->v(it->second, "delta_median"), d->v(it->second, "lo"),
                             d->v(it->second, "hi"), d->href,
                             count_text(d->v(it->second, "pairs")) + " paired sequences", true);
        }
      }
      h += "</tr>";
    }
  }
  pg.html += h + "</table>\n";
  if (!d) pg.missing(layouts::differences(), "Δ medians");
}

// Table 4: medians with all motifs present, methods × models by motifs.
void all_present_table(Page& pg, const ClassifierSummary& s) {
  const TableView& t = s.t;
  const long nmax = s.ns.back();
  std::string h = "<table>" +
                  pg.table_caption("Table 4",
                                   "Median AUPRC per motif on the sequences with all " +
                                       std::to_string(nmax) + " motifs present.",
                                   t.href) +
                  "<tr><th>method</th><th>model</th>";
  for (const auto& motif : s.motifs) h += "<th>" + escape(motif) + "</th>";
  h += "</tr>";
  for (const auto& method : s.methods) {
    for (std::size_t k = 0; k < s.models.size(); ++k) {
      h += "<tr>";
      if (k == 0) {
        h += "<th rowspan=\"" + std::to_string(s.models.size()) + "\">" +
             escape(method_name(method)) + "</th>";
      }
      h += "<th>" + model_html(s.models[k]) + "</th>";
      for (const auto& motif : s.motifs) {
        const auto it = s.at.find({s.models[k], method, motif, nmax});
        h += it == s.at.end() ? "<td>–</td>"
                              : cell(fixed(t.v(it->second, "median")), t.href,
                                     count_text(t.v(it->second, "sequences")) + " sequences");
      }
      h += "</tr>";
    }
  }
  pg.html += h + "</table>\n";
}

}  // namespace

// Figs. 2D, 5, 6 and Tables 4, 5: AUPRC of the classifiers per motif, method and n_present.
void auprc_classification_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Motif detection: AUPRC of " + pg.classifiers_html(set, F) + "</h5>\n";
  const TableView* t = pg.table(layouts::summary());
  if (!t) return pg.missing(layouts::summary(), "AUPRC box plots and tables (Figs. 2D, 5, 6)");
  const auto rows = pg.rows_of_kind(*t, set, F, true);
  if (rows.empty()) {
    return pg.no_rows(layouts::summary(), set, F, "AUPRC box plots and tables (Figs. 2D, 5, 6)");
  }
  const ClassifierSummary s{*t,
                            ordered(distinct_text(*t, rows, "model"), kClassificationModels),
                            ordered(distinct_text(*t, rows, "method"), pg.data.config.methods),
                            pg.motifs_in_order(set, distinct_text(*t, rows, "motif")),
                            distinct_ints(*t, rows, "n_present"),
                            index_summary(*t, rows)};
  pg.html += "<figure><div>" + svg::legend(model_series(s.models)) + "</div>" +
             box_grid(*t, s.at, s.motifs, s.methods, s.models, s.ns) +
             pg.figure_caption(
                 "Figs. 2D, 5, 6",
                 "Per-sequence AUPRC of the attributions (|score| of motif positions against "
                 "background positions; 1 = every motif position ranked first) for each motif, "
                 "method and number of motifs present in the test sequence. "
                 "Boxes: quartiles and median; whiskers: the most extreme values within 1.5 IQR. "
                 "Hover a box for its numbers.",
                 t->href) +
             "</figure>\n";
  median_table(pg, s, set, F);
  all_present_table(pg, s);
}

}  // namespace mint::report

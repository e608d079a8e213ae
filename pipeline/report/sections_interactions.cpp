// The interaction-effects experiment's sections (pipeline/report/sections.hpp): the regression
// models' binned accuracy and mean |error| (with the paper's by-subset totals), AUPRC per effect
// and motif, and per-sequence AUPRC against the absolute prediction error. The regression models
// are the effects of regression_binned, or models named as the paper's effects
// (report_data.hpp: ModelKinds).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include "pipeline/report/sections.hpp"

namespace mint::report {

using svg::escape;

// Tables 6, 7: binned accuracy and mean |error| of the regression models per n_present.
void regression_accuracy_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Binned accuracy of the regression models</h5>\n";
  const TableView* t = pg.table(layouts::regression_binned());
  if (!t) return pg.missing(layouts::regression_binned(), "regression accuracy (Tables 6, 7)");
  const auto& rows = t->rows(set, F);
  if (rows.empty()) {
    return pg.no_rows(layouts::regression_binned(), set, F, "regression accuracy (Tables 6, 7)");
  }
  const auto effects = ordered(distinct_text(*t, rows, "effect"), pg.effect_order());
  const auto ns = distinct_ints(*t, rows, "n_present");
  const CountIndex at = index_by_count(*t, rows, "effect");
  svg::Panel p;
  p.width = std::max(360.0, 110.0 * static_cast<double>(ns.size()));
  p.height = 230;
  p.y_label = "binned accuracy";
  pg.html += "<figure><div>" + svg::legend(model_series(effects)) + "</div>" +
             bars_by_count(*t, at, ns, effects, "binned_accuracy", p, set, F) +
             pg.figure_caption("Tables 6, 7",
                               "Binned accuracy of the regression model of each interaction "
                               "effect: the fraction of test sequences whose prediction falls in "
                               "the bin around its true label, by number of motifs present.",
                               t->href) +
             "</figure>\n";

  std::string h = "<table>" +
                  pg.table_caption("Tables 6, 7",
                                   "Binned accuracy and mean absolute error per number of motifs "
                                   "present; Total: mean weighted by sequences; by subset: every "
                                   "presence subset weighted equally, as in the paper's data (a "
                                   "count k of n motifs weighs C(n, k) / 2^n), comparable with "
                                   "the paper's Total.",
                                   t->href) +
                  "<tr><th rowspan=\"2\">motifs present</th><th colspan=\"" +
                  std::to_string(effects.size()) + "\">binned accuracy</th><th colspan=\"" +
                  std::to_string(effects.size()) + "\">mean |error|</th></tr><tr>";
  for (int k = 0; k < 2; ++k) {
    for (const auto& e : effects) h += "<th>" + escape(e) + "</th>";
  }
  h += "</tr>";
  std::map<std::string, std::array<double, 3>> sums;       // acc·n, err·n, n
  std::map<std::string, std::array<double, 3>> by_subset;  // acc·C(n,k), err·C(n,k), ΣC(n,k)
  long n_motifs = 0;
  for (long k : ns) n_motifs = std::max(n_motifs, k);
  auto binomial = [](long n, long k) {
    double c = 1;
    for (long i = 1; i <= k; ++i) c = c * static_cast<double>(n - k + i) / static_cast<double>(i);
    return c;
  };
  for (auto it = ns.rbegin(); it != ns.rend(); ++it) {
    h += "<tr><th>" + n_label(*it) + "</th>";
    for (const char* col : {"binned_accuracy", "mean_abs_error"}) {
      for (const auto& e : effects) {
        const auto f = at.find({e, *it});
        if (f == at.end()) {
          h += "<td>–</td>";
          continue;
        }
        const double v = t->v(f->second, col), n = t->v(f->second, "sequences");
        h += cell(fixed(v), t->href, count_text(n) + " sequences");
      }
    }
    for (const auto& e : effects) {
      const auto f = at.find({e, *it});
      if (f == at.end()) continue;
      const double a = t->v(f->second, "binned_accuracy"), err = t->v(f->second, "mean_abs_error"),
                   n = t->v(f->second, "sequences");
      if (std::isfinite(a) && std::isfinite(err)) {
        auto& s = sums[e];
        s[0] += a * n, s[1] += err * n, s[2] += n;
        const double w = binomial(n_motifs, *it);
        auto& b = by_subset[e];
        b[0] += a * w, b[1] += err * w, b[2] += w;
      }
    }
    h += "</tr>";
  }
  h += "<tr class=\"sum\"><th>Total</th>";
  for (std::size_t k = 0; k < 2; ++k) {
    for (const auto& e : effects) {
      const auto& s = sums[e];
      h += cell(s[2] > 0 ? fixed(s[k] / s[2]) : "n/a", t->href,
                "mean weighted by sequences, " + count_text(s[2]) + " sequences");
    }
  }
  h += "</tr><tr class=\"sum\"><th>Total, by subset</th>";
  for (std::size_t k = 0; k < 2; ++k) {
    for (const auto& e : effects) {
      const auto& b = by_subset[e];
      h += cell(b[2] > 0 ? fixed(b[k] / b[2]) : "n/a", t->href,
                "every presence subset weighted equally (count k of " + std::to_string(n_motifs) +
                    " motifs weighs C(n, k))");
    }
  }
  pg.html += h + "</tr></table>\n";
}

// Fig. 3A (+ the same by n_present): AUPRC per effect, method and motif.
void auprc_regression_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Motif detection per interaction effect</h5>\n";
  const TableView* t = pg.table(layouts::summary());
  if (!t) return pg.missing(layouts::summary(), "AUPRC per effect (Fig. 3A)");
  const auto rows = pg.rows_of_kind(*t, set, F, false);
  if (rows.empty()) return pg.no_rows(layouts::summary(), set, F, "AUPRC per effect (Fig. 3A)");
  const auto effects = ordered(distinct_text(*t, rows, "model"), pg.effect_order());
  const auto methods = ordered(distinct_text(*t, rows, "method"), pg.data.config.methods);
  const auto motifs = pg.motifs_in_order(set, distinct_text(*t, rows, "motif"));
  const auto ns = distinct_ints(*t, rows, "n_present");
  const long nmax = ns.back();
  const auto at = index_summary(*t, rows);
  const auto series = model_series(effects);

  // Fig. 3A: one panel per method, x = motif, boxes per effect, all motifs present.
  std::string body = "<div class=\"panels\">";
  for (const auto& method : methods) {
    std::vector<std::vector<std::optional<svg::Box>>> boxes;
    for (const auto& motif : motifs) {
      boxes.emplace_back();
      for (const auto& e : effects) {
        const auto it = at.find({e, method, motif, nmax});
        boxes.back().push_back(it == at.end() ? std::nullopt
                                              : std::optional<svg::Box>(box_of(*t, it->second)));
      }
    }
    svg::Panel p;
    p.width = std::max(380.0, 60 + 22.0 * static_cast<double>(motifs.size() * effects.size()));
    p.height = 240;
    p.title = method_name(method);
    p.x_label = "motif";
    p.y_label = "AUPRC";
    body += svg::box_plot(p, motifs, series, boxes);
  }
  body += "</div>";
  pg.html += "<figure><div>" + svg::legend(series) + "</div>" + body +
             pg.figure_caption("Fig. 3A",
                               "Per-sequence AUPRC for each motif and interaction effect on the "
                               "test sequences with all " +
                                   std::to_string(nmax) +
                                   " motifs present; one panel per attribution method.",
                               t->href) +
             "</figure>\n";

  // Medians at nmax: motifs × (method, effect).
  std::string h = "<table>" +
                  pg.table_caption("Results text",
                                   "Median AUPRC [CI] per motif and effect, all " +
                                       std::to_string(nmax) + " motifs present.",
                                   t->href) +
                  "<tr><th rowspan=\"2\">motif</th>";
  for (const auto& method : methods) {
    h += "<th colspan=\"" + std::to_string(effects.size()) + "\">" + escape(method_name(method)) +
         "</th>";
  }
  h += "</tr><tr>";
  for (std::size_t i = 0; i < methods.size(); ++i) {
    for (const auto& e : effects) h += "<th>" + escape(e) + "</th>";
  }
  h += "</tr>";
  for (const auto& motif : motifs) {
    h += "<tr><th>" + escape(motif) + "</th>";
    for (const auto& method : methods) {
      for (const auto& e : effects) {
        const auto it = at.find({e, method, motif, nmax});
        h += it == at.end() ? "<td>–</td>"
                            : ci_cell(t->v(it->second, "median"), t->v(it->second, "median_lo"),
                                      t->v(it->second, "median_hi"), t->href,
                                      count_text(t->v(it->second, "sequences")) + " sequences");
      }
    }
    h += "</tr>";
  }
  pg.html += h + "</table>\n";

  if (ns.size() > 1) {
    pg.html += "<figure><div>" + svg::legend(series) + "</div>" +
               box_grid(*t, at, motifs, methods, effects, ns) +
               pg.figure_caption("",
                                 "Per-sequence AUPRC of the regression models by number of "
                                 "motifs present, per motif (rows) and method (columns).",
                                 t->href) +
               "</figure>\n";
  }
}

// Fig. 3B: AUPRC vs absolute prediction error per sequence (all motifs present).
void scatter_section(Page& pg, const std::string& set, long F) {
  constexpr std::size_t kMaxPoints = 2000;
  pg.html += "<h5>AUPRC vs absolute error</h5>\n";
  if (!pg.data.scatter_present)
    return pg.missing(layouts::auprc(), "AUPRC vs absolute error (Fig. 3B)");
  std::vector<std::string> effects, methods, motifs;
  for (const auto& [key, d] : pg.data.scatter) {
    if (std::get<0>(key) != set || std::get<1>(key) != F) continue;
    add_unique(effects, std::get<2>(key));
    add_unique(methods, std::get<3>(key));
    for (const auto& m : d.motifs) add_unique(motifs, m);
  }
  if (effects.empty()) {
    return pg.note("<code>tables/auprc.tsv</code> has no rows with an absolute error for " +
                   escape(set) + " with " + filters_text(F) +
                   ": AUPRC vs absolute error (Fig. 3B) skipped.");
  }
  effects = ordered(effects, pg.effect_order());
  motifs = pg.motifs_in_order(set, motifs);
  methods = ordered(methods, pg.data.config.methods);
  std::vector<svg::Series> series;
  for (std::size_t i = 0; i < motifs.size(); ++i) series.push_back({motifs[i], motif_color(i), ""});
  std::string body;
  std::size_t shown_max = 0, total_max = 0;
  for (const auto& method : methods) {
    body += "<div class=\"panels\">";
    for (const auto& e : effects) {
      const auto it = pg.data.scatter.find({set, F, e, method});
      if (it == pg.data.scatter.end()) continue;
      const ScatterData& d = it->second;
      const std::uint32_t nmax = *std::max_element(d.n_present.begin(), d.n_present.end());
      std::vector<std::size_t> keep;
      for (std::size_t i = 0; i < d.n_present.size(); ++i) {
        if (d.n_present[i] == nmax) keep.push_back(i);
      }
      const std::size_t m = keep.size(), shown = std::min(m, kMaxPoints);
      std::vector<svg::Point> pts;
      for (std::size_t j = 0; j < shown; ++j) {
        const std::size_t i = keep[j * m / shown];  // every (m / shown)-th row, deterministic
        const auto mi = static_cast<std::size_t>(
            std::find(motifs.begin(), motifs.end(), d.motifs[d.motif[i]]) - motifs.begin());
        pts.push_back({static_cast<double>(d.abs_error[i]), static_cast<double>(d.auprc[i]), mi});
      }
      shown_max = std::max(shown_max, shown);
      total_max = std::max(total_max, m);
      svg::Panel p;
      p.width = 270;
      p.height = 220;
      p.title = e + " · " + method_name(method);
      p.x_label = "|prediction − label|";
      p.y_label = "AUPRC";
      p.x_min = 0;
      p.x_max = NAN;
      body += svg::scatter(p, series, pts);
    }
    body += "</div>";
  }
  pg.html +=
      "<figure><div>" + svg::legend(series) + "</div>" + body +
      pg.figure_caption(
          "Fig. 3B",
          "Per-sequence AUPRC of each motif against the absolute error of the regression "
          "model's prediction on the test sequences with all motifs present; one "
          "point per sequence and motif, coloured by motif." +
              (total_max > shown_max ? " Panels with more than " + std::to_string(kMaxPoints) +
                                           " points show every k-th row (deterministic)."
                                     : std::string()),
          "tables/auprc.tsv") +
      "</figure>\n";
}

}  // namespace mint::report

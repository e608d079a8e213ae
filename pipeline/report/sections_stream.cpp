// The large-sample stream's section (pipeline/report/sections.hpp): what `mint stream`
// (pipeline/stream/stream.hpp) writes beyond an experiment's tables — the median's bootstrap CI
// width against the number of sequences (<metric>_convergence, drawn for auprc) and the binned
// pooled AUPRC with its bound (pooled_bounds) — and how close the stream's histogram estimates
// are to the exact values (pipeline/stream/aggregate.hpp). Shown for a (set, filters) only where
// one of the two tables has rows for it.
//
// The plot is a grid of small log-log panels on shared axes: a row per motif, a panel per number
// of motifs present, a line per model (colour, as on the rest of the page) × method (dash). The
// last point of a line, filled, is the stream's own N; the hollow ones before it are resample
// sizes below N.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "pipeline/report/sections.hpp"

namespace mint::report {

using svg::escape;

namespace {

// The groups of one table for one (set, filters), in the page's orders.
struct StreamGroups {
  std::vector<std::string> models, methods, motifs;
  std::vector<long> ns;  // n_present, ascending
};

StreamGroups groups_of(const Page& pg, const TableView& t, const std::vector<std::size_t>& rows,
                       const std::string& set) {
  std::vector<std::string> model_order = kClassificationModels;
  for (const auto& e : pg.effect_order()) add_unique(model_order, e);
  return {ordered(distinct_text(t, rows, "model"), model_order),
          ordered(distinct_text(t, rows, "method"), pg.data.config.methods),
          pg.motifs_in_order(set, distinct_text(t, rows, "motif")),
          distinct_ints(t, rows, "n_present")};
}

// A width or a bound: 3 significant digits ("0.0107", "0.0580", "6.82e-05"), "n/a" for NaN.
std::string small_number(double v, int digits = 3) {
  if (!std::isfinite(v)) return fixed(v);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%#.*g", digits, v);
  return buf;
}

const char* method_dash(std::size_t i) {
  static const char* const dashes[] = {"", "6 3", "2 2", "8 3 2 3", "12 4", "4 2 1 2", "1 4"};
  return dashes[i % 7];
}

constexpr const char* kGuideColor = "#aaa";

// Convergence rows by group (model, method, motif, n_present), resample size ascending: the
// last is the stream's own N.
struct Convergence {
  const TableView& t;
  StreamGroups g;
  std::map<SummaryKey, std::vector<std::size_t>> at;
};

Convergence convergence_of(const Page& pg, const TableView& t, const std::string& set, long F) {
  const auto& rows = t.rows(set, F);
  Convergence c{t, groups_of(pg, t, rows, set), {}};
  for (auto r : rows) {
    c.at[{t.s(r, "model"), t.s(r, "method"), t.s(r, "motif"),
          static_cast<long>(t.v(r, "n_present"))}]
        .push_back(r);
  }
  for (auto& [key, v] : c.at) {
    std::stable_sort(v.begin(), v.end(), [&](std::size_t a, std::size_t b) {
      return t.v(a, "sequences") < t.v(b, "sequences");
    });
  }
  return c;
}

// One panel's lines: model × method, then the 1/√N guide through the geometric mean of the
// widths at the panel's smallest N.
std::vector<svg::Line> panel_lines(const Convergence& c, const std::string& motif, long n) {
  const TableView& t = c.t;
  std::vector<svg::Line> lines;
  double x0 = NAN, x1 = NAN;
  for (std::size_t mi = 0; mi < c.g.methods.size(); ++mi) {
    for (std::size_t k = 0; k < c.g.models.size(); ++k) {
      const std::string& model = c.g.models[k];
      const auto it = c.at.find({model, c.g.methods[mi], motif, n});
      if (it == c.at.end()) continue;
      svg::Line line{model_color(model, k), method_dash(mi), true, {}};
      const double stream_n = t.v(it->second.back(), "sequences");
      for (auto r : it->second) {
        const double x = t.v(r, "sequences");
        line.points.push_back({x, t.v(r, "width"), x == stream_n,
                               model + " · " + method_name(c.g.methods[mi]) + ", " + count_text(x) +
                                   (x == stream_n ? " sequences (the stream's N)"
                                                  : " of " + count_text(stream_n) + " sequences") +
                                   ": CI of the median [" + fixed(t.v(r, "median_lo")) + ", " +
                                   fixed(t.v(r, "median_hi")) + "], width " +
                                   small_number(t.v(r, "width"))});
        x0 = std::isnan(x0) ? x : std::min(x0, x);
        x1 = std::isnan(x1) ? x : std::max(x1, x);
      }
      lines.push_back(std::move(line));
    }
  }
  double log_sum = 0;
  int at_x0 = 0;
  for (const auto& line : lines) {
    for (const auto& p : line.points) {
      if (p.x == x0 && p.y > 0 && std::isfinite(p.y)) log_sum += std::log(p.y), ++at_x0;
    }
  }
  if (at_x0 > 0 && x1 > x0) {
    const double y0 = std::exp(log_sum / at_x0);
    lines.push_back(
        {kGuideColor, "", false, {{x0, y0, false, ""}, {x1, y0 * std::sqrt(x0 / x1), false, ""}}});
  }
  return lines;
}

std::string convergence_caption(bool any_zero) {
  return "Width of the percentile bootstrap CI of the median AUPRC at resample size N, drawn "
         "from the stream's distribution of the group's values (m-out-of-n bootstrap): the "
         "values below the stream's N (hollow markers) are what a smaller sample would have "
         "given, the filled marker is the stream's own N. The width shrinks about as 1/√N (grey "
         "line: slope −½ through the widths at the smallest N); where a line flattens or the "
         "width is small enough for the comparison at hand, N is large enough. One row per "
         "motif, one panel per number of motifs present, one line per model × method; shared "
         "log-log axes. Hover a marker for its numbers." +
         std::string(any_zero ? " A width of 0 (every resample has the same median) cannot be "
                                "drawn on a log axis and is left out; the table lists it."
                              : "");
}

void convergence_figure(Page& pg, const Convergence& c) {
  const TableView& t = c.t;
  std::map<std::pair<std::string, long>, std::vector<svg::Line>> panels;
  double xlo = NAN, xhi = NAN, ylo = NAN, yhi = NAN;
  bool any_zero = false;
  for (const auto& motif : c.g.motifs) {
    for (long n : c.g.ns) {
      auto lines = panel_lines(c, motif, n);
      for (const auto& line : lines) {
        for (const auto& p : line.points) {
          any_zero = any_zero || p.y == 0;
          if (!(p.x > 0 && p.y > 0 && std::isfinite(p.x) && std::isfinite(p.y))) continue;
          xlo = std::isnan(xlo) ? p.x : std::min(xlo, p.x);
          xhi = std::isnan(xhi) ? p.x : std::max(xhi, p.x);
          ylo = std::isnan(ylo) ? p.y : std::min(ylo, p.y);
          yhi = std::isnan(yhi) ? p.y : std::max(yhi, p.y);
        }
      }
      if (!lines.empty()) panels[{motif, n}] = std::move(lines);
    }
  }
  std::vector<svg::Series> keys = model_series(c.g.models);
  std::vector<std::string> dashes(keys.size(), "");
  if (c.g.methods.size() > 1) {
    for (std::size_t mi = 0; mi < c.g.methods.size(); ++mi) {
      keys.push_back({method_name(c.g.methods[mi]), "#555", ""});
      dashes.push_back(method_dash(mi));
    }
  }
  keys.push_back({"∝ 1/√N", kGuideColor, ""});
  dashes.push_back("");
  std::string body;
  for (const auto& motif : c.g.motifs) {
    std::string row;
    for (long n : c.g.ns) {
      const auto it = panels.find({motif, n});
      if (it == panels.end()) continue;
      svg::Panel p;
      p.width = 240;
      p.height = 190;
      p.title = motif + " · " + n_label(n) + " present";
      p.x_label = "sequences N";
      p.y_label = "CI width";
      p.x_min = xlo, p.x_max = xhi, p.y_min = ylo, p.y_max = yhi;
      row += svg::log_log_plot(p, it->second);
    }
    if (!row.empty()) body += "<div class=\"panels\">" + row + "</div>";
  }
  pg.html += "<figure><div>" + svg::line_legend(keys, dashes) + "</div>" + body +
             pg.figure_caption("", convergence_caption(any_zero), t.href) + "</figure>\n";
}

// The cells of one group's row of the convergence table: N, the CI and width at N, then the
// width at each smaller resample size ("–" where the group has none).
std::string convergence_cells(const TableView& t, const std::vector<std::size_t>& rows,
                              const std::set<long>& smaller) {
  const std::size_t r = rows.back();
  const std::string N = count_text(t.v(r, "sequences"));
  std::string h = cell(N, t.href) +
                  cell("[" + fixed(t.v(r, "median_lo")) + ", " + fixed(t.v(r, "median_hi")) + "]",
                       t.href, N + " sequences") +
                  cell(small_number(t.v(r, "width")), t.href, N + " sequences");
  for (long m : smaller) {
    const auto at = std::find_if(rows.begin(), rows.end() - 1, [&](std::size_t q) {
      return static_cast<long>(t.v(q, "sequences")) == m;
    });
    h += at == rows.end() - 1
             ? "<td>–</td>"
             : cell(small_number(t.v(*at, "width")), t.href,
                    count_text(static_cast<double>(m)) + " of " + N + " sequences: CI [" +
                        fixed(t.v(*at, "median_lo")) + ", " + fixed(t.v(*at, "median_hi")) + "]");
  }
  return h;
}

// The convergence values, one row per group: the CI at the stream's N, then the widths at the
// smaller resample sizes (columns: every size below some group's N). Rows: motif, motifs
// present (descending), method, model.
void convergence_table(Page& pg, const Convergence& c) {
  const TableView& t = c.t;
  std::set<long> smaller;
  for (const auto& [key, rows] : c.at) {
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
      smaller.insert(static_cast<long>(t.v(rows[i], "sequences")));
    }
  }
  std::string h = "<table>" +
                  pg.table_caption("",
                                   "The median's bootstrap CI at the stream's N and its width at "
                                   "smaller resample sizes N (as in the figure above).",
                                   t.href) +
                  "<tr><th rowspan=\"2\">motif</th><th rowspan=\"2\">motifs present</th><th "
                  "rowspan=\"2\">method</th><th rowspan=\"2\">model</th><th colspan=\"3\">at the "
                  "stream's N</th>";
  if (!smaller.empty()) {
    h += "<th colspan=\"" + std::to_string(smaller.size()) + "\">CI width at N =</th>";
  }
  h += "</tr><tr><th>sequences</th><th>CI of the median</th><th>width</th>";
  for (long m : smaller) h += "<th>" + count_text(static_cast<double>(m)) + "</th>";
  h += "</tr>";
  // Groups by motif, n (descending) and method, for the header cells' rowspans.
  using Group = std::pair<std::string, const std::vector<std::size_t>*>;  // model, rows
  std::size_t shown = 0;
  for (const auto& motif : c.g.motifs) {
    std::vector<std::pair<long, std::vector<std::pair<std::string, std::vector<Group>>>>> by_n;
    std::size_t motif_rows = 0;
    for (auto n = c.g.ns.rbegin(); n != c.g.ns.rend(); ++n) {
      std::vector<std::pair<std::string, std::vector<Group>>> methods;
      for (const auto& method : c.g.methods) {
        std::vector<Group> groups;
        for (const auto& model : c.g.models) {
          const auto it = c.at.find({model, method, motif, *n});
          if (it != c.at.end()) groups.push_back({model, &it->second});
        }
        motif_rows += groups.size();
        if (!groups.empty()) methods.push_back({method, std::move(groups)});
      }
      if (!methods.empty()) by_n.push_back({*n, std::move(methods)});
    }
    bool first_of_motif = true;
    for (const auto& [n, methods] : by_n) {
      std::size_t n_rows = 0;
      for (const auto& m : methods) n_rows += m.second.size();
      bool first_of_n = true;
      for (const auto& [method, groups] : methods) {
        for (std::size_t k = 0; k < groups.size(); ++k) {
          h += "<tr>";
          if (first_of_motif) {
            h += "<th rowspan=\"" + std::to_string(motif_rows) + "\">" + escape(motif) + "</th>";
          }
          if (first_of_n)
            h += "<th rowspan=\"" + std::to_string(n_rows) + "\">" + n_label(n) + "</th>";
          if (k == 0) {
            h += "<th rowspan=\"" + std::to_string(groups.size()) + "\">" +
                 escape(method_name(method)) + "</th>";
          }
          h += "<th>" + model_html(groups[k].first) + "</th>" +
               convergence_cells(t, *groups[k].second, smaller) + "</tr>";
          first_of_motif = first_of_n = false;
          ++shown;
        }
      }
    }
  }
  // A long table starts folded.
  pg.html += std::string(shown > 48 ? "<details>" : "<details open>") +
             "<summary>CI width by number of sequences (" + std::to_string(shown) +
             " groups)</summary>" + h + "</table></details>\n";
}

// The binned pooled AUPRC with its bound: rows motif × n_present (descending), columns
// method × model.
void pooled_table(Page& pg, const TableView& t, const std::string& set, long F) {
  const auto& rows = t.rows(set, F);
  const StreamGroups g = groups_of(pg, t, rows, set);
  std::map<SummaryKey, std::size_t> at = index_summary(t, rows);
  std::string h =
      "<table>" +
      pg.table_caption(
          "",
          "Pooled AUPRC: the motif's positions against the background positions of all the "
          "group's sequences pooled; ± its bound. Scores are binned by the top 20 bits of the "
          "float32 (relative resolution 2<sup>−11</sup>); the pooled AUPRC is scikit-learn's "
          "for the binned scores, and <code>bound</code> bounds its distance to the unbinned "
          "value. Hover a value for the numbers of positions.",
          t.href) +
      "<tr><th rowspan=\"2\">motif</th><th rowspan=\"2\">motifs present</th>";
  for (const auto& method : g.methods) {
    h += "<th colspan=\"" + std::to_string(g.models.size()) + "\">" + escape(method_name(method)) +
         "</th>";
  }
  h += "</tr><tr>";
  for (std::size_t i = 0; i < g.methods.size(); ++i) {
    for (const auto& m : g.models) h += "<th>" + model_html(m) + "</th>";
  }
  h += "</tr>";
  for (const auto& motif : g.motifs) {
    std::vector<long> ns;
    for (long n : g.ns) {
      bool any = false;
      for (const auto& method : g.methods) {
        for (const auto& m : g.models) any = any || at.count({m, method, motif, n});
      }
      if (any) ns.push_back(n);
    }
    for (std::size_t i = ns.size(); i-- > 0;) {
      h += "<tr>";
      if (i + 1 == ns.size()) {
        h += "<th rowspan=\"" + std::to_string(ns.size()) + "\">" + escape(motif) + "</th>";
      }
      h += "<th>" + n_label(ns[i]) + "</th>";
      for (const auto& method : g.methods) {
        for (const auto& m : g.models) {
          const auto it = at.find({m, method, motif, ns[i]});
          if (it == at.end()) {
            h += "<td>–</td>";
            continue;
          }
          const auto r = it->second;
          h += cell(
              fixed(t.v(r, "pooled_auprc")) + "<br><span class=\"ci\">± " +
                  small_number(t.v(r, "bound"), 2) + "</span>",
              t.href,
              count_text(t.v(r, "positives")) + " motif and " + count_text(t.v(r, "negatives")) +
                  " background positions; |binned − unbinned| ≤ " + small_number(t.v(r, "bound")));
        }
      }
      h += "</tr>";
    }
  }
  pg.html += h + "</table>\n";
}

}  // namespace

bool has_stream_rows(const Page& pg, const std::string& set, long F) {
  for (const TableLayout* l : {&layouts::convergence(), &layouts::pooled_bounds()}) {
    const TableView* t = pg.table(*l);
    if (t && !t->rows(set, F).empty()) return true;
  }
  return false;
}

void stream_section(Page& pg, const std::string& set, long F, const std::string& id) {
  if (!has_stream_rows(pg, set, F)) return;
  pg.html += "<h4 class=\"exp\" id=\"" + id + "\">Large-sample stream</h4>\n";
  pg.html +=
      "<p>Written by <code>mint stream</code>, which aggregates every sequence of the stream in "
      "memory that does not grow with N. Its medians and quartiles (in the tables and box plots "
      "above too) are within 2<sup>−16</sup> of the exact ones: a group's values are kept in a "
      "histogram of 2<sup>16</sup> bins over [0, 1] and each order statistic is estimated by its "
      "bin's mean (exact when a bin's values are equal). Its Δ CIs come from an in-stream "
      "Poisson bootstrap (every sequence weighted Poisson(1) in every resample) with "
      "2<sup>10</sup>-bin resample histograms: CI endpoints within 2<sup>−10</sup>.</p>\n";
  pg.html += "<h5>Median CI width against the number of sequences</h5>\n";
  if (const TableView* t = pg.table(layouts::convergence()); !t) {
    pg.missing(layouts::convergence(), "CI width by number of sequences");
  } else if (t->rows(set, F).empty()) {
    pg.no_rows(layouts::convergence(), set, F, "CI width by number of sequences");
  } else {
    const Convergence c = convergence_of(pg, *t, set, F);
    convergence_figure(pg, c);
    convergence_table(pg, c);
  }
  pg.html += "<h5>Pooled AUPRC and its bound</h5>\n";
  if (const TableView* t = pg.table(layouts::pooled_bounds()); !t) {
    pg.missing(layouts::pooled_bounds(), "pooled AUPRC bounds");
  } else if (t->rows(set, F).empty()) {
    pg.no_rows(layouts::pooled_bounds(), set, F, "pooled AUPRC bounds");
  } else {
    pooled_table(pg, *t, set, F);
  }
}

}  // namespace mint::report

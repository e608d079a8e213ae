// The page and what its sections share (pipeline/report/page.hpp).
#include "pipeline/report/page.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

namespace mint::report {

using svg::escape;

namespace {

std::string paper_ref(const std::string& paper) {
  return paper.empty() ? "" : " <span class=\"paper\">(paper: " + paper + ")</span>";
}

}  // namespace

// ---- the page -----------------------------------------------------------------------------------

std::vector<std::size_t> Page::rows_of_kind(const TableView& t, const std::string& set,
                                            long filters, bool classification) const {
  std::vector<std::size_t> out;
  for (auto r : t.rows(set, filters)) {
    if (data.kinds.is_classification(t.s(r, "model")) == classification) out.push_back(r);
  }
  return out;
}

std::vector<std::string> Page::section_models(const std::string& set, long filters,
                                              bool classification) const {
  std::vector<std::string> seen;
  for (const auto& [file, t] : data.tables) {
    if (!t || !t->text_col.count("model")) continue;
    for (auto r : rows_of_kind(*t, set, filters, classification))
      add_unique(seen, t->s(r, "model"));
  }
  return ordered(seen, kClassificationModels);
}

std::string Page::classifiers_html(const std::string& set, long filters) const {
  const std::vector<std::string> models = section_models(set, filters, true);
  if (models.empty() || models == kClassificationModels) {
    return "M<sub>w</sub> vs M<sub>wo</sub>";
  }
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(model_html(m));
  return join(names, " vs ");
}

std::vector<std::string> Page::motifs_in_order(const std::string& set,
                                               const std::vector<std::string>& seen) const {
  const auto it = data.motif_order.find(set);
  return it == data.motif_order.end() ? seen : ordered(seen, it->second);
}

std::vector<std::string> Page::effect_order() const {
  std::vector<std::string> v = data.config.effects;
  for (const auto& e : kEffects) add_unique(v, e);
  return v;
}

bool Page::not_streamed(const TableLayout& layout) const {
  return data.stream && (&layout == &layouts::auprc() || &layout == &layouts::filters() ||
                         &layout == &layouts::training());
}

void Page::note(const std::string& text) { html += "<p class=\"note\">" + text + "</p>\n"; }

void Page::missing(const TableLayout& layout, const std::string& what) {
  note("<code>tables/" + escape(layout.file()) + "</code> " +
       (not_streamed(layout) ? "is not written by <code>mint stream</code>" : "is missing") + ": " +
       what + " skipped.");
}

void Page::no_rows(const TableLayout& layout, const std::string& set, long filters,
                   const std::string& what) {
  note("<code>tables/" + escape(layout.file()) + "</code> has no rows for " + escape(set) +
       " with " + filters_text(filters) + ": " + what + " skipped.");
}

std::string Page::figure_caption(const std::string& paper, const std::string& text,
                                 const std::string& href) {
  return "<figcaption><b>Figure " + std::to_string(++figures) + "</b>" + paper_ref(paper) + ". " +
         text + " <span class=\"src\">Source: <a href=\"" + href + "\">" + href +
         "</a>.</span></figcaption>";
}

std::string Page::table_caption(const std::string& paper, const std::string& text,
                                const std::string& href) {
  return "<caption><b>Table " + std::to_string(++tables) + "</b>" + paper_ref(paper) + ". " + text +
         " <span class=\"src\">Source: <a href=\"" + href + "\">" + href + "</a>.</span></caption>";
}

// ---- names, colours, numbers --------------------------------------------------------------------

std::string method_name(const std::string& m) {
  static const std::map<std::string, std::string> names = {{"ig", "Integrated Gradients"},
                                                           {"deeplift", "DeepLIFT"},
                                                           {"fp", "Feature Permutation"},
                                                           {"saliency", "Saliency"},
                                                           {"ixg", "Input × Gradient"},
                                                           {"grad", "Gradient"},
                                                           {"ism", "ISM"}};
  const auto it = names.find(m);
  return it == names.end() ? m : it->second;
}

// M_w → M<sub>w</sub> in HTML; other names escaped.
std::string model_html(const std::string& m) {
  if (m.size() > 2 && m.compare(0, 2, "M_") == 0) {
    return "<i>M</i><sub>" + escape(m.substr(2)) + "</sub>";
  }
  return escape(m);
}

std::string model_svg(const std::string& m) {
  if (m.size() > 2 && m.compare(0, 2, "M_") == 0) {
    return "M<tspan baseline-shift=\"sub\" font-size=\"9\">" + escape(m.substr(2)) + "</tspan>";
  }
  return escape(m);
}

std::string model_color(const std::string& model, std::size_t index) {
  static const std::map<std::string, std::string> fixed = {
      {"M_w", "#4c72b0"},       {"M_wo", "#dd8452"},       {"additive", "#55a868"},
      {"enhancing", "#c44e52"}, {"inhibiting", "#8172b3"}, {"quadratic", "#937860"}};
  static const char* const extra[] = {"#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"};
  const auto it = fixed.find(model);
  return it != fixed.end() ? it->second : extra[index % 4];
}

std::string motif_color(std::size_t i) {
  static const char* const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return palette[i % 10];
}

std::vector<svg::Series> model_series(const std::vector<std::string>& models) {
  std::vector<svg::Series> out;
  for (std::size_t i = 0; i < models.size(); ++i) {
    out.push_back({models[i], model_color(models[i], i), model_svg(models[i])});
  }
  return out;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "∞" : "−∞");
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string signed_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return fixed(v, decimals);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.*f", decimals, v);
  return buf;
}

std::string count_text(double v) {
  return std::isfinite(v) ? std::to_string(static_cast<long long>(v)) : "n/a";
}

std::string filters_text(long filters) {
  return filters > 0 ? std::to_string(filters) + " filters" : "filters not recorded";
}

std::string n_label(long n) { return std::to_string(n); }

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// ---- cells and columns --------------------------------------------------------------------------

std::string cell(const std::string& text, const std::string& href, const std::string& title) {
  return "<td><a href=\"" + href + "\"" +
         (title.empty() ? "" : " title=\"" + escape(title) + "\"") + ">" + text + "</a></td>";
}

std::string ci_cell(double median, double lo, double hi, const std::string& href,
                    const std::string& title, bool is_delta) {
  const std::string m = is_delta ? signed_fixed(median) : fixed(median);
  const std::string ci =
      is_delta ? signed_fixed(lo) + ", " + signed_fixed(hi) : fixed(lo) + ", " + fixed(hi);
  // A Δ whose interval excludes 0 is set in bold.
  const bool sig = is_delta && (lo > 0 || hi < 0);
  return "<td><a href=\"" + href + "\" title=\"" + escape(title) + "\">" +
         (sig ? "<span class=\"sig\">" + m + "</span>" : m) + "<br><span class=\"ci\">[" + ci +
         "]</span></a></td>";
}

// Distinct values of a numeric column over rows, ascending.
std::vector<long> distinct_ints(const TableView& t, const std::vector<std::size_t>& rows,
                                const std::string& col) {
  std::set<long> s;
  for (auto r : rows) s.insert(static_cast<long>(t.v(r, col)));
  return {s.begin(), s.end()};
}

std::vector<std::string> distinct_text(const TableView& t, const std::vector<std::size_t>& rows,
                                       const std::string& col) {
  std::vector<std::string> out;
  for (auto r : rows) add_unique(out, t.s(r, col));
  return out;
}

// ---- box plots of <metric>_summary --------------------------------------------------------------

svg::Box box_of(const TableView& t, std::size_t r) {
  return {t.v(r, "whisker_lo"), t.v(r, "q1"),
          t.v(r, "median"),     t.v(r, "q3"),
          t.v(r, "whisker_hi"), static_cast<std::size_t>(std::max(0.0, t.v(r, "sequences")))};
}

std::map<SummaryKey, std::size_t> index_summary(const TableView& t,
                                                const std::vector<std::size_t>& rows) {
  std::map<SummaryKey, std::size_t> at;
  for (auto r : rows) {
    at[{t.s(r, "model"), t.s(r, "method"), t.s(r, "motif"),
        static_cast<long>(t.v(r, "n_present"))}] = r;
  }
  return at;
}

// A grid of box plots: one row of panels per motif, one panel per method, x = n_present,
// one box per model.
std::string box_grid(const TableView& t, const std::map<SummaryKey, std::size_t>& at,
                     const std::vector<std::string>& motifs,
                     const std::vector<std::string>& methods,
                     const std::vector<std::string>& models, const std::vector<long>& ns) {
  std::string body;
  const auto series = model_series(models);
  for (const auto& motif : motifs) {
    body += "<div class=\"panels\">";
    for (const auto& method : methods) {
      std::vector<std::string> cats;
      std::vector<std::vector<std::optional<svg::Box>>> boxes;
      for (long n : ns) {
        std::vector<std::optional<svg::Box>> row;
        bool any = false;
        for (const auto& m : models) {
          const auto it = at.find({m, method, motif, n});
          row.push_back(it == at.end() ? std::nullopt
                                       : std::optional<svg::Box>(box_of(t, it->second)));
          any = any || it != at.end();
        }
        if (!any) continue;
        cats.push_back(n_label(n));
        boxes.push_back(std::move(row));
      }
      if (cats.empty()) continue;
      svg::Panel p;
      p.width =
          std::clamp(40 + 26.0 * static_cast<double>(cats.size() * models.size()), 300.0, 400.0);
      p.title = motif + " · " + method_name(method);
      p.x_label = "motifs present";
      p.y_label = "AUPRC";
      body += svg::box_plot(p, cats, series, boxes);
    }
    body += "</div>";
  }
  return body;
}

CountIndex index_by_count(const TableView& t, const std::vector<std::size_t>& rows,
                          const std::string& series_column) {
  CountIndex at;
  for (auto r : rows) at[{t.s(r, series_column), static_cast<long>(t.v(r, "n_present"))}] = r;
  return at;
}

std::string bars_by_count(const TableView& t, const CountIndex& at, const std::vector<long>& ns,
                          const std::vector<std::string>& series, const std::string& value,
                          svg::Panel panel, const std::string& set, long F) {
  std::vector<std::string> cats;
  std::vector<std::vector<double>> values;
  for (long n : ns) {
    cats.push_back(n_label(n));
    values.emplace_back();
    for (const auto& m : series) {
      const auto it = at.find({m, n});
      values.back().push_back(it == at.end() ? NAN : t.v(it->second, value));
    }
  }
  panel.title = set + ", " + filters_text(F);
  panel.x_label = "motifs present in the test sequence";
  return svg::bar_chart(panel, cats, model_series(series), values);
}

}  // namespace mint::report

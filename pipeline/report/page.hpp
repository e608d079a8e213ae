// The report's page under construction (pipeline/report/report.hpp) and what its sections share:
// the HTML being written with its figure and table counters, captions and notes, table cells
// whose numbers link to their TSV, names, orders and colours of models and motifs, and the box
// plots both experiments draw from <metric>_summary.
//
// Conventions: every text from a file is escaped (svg::escape) where it enters the HTML; model
// names M_x are set as M<sub>x</sub> (HTML) or a subscript <tspan> (SVG); numbers are fixed with
// 4 decimals, "n/a" for NaN.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/report/report_data.hpp"
#include "pipeline/report/svg.hpp"
#include "pipeline/tables.hpp"

namespace mint::report {

struct Page {
  explicit Page(const ReportData& d) : data(d) {}

  const ReportData& data;
  std::string html;
  int figures = 0, tables = 0;

  const TableView* table(const TableLayout& layout) const { return data.table(layout); }
  // Rows of (set, filters) whose model is a classifier (classification) or not.
  std::vector<std::size_t> rows_of_kind(const TableView& t, const std::string& set, long filters,
                                        bool classification) const;
  // The models of (set, filters) of one kind in any table, M_w and M_wo first.
  std::vector<std::string> section_models(const std::string& set, long filters,
                                          bool classification) const;
  // "M<sub>w</sub> vs M<sub>wo</sub>" for the paper's classifiers, else the models' names.
  std::string classifiers_html(const std::string& set, long filters) const;
  // The set's motif order where the pair names reveal it, else as the tables mention them.
  std::vector<std::string> motifs_in_order(const std::string& set,
                                           const std::vector<std::string>& seen) const;
  // Effects as config.json lists them, then the paper's order.
  std::vector<std::string> effect_order() const;
  // A table `mint stream` does not write (auprc, filters, training), in a stream's directory.
  bool not_streamed(const TableLayout& layout) const;

  void note(const std::string& text);
  // "tables/x.tsv is missing: what skipped." ("is not written by mint stream" where not_streamed)
  void missing(const TableLayout& layout, const std::string& what);
  void no_rows(const TableLayout& layout, const std::string& set, long filters,
               const std::string& what);
  // "Figure N (paper: Fig. 2B). text Source: tables/x.tsv." — N numbers this page's figures.
  std::string figure_caption(const std::string& paper, const std::string& text,
                             const std::string& href);
  std::string table_caption(const std::string& paper, const std::string& text,
                            const std::string& href);
};

// ---- names, colours, numbers --------------------------------------------------------------------

std::string method_name(const std::string& m);  // "ig" → "Integrated Gradients"
std::string model_html(const std::string& m);   // M_w → <i>M</i><sub>w</sub>; others escaped
std::string model_svg(const std::string& m);    // M_w → M<tspan ...>w</tspan>
std::string model_color(const std::string& model, std::size_t index);
std::string motif_color(std::size_t i);
std::vector<svg::Series> model_series(const std::vector<std::string>& models);

std::string fixed(double v, int decimals = 4);         // "n/a", "∞" when not finite
std::string signed_fixed(double v, int decimals = 4);  // "+0.1234"
std::string count_text(double v);                      // "12", "n/a"
std::string n_label(long n);
// "32 filters", or "filters not recorded" for 0 (mint score without --filters).
std::string filters_text(long filters);
std::string join(const std::vector<std::string>& v, const std::string& sep);

// ---- cells and columns --------------------------------------------------------------------------

// A table cell whose number links to its TSV.
std::string cell(const std::string& text, const std::string& href, const std::string& title = "");
// "median<br>[lo, hi]"; a Δ (signed) whose interval excludes 0 is set in bold.
std::string ci_cell(double median, double lo, double hi, const std::string& href,
                    const std::string& title, bool is_delta = false);

// Distinct values of a column over rows: numbers ascending, texts as first met.
std::vector<long> distinct_ints(const TableView& t, const std::vector<std::size_t>& rows,
                                const std::string& col);
std::vector<std::string> distinct_text(const TableView& t, const std::vector<std::size_t>& rows,
                                       const std::string& col);

// ---- bars by number of motifs present -----------------------------------------------------------

// Rows by (the series column's value, n_present).
using CountIndex = std::map<std::pair<std::string, long>, std::size_t>;
CountIndex index_by_count(const TableView& t, const std::vector<std::size_t>& rows,
                          const std::string& series_column);
// Grouped bars of `value` per number of motifs present (the categories ns), one bar per series
// (NaN where a series has no row), titled "<set>, <F> filters".
std::string bars_by_count(const TableView& t, const CountIndex& at, const std::vector<long>& ns,
                          const std::vector<std::string>& series, const std::string& value,
                          svg::Panel panel, const std::string& set, long F);

// ---- box plots of <metric>_summary --------------------------------------------------------------

svg::Box box_of(const TableView& t, std::size_t r);

// Index of summary rows by (model, method, motif, n_present).
using SummaryKey = std::tuple<std::string, std::string, std::string, long>;
std::map<SummaryKey, std::size_t> index_summary(const TableView& t,
                                                const std::vector<std::size_t>& rows);

// A grid of box plots: one row of panels per motif, one panel per method, x = n_present,
// one box per model.
std::string box_grid(const TableView& t, const std::map<SummaryKey, std::size_t>& at,
                     const std::vector<std::string>& motifs,
                     const std::vector<std::string>& methods,
                     const std::vector<std::string>& models, const std::vector<long>& ns);

}  // namespace mint::report

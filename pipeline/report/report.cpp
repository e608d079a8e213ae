// The experiment report (pipeline/report/report.hpp): the TSV reader and the page itself, section
// by section as the paper's Results; the plots come from mint::svg (pipeline/report/svg.hpp).
//
// Decisions worth knowing:
// - Tables are read by header name; unknown extra columns are ignored, a missing one is an error
//   at line 1. Integer columns must hold integers; real columns accept "nan"/"inf".
// - auprc.tsv can hold millions of rows (one per sequence): it is streamed, and only rows with a
//   finite abs_error (regression) are kept, as float pairs, for the Fig. 3B scatter.
// - Orders on the page: sets, methods and effects as config.json lists them (then as the tables
//   first mention them), filters ascending, M_w before M_wo, motifs in the set's order as the
//   pair names of accuracy_by_pair.tsv reveal it (the tables are sorted by name), n_present
//   ascending on x axes and descending in tables (as the paper's).
// - Numbers in tables are links to their TSV (styled as plain text); figures name their TSV in
//   the caption and carry the exact values as hover text (<title>).
// - The page is deterministic: no timestamps, no absolute paths.
#include "pipeline/report/report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/report/svg.hpp"

namespace mint {

// ================================================================================================
// The page.
namespace {

namespace fs = std::filesystem;
using svg::escape;

// ---- TSV reading ------------------------------------------------------------------------------

// Line-by-line reader: fields split on tabs, a trailing '\r' dropped, blank lines skipped.
class TsvReader {
 public:
  explicit TsvReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw Error(path_ + ": cannot open for reading");
    if (!next_line()) fail_at(path_, 1, "empty file, expected a header line");
    for (auto f : split()) header_.emplace_back(f);
  }

  std::size_t column(const std::string& name) const {
    const auto it = std::find(header_.begin(), header_.end(), name);
    if (it == header_.end()) fail_at(path_, 1, "missing column '" + name + "'");
    return static_cast<std::size_t>(it - header_.begin());
  }

  bool next() {
    while (next_line()) {
      if (line_.empty()) continue;
      fields_ = split();
      if (fields_.size() != header_.size()) {
        fail_at(path_, line_no_,
                "has " + std::to_string(fields_.size()) + " fields, expected " +
                    std::to_string(header_.size()) + " (as the header)");
      }
      return true;
    }
    if (in_.bad()) throw Error(path_ + ": read error after line " + std::to_string(line_no_));
    return false;
  }

  std::string_view field(std::size_t i) const { return fields_[i]; }

  double real(std::size_t i) const {
    std::string_view v = fields_[i];
    if (!v.empty() && v[0] == '+') v.remove_prefix(1);
    double x = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
      fail_at(path_, line_no_,
              "column '" + header_[i] + "': '" + std::string(fields_[i]) + "' is not a number");
    }
    return x;
  }

  double integer(std::size_t i) const {
    const double x = real(i);
    if (!std::isfinite(x) || x != std::floor(x)) {
      fail_at(path_, line_no_,
              "column '" + header_[i] + "': '" + std::string(fields_[i]) + "' is not an integer");
    }
    return x;
  }

 private:
  bool next_line() {
    if (!std::getline(in_, line_)) return false;
    ++line_no_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return true;
  }
  std::vector<std::string_view> split() const {
    std::vector<std::string_view> out;
    std::string_view rest(line_);
    for (;;) {
      const auto tab = rest.find('\t');
      out.push_back(rest.substr(0, tab));
      if (tab == std::string_view::npos) break;
      rest.remove_prefix(tab + 1);
    }
    return out;
  }

  std::string path_;
  std::ifstream in_;
  std::string line_;
  long line_no_ = 0;
  std::vector<std::string> header_;
  std::vector<std::string_view> fields_;
};

// A small table held in memory: the text and numeric columns the report uses.
struct Table {
  std::string file;  // "accuracy_by_count.tsv"
  std::string href;  // "tables/accuracy_by_count.tsv"
  std::map<std::string, std::size_t> text_col, num_col;
  std::vector<std::vector<std::string>> text;
  std::vector<std::vector<double>> num;
  std::map<std::pair<std::string, long>, std::vector<std::size_t>> by_set_filters;

  const std::string& s(std::size_t r, const std::string& c) const {
    return text[r][text_col.at(c)];
  }
  double v(std::size_t r, const std::string& c) const { return num[r][num_col.at(c)]; }
  const std::vector<std::size_t>& rows(const std::string& set, long filters) const {
    static const std::vector<std::size_t> none;
    const auto it = by_set_filters.find({set, filters});
    return it == by_set_filters.end() ? none : it->second;
  }
};

struct TableSpec {
  const char* file;
  std::vector<std::string> text, integer, real;
};

const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> specs = {
      {"accuracy_by_count.tsv",
       {"set", "model"},
       {"filters", "n_present", "sequences"},
       {"accuracy"}},
      {"accuracy_by_pair.tsv", {"set", "model", "pair"}, {"filters", "sequences"}, {"accuracy"}},
      {"regression_binned.tsv",
       {"set", "effect"},
       {"filters", "n_present", "sequences"},
       {"binned_accuracy", "mean_abs_error"}},
      {"auprc.tsv",
       {"set", "model", "method", "motif"},
       {"filters", "n_present"},
       {"auprc", "abs_error"}},
      {"auprc_summary.tsv",
       {"set", "model", "method", "motif"},
       {"filters", "n_present", "sequences"},
       {"median", "q1", "q3", "mean", "median_lo", "median_hi", "pooled_auprc", "whisker_lo",
        "whisker_hi"}},
      {"auprc_differences.tsv",
       {"set", "method", "motif"},
       {"filters", "n_present", "pairs"},
       {"delta_median", "lo", "hi"}},
      {"filters.tsv", {"set", "model"}, {"filters", "filter", "position"}, {"A", "C", "G", "T"}},
      {"training.tsv",
       {"set", "model"},
       {"filters", "seed", "epochs", "best_epoch"},
       {"valid_loss", "valid_metric"}},
  };
  return specs;
}

std::unique_ptr<Table> load_table(const std::string& dir, const TableSpec& spec) {
  const std::string path = (fs::path(dir) / "tables" / spec.file).string();
  if (!fs::exists(path)) return nullptr;
  TsvReader in(path);
  auto t = std::make_unique<Table>();
  t->file = spec.file;
  t->href = std::string("tables/") + spec.file;
  std::vector<std::size_t> text_at, num_at;
  for (const auto& c : spec.text) {
    t->text_col[c] = text_at.size();
    text_at.push_back(in.column(c));
  }
  std::vector<bool> is_int;
  for (const auto& c : spec.integer) {
    t->num_col[c] = num_at.size();
    num_at.push_back(in.column(c));
    is_int.push_back(true);
  }
  for (const auto& c : spec.real) {
    t->num_col[c] = num_at.size();
    num_at.push_back(in.column(c));
    is_int.push_back(false);
  }
  while (in.next()) {
    std::vector<std::string> text;
    for (std::size_t i : text_at) text.emplace_back(in.field(i));
    std::vector<double> num;
    for (std::size_t k = 0; k < num_at.size(); ++k) {
      num.push_back(is_int[k] ? in.integer(num_at[k]) : in.real(num_at[k]));
    }
    const std::size_t r = t->text.size();
    t->by_set_filters[{text[t->text_col.at("set")],
                       static_cast<long>(num[t->num_col.at("filters")])}]
        .push_back(r);
    t->text.push_back(std::move(text));
    t->num.push_back(std::move(num));
  }
  return t;
}

// Fig. 3B points of one (set, filters, model, method): |error| and AUPRC per sequence.
struct ScatterData {
  std::vector<std::string> motifs;
  std::vector<std::uint32_t> motif, n_present;
  std::vector<float> abs_error, auprc;
};
using ScatterKey = std::tuple<std::string, long, std::string, std::string>;

// Streams auprc.tsv, keeping only rows with a finite abs_error; false when the file is absent.
bool load_scatter(const std::string& dir, std::map<ScatterKey, ScatterData>& out) {
  const std::string path = (fs::path(dir) / "tables" / "auprc.tsv").string();
  if (!fs::exists(path)) return false;
  TsvReader in(path);
  const std::size_t c_set = in.column("set"), c_filters = in.column("filters"),
                    c_model = in.column("model"), c_method = in.column("method"),
                    c_motif = in.column("motif"), c_n = in.column("n_present"),
                    c_auprc = in.column("auprc"), c_err = in.column("abs_error");
  in.column("sequence");
  while (in.next()) {
    const long filters = static_cast<long>(in.integer(c_filters));
    const double err = in.field(c_err) == "nan" ? NAN : in.real(c_err);
    const double auprc = in.real(c_auprc);
    const double n = in.integer(c_n);
    if (!std::isfinite(err) || !std::isfinite(auprc)) continue;
    auto& d = out[{std::string(in.field(c_set)), filters, std::string(in.field(c_model)),
                   std::string(in.field(c_method))}];
    const std::string motif(in.field(c_motif));
    auto it = std::find(d.motifs.begin(), d.motifs.end(), motif);
    if (it == d.motifs.end()) it = d.motifs.insert(d.motifs.end(), motif);
    d.motif.push_back(static_cast<std::uint32_t>(it - d.motifs.begin()));
    d.n_present.push_back(static_cast<std::uint32_t>(std::max(0.0, n)));
    d.abs_error.push_back(static_cast<float>(err));
    d.auprc.push_back(static_cast<float>(auprc));
  }
  return true;
}

// ---- configuration ----------------------------------------------------------------------------

struct Config {
  bool present = false;
  std::string text;  // pretty-printed
  std::string experiment, size;
  std::vector<std::string> sets, methods, effects;
  std::vector<long> filters;
  long seeds = 0;
};

Config load_config(const std::string& dir) {
  Config c;
  const std::string path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(path)) return c;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(path + ": expected a JSON object");
  c.present = true;
  c.text = j.dump(2);
  auto str = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  c.experiment = str("experiment");
  c.size = str("size");
  if (j.contains("seeds") && j["seeds"].is_number_integer()) c.seeds = j["seeds"].get<long>();
  for (auto [key, list] : {std::pair{"sets", &c.sets}, std::pair{"methods", &c.methods},
                           std::pair{"effects", &c.effects}}) {
    if (!j.contains(key) || !j[key].is_array()) continue;
    for (const auto& v : j[key]) {
      if (v.is_string()) list->push_back(v.get<std::string>());
    }
  }
  if (j.contains("filters") && j["filters"].is_array()) {
    for (const auto& v : j["filters"]) {
      if (v.is_number_integer()) c.filters.push_back(v.get<long>());
    }
  } else if (j.contains("filters") && j["filters"].is_number_integer()) {
    c.filters.push_back(j["filters"].get<long>());
  }
  return c;
}

// ---- names, orders, colours -------------------------------------------------------------------

const std::vector<std::string> kClassificationModels = {"M_w", "M_wo"};
const std::vector<std::string> kEffects = {"additive", "enhancing", "inhibiting", "quadratic"};

bool is_classification(const std::string& model) {
  return std::find(kClassificationModels.begin(), kClassificationModels.end(), model) !=
         kClassificationModels.end();
}

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

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// `preferred` first (those that occur), then the rest in order of appearance.
std::vector<std::string> ordered(const std::vector<std::string>& seen,
                                 const std::vector<std::string>& preferred) {
  std::vector<std::string> out;
  for (const auto& p : preferred) {
    if (std::find(seen.begin(), seen.end(), p) != seen.end()) out.push_back(p);
  }
  for (const auto& s : seen) add_unique(out, s);
  return out;
}

std::string fixed(double v, int decimals = 4) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "∞" : "−∞");
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string signed_fixed(double v, int decimals = 4) {
  if (!std::isfinite(v)) return fixed(v, decimals);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.*f", decimals, v);
  return buf;
}

std::string count_text(double v) {
  return std::isfinite(v) ? std::to_string(static_cast<long long>(v)) : "n/a";
}

// Pair names "A+B" list the two motifs in the set's order (accuracy_by_pair.tsv is sorted by
// name, which loses it): a motif that comes first in more pairs comes earlier in the set.
std::map<std::string, std::vector<std::string>> motif_order_from_pairs(const Table* t) {
  std::map<std::string, std::vector<std::string>> order;
  if (!t) return order;
  std::map<std::string, std::vector<std::string>> seen;
  std::map<std::string, std::map<std::string, int>> first;
  for (std::size_t r = 0; r < t->text.size(); ++r) {
    const std::string& pair = t->s(r, "pair");
    const auto plus = pair.find('+');
    if (plus == std::string::npos || pair.find('+', plus + 1) != std::string::npos) continue;
    const std::string& set = t->s(r, "set");
    add_unique(seen[set], pair.substr(0, plus));
    add_unique(seen[set], pair.substr(plus + 1));
    ++first[set][pair.substr(0, plus)];
    first[set][pair.substr(plus + 1)] += 0;
  }
  for (auto& [set, motifs] : seen) {
    auto& f = first[set];
    std::stable_sort(motifs.begin(), motifs.end(),
                     [&](const std::string& a, const std::string& b) { return f[a] > f[b]; });
    order[set] = motifs;
  }
  return order;
}

// ---- page builder -----------------------------------------------------------------------------

std::string paper_ref(const std::string& paper) {
  return paper.empty() ? "" : " <span class=\"paper\">(paper: " + paper + ")</span>";
}

struct Page {
  std::string html;
  int figures = 0, tables = 0;
  Config config;
  std::map<std::string, std::unique_ptr<Table>> t;  // by file name; null when missing
  bool scatter_present = false;
  std::map<ScatterKey, ScatterData> scatter;

  std::map<std::string, std::vector<std::string>> motif_order;  // by set, from the pair names

  // The set's motif order where the pair names reveal it, else as the tables mention them.
  std::vector<std::string> motifs_in_order(const std::string& set,
                                           const std::vector<std::string>& seen) const {
    const auto it = motif_order.find(set);
    return it == motif_order.end() ? seen : ordered(seen, it->second);
  }
  // Effects as config.json lists them, then the paper's order.
  std::vector<std::string> effect_order() const {
    std::vector<std::string> v = config.effects;
    for (const auto& e : kEffects) add_unique(v, e);
    return v;
  }
  const Table* table(const std::string& file) const {
    const auto it = t.find(file);
    return it == t.end() ? nullptr : it->second.get();
  }
  void note(const std::string& text) { html += "<p class=\"note\">" + text + "</p>\n"; }
  void missing(const std::string& file, const std::string& what) {
    note("<code>tables/" + escape(file) + "</code> is missing: " + what + " skipped.");
  }
  void no_rows(const std::string& file, const std::string& set, long filters,
               const std::string& what) {
    note("<code>tables/" + escape(file) + "</code> has no rows for " + escape(set) + " with " +
         std::to_string(filters) + " filters: " + what + " skipped.");
  }
  // "Figure N (paper: Fig. 2B). text Source: tables/x.tsv." — N numbers this page's figures.
  std::string figure_caption(const std::string& paper, const std::string& text,
                             const std::string& href) {
    return "<figcaption><b>Figure " + std::to_string(++figures) + "</b>" + paper_ref(paper) + ". " +
           text + " <span class=\"src\">Source: <a href=\"" + href + "\">" + href +
           "</a>.</span></figcaption>";
  }
  std::string table_caption(const std::string& paper, const std::string& text,
                            const std::string& href) {
    return "<caption><b>Table " + std::to_string(++tables) + "</b>" + paper_ref(paper) + ". " +
           text + " <span class=\"src\">Source: <a href=\"" + href + "\">" + href +
           "</a>.</span></caption>";
  }
};

// A table cell whose number links to its TSV.
std::string cell(const std::string& text, const std::string& href, const std::string& title = "") {
  return "<td><a href=\"" + href + "\"" +
         (title.empty() ? "" : " title=\"" + escape(title) + "\"") + ">" + text + "</a></td>";
}

std::string ci_cell(double median, double lo, double hi, const std::string& href,
                    const std::string& title, bool is_delta = false) {
  const std::string m = is_delta ? signed_fixed(median) : fixed(median);
  const std::string ci =
      is_delta ? signed_fixed(lo) + ", " + signed_fixed(hi) : fixed(lo) + ", " + fixed(hi);
  // A Δ whose interval excludes 0 is set in bold.
  const bool sig = is_delta && (lo > 0 || hi < 0);
  return "<td><a href=\"" + href + "\" title=\"" + escape(title) + "\">" +
         (sig ? "<span class=\"sig\">" + m + "</span>" : m) + "<br><span class=\"ci\">[" + ci +
         "]</span></a></td>";
}

std::string n_label(long n) { return std::to_string(n); }

// Distinct values of a numeric column over rows, ascending.
std::vector<long> distinct_ints(const Table& t, const std::vector<std::size_t>& rows,
                                const std::string& col) {
  std::set<long> s;
  for (auto r : rows) s.insert(static_cast<long>(t.v(r, col)));
  return {s.begin(), s.end()};
}

std::vector<std::string> distinct_text(const Table& t, const std::vector<std::size_t>& rows,
                                       const std::string& col) {
  std::vector<std::string> out;
  for (auto r : rows) add_unique(out, t.s(r, col));
  return out;
}

std::vector<std::size_t> filter_rows(const Table& t, const std::vector<std::size_t>& rows,
                                     const std::string& col, bool classification) {
  std::vector<std::size_t> out;
  for (auto r : rows) {
    if (is_classification(t.s(r, col)) == classification) out.push_back(r);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// ---- sections ---------------------------------------------------------------------------------

// Table 2 and Fig. 2B: accuracy by number of motifs present, per classification model.
void accuracy_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Accuracy by number of motifs present</h5>\n";
  const Table* t = pg.table("accuracy_by_count.tsv");
  if (!t) return pg.missing("accuracy_by_count.tsv", "accuracy (Table 2, Fig. 2B)");
  const auto rows = filter_rows(*t, t->rows(set, F), "model", true);
  if (rows.empty()) {
    return pg.no_rows("accuracy_by_count.tsv", set, F, "accuracy (Table 2, Fig. 2B)");
  }
  const auto models = ordered(distinct_text(*t, rows, "model"), kClassificationModels);
  const auto ns = distinct_ints(*t, rows, "n_present");
  std::map<std::pair<std::string, long>, std::size_t> at;
  for (auto r : rows) at[{t->s(r, "model"), static_cast<long>(t->v(r, "n_present"))}] = r;
  std::vector<std::string> cats;
  std::vector<std::vector<double>> values;
  for (long n : ns) {
    cats.push_back(n_label(n));
    values.emplace_back();
    for (const auto& m : models) {
      const auto it = at.find({m, n});
      values.back().push_back(it == at.end() ? NAN : t->v(it->second, "accuracy"));
    }
  }
  svg::Panel p;
  p.width = std::max(320.0, 90.0 * static_cast<double>(ns.size()));
  p.height = 230;
  p.title = set + ", " + std::to_string(F) + " filters";
  p.x_label = "motifs present in the test sequence";
  p.y_label = "accuracy";
  const long nmax = ns.back();
  pg.html += "<figure><div>" + svg::legend(model_series(models)) + "</div>" +
             svg::bar_chart(p, cats, model_series(models), values) +
             pg.figure_caption(
                 "Fig. 2B",
                 "Accuracy of each model on the test sequences grouped by the number of motifs "
                 "they contain. Sequences with all " +
                     std::to_string(nmax) +
                     " motifs are positives; fewer motifs are negatives. M<sub>w</sub> was "
                     "trained with motif subsets among its negatives, M<sub>wo</sub> with "
                     "motif-free negatives only.",
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
  const Table* t = pg.table("accuracy_by_pair.tsv");
  if (!t) return pg.missing("accuracy_by_pair.tsv", "pair accuracy (Table 3)");
  const auto rows = filter_rows(*t, t->rows(set, F), "model", true);
  if (rows.empty()) return pg.no_rows("accuracy_by_pair.tsv", set, F, "pair accuracy (Table 3)");
  const auto models = ordered(distinct_text(*t, rows, "model"), kClassificationModels);
  // Pairs in the set's motif order (as the paper's Table 3): by first, then second motif.
  auto pairs = distinct_text(*t, rows, "pair");
  {
    const auto found = pg.motif_order.find(set);
    const std::vector<std::string> order =
        found == pg.motif_order.end() ? std::vector<std::string>{} : found->second;
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
  const Table* t = pg.table("filters.tsv");
  if (!t) return pg.missing("filters.tsv", "filter logos (Fig. 2C)");
  const auto rows = filter_rows(*t, t->rows(set, F), "model", classification);
  if (rows.empty()) return pg.no_rows("filters.tsv", set, F, "filter logos (Fig. 2C)");
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

svg::Box box_of(const Table& t, std::size_t r) {
  return {t.v(r, "whisker_lo"), t.v(r, "q1"),
          t.v(r, "median"),     t.v(r, "q3"),
          t.v(r, "whisker_hi"), static_cast<std::size_t>(std::max(0.0, t.v(r, "sequences")))};
}

// Index of auprc_summary rows by (model, method, motif, n).
using SummaryKey = std::tuple<std::string, std::string, std::string, long>;
std::map<SummaryKey, std::size_t> index_summary(const Table& t,
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
std::string box_grid(const Table& t, const std::map<SummaryKey, std::size_t>& at,
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

// Figs. 2D, 5, 6 and Tables 4, 5: AUPRC of M_w vs M_wo per motif, method and n_present.
void auprc_classification_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Motif detection: AUPRC of M<sub>w</sub> vs M<sub>wo</sub></h5>\n";
  const Table* t = pg.table("auprc_summary.tsv");
  if (!t) return pg.missing("auprc_summary.tsv", "AUPRC box plots and tables (Figs. 2D, 5, 6)");
  const auto rows = filter_rows(*t, t->rows(set, F), "model", true);
  if (rows.empty()) {
    return pg.no_rows("auprc_summary.tsv", set, F, "AUPRC box plots and tables (Figs. 2D, 5, 6)");
  }
  const auto models = ordered(distinct_text(*t, rows, "model"), kClassificationModels);
  const auto methods = ordered(distinct_text(*t, rows, "method"), pg.config.methods);
  const auto motifs = pg.motifs_in_order(set, distinct_text(*t, rows, "motif"));
  const auto ns = distinct_ints(*t, rows, "n_present");
  const auto at = index_summary(*t, rows);

  pg.html += "<figure><div>" + svg::legend(model_series(models)) + "</div>" +
             box_grid(*t, at, motifs, methods, models, ns) +
             pg.figure_caption(
                 "Figs. 2D, 5, 6",
                 "Per-sequence AUPRC of the attributions (|score| of motif positions against "
                 "background positions; 1 = every motif position ranked first) for each motif, "
                 "method and number of motifs present in the test sequence. "
                 "Boxes: quartiles and median; whiskers: the most extreme values within 1.5 IQR. "
                 "Hover a box for its numbers.",
                 t->href) +
             "</figure>\n";

  // Table 5: median [CI] per (motif, n) × (method, model), with paired Δ medians.
  const Table* d = pg.table("auprc_differences.tsv");
  std::map<std::tuple<std::string, std::string, long>, std::size_t> dat;
  if (d) {
    for (auto r : d->rows(set, F)) {
      dat[{d->s(r, "method"), d->s(r, "motif"), static_cast<long>(d->v(r, "n_present"))}] = r;
    }
  }
  const bool with_delta = !dat.empty();
  std::string h =
      "<table>" +
      pg.table_caption("Table 5",
                       "Median AUPRC with its confidence interval [lo, hi] per motif and number "
                       "of motifs present" +
                           std::string(with_delta ? "; Δ: the median of the paired per-sequence "
                                                    "differences M<sub>w</sub> − M<sub>wo</sub> "
                                                    "with its CI, bold where the CI excludes 0 "
                                                    "(from "
                                                    "<a href=\"tables/auprc_differences.tsv\">"
                                                    "tables/auprc_differences.tsv</a>)"
                                                  : "") +
                           ".",
                       t->href) +
      "<tr><th rowspan=\"2\">motif</th><th rowspan=\"2\">motifs present</th>";
  const std::size_t per_method = models.size() + (with_delta ? 1 : 0);
  for (const auto& method : methods) {
    h += "<th colspan=\"" + std::to_string(per_method) + "\">" + escape(method_name(method)) +
         "</th>";
  }
  h += "</tr><tr>";
  for (std::size_t i = 0; i < methods.size(); ++i) {
    for (const auto& m : models) h += "<th>" + model_html(m) + "</th>";
    if (with_delta) h += "<th>Δ</th>";
  }
  h += "</tr>";
  for (const auto& motif : motifs) {
    std::vector<long> motif_ns;
    for (long n : ns) {
      bool any = false;
      for (const auto& method : methods) {
        for (const auto& m : models) any = any || at.count({m, method, motif, n});
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
      for (const auto& method : methods) {
        for (const auto& m : models) {
          const auto it = at.find({m, method, motif, n});
          if (it == at.end()) {
            h += "<td>–</td>";
            continue;
          }
          const auto r = it->second;
          h += ci_cell(t->v(r, "median"), t->v(r, "median_lo"), t->v(r, "median_hi"), t->href,
                       count_text(t->v(r, "sequences")) + " sequences; mean " +
                           fixed(t->v(r, "mean")) + ", pooled AUPRC " +
                           fixed(t->v(r, "pooled_auprc")));
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
  if (!d) {
    pg.missing("auprc_differences.tsv", "Δ medians");
  }

  // Table 4: medians with all motifs present, methods × models by motifs.
  const long nmax = ns.back();
  std::string h4 = "<table>" +
                   pg.table_caption("Table 4",
                                    "Median AUPRC per motif on the sequences with all " +
                                        std::to_string(nmax) + " motifs present.",
                                    t->href) +
                   "<tr><th>method</th><th>model</th>";
  for (const auto& motif : motifs) h4 += "<th>" + escape(motif) + "</th>";
  h4 += "</tr>";
  for (const auto& method : methods) {
    for (std::size_t k = 0; k < models.size(); ++k) {
      h4 += "<tr>";
      if (k == 0) {
        h4 += "<th rowspan=\"" + std::to_string(models.size()) + "\">" +
              escape(method_name(method)) + "</th>";
      }
      h4 += "<th>" + model_html(models[k]) + "</th>";
      for (const auto& motif : motifs) {
        const auto it = at.find({models[k], method, motif, nmax});
        h4 += it == at.end() ? "<td>–</td>"
                             : cell(fixed(t->v(it->second, "median")), t->href,
                                    count_text(t->v(it->second, "sequences")) + " sequences");
      }
      h4 += "</tr>";
    }
  }
  pg.html += h4 + "</table>\n";
}

// Tables 6, 7: binned accuracy and mean |error| of the regression models per n_present.
void regression_accuracy_section(Page& pg, const std::string& set, long F) {
  pg.html += "<h5>Binned accuracy of the regression models</h5>\n";
  const Table* t = pg.table("regression_binned.tsv");
  if (!t) return pg.missing("regression_binned.tsv", "regression accuracy (Tables 6, 7)");
  const auto& rows = t->rows(set, F);
  if (rows.empty()) {
    return pg.no_rows("regression_binned.tsv", set, F, "regression accuracy (Tables 6, 7)");
  }
  const auto effects = ordered(distinct_text(*t, rows, "effect"), pg.effect_order());
  const auto ns = distinct_ints(*t, rows, "n_present");
  std::map<std::pair<std::string, long>, std::size_t> at;
  for (auto r : rows) at[{t->s(r, "effect"), static_cast<long>(t->v(r, "n_present"))}] = r;

  std::vector<std::string> cats;
  std::vector<std::vector<double>> values;
  for (long n : ns) {
    cats.push_back(n_label(n));
    values.emplace_back();
    for (const auto& e : effects) {
      const auto it = at.find({e, n});
      values.back().push_back(it == at.end() ? NAN : t->v(it->second, "binned_accuracy"));
    }
  }
  svg::Panel p;
  p.width = std::max(360.0, 110.0 * static_cast<double>(ns.size()));
  p.height = 230;
  p.title = set + ", " + std::to_string(F) + " filters";
  p.x_label = "motifs present in the test sequence";
  p.y_label = "binned accuracy";
  pg.html += "<figure><div>" + svg::legend(model_series(effects)) + "</div>" +
             svg::bar_chart(p, cats, model_series(effects), values) +
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
  const Table* t = pg.table("auprc_summary.tsv");
  if (!t) return pg.missing("auprc_summary.tsv", "AUPRC per effect (Fig. 3A)");
  const auto rows = filter_rows(*t, t->rows(set, F), "model", false);
  if (rows.empty()) return pg.no_rows("auprc_summary.tsv", set, F, "AUPRC per effect (Fig. 3A)");
  const auto effects = ordered(distinct_text(*t, rows, "model"), pg.effect_order());
  const auto methods = ordered(distinct_text(*t, rows, "method"), pg.config.methods);
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
  if (!pg.scatter_present) return pg.missing("auprc.tsv", "AUPRC vs absolute error (Fig. 3B)");
  std::vector<std::string> effects, methods, motifs;
  for (const auto& [key, d] : pg.scatter) {
    if (std::get<0>(key) != set || std::get<1>(key) != F) continue;
    add_unique(effects, std::get<2>(key));
    add_unique(methods, std::get<3>(key));
    for (const auto& m : d.motifs) add_unique(motifs, m);
  }
  if (effects.empty()) {
    return pg.note("<code>tables/auprc.tsv</code> has no rows with an absolute error for " +
                   escape(set) + " with " + std::to_string(F) +
                   " filters: AUPRC vs absolute error (Fig. 3B) skipped.");
  }
  effects = ordered(effects, pg.effect_order());
  motifs = pg.motifs_in_order(set, motifs);
  methods = ordered(methods, pg.config.methods);
  std::vector<svg::Series> series;
  for (std::size_t i = 0; i < motifs.size(); ++i) series.push_back({motifs[i], motif_color(i), ""});
  std::string body;
  std::size_t shown_max = 0, total_max = 0;
  for (const auto& method : methods) {
    body += "<div class=\"panels\">";
    for (const auto& e : effects) {
      const auto it = pg.scatter.find({set, F, e, method});
      if (it == pg.scatter.end()) continue;
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

void training_section(Page& pg, const std::string& set, long F) {
  const Table* t = pg.table("training.tsv");
  if (!t) return;
  const auto& rows = t->rows(set, F);
  if (rows.empty()) return;
  std::vector<std::size_t> sorted = rows;
  const auto models = ordered(distinct_text(*t, rows, "model"), [&] {
    auto v = kClassificationModels;
    for (const auto& e : pg.effect_order()) add_unique(v, e);
    return v;
  }());
  std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) {
    const auto ia = std::find(models.begin(), models.end(), t->s(a, "model")),
               ib = std::find(models.begin(), models.end(), t->s(b, "model"));
    return ia != ib ? ia < ib : t->v(a, "seed") < t->v(b, "seed");
  });
  std::string h = "<details><summary>Training (" + std::to_string(sorted.size()) +
                  " models)</summary><table>" +
                  pg.table_caption("",
                                   "Training runs: epochs run, the epoch kept (early stopping) "
                                   "and its validation loss and metric.",
                                   t->href) +
                  "<tr><th>model</th><th>seed</th><th>epochs</th><th>best epoch</th><th>valid "
                  "loss</th><th>valid metric</th></tr>";
  for (auto r : sorted) {
    h += "<tr><th>" + model_html(t->s(r, "model")) + "</th>" +
         cell(count_text(t->v(r, "seed")), t->href) + cell(count_text(t->v(r, "epochs")), t->href) +
         cell(count_text(t->v(r, "best_epoch")), t->href) +
         cell(fixed(t->v(r, "valid_loss")), t->href) +
         cell(fixed(t->v(r, "valid_metric")), t->href) + "</tr>";
  }
  pg.html += h + "</table></details>\n";
}

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1280px;
 margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.8em;color:#222;background:#eef2f7;padding:3px 8px}
h4{margin:1.4em 0 .3em;color:#2a4d7a;font-size:1.15em}h5{margin:1.2em 0 .3em;color:#444;font-size:1em}
.paper{color:#777;font-weight:normal}.sig{font-weight:700}
.meta{color:#444}
table{border-collapse:collapse;margin:.4em 0 1.4em;font-size:13px}
caption{caption-side:top;text-align:left;font-size:13px;color:#444;padding-bottom:4px;max-width:900px}
th,td{border:1px solid #d0d0d0;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f4f4f4;font-weight:600;text-align:center}
tr.sum td,tr.sum th{border-top:2px solid #999}
td a{color:inherit;text-decoration:none}td a:hover{text-decoration:underline}
.ci{color:#777;font-size:11px}
figure{margin:.6em 0 1.4em}figcaption{font-size:13px;color:#444;max-width:900px;margin-top:.3em}
.src{color:#777}.src a{color:#3a6ea5}
.panels,.logo-row{display:flex;flex-wrap:wrap;gap:4px;align-items:flex-start}
.row-label{width:3.5em;font-weight:600;align-self:center}
.note{color:#6d5a1f;background:#fcf8e3;padding:4px 8px;border-left:3px solid #e0c080;font-size:14px}
details{margin:.5em 0 1em}pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:12px}
nav ul{columns:2}
)";

}  // namespace

void write_report(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a directory");
  Page pg;
  pg.config = load_config(dir);
  for (const auto& spec : table_specs()) {
    if (std::string(spec.file) == "auprc.tsv") continue;  // streamed below
    pg.t[spec.file] = load_table(dir, spec);
  }
  pg.scatter_present = load_scatter(dir, pg.scatter);
  pg.motif_order = motif_order_from_pairs(pg.table("accuracy_by_pair.tsv"));

  // Sets and filters: as configured, then as the tables mention them.
  std::vector<std::string> sets = pg.config.sets;
  std::set<long> filters(pg.config.filters.begin(), pg.config.filters.end());
  bool any_classification = false, any_regression = false;
  for (const auto& [file, t] : pg.t) {
    if (!t) continue;
    for (const auto& [key, rows] : t->by_set_filters) {
      add_unique(sets, key.first);
      filters.insert(key.second);
    }
    if (t->text_col.count("effect")) any_regression = any_regression || !t->text.empty();
    if (!t->text_col.count("model")) continue;
    for (std::size_t r = 0; r < t->text.size(); ++r) {
      (is_classification(t->s(r, "model")) ? any_classification : any_regression) = true;
    }
  }
  for (const auto& [key, d] : pg.scatter) {
    add_unique(sets, std::get<0>(key));
    filters.insert(std::get<1>(key));
    any_regression = true;
  }
  const std::string& exp = pg.config.experiment;
  // Without config.json (tables written by mint evaluate / mint score), the tables say which
  // experiments the directory holds.
  const bool show_negatives = exp == "negatives" || exp == "all" || any_classification;
  const bool show_interactions = exp == "interactions" || exp == "all" || any_regression;

  std::string& h = pg.html;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>mint experiment report";
  if (!exp.empty()) h += ": " + escape(exp);
  h += "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<h1>mint experiment report</h1>\n<p class=\"meta\">";
  std::vector<std::string> meta;
  if (!exp.empty()) meta.push_back("experiment <b>" + escape(exp) + "</b>");
  if (!pg.config.size.empty()) meta.push_back("size <b>" + escape(pg.config.size) + "</b>");
  {
    std::vector<std::string> s;
    for (const auto& x : sets) s.push_back(escape(x));
    meta.push_back("motif sets: " + (s.empty() ? std::string("none") : join(s, ", ")));
    std::vector<std::string> f;
    for (long x : filters) f.push_back(std::to_string(x));
    if (!f.empty()) meta.push_back("filters: " + join(f, ", "));
  }
  if (pg.config.seeds > 0) meta.push_back("seeds: " + std::to_string(pg.config.seeds));
  if (!pg.config.methods.empty()) {
    std::vector<std::string> m;
    for (const auto& x : pg.config.methods) m.push_back(escape(method_name(x)));
    meta.push_back("methods: " + join(m, ", "));
  }
  h += join(meta, " · ") + "</p>\n";
  h += "<p>Reproduction of the results of <i>Motif Interactions Affect Post-Hoc Interpretability "
       "of Genomic Convolutional Neural Networks</i> (Lemanczyk, Bartoszewicz &amp; Renard). "
       "<b>Negatives experiment:</b> two classifiers see the same positives (all motifs of the "
       "set co-occur); M<sub>w</sub> is trained with negatives holding motif subsets, "
       "M<sub>wo</sub> with motif-free negatives. <b>Interaction effects:</b> regression models "
       "whose label is an additive, enhancing, inhibiting or quadratic function of the number of "
       "motifs present. Attributions (averaged over the seeds' models) are scored per motif by "
       "AUPRC: how well |attribution| ranks the motif's positions above background positions "
       "(higher is better). Every number in a table links to the TSV it comes from.</p>\n";
  if (pg.config.present) {
    h += "<details><summary>config.json</summary><pre>" + escape(pg.config.text) +
         "</pre></details>\n";
  } else {
    pg.note("<code>config.json</code> is missing: configuration not shown.");
  }
  h += "<p>Tables: ";
  {
    std::vector<std::string> links;
    for (const auto& spec : table_specs()) {
      const std::string href = std::string("tables/") + spec.file;
      const bool present = std::string(spec.file) == "auprc.tsv" ? pg.scatter_present
                                                                 : pg.table(spec.file) != nullptr;
      links.push_back(present ? "<a href=\"" + href + "\">" + href + "</a>"
                              : "<span class=\"src\">" + href + " (missing)</span>");
    }
    h += join(links, ", ") + ".</p>\n";
  }
  const std::string why = exp.empty() ? "no table has rows for it"
                                      : "not part of this run (experiment " + escape(exp) + ")";
  if (!show_interactions) pg.note("Interaction-effects experiment: " + why + ".");
  if (!show_negatives) pg.note("Negatives experiment: " + why + ".");

  h += "<nav><b>Contents</b><ul>";
  for (std::size_t si = 0; si < sets.size(); ++si) {
    for (long F : filters) {
      h += "<li><a href=\"#s" + std::to_string(si) + "-f" + std::to_string(F) + "\">" +
           escape(sets[si]) + ", " + std::to_string(F) + " filters</a></li>";
    }
  }
  h += "</ul></nav>\n";

  for (std::size_t si = 0; si < sets.size(); ++si) {
    const std::string& set = sets[si];
    h += "<h2>Motif set " + escape(set) + "</h2>\n";
    for (long F : filters) {
      h += "<section id=\"s" + std::to_string(si) + "-f" + std::to_string(F) + "\"><h3>" +
           escape(set) + ", " + std::to_string(F) + " filters</h3>\n";
      bool any = false;
      for (const auto& [file, t] : pg.t) any = any || (t && !t->rows(set, F).empty());
      for (const auto& [key, d] : pg.scatter) {
        any = any || (std::get<0>(key) == set && std::get<1>(key) == F);
      }
      if (!any) {
        pg.note("No table has rows for " + escape(set) + " with " + std::to_string(F) +
                " filters.");
        h += "</section>\n";
        continue;
      }
      if (show_negatives) {
        h += "<h4 class=\"exp\">Negatives experiment: M<sub>w</sub> vs M<sub>wo</sub></h4>\n";
        accuracy_section(pg, set, F);
        pair_section(pg, set, F);
        filters_section(pg, set, F, true);
        auprc_classification_section(pg, set, F);
      }
      if (show_interactions) {
        h += "<h4 class=\"exp\">Interaction effects</h4>\n";
        regression_accuracy_section(pg, set, F);
        auprc_regression_section(pg, set, F);
        scatter_section(pg, set, F);
        if (const Table* ft = pg.table("filters.tsv");
            ft && !filter_rows(*ft, ft->rows(set, F), "model", false).empty()) {
          filters_section(pg, set, F, false);
        }
      }
      training_section(pg, set, F);
      h += "</section>\n";
    }
  }
  h += "<footer><p class=\"src\">Written by <code>mint report</code> from config.json and "
       "tables/*.tsv (layout: docs/experiment.md).</p></footer>\n</body>\n</html>\n";
  write_file_atomic((fs::path(dir) / "report.html").string(), h);
}

}  // namespace mint

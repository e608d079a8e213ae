// The result tables' layouts, writer and reader (pipeline/tables.hpp); the row builders are
// in pipeline/table_rows.cpp.
#include "pipeline/tables.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint {

namespace {

namespace fs = std::filesystem;

// Fields of a line split on tabs (a trailing tab gives an empty last field).
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto tab = line.find('\t');
    out.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) return out;
    line.remove_prefix(tab + 1);
  }
}

// A layout from "name:type ... | name:type ...": types t (text), i (integer), r (real); the
// columns before '|' are the key, the first `owner` of them say who wrote a row.
TableLayout make(std::string name, std::string_view spec, std::size_t owner) {
  TableLayout l{std::move(name), {}, 0, owner};
  std::size_t at = 0;
  while (at < spec.size()) {
    const std::size_t end = std::min(spec.find(' ', at), spec.size());
    const std::string_view word = spec.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    if (word == "|") {
      l.keys = l.columns.size();
      continue;
    }
    const std::size_t colon = word.find(':');
    const char type = word[colon + 1];
    l.columns.push_back({std::string(word.substr(0, colon)), type == 't'   ? ColumnType::text
                                                             : type == 'i' ? ColumnType::integer
                                                                           : ColumnType::real});
  }
  return l;
}

constexpr std::string_view kSummaryColumns =
    " motif:t n_present:i | sequences:i median:r q1:r q3:r mean:r median_lo:r median_hi:r "
    "pooled_auprc:r whisker_lo:r whisker_hi:r";

TableLayout summary_of(Metric metric) {
  return make(std::string(to_string(metric)) + "_summary",
              std::string("set:t filters:i model:t method:t") + std::string(kSummaryColumns), 4);
}

constexpr std::string_view kConvergenceColumns =
    "set:t filters:i model:t method:t motif:t n_present:i sequences:i | median_lo:r "
    "median_hi:r width:r";

TableLayout differences_of(Metric metric) {
  return make(std::string(to_string(metric)) + "_differences",
              "set:t filters:i method:t motif:t n_present:i | pairs:i delta_median:r lo:r hi:r", 3);
}

}  // namespace

std::size_t TableLayout::column(std::string_view c) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == c) return i;
  }
  throw Error("table " + name + " has no column '" + std::string(c) + "'");
}

namespace layouts {

const TableLayout& accuracy_by_count() {
  static const TableLayout l =
      make("accuracy_by_count", "set:t filters:i model:t n_present:i | sequences:i accuracy:r", 3);
  return l;
}

const TableLayout& accuracy_by_pair() {
  static const TableLayout l =
      make("accuracy_by_pair", "set:t filters:i model:t pair:t | sequences:i accuracy:r", 3);
  return l;
}

const TableLayout& regression_binned() {
  static const TableLayout l = make(
      "regression_binned",
      "set:t filters:i effect:t n_present:i | sequences:i binned_accuracy:r mean_abs_error:r", 3);
  return l;
}

const TableLayout& auprc() {
  static const TableLayout l =
      make("auprc",
           "set:t filters:i model:t method:t motif:t n_present:i sequence:i | auprc:r "
           "average_precision:r auroc:r abs_error:r",
           4);
  return l;
}

const TableLayout& summary(Metric metric) {
  static const TableLayout l[] = {summary_of(Metric::auprc), summary_of(Metric::ap),
                                  summary_of(Metric::auroc)};
  return l[static_cast<int>(metric)];
}

const TableLayout& differences(Metric metric) {
  static const TableLayout l[] = {differences_of(Metric::auprc), differences_of(Metric::ap),
                                  differences_of(Metric::auroc)};
  return l[static_cast<int>(metric)];
}

const TableLayout& filters() {
  static const TableLayout l =
      make("filters", "set:t filters:i model:t filter:i position:i | A:r C:r G:r T:r", 3);
  return l;
}

const TableLayout& training() {
  static const TableLayout l =
      make("training",
           "set:t filters:i model:t seed:i | epochs:i best_epoch:i valid_loss:r valid_metric:r", 3);
  return l;
}

const TableLayout& convergence(Metric metric) {
  static const TableLayout l[] = {make("auprc_convergence", std::string(kConvergenceColumns), 4),
                                  make("ap_convergence", std::string(kConvergenceColumns), 4),
                                  make("auroc_convergence", std::string(kConvergenceColumns), 4)};
  return l[static_cast<int>(metric)];
}

const TableLayout& pooled_bounds() {
  static const TableLayout l =
      make("pooled_bounds",
           "set:t filters:i model:t method:t motif:t n_present:i | positives:i negatives:i "
           "pooled_auprc:r bound:r",
           4);
  return l;
}

const std::vector<const TableLayout*>& experiment() {
  static const std::vector<const TableLayout*> all = {
      &accuracy_by_count(), &accuracy_by_pair(), &regression_binned(), &auprc(),
      &summary(),           &differences(),      &filters(),           &training()};
  return all;
}

}  // namespace layouts

std::string set_label(const std::string& motif_set) { return fs::path(motif_set).stem().string(); }

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void Table::add(std::vector<std::string> row) {
  if (row.size() != layout->columns.size()) {
    throw Error("table " + layout->name + ": a row of " + std::to_string(row.size()) +
                " fields, expected " + std::to_string(layout->columns.size()));
  }
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i].empty() || row[i].find_first_of("\t\n\r") != std::string::npos) {
      throw Error("table " + layout->name + ": column '" + layout->columns[i].name +
                  "' would be empty or hold a tab or line break; choose another name");
    }
  }
  rows.push_back(std::move(row));
}

bool report_order(const std::string& a, const std::string& b) {
  auto rank = [](const std::string& m) { return m == "M_w" ? 0 : m == "M_wo" ? 1 : 2; };
  return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
}

std::string Table::text() const {
  std::vector<const std::vector<std::string>*> sorted;
  for (const auto& r : rows) sorted.push_back(&r);
  const TableLayout& l = *layout;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) {
    for (std::size_t k = 0; k < l.keys; ++k) {
      if ((*a)[k] == (*b)[k]) continue;
      if (l.columns[k].type != ColumnType::text) return std::stod((*a)[k]) < std::stod((*b)[k]);
      return (*a)[k] < (*b)[k];
    }
    return false;
  });
  std::string s;
  for (std::size_t i = 0; i < l.columns.size(); ++i) s += (i ? "\t" : "") + l.columns[i].name;
  s += '\n';
  for (const auto* r : sorted) {
    for (std::size_t i = 0; i < r->size(); ++i) s += (i ? "\t" : "") + (*r)[i];
    s += '\n';
  }
  return s;
}

Table& Tables::operator[](const TableLayout& layout) {
  return tables_.try_emplace(layout.name, layout).first->second;
}

void write_tables(const std::string& dir, const Tables& tables, bool merge) {
  const fs::path out = fs::path(dir) / "tables";
  make_directories(out.string());
  for (const auto& [name, table] : tables.all()) {
    const TableLayout& l = *table.layout;
    Table merged(l);
    if (merge) {
      std::set<std::vector<std::string>> owners;
      for (const auto& r : table.rows) owners.insert({r.begin(), r.begin() + l.owner});
      for (const auto& c : table.claims) owners.insert(c);
      for (auto& r : read_table(dir, l).rows) {
        if (!owners.count({r.begin(), r.begin() + l.owner})) merged.rows.push_back(std::move(r));
      }
    }
    for (const auto& r : table.rows) merged.rows.push_back(r);
    write_file_atomic((out / l.file()).string(), merged.text());
  }
}

// ---- reading ------------------------------------------------------------------------------------

TsvReader::TsvReader(const std::string& path, const TableLayout& layout)
    : path_(path), layout_(&layout), in_(path, std::ios::binary) {
  if (!in_) throw FileError(path_ + ": cannot open for reading");
  if (!next_line()) fail_at(path_, 1, "empty file, expected a header line");
  const std::vector<std::string_view> header = split_fields(line_);
  for (const Column& c : layout.columns) {
    const auto it = std::find(header.begin(), header.end(), c.name);
    if (it == header.end()) fail("missing column '" + c.name + "'");
    at_.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  width_ = header.size();
}

bool TsvReader::next_line() {
  if (!std::getline(in_, line_)) return false;
  ++line_no_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

void TsvReader::fail(const std::string& what) const { fail_at(path_, line_no_, what); }

bool TsvReader::next() {
  while (next_line()) {
    if (line_.empty()) continue;
    std::vector<std::string_view> f = split_fields(line_);
    if (f.size() != width_) {
      fail("has " + std::to_string(f.size()) + " fields, expected " + std::to_string(width_) +
           " (as the header)");
    }
    fields_ = std::move(f);
    for (std::size_t c = 0; c < at_.size(); ++c) {
      if (layout_->columns[c].type != ColumnType::text) number(c);  // validates
    }
    return true;
  }
  if (in_.bad()) throw Error(path_ + ": read error after line " + std::to_string(line_no_));
  return false;
}

std::string_view TsvReader::text(std::size_t column) const { return fields_[at_[column]]; }

double TsvReader::number(std::size_t column) const {
  std::string_view v = text(column);
  const Column& c = layout_->columns[column];
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  double x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
    fail("column '" + c.name + "': '" + std::string(text(column)) + "' is not a number");
  }
  if (c.type == ColumnType::integer && (!std::isfinite(x) || x != std::floor(x))) {
    fail("column '" + c.name + "': '" + std::string(text(column)) + "' is not an integer");
  }
  // Integers are exact in a double up to 2^53; beyond, readers' conversions to integer types
  // would overflow (found by fuzzing: filters 1e300).
  if (c.type == ColumnType::integer && std::fabs(x) > 9007199254740992.0) {
    fail("column '" + c.name + "': '" + std::string(text(column)) +
         "' is out of range (|x| > 2^53)");
  }
  return x;
}

std::vector<std::string> TsvReader::row() const {
  std::vector<std::string> r;
  for (std::size_t c = 0; c < at_.size(); ++c) r.emplace_back(text(c));
  return r;
}

Table read_table(const std::string& dir, const TableLayout& layout) {
  Table t(layout);
  const std::string path = (fs::path(dir) / "tables" / layout.file()).string();
  if (!fs::exists(path)) return t;
  TsvReader in(path, layout);
  while (in.next()) t.rows.push_back(in.row());
  return t;
}

}  // namespace mint

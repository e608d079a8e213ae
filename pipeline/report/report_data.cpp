// The report's data (pipeline/report/report_data.hpp): tables read through their layouts,
// the Fig. 3B points, config.json and the model kinds.
#include "pipeline/report/report_data.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint::report {

namespace fs = std::filesystem;

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

std::vector<std::string> ordered(const std::vector<std::string>& seen,
                                 const std::vector<std::string>& preferred) {
  std::vector<std::string> out;
  for (const auto& p : preferred) {
    if (std::find(seen.begin(), seen.end(), p) != seen.end()) out.push_back(p);
  }
  for (const auto& s : seen) add_unique(out, s);
  return out;
}

// ---- tables -------------------------------------------------------------------------------------

const std::vector<std::size_t>& TableView::rows(const std::string& set, long filters) const {
  static const std::vector<std::size_t> none;
  const auto it = by_set_filters.find({set, filters});
  return it == by_set_filters.end() ? none : it->second;
}

std::unique_ptr<TableView> load_table(const std::string& dir, const TableLayout& layout) {
  const std::string path = (fs::path(dir) / "tables" / layout.file()).string();
  if (!fs::exists(path)) return nullptr;
  TsvReader in(path, layout);
  auto t = std::make_unique<TableView>();
  t->layout = &layout;
  t->href = "tables/" + layout.file();
  std::vector<std::size_t> text_at, num_at;  // layout column indices
  for (std::size_t c = 0; c < layout.columns.size(); ++c) {
    const Column& col = layout.columns[c];
    const bool text = col.type == ColumnType::text;
    (text ? t->text_col : t->num_col)[col.name] = (text ? text_at : num_at).size();
    (text ? text_at : num_at).push_back(c);
  }
  const std::size_t set = t->text_col.at("set"), filters = t->num_col.at("filters");
  while (in.next()) {
    std::vector<std::string> text;
    for (std::size_t c : text_at) text.emplace_back(in.text(c));
    std::vector<double> num;
    for (std::size_t c : num_at) num.push_back(in.number(c));
    t->by_set_filters[{text[set], static_cast<long>(num[filters])}].push_back(t->text.size());
    t->text.push_back(std::move(text));
    t->num.push_back(std::move(num));
  }
  return t;
}

bool load_scatter(const std::string& dir, std::map<ScatterKey, ScatterData>& out) {
  const TableLayout& l = layouts::auprc();
  const std::string path = (fs::path(dir) / "tables" / l.file()).string();
  if (!fs::exists(path)) return false;
  TsvReader in(path, l);
  const std::size_t c_set = l.column("set"), c_filters = l.column("filters"),
                    c_model = l.column("model"), c_method = l.column("method"),
                    c_motif = l.column("motif"), c_n = l.column("n_present"),
                    c_auprc = l.column("auprc"), c_err = l.column("abs_error");
  while (in.next()) {
    const double err = in.number(c_err), auprc = in.number(c_auprc);
    if (!std::isfinite(err) || !std::isfinite(auprc)) continue;
    auto& d = out[{std::string(in.text(c_set)), static_cast<long>(in.number(c_filters)),
                   std::string(in.text(c_model)), std::string(in.text(c_method))}];
    const std::string motif(in.text(c_motif));
    auto it = std::find(d.motifs.begin(), d.motifs.end(), motif);
    if (it == d.motifs.end()) it = d.motifs.insert(d.motifs.end(), motif);
    d.motif.push_back(static_cast<std::uint32_t>(it - d.motifs.begin()));
    const double n_present = in.number(c_n);
    if (n_present > 4294967295.0) {  // as uint32 below; found by fuzzing
      throw Error(path + ": n_present " + std::string(in.text(c_n)) + " is out of range");
    }
    d.n_present.push_back(static_cast<std::uint32_t>(std::max(0.0, n_present)));
    d.abs_error.push_back(static_cast<float>(err));
    d.auprc.push_back(static_cast<float>(auprc));
  }
  return true;
}

// ---- configuration ------------------------------------------------------------------------------

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

// ---- what the tables say ------------------------------------------------------------------------

ModelKinds::ModelKinds(const TableView* by_count, const TableView* by_pair,
                       const TableView* binned) {
  for (const TableView* t : {by_count, by_pair}) {
    if (!t) continue;
    for (std::size_t r = 0; r < t->text.size(); ++r) classification_.insert(t->s(r, "model"));
  }
  if (binned) {
    for (std::size_t r = 0; r < binned->text.size(); ++r) {
      regression_.insert(binned->s(r, "effect"));
    }
  }
}

bool ModelKinds::is_classification(const std::string& model) const {
  if (classification_.count(model)) return true;
  if (regression_.count(model)) return false;
  return std::find(kEffects.begin(), kEffects.end(), model) == kEffects.end();
}

std::map<std::string, std::vector<std::string>> motif_order_from_pairs(const TableView* t) {
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
  // A motif that comes first in more pairs comes earlier in the set.
  for (auto& [set, motifs] : seen) {
    auto& f = first[set];
    std::stable_sort(motifs.begin(), motifs.end(),
                     [&](const std::string& a, const std::string& b) { return f[a] > f[b]; });
    order[set] = motifs;
  }
  return order;
}

const TableView* ReportData::table(const TableLayout& layout) const {
  const auto it = tables.find(layout.file());
  return it == tables.end() ? nullptr : it->second.get();
}

ReportData load_report_data(const std::string& dir) {
  ReportData d;
  d.config = load_config(dir);
  for (const TableLayout* layout : layouts::experiment()) {
    if (layout == &layouts::auprc()) continue;  // streamed below
    d.tables[layout->file()] = load_table(dir, *layout);
  }
  for (const TableLayout* layout : {&layouts::convergence(), &layouts::pooled_bounds()}) {
    d.tables[layout->file()] = load_table(dir, *layout);
  }
  d.stream = fs::is_directory(fs::path(dir) / "stream");
  d.scatter_present = load_scatter(dir, d.scatter);
  d.motif_order = motif_order_from_pairs(d.table(layouts::accuracy_by_pair()));
  d.kinds = ModelKinds(d.table(layouts::accuracy_by_count()), d.table(layouts::accuracy_by_pair()),
                       d.table(layouts::regression_binned()));
  return d;
}

}  // namespace mint::report

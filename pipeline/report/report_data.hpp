// What the report (pipeline/report/report.hpp) reads from an experiment directory, held as the
// page looks it up: every result table read through its layout (pipeline/tables.hpp) into a
// TableView (text and numeric columns by name, rows by (set, filters)), the Fig. 3B points
// streamed from auprc.tsv, config.json, and what the tables say about the models: which are
// classifiers and which regression models, and each motif set's own motif order.
//
// Errors are mint::Error naming the file: "DIR/tables/x.tsv:7: column 'median': 'x' is not a
// number" (the reader's, pipeline/tables.hpp), "DIR/config.json: not valid JSON (...)".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pipeline/tables.hpp"

namespace mint::report {

// The paper's model names: the negatives experiment's two classifiers and the interaction
// effects' regression models, in the page's order.
inline const std::vector<std::string> kClassificationModels = {"M_w", "M_wo"};
inline const std::vector<std::string> kEffects = {"additive", "enhancing", "inhibiting",
                                                  "quadratic"};

// One result table in memory: its text columns and its numeric columns (integer and real, as
// the layout types them, parsed to double) by column name, and its rows by (set, filters).
struct TableView {
  const TableLayout* layout = nullptr;  // the layout it was read through
  std::string href;                     // "tables/accuracy_by_count.tsv"
  std::map<std::string, std::size_t> text_col, num_col;
  std::vector<std::vector<std::string>> text;  // [row][text column]
  std::vector<std::vector<double>> num;        // [row][numeric column]
  std::map<std::pair<std::string, long>, std::vector<std::size_t>> by_set_filters;

  const std::string& s(std::size_t r, const std::string& c) const {
    return text[r][text_col.at(c)];
  }
  double v(std::size_t r, const std::string& c) const { return num[r][num_col.at(c)]; }
  // Row indices of one (set, filters), in file order; empty when there are none.
  const std::vector<std::size_t>& rows(const std::string& set, long filters) const;
};

// DIR/tables/<layout>.tsv read through its layout; null when the file does not exist.
std::unique_ptr<TableView> load_table(const std::string& dir, const TableLayout& layout);

// Fig. 3B points of one (set, filters, model, method): |error| and AUPRC per sequence and motif.
struct ScatterData {
  std::vector<std::string> motifs;              // as first met
  std::vector<std::uint32_t> motif, n_present;  // per point; motif indexes `motifs`
  std::vector<float> abs_error, auprc;          // per point
};
using ScatterKey = std::tuple<std::string, long, std::string, std::string>;

// Streams DIR/tables/auprc.tsv (it can hold millions of rows), keeping only the rows with a
// finite abs_error and AUPRC (the regression models'); false when the file does not exist.
bool load_scatter(const std::string& dir, std::map<ScatterKey, ScatterData>& out);

// DIR/config.json, the keys the page shows; present is false when the file does not exist.
struct Config {
  bool present = false;
  std::string text;  // pretty-printed
  std::string experiment, size;
  std::vector<std::string> sets, methods, effects;
  std::vector<long> filters;
  long seeds = 0;
};
Config load_config(const std::string& dir);

// Which models are classifiers, from the tables first: a model of accuracy_by_count or
// accuracy_by_pair is a classifier, an effect of regression_binned a regression model (both:
// a classifier). A model in none of them is known by its name — M_w, M_wo: classification;
// additive, enhancing, inhibiting, quadratic: regression — and any other name is a classifier.
class ModelKinds {
 public:
  ModelKinds() = default;
  ModelKinds(const TableView* by_count, const TableView* by_pair, const TableView* binned);
  bool is_classification(const std::string& model) const;

 private:
  std::set<std::string> classification_, regression_;
};

// Each set's motif order, from the pair names of accuracy_by_pair ("A+B" lists the two motifs
// in the set's order; the table itself is sorted by name, which loses it). Empty without it.
std::map<std::string, std::vector<std::string>> motif_order_from_pairs(const TableView* pairs);

// Everything the page is drawn from.
struct ReportData {
  Config config;
  // Every table of layouts::experiment() but auprc, then the stream's own (auprc_convergence,
  // pooled_bounds), by file name ("training.tsv"); null when the file is missing. auprc.tsv is
  // streamed into `scatter` instead.
  std::map<std::string, std::unique_ptr<TableView>> tables;
  bool scatter_present = false;  // auprc.tsv exists
  std::map<ScatterKey, ScatterData> scatter;
  std::map<std::string, std::vector<std::string>> motif_order;  // by set
  ModelKinds kinds;
  bool stream = false;  // DIR/stream/ exists: the results of `mint stream`

  const TableView* table(const TableLayout& layout) const;  // null when missing
};

// Reads config.json, then the tables in layouts::experiment() order and the stream's, then
// auprc.tsv.
ReportData load_report_data(const std::string& dir);

// `preferred` first (those that occur in `seen`), then the rest of `seen` in order.
std::vector<std::string> ordered(const std::vector<std::string>& seen,
                                 const std::vector<std::string>& preferred);
void add_unique(std::vector<std::string>& v, const std::string& x);

}  // namespace mint::report

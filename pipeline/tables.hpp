// The result tables: the one definition of every TSV's layout, the one builder of their rows,
// and their writer and reader. `mint experiment`, `mint evaluate` and `mint score` write them
// into DIR/tables/, and `mint report DIR` reads them back, through the same layouts.
//
//   accuracy_by_count   set filters model n_present | sequences accuracy          (Table 2)
//   accuracy_by_pair    set filters model pair | sequences accuracy               (Table 3)
//   regression_binned   set filters effect n_present | sequences binned_accuracy
//                       mean_abs_error                                           (Tables 6, 7)
//   auprc               set filters model method motif n_present sequence | auprc
//                       average_precision auroc abs_error          (one row per sequence, motif)
//   <metric>_summary    set filters model method motif n_present | sequences median q1 q3 mean
//                       median_lo median_hi pooled_auprc whisker_lo whisker_hi   (Tables 4, 5)
//   <metric>_differences set filters method motif n_present | pairs delta_median lo hi
//   filters             set filters model filter position | A C G T  (first-layer weights)
//   training            set filters model seed | epochs best_epoch valid_loss valid_metric
//   <metric>_convergence set filters model method motif n_present sequences | median_lo
//                       median_hi width   (the streaming benchmark: the median's CI at N)
//   pooled_bounds       set filters model method motif n_present | positives negatives
//                       pooled_auprc bound   (the streaming benchmark's binned pooled AUPRC)
// Columns before '|' are the key; a table's rows are written sorted by it (numeric keys by
// value), so a table's bytes do not depend on the order its rows were added in. <metric> is
// auprc (what the report draws), ap or auroc. Numbers: integers in full, reals as %.6g, "nan".
//
// A model's accuracy rows are the mean over its seed models (pipeline/evaluate.hpp); abs_error is
// |ensemble prediction − label| for regression models and nan otherwise. The differences are
// median(first model) − median(second model), paired by sequence: M_w − M_wo in the experiment,
// `mint score --compare A,B` otherwise.
//
// Standalone commands add rows to the tables of a directory (merge): rows of the file that
// belong to what the command wrote — the same set, filters and model (and method) — are
// replaced, all others kept, so `mint evaluate` and `mint score` runs build up the tables one
// model at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dataset.hpp"
#include "core/model.hpp"
#include "pipeline/evaluate.hpp"
#include "pipeline/score.hpp"
#include "pipeline/train.hpp"

namespace mint {

enum class ColumnType { text, integer, real };

struct Column {
  std::string name;
  ColumnType type = ColumnType::text;
};

struct TableLayout {
  std::string name;             // the file is tables/<name>.tsv
  std::vector<Column> columns;  // the key columns first
  std::size_t keys = 0;         // how many leading columns form the key
  std::size_t owner = 0;        // leading key columns that say who wrote a row (merging)

  std::string file() const { return name + ".tsv"; }
  // Index of a column; mint::Error naming the table when absent.
  std::size_t column(std::string_view name) const;
};

// The layouts, by name.
namespace layouts {
const TableLayout& accuracy_by_count();
const TableLayout& accuracy_by_pair();
const TableLayout& regression_binned();
const TableLayout& auprc();
const TableLayout& summary(Metric metric = Metric::auprc);      // <metric>_summary
const TableLayout& differences(Metric metric = Metric::auprc);  // <metric>_differences
const TableLayout& filters();
const TableLayout& training();
// The streaming benchmark's own (pipeline/stream/stream.hpp): the bootstrap CI of the median
// at resample sizes up to the stream's N, and the pooled AUPRC's bound.
const TableLayout& convergence(Metric metric = Metric::auprc);  // <metric>_convergence
const TableLayout& pooled_bounds();
// Every table an experiment writes, in the report's order of links.
const std::vector<const TableLayout*>& experiment();
}  // namespace layouts

// "%.6g", or "nan".
std::string format_number(double v);

// Rows of one table, fields as written.
struct Table {
  const TableLayout* layout = nullptr;
  std::vector<std::vector<std::string>> rows;

  // Owner keys (the layout's first `owner` fields) whose rows this table replaces when merged
  // into a file even though it adds none for them (e.g. Δ rows made stale by a new score).
  std::vector<std::vector<std::string>> claims;

  explicit Table(const TableLayout& l) : layout(&l) {}
  // Checks the field count, and that no field holds a tab or a newline.
  void add(std::vector<std::string> row);
  // Header, then the rows sorted by the key (stable).
  std::string text() const;
};

// The tables a step or command writes, by layout name.
class Tables {
 public:
  Table& operator[](const TableLayout& layout);
  const std::map<std::string, Table>& all() const { return tables_; }

 private:
  std::map<std::string, Table> tables_;
};

// Writes every table to dir/tables/<name>.tsv atomically (creating dir/tables). merge: an
// existing file's rows are kept unless their owner key occurs among the new rows or claims.
void write_tables(const std::string& dir, const Tables& tables, bool merge = false);

// Line-by-line reader of one table file: fields split on tabs, a trailing '\r' dropped, blank
// lines skipped, every error "path:line: what". The header must hold the layout's columns (in
// any order; more columns are allowed). Numbers parse as the layout types them ("nan", "inf"
// included); integers must be whole and within ±2^53.
class TsvReader {
 public:
  TsvReader(const std::string& path, const TableLayout& layout);
  const TableLayout& layout() const { return *layout_; }
  // Advances to the next row; false at the end of the file.
  bool next();
  // Fields of the current row by layout column index.
  std::string_view text(std::size_t column) const;
  double number(std::size_t column) const;  // integer or real column, parsed
  // The current row's fields in layout order, as written.
  std::vector<std::string> row() const;

 private:
  bool next_line();
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  const TableLayout* layout_;
  std::ifstream in_;
  std::string line_;
  long line_no_ = 0;
  std::vector<std::size_t> at_;  // layout column → field index in the file
  std::size_t width_ = 0;        // fields per line (the header's)
  std::vector<std::string_view> fields_;
};

// Every row of dir/tables/<layout>.tsv, in layout order; empty when the file does not exist.
Table read_table(const std::string& dir, const TableLayout& layout);

// ---- building rows ------------------------------------------------------------------------------

// The order the report lists models in: M_w, M_wo, then the others by name. A Δ between two
// models is stored as first − second in this order (report_order(a, b) true: a first).
bool report_order(const std::string& a, const std::string& b);

// The set column of a motif set: its name (a bundled set) or its file's stem.
std::string set_label(const std::string& motif_set);

// Whose rows: the motif set, the number of first-layer filters and the model's name.
struct RowOwner {
  std::string set;
  int filters = 0;
  std::string model;
};

// accuracy_by_count and accuracy_by_pair (classification) or regression_binned (the model's
// name is the effect) from an evaluation; the "total" row is not a table row.
void add_accuracy_rows(Tables& tables, const RowOwner& owner, const Evaluation& evaluation);

// filters: the first-layer weights (F, 4, K) of a model, one row per (filter, position); for a
// general sequential model its first layer's when that is a Conv1d (else no rows).
void add_filter_rows(Tables& tables, const RowOwner& owner, const Model& model);

// training: one row per seed model, from its training log (read_training_log).
void add_training_row(Tables& tables, const RowOwner& owner, std::uint64_t seed,
                      const TrainingSummary& summary);

// auprc rows of one scored attribution (abs_error from `ensemble` when given, else nan), and the
// <metric>_summary rows of its groups.
void add_auprc_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                    const ScoredAttribution& scored, const MotifSet& motifs, const SplitData& split,
                    const std::vector<double>* ensemble);
void add_summary_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                      const std::vector<GroupSummary>& groups, const MotifSet& motifs,
                      Metric metric);
// <metric>_differences rows: median(a) − median(b) for every (motif, n_present) group both have.
// owner.model is ignored (the layout has no model column): the report reads Δ as its first model
// minus its second, in report_order, so a standalone comparison is stored in that order.
void add_difference_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                         const std::vector<MotifGroup>& a, const std::vector<MotifGroup>& b,
                         const MotifSet& motifs, const BootstrapOptions& bootstrap, Metric metric);

}  // namespace mint

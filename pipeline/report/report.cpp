// The experiment report (pipeline/report/report.hpp): write_report reads the directory
// (report_data.hpp), decides which sets, filters and experiments the page shows, and writes the
// page around the sections (sections.hpp): head, configuration, links to every table, contents,
// one section per (set, filters) with its stream section and training summary, footer.
//
// Decisions worth knowing:
// - Tables are read through their layouts (pipeline/tables.hpp) by header name; unknown extra
//   columns are ignored, a missing one is an error at line 1.
// - auprc.tsv can hold millions of rows (one per sequence): it is streamed, and only rows with a
//   finite abs_error (regression) are kept, as float pairs, for the Fig. 3B scatter.
// - Which models are classifiers and which regression models comes from the tables
//   (report_data.hpp: ModelKinds), so models named by the user land in the right sections.
// - Orders on the page: sets, methods and effects as config.json lists them (then as the tables
//   first mention them), filters ascending, M_w before M_wo, motifs in the set's order as the
//   pair names of accuracy_by_pair.tsv reveal it (the tables are sorted by name), n_present
//   ascending on x axes and descending in tables (as the paper's).
// - Numbers in tables are links to their TSV (styled as plain text); figures name their TSV in
//   the caption and carry the exact values as hover text (<title>).
// - A directory with stream/ holds the results of `mint stream`: the page is titled so, says
//   which tables the stream does not write (auprc, filters, training) instead of "missing", and
//   lists the stream's own tables (also wherever they are present).
// - The page is deterministic: no timestamps, no absolute paths.
#include "pipeline/report/report.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/report/sections.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;
using namespace report;
using svg::escape;

// What the page shows: sets and filters as configured, then as the tables mention them; an
// experiment when configured or when its models have rows.
struct Contents {
  std::vector<std::string> sets;
  std::set<long> filters;
  bool show_negatives = false, show_interactions = false;
};

Contents contents_of(const ReportData& data) {
  Contents c;
  c.sets = data.config.sets;
  c.filters.insert(data.config.filters.begin(), data.config.filters.end());
  bool any_classification = false, any_regression = false;
  for (const auto& [file, t] : data.tables) {
    if (!t) continue;
    for (const auto& [key, rows] : t->by_set_filters) {
      add_unique(c.sets, key.first);
      c.filters.insert(key.second);
    }
    if (t->text_col.count("effect")) any_regression = any_regression || !t->text.empty();
    if (!t->text_col.count("model")) continue;
    for (std::size_t r = 0; r < t->text.size(); ++r) {
      (data.kinds.is_classification(t->s(r, "model")) ? any_classification : any_regression) = true;
    }
  }
  for (const auto& [key, d] : data.scatter) {
    add_unique(c.sets, std::get<0>(key));
    c.filters.insert(std::get<1>(key));
    any_regression = true;
  }
  // Without config.json (tables written by mint evaluate / mint score), the tables say which
  // experiments the directory holds.
  const std::string& exp = data.config.experiment;
  c.show_negatives = exp == "negatives" || exp == "all" || any_classification;
  c.show_interactions = exp == "interactions" || exp == "all" || any_regression;
  return c;
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

// The line under the title: experiment, size, sets, filters, seeds, methods.
std::string meta_line(const Config& config, const Contents& c) {
  std::vector<std::string> meta;
  if (!config.experiment.empty()) {
    meta.push_back("experiment <b>" + escape(config.experiment) + "</b>");
  }
  if (!config.size.empty()) meta.push_back("size <b>" + escape(config.size) + "</b>");
  std::vector<std::string> s;
  for (const auto& x : c.sets) s.push_back(escape(x));
  meta.push_back("motif sets: " + (s.empty() ? std::string("none") : join(s, ", ")));
  std::vector<std::string> f;
  for (long x : c.filters) f.push_back(std::to_string(x));
  if (!f.empty()) meta.push_back("filters: " + join(f, ", "));
  if (config.seeds > 0) meta.push_back("seeds: " + std::to_string(config.seeds));
  if (!config.methods.empty()) {
    std::vector<std::string> m;
    for (const auto& x : config.methods) m.push_back(escape(method_name(x)));
    meta.push_back("methods: " + join(m, ", "));
  }
  return join(meta, " · ");
}

std::string section_id(std::size_t si, long F) {
  return "s" + std::to_string(si) + "-f" + std::to_string(F);
}

// In a stream's directory (DIR/stream/), after the paper's introduction.
const char* kStreamIntro =
    "<p>These results come from <code>mint stream</code> (its state is in "
    "<code>stream/</code>): the test split of the simulation's design, simulated, predicted, "
    "attributed and scored chunk by chunk, every aggregate kept in memory that does not grow "
    "with the number of sequences. It writes no per-sequence rows (<code>auprc.tsv</code>), "
    "filters or training summaries; its own tables, the median's CI width against the number "
    "of sequences and the pooled AUPRC's bound, are in each motif set's <i>Large-sample "
    "stream</i> section.</p>\n";

// Every table of an experiment, linked or marked missing (not written, in a stream's
// directory), then the stream's own where present.
std::string table_links(const Page& pg) {
  std::vector<std::string> links;
  for (const TableLayout* layout : layouts::experiment()) {
    const std::string href = "tables/" + layout->file();
    const bool present =
        layout == &layouts::auprc() ? pg.data.scatter_present : pg.table(*layout) != nullptr;
    links.push_back(
        present ? "<a href=\"" + href + "\">" + href + "</a>"
                : "<span class=\"src\">" + href +
                      (pg.not_streamed(*layout) ? " (not written by mint stream)" : " (missing)") +
                      "</span>");
  }
  for (const TableLayout* layout : {&layouts::convergence(), &layouts::pooled_bounds()}) {
    const std::string href = "tables/" + layout->file();
    if (pg.table(*layout)) links.push_back("<a href=\"" + href + "\">" + href + "</a>");
  }
  return join(links, ", ");
}

// Head, title, introduction, config.json, links to every table, experiments left out, contents.
void page_head(Page& pg, const Contents& c) {
  const Config& config = pg.data.config;
  const std::string& exp = config.experiment;
  const bool stream = pg.data.stream;
  const std::string title =
      stream && !config.present ? "mint stream report" : "mint experiment report";
  std::string& h = pg.html;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>" +
       title;
  if (!exp.empty()) h += ": " + escape(exp);
  h += "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<h1>" + title + "</h1>\n<p class=\"meta\">" + meta_line(config, c) + "</p>\n";
  h += "<p>Reproduction of the results of <i>Motif Interactions Affect Post-Hoc Interpretability "
       "of Genomic Convolutional Neural Networks</i> (Lemanczyk, Bartoszewicz &amp; Renard). "
       "<b>Negatives experiment:</b> two classifiers see the same positives (all motifs of the "
       "set co-occur); M<sub>w</sub> is trained with negatives holding motif subsets, "
       "M<sub>wo</sub> with motif-free negatives. <b>Interaction effects:</b> regression models "
       "whose label is an additive, enhancing, inhibiting or quadratic function of the number of "
       "motifs present. Attributions (averaged over the seeds' models) are scored per motif by "
       "AUPRC: how well |attribution| ranks the motif's positions above background positions "
       "(higher is better). Every number in a table links to the TSV it comes from.</p>\n";
  if (stream) h += kStreamIntro;
  if (config.present) {
    h +=
        "<details><summary>config.json</summary><pre>" + escape(config.text) + "</pre></details>\n";
  } else if (stream) {
    pg.note(
        "<code>mint stream</code> writes no <code>config.json</code>: configuration not "
        "shown.");
  } else {
    pg.note("<code>config.json</code> is missing: configuration not shown.");
  }
  h += "<p>Tables: " + table_links(pg) + ".</p>\n";
  const std::string why = exp.empty() ? "no table has rows for it"
                                      : "not part of this run (experiment " + escape(exp) + ")";
  if (!c.show_interactions) pg.note("Interaction-effects experiment: " + why + ".");
  if (!c.show_negatives) pg.note("Negatives experiment: " + why + ".");
  h += "<nav><b>Contents</b><ul>";
  for (std::size_t si = 0; si < c.sets.size(); ++si) {
    for (long F : c.filters) {
      const std::string id = section_id(si, F);
      h += "<li><a href=\"#" + id + "\">" + escape(c.sets[si]) + ", " + filters_text(F) + "</a>";
      if (has_stream_rows(pg, c.sets[si], F)) {
        h += " · <a href=\"#" + id + "-stream\">large-sample stream</a>";
      }
      h += "</li>";
    }
  }
  h += "</ul></nav>\n";
}

void training_section(Page& pg, const std::string& set, long F) {
  const TableView* t = pg.table(layouts::training());
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

// One (set, filters): the sections of the experiments shown, then the training summaries.
void set_section(Page& pg, const Contents& c, std::size_t si, long F) {
  const std::string& set = c.sets[si];
  std::string& h = pg.html;
  h += "<section id=\"" + section_id(si, F) + "\"><h3>" + escape(set) + ", " + filters_text(F) +
       "</h3>\n";
  bool any = false;
  for (const auto& [file, t] : pg.data.tables) any = any || (t && !t->rows(set, F).empty());
  for (const auto& [key, d] : pg.data.scatter) {
    any = any || (std::get<0>(key) == set && std::get<1>(key) == F);
  }
  if (!any) {
    pg.note("No table has rows for " + escape(set) + " with " + filters_text(F) + ".");
    h += "</section>\n";
    return;
  }
  // Without config.json, a section shows an experiment only where it has that kind of model.
  const bool configured = !pg.data.config.experiment.empty();
  const bool regression_rows = !pg.section_models(set, F, false).empty() ||
                               (pg.table(layouts::regression_binned()) &&
                                !pg.table(layouts::regression_binned())->rows(set, F).empty());
  if (c.show_negatives && (configured || !pg.section_models(set, F, true).empty())) {
    h += "<h4 class=\"exp\">Negatives experiment: " + pg.classifiers_html(set, F) + "</h4>\n";
    accuracy_section(pg, set, F);
    pair_section(pg, set, F);
    filters_section(pg, set, F, true);
    auprc_classification_section(pg, set, F);
  }
  if (c.show_interactions && (configured || regression_rows)) {
    h += "<h4 class=\"exp\">Interaction effects</h4>\n";
    regression_accuracy_section(pg, set, F);
    auprc_regression_section(pg, set, F);
    scatter_section(pg, set, F);
    if (const TableView* ft = pg.table(layouts::filters());
        ft && !pg.rows_of_kind(*ft, set, F, false).empty()) {
      filters_section(pg, set, F, false);
    }
  }
  stream_section(pg, set, F, section_id(si, F) + "-stream");
  training_section(pg, set, F);
  h += "</section>\n";
}

}  // namespace

void write_report(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a directory");
  if (!fs::exists(fs::path(dir) / "tables") && !fs::exists(fs::path(dir) / "config.json")) {
    throw Error(dir +
                ": no tables/ and no config.json here (not an experiment or results "
                "directory)");
  }
  const ReportData data = load_report_data(dir);
  const Contents c = contents_of(data);
  Page pg(data);
  page_head(pg, c);
  for (std::size_t si = 0; si < c.sets.size(); ++si) {
    pg.html += "<h2>Motif set " + escape(c.sets[si]) + "</h2>\n";
    for (long F : c.filters) set_section(pg, c, si, F);
  }
  pg.html +=
      "<footer><p class=\"src\">Written by <code>mint report</code> from config.json and "
      "tables/*.tsv (layout: docs/experiment.md).</p></footer>\n</body>\n</html>\n";
  write_file_atomic((fs::path(dir) / "report.html").string(), pg.html);
}

}  // namespace mint

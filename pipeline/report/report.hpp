// The experiment report: DIR/report.html rebuilt from the TSV tables of an experiment
// directory (layout and columns: docs/experiment.md). Self-contained HTML with inline SVG: no
// scripts, no network; every number in a table links to the TSV it comes from.
//
// The page mirrors the paper's Results, per motif set and number of filters: accuracy by number
// of motifs present (Table 2, Fig. 2B) and per motif pair (Table 3); first-layer filters as
// sequence logos (Fig. 2C); AUPRC box plots of M_w vs M_wo (Figs. 2D, 5, 6) with medians, CIs and
// paired Δ medians (Tables 4, 5); for the interaction effects, binned accuracy (Tables 6, 7),
// AUPRC per effect (Fig. 3A) and AUPRC vs absolute error (Fig. 3B); training summaries; for the
// results of `mint stream`, a large-sample stream section (the median's CI width against the
// number of sequences, the binned pooled AUPRC's bound) and a head that says so. A model
// is a classifier or a regression model by the tables it has rows in (accuracy_by_count/_pair or
// regression_binned), so models the user named (`mint evaluate --name mine`) land in the right
// experiment's sections.
//
// The parts: report_data.hpp (the tables read through their layouts, config.json, the model
// kinds), svg.hpp (the plotting module), page.hpp (the page and what its sections share),
// sections.hpp (one function per section), report.cpp (write_report and the page around them).
#pragma once

#include <string>

namespace mint {

// Reads DIR/config.json and DIR/tables/*.tsv (missing tables are skipped with a note in the
// page) and writes DIR/report.html atomically. Throws mint::Error naming the file on bad input
// ("DIR/tables/auprc_summary.tsv:7: column 'median': 'x' is not a number").
void write_report(const std::string& dir);

}  // namespace mint

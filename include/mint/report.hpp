// The experiment report: DIR/report.html rebuilt from the TSV tables of an experiment
// directory (layout and columns: docs/experiment.md). Self-contained HTML with inline SVG.
#pragma once

#include <string>

namespace mint {

// Reads DIR/config.json and DIR/tables/*.tsv (missing tables are skipped with a note in the
// page) and writes DIR/report.html atomically. Throws mint::Error naming the file on bad input.
void write_report(const std::string& dir);

}  // namespace mint

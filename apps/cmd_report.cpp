// `mint report DIR`: rebuild DIR/report.html from an experiment directory's config.json and
// tables/*.tsv (docs/experiment.md), e.g. after `mint merge` or after editing a table by hand.
// The page is self-contained (inline SVG, no scripts, no network); missing tables are skipped
// with a note, a malformed one is an error naming file and line.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.hpp"
#include "pipeline/report/report.hpp"

namespace mint::cli {

void add_report_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("report",
                         "Write DIR/report.html (tables, box plots, logos as inline SVG) from an "
                         "experiment directory's config.json and tables/*.tsv");
  cmd->add_option("dir", *dir, "Experiment directory (as written by mint experiment / merge)")
      ->required();
  cmd->callback([dir] {
    write_report(*dir);
    std::printf("wrote %s\n", (std::filesystem::path(*dir) / "report.html").string().c_str());
  });
}

}  // namespace mint::cli

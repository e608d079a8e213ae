// libFuzzer harness of the TSV readers behind `mint report` and `mint merge` (pipeline/tables:
// TsvReader, read_table, write_tables' merge; pipeline/report: load_report_data and the page drawn
// from the tables; pipeline/train: read_training_log). The first byte picks what the rest of the
// input is: one table of kTables (written as DIR/tables/<name>.tsv), a training log
// (<stem>.log.tsv) or the report's config.json. Invariant: rows read from an accepted table
// survive a merge (write_tables with merge, then read_table) unchanged, in key order.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/report/report.hpp"
#include "pipeline/tables.hpp"
#include "pipeline/train.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

namespace {

std::vector<const mint::TableLayout*> tables() {
  std::vector<const mint::TableLayout*> all = mint::layouts::experiment();
  all.push_back(&mint::layouts::convergence());
  all.push_back(&mint::layouts::pooled_bounds());
  return all;
}

void fuzz_table(const std::filesystem::path& dir, const mint::TableLayout& layout) {
  mint::Table before(layout);
  if (!mf::accepts([&] { before = mint::read_table(dir.string(), layout); })) return;
  mf::accepts([&] { mint::write_report(dir.string()); });
  mint::Tables none;
  none[layout];  // no new rows: the merge keeps every row of the file
  if (!mf::accepts([&] { mint::write_tables(dir.string(), none, true); })) return;
  mint::Table after(layout);
  mf::require(mf::accepts([&] { after = mint::read_table(dir.string(), layout); }),
              "a merged table is rejected");
  std::sort(before.rows.begin(), before.rows.end());
  std::sort(after.rows.begin(), after.rows.end());
  mf::require(before.rows == after.rows, "a merge changed a table's rows");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::vector<const mint::TableLayout*> layouts = tables();
  const std::size_t pick = data[0] % (layouts.size() + 2);
  const std::string_view text = mf::as_text(data + 1, size - 1);
  const auto dir = mf::fresh_dir("tsv");
  if (pick == layouts.size()) {
    mf::write_bytes(dir / "M_w_f4_seed1.log.tsv", text);
    mf::accepts([&] { (void)mint::read_training_log((dir / "M_w_f4_seed1.log.tsv").string()); });
  } else if (pick == layouts.size() + 1) {
    mf::write_bytes(dir / "config.json", text);
    mf::accepts([&] { mint::write_report(dir.string()); });
  } else {
    const mint::TableLayout& layout = *layouts[pick];
    std::filesystem::create_directories(dir / "tables");
    mf::write_bytes(dir / "tables" / layout.file(), text);
    fuzz_table(dir, layout);
  }
  return 0;
}

// The result tables (pipeline/tables.hpp): one layout per TSV, rows sorted by the key whatever
// order they were added in, writer → reader round trips, merging by owner, and one-line errors
// naming file and line for malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/tables.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("mint_test_tables_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Tables, LayoutsAreWellFormed) {
  std::set<std::string> names;
  for (const TableLayout* l : layouts::experiment()) {
    EXPECT_TRUE(names.insert(l->name).second) << l->name;
    EXPECT_GT(l->keys, 0u) << l->name;
    EXPECT_LT(l->keys, l->columns.size()) << l->name;
    EXPECT_LE(l->owner, l->keys) << l->name;
    EXPECT_EQ(l->columns[0].name, "set") << l->name;
    EXPECT_EQ(l->columns[1].name, "filters") << l->name;
    EXPECT_EQ(l->columns[1].type, ColumnType::integer) << l->name;
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(layouts::summary(Metric::ap).name, "ap_summary");
  EXPECT_EQ(layouts::summary(Metric::ap).columns.size(), layouts::summary().columns.size());
  EXPECT_EQ(layouts::differences(Metric::auroc).file(), "auroc_differences.tsv");
  EXPECT_EQ(layouts::auprc().column("abs_error"), 10u);
  EXPECT_THROW(layouts::auprc().column("nope"), Error);
}

TEST(Tables, RowsAreSortedByTheKeyNumericallyWhatEverTheOrderAdded) {
  Table t(layouts::accuracy_by_count());
  t.add({"s", "32", "M_wo", "10", "5", "0.5"});
  t.add({"s", "4", "M_wo", "2", "5", "0.25"});
  t.add({"s", "32", "M_w", "9", "5", "1"});
  t.add({"s", "4", "M_wo", "1", "5", "nan"});
  EXPECT_EQ(t.text(),
            "set\tfilters\tmodel\tn_present\tsequences\taccuracy\n"
            "s\t4\tM_wo\t1\t5\tnan\n"
            "s\t4\tM_wo\t2\t5\t0.25\n"
            "s\t32\tM_w\t9\t5\t1\n"
            "s\t32\tM_wo\t10\t5\t0.5\n");
  EXPECT_THROW(t.add({"too", "few"}), Error);
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(0.1234567), "0.123457");
  EXPECT_EQ(set_label("some/dir/my_motifs.jaspar"), "my_motifs");
  EXPECT_EQ(set_label("distinct_1"), "distinct_1");
}

TEST(Tables, WriteReadRoundTripAndMergeReplacesOnlyTheOwnersRows) {
  const fs::path d = temp_dir("merge");
  Tables first;
  first[layouts::training()].add({"s", "4", "M_w", "1", "3", "2", "0.5", "0.75"});
  first[layouts::training()].add({"s", "4", "M_wo", "1", "3", "3", "0.25", "0.9"});
  write_tables(d.string(), first);
  const Table back = read_table(d.string(), layouts::training());
  ASSERT_EQ(back.rows.size(), 2u);
  EXPECT_EQ(back.rows[0],
            (std::vector<std::string>{"s", "4", "M_w", "1", "3", "2", "0.5", "0.75"}));

  Tables again;  // M_w retrained: its rows replace the old ones, M_wo's stay
  again[layouts::training()].add({"s", "4", "M_w", "1", "5", "5", "0.125", "0.875"});
  again[layouts::training()].add({"s", "4", "M_w", "2", "5", "4", "0.2", "0.8"});
  write_tables(d.string(), again, /*merge=*/true);
  const Table merged = read_table(d.string(), layouts::training());
  ASSERT_EQ(merged.rows.size(), 3u);
  EXPECT_EQ(merged.rows[0][4], "5");
  EXPECT_EQ(merged.rows[1][3], "2");
  EXPECT_EQ(merged.rows[2][2], "M_wo");
  EXPECT_TRUE(read_table(d.string(), layouts::filters()).rows.empty());  // absent file
  fs::remove_all(d);
}

TEST(Tables, MalformedFilesFailWithFileAndLine) {
  const fs::path d = temp_dir("bad");
  fs::create_directories(d / "tables");
  const std::string path = (d / "tables" / "accuracy_by_count.tsv").string();
  const std::string header = "set\tfilters\tmodel\tn_present\tsequences\taccuracy\n";
  auto error_for = [&](const std::string& text) {
    write_file_atomic(path, text);
    return test::error_of([&] { read_table(d.string(), layouts::accuracy_by_count()); });
  };
  EXPECT_EQ(error_for(""), path + ":1: empty file, expected a header line");
  EXPECT_EQ(error_for("set\tfilters\n"), path + ":1: missing column 'model'");
  EXPECT_EQ(error_for(header + "s\t4\tM\t1\t5\n"),
            path + ":2: has 5 fields, expected 6 (as the header)");
  EXPECT_EQ(error_for(header + "s\t4\tM\t1\t5\t0.5\ns\tfour\tM\t1\t5\t0.5\n"),
            path + ":3: column 'filters': 'four' is not a number");
  EXPECT_EQ(error_for(header + "s\t4\tM\t1.5\t5\t0.5\n"),
            path + ":2: column 'n_present': '1.5' is not an integer");
  // Found by fuzz_tsv: an integer a double holds but no integer type does (the report converted
  // filters 1e300 to long: undefined behaviour).
  EXPECT_EQ(error_for(header + "s\t1e300\tM\t1\t5\t0.5\n"),
            path + ":2: column 'filters': '1e300' is out of range (|x| > 2^53)");
  // Columns in another order, and an extra column: read by name.
  write_file_atomic(path,
                    "model\textra\tset\tfilters\tn_present\tsequences\taccuracy\r\n"
                    "M\tx\ts\t4\t1\t5\tnan\r\n\n");
  const Table t = read_table(d.string(), layouts::accuracy_by_count());
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"s", "4", "M", "1", "5", "nan"}));
  fs::remove_all(d);
}

}  // namespace
}  // namespace mint

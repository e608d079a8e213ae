// Data sets on disk: write → load gives the same data; the text files agree with the arrays;
// damaged or unfinished directories fail with one clear error naming the file.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "io/npy.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

Simulation small_simulation(DesignKind kind, std::optional<double> min_instance_score = {}) {
  SimulationOptions o;
  o.min_instance_score = min_instance_score;
  o.seed = 99;
  o.length = 150;
  o.gc = 0.45;
  o.design.kind = kind;
  o.design.effect = Effect::enhancing;
  o.design.train = 96;
  o.design.valid = 32;
  o.design.test_positives = 10;
  o.design.test_per_subset = 3;
  o.design.test_per_count = 6;
  return simulate(load_motifs("distinct_1"), o);
}

std::vector<std::string> lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(DatasetIo, WriteThenLoadGivesTheSameData) {
  for (DesignKind kind : {DesignKind::classification, DesignKind::regression}) {
    // Regression with the minimum-instance-score filter, so dataset.json carries it too.
    const Simulation sim =
        kind == DesignKind::classification ? small_simulation(kind) : small_simulation(kind, 0.55);
    const std::string dir = test::scratch_dir("dataset_io") + "/data";
    write_dataset(sim, dir, WriteOptions{true, true});
    const Simulation back = load_dataset(dir);
    ASSERT_EQ(back.splits.size(), sim.splits.size());
    for (std::size_t k = 0; k < sim.splits.size(); ++k) {
      EXPECT_EQ(back.splits[k].name, sim.splits[k].name);
      EXPECT_EQ(back.splits[k].codes, sim.splits[k].codes);
      EXPECT_EQ(back.splits[k].masks, sim.splits[k].masks);
      EXPECT_EQ(back.splits[k].labels, sim.splits[k].labels);
      EXPECT_EQ(back.splits[k].offsets, sim.splits[k].offsets);
    }
    EXPECT_EQ(back.grammar.start, sim.grammar.start);
    EXPECT_EQ(back.grammar.gaps, sim.grammar.gaps);
    EXPECT_EQ(back.grammar.span, sim.grammar.span);
    EXPECT_EQ(back.options.seed, sim.options.seed);
    EXPECT_EQ(back.options.gc, sim.options.gc);
    EXPECT_EQ(back.options.design.kind, kind);
    EXPECT_EQ(back.options.min_instance_score, sim.options.min_instance_score);
    ASSERT_EQ(back.motifs.size(), sim.motifs.size());
    for (std::size_t m = 0; m < sim.motifs.size(); ++m) {
      EXPECT_EQ(back.motifs.motifs[m].id, sim.motifs.motifs[m].id);
      for (int b = 0; b < 4; ++b)
        EXPECT_EQ(back.motifs.motifs[m].counts[b], sim.motifs.motifs[m].counts[b]);
    }
    // Resampling from the loaded description gives the same bytes.
    const Simulation again = simulate(back.motifs, back.options);
    EXPECT_EQ(again.splits[0].codes, sim.splits[0].codes);
  }
}

TEST(DatasetIo, TextFilesAgreeWithTheArrays) {
  const Simulation sim = small_simulation(DesignKind::classification);
  const std::string dir = test::scratch_dir("dataset_text");
  write_dataset(sim, dir, WriteOptions{true, true});
  const SplitData& test = sim.splits[2];
  const int length = test.length;
  const auto fasta = lines(dir + "/test.fasta");
  ASSERT_EQ(fasta.size(), static_cast<std::size_t>(2 * test.size()));
  std::size_t instances = 0;
  for (std::int64_t i = 0; i < test.size(); ++i) {
    EXPECT_EQ(fasta[2 * i].rfind(
                  ">test_" + std::to_string(i) + " presence=" + presence_bits(test.masks[i], 4), 0),
              0u);
    for (int p = 0; p < length; ++p) {
      ASSERT_EQ(fasta[2 * i + 1][p], kBases[test.codes[i * length + p]]);
    }
    instances += std::popcount(test.masks[i]);
  }
  // Ground truth: one row per present motif instance, spans matching ground_truth().
  const auto truth = lines(dir + "/test.truth.tsv");
  ASSERT_EQ(truth.size(), instances + 1);
  std::vector<std::int8_t> per_position(length);
  for (std::size_t r = 1; r < truth.size(); ++r) {
    std::istringstream row(truth[r]);
    std::string id, motif_id, name;
    int start, end;
    row >> id >> start >> end >> motif_id >> name;
    const std::int64_t i = std::stoll(id.substr(5));
    ground_truth(sim.grammar, test.masks[i], test.offsets[i], length, per_position.data());
    for (int p = start; p < end; ++p) {
      ASSERT_GE(per_position[p], 0);
      EXPECT_EQ(sim.motifs.motifs[per_position[p]].id, motif_id);
    }
  }
  // One-hot (N, 4, L) matches the codes.
  const NpyArray onehot = read_npy(dir + "/test.onehot.npy");
  EXPECT_EQ(onehot.shape, (std::vector<std::int64_t>{test.size(), 4, length}));
  const float* x = onehot.as<float>();
  for (std::int64_t i = 0; i < test.size(); ++i) {
    for (int p = 0; p < length; ++p) {
      for (int c = 0; c < 4; ++c) {
        ASSERT_EQ(x[(i * 4 + c) * length + p], c == test.codes[i * length + p] ? 1.0f : 0.0f);
      }
    }
  }
  EXPECT_EQ(lines(dir + "/test.labels.tsv").size(), static_cast<std::size_t>(test.size() + 1));
  EXPECT_EQ(lines(dir + "/counts.tsv").size(), 1u + 16 + 16 + 16);
}

TEST(DatasetIo, DamagedDirectoriesFail) {
  const Simulation sim = small_simulation(DesignKind::classification);
  const std::string dir = test::scratch_dir("dataset_bad");
  auto expect_error = [&](const std::string& text) {
    try {
      load_dataset(dir);
      ADD_FAILURE() << "no error, expected: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error("no dataset.json");
  write_dataset(sim, dir, WriteOptions{false, false});
  EXPECT_FALSE(std::filesystem::exists(dir + "/train.fasta"));
  // A code outside 0..3.
  std::vector<std::uint8_t> codes = sim.splits[1].codes;
  codes[7] = 9;
  write_npy<std::uint8_t>(dir + "/valid.seq.npy", {sim.splits[1].size(), 150}, codes.data());
  expect_error("valid.seq.npy: code 9 at sequence 0, position 7");
  // A shape that disagrees with dataset.json.
  write_npy<std::uint8_t>(dir + "/valid.seq.npy", {2, 150}, codes.data());
  expect_error("valid.seq.npy: shape (2, 150), dataset.json says (32, 150)");
  write_npy<std::uint8_t>(dir + "/valid.seq.npy", {sim.splits[1].size(), 150},
                          sim.splits[1].codes.data());
  std::filesystem::remove(dir + "/test.labels.npy");
  expect_error("test.labels.npy: cannot open");
  // An integer that does not fit its field is an error, not truncated (issue 13): a length of
  // 2^32 + 150 was read as 150.
  {
    nlohmann::json doc = nlohmann::json::parse(read_file(dir + "/dataset.json"));
    doc["options"]["length"] = 4294967446LL;
    write_file_atomic(dir + "/dataset.json", doc.dump());
    expect_error("dataset.json: key 'length' is 4294967446, not an integer in [");
    doc["options"]["length"] = 1e300;
    write_file_atomic(dir + "/dataset.json", doc.dump());
    expect_error("dataset.json: key 'length' is 1e+300, not an integer in [");
  }
  write_file_atomic(dir + "/dataset.json", "{\"format\": \"mint-dataset\"");
  expect_error("dataset.json: invalid JSON");
  write_file_atomic(dir + "/dataset.json", "{\"format\": \"mint-dataset\", \"version\": 1}");
  expect_error("dataset.json: missing or malformed field");
}

}  // namespace
}  // namespace mint

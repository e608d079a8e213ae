// libFuzzer harness of the data set directory (io/dataset_io: load_dataset, and read_sequences
// on it, what train/predict/attribute/score read). The input is a little archive of the files
// load_dataset reads (pack_dataset.py makes one from a directory):
//
//   repeated: u8 file index (mod the 14 names in kFiles), u32 little-endian length, bytes
//
// written into a scratch directory; a short length takes what is left. Invariants of an accepted
// data set: per split, N·L codes in 0..3, N masks, offsets and labels; the grammar's motif
// placements lie inside its span and the span inside the sequence (what scoring relies on).
#include <cstdint>
#include <cstring>
#include <string>

#include "io/dataset_io.hpp"
#include "io/inputs.hpp"
#include "pipeline/score_instances.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

namespace {

constexpr const char* kFiles[] = {"dataset.json",       "motifs.jaspar",      "train.seq.npy",
                                  "train.presence.npy", "train.labels.npy",   "train.offsets.npy",
                                  "valid.seq.npy",      "valid.presence.npy", "valid.labels.npy",
                                  "valid.offsets.npy",  "test.seq.npy",       "test.presence.npy",
                                  "test.labels.npy",    "test.offsets.npy"};
constexpr std::size_t kCount = sizeof kFiles / sizeof kFiles[0];

void check(const mint::Simulation& sim) {
  const mint::Grammar& g = sim.grammar;
  const std::size_t n = sim.motifs.size();
  mf::require(g.start.size() == n && g.length.size() == n, "grammar sizes disagree with motifs");
  mf::require(g.span >= 0 && g.span <= sim.options.length, "grammar span outside the sequence");
  for (std::size_t m = 0; m < n; ++m) {
    mf::require(g.start[m] >= 0 && g.length[m] >= 0 && g.start[m] + g.length[m] <= g.span,
                "a motif placement outside the grammar's span");
  }
  for (const mint::SplitData& s : sim.splits) {
    const auto rows = static_cast<std::size_t>(s.size());
    mf::require(s.codes.size() == rows * static_cast<std::size_t>(s.length),
                "codes disagree with N x L");
    mf::require(s.offsets.size() == rows && s.labels.size() == rows, "per-sequence arrays differ");
    for (const std::uint8_t c : s.codes) mf::require(c < 4, "a base code outside 0..3");
    (void)mint::split_instances(s, g);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto dir = mf::fresh_dir("dataset");
  std::string contents[kCount];
  bool present[kCount] = {};
  for (std::size_t at = 0; at + 5 <= size;) {
    const std::size_t file = data[at] % kCount;
    std::uint32_t length = 0;
    std::memcpy(&length, data + at + 1, 4);
    at += 5;
    const std::size_t take = std::min<std::size_t>(length, size - at);
    contents[file].assign(reinterpret_cast<const char*>(data) + at, take);
    present[file] = true;
    at += take;
  }
  for (std::size_t f = 0; f < kCount; ++f) {
    if (present[f]) mf::write_bytes(dir / kFiles[f], contents[f]);
  }
  mint::Simulation sim;
  if (!mf::accepts([&] { sim = mint::load_dataset(dir.string()); })) return 0;
  check(sim);
  mf::accepts([&] { (void)mint::read_sequences(dir.string(), "test"); });
  return 0;
}

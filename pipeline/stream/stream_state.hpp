// The state of one shard of the stream (pipeline/stream/stream.hpp): what its chunks have added
// so far, saved and read back as a checkpoint, merged over shards, and turned into the tables.
// Private to pipeline/stream/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/stream/aggregate.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/tables.hpp"

namespace mint::stream {

// Accuracy tallies of one seed model.
struct Tally {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_count, by_pair;  // n, right
  std::map<int, Wide> abs_error;  // regression: Σ round(|pred − label| · 2^32)
};

struct GroupAggregate {
  ValueHistogram values;
  PooledHistogram pooled;
};

// (model, method, motif, motifs present), indices into the options' lists.
using GroupKey = std::tuple<int, int, int, int>;
// (method, motif, motifs present) of the compared pair.
using PairKey = std::tuple<int, int, int>;

struct ShardState {
  std::string fingerprint;  // everything that decides the values (not chunk, threads, out)
  int shard = 0, shards = 1;
  std::int64_t first = 0, end = 0, next = 0;  // the shard's range, and where to go on
  std::vector<std::vector<Tally>> tallies;    // [model][seed model]
  std::map<GroupKey, GroupAggregate> groups;
  std::map<PairKey, PairedBootstrap> pairs;
  std::vector<std::int64_t> sample_index;  // the sampled sequences (whole-stream indices)
  std::vector<float> sample;               // [model][method][K][4][L]

  bool finished() const { return next == end; }
  void merge(const ShardState& other);  // another shard of the same stream
  std::string bytes() const;
  // bytes() written atomically to `path` part by part, never held whole (memory flat in N).
  void write(const std::string& path) const;
  static ShardState parse(std::string bytes, const std::string& source);
};

// The text that decides a stream's values; a saved state must carry the same.
std::string fingerprint(const StreamOptions& options, Backend backend);
// The first difference of two fingerprints, for an error line: "simulation: 'seed=5' in the
// saved state, 'seed=6' now".
std::string fingerprint_difference(const std::string& saved, const std::string& now);

// The compared models' indices into options.models, or {-1, -1} when nothing is compared; the
// first is first in report order.
std::pair<int, int> compared_models(const StreamOptions& options);

// The result tables of a whole stream's state.
Tables stream_tables(const StreamOptions& options, const ShardState& state);

}  // namespace mint::stream

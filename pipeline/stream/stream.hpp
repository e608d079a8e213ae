// The streaming benchmark (`mint stream`): simulate → predict → attribute → score as one stream
// of chunks, in memory that does not grow with N, with the aggregates written as the result
// tables `mint report` draws.
//
// The stream is the test split of the simulation's design (SimulationOptions: the motifs, the
// design and its test sizes, the grammar, the seed), sampled chunk by chunk with the same bits as
// `mint simulate` (a sequence's bases depend only on the seed, its presence subset and its index
// in that subset). For each chunk:
//   - every model's predictions → accuracy tallies (per seed model, so the tables hold the mean
//     over seed models as `mint evaluate` does);
//   - every method × model (a model is an ensemble of seed models, attributed as
//     attribute_models does) → position scores → per-(sequence, motif) AUPRC, AP and AUROC,
//     exactly as score_motifs computes them;
//   - the aggregates (pipeline/stream/aggregate.hpp) per (model, method, motif, motifs present):
//     the metric's distribution, the pooled AUPRC, and the paired bootstrap of the difference
//     of medians between the compared models.
// Nothing of the chunk is kept but a fixed sample of K sequences' attributions.
//
// Runs: the stream's sequences are split into `shards` contiguous ranges; a run does one. Its
// state is saved to OUT/stream/shard-<i>-of-<N>.state (atomically, at most every
// `checkpoint_seconds` and at the end), and a run finding a state resumes after its last saved
// chunk. When every shard's state is finished, the run that sees it merges them and writes
// OUT/tables/. Every aggregate holds integers, so the tables do not depend on the chunk size,
// the thread count, the shard split or where a run was interrupted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/dataset.hpp"
#include "core/model.hpp"
#include "core/motif.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/score.hpp"

namespace mint {

// One model of the benchmark: its seed models, attributed as an ensemble.
struct StreamModel {
  std::string name;  // the tables' model column, e.g. M_w
  std::vector<Model> models;
  std::vector<std::string> files;  // where they came from (for messages)
};

struct StreamOptions {
  MotifSet motifs;
  std::string set;  // the tables' set column (set_label)
  SimulationOptions simulation;
  std::vector<StreamModel> models;
  std::vector<Method> methods;
  AttributeOptions attribute;  // every option but the method; compute = device + threads
  ScoreOptions score;
  Metric metric = Metric::auprc;
  BootstrapOptions bootstrap;  // the median CI's resamples (from the histogram), level, seed
  int pair_resamples = 200;    // the paired Δ bootstrap's resamples (in the stream)
  // The models whose difference of medians is written (first − second in report order); empty:
  // M_w and M_wo when both are given.
  std::pair<std::string, std::string> compare;
  std::int64_t chunk = 1024;  // sequences per chunk (rounded up to FP's batch when FP runs)
  int shard = 0, shards = 1;
  std::int64_t save_attributions = 0;  // K: keep K sequences' attributions per model × method
  double checkpoint_seconds = 30;      // 0: after every chunk
  std::string out;                     // results directory
};

struct StreamProgress {
  std::int64_t done = 0, total = 0;  // sequences of this shard
  std::int64_t resumed_at = 0;       // sequences already done when this run started
  double seconds = 0;                // since this run started
};

struct StreamHooks {
  std::function<void(const StreamProgress&)> progress;
  // Every chunk's per-(sequence, motif) rows of one model and method, sequence indices over the
  // whole stream.
  std::function<void(const std::string& model, Method method, const std::vector<MotifScore>&)> rows;
  // After each chunk (and its checkpoint, if one was due); an exception thrown here stops the
  // run as a kill would.
  std::function<void(std::int64_t chunk)> after_chunk;
  // Asked after each chunk: true saves a checkpoint at once and stops the run with an Error
  // that says so (SIGTERM from a scheduler, Ctrl-C); the same command resumes it.
  std::function<bool()> stop_requested;
};

struct StreamRun {
  std::int64_t sequences = 0;  // in the whole stream
  std::int64_t shard_first = 0, shard_end = 0;
  int finished_shards = 0;
  bool tables_written = false;
};

// The number of sequences in the stream's test split, and the options a --n gives: the test
// split's groups filled evenly (classification: --test-positives and --test-per-subset; regression:
// --test-per-count), so that a design of n motifs gets N sequences in total or the fewest more.
std::int64_t stream_size(const SimulationOptions& simulation, int n_motifs);
void set_stream_size(SimulationOptions& simulation, int n_motifs, std::int64_t n);

// Validates the options (every model takes the simulation's length, the compared models exist,
// sizes), then runs shard `shard`, resuming from its saved state; merges and writes the tables
// when every shard is finished.
StreamRun run_stream(const StreamOptions& options, const StreamHooks& hooks = {});

}  // namespace mint

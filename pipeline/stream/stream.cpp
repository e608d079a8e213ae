// The streaming benchmark's driver: options, the shard's chunks, checkpoints and the merge
// (pipeline/stream/stream.hpp).
#include "pipeline/stream/stream.hpp"

#include <omp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>

#include "core/device_memory.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/evaluate.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/simulate.hpp"
#include "pipeline/stream/stream_device.hpp"
#include "pipeline/stream/stream_state.hpp"

namespace mint {

using stream::GroupKey;
using stream::PairKey;
using stream::ShardState;

std::int64_t stream_size(const SimulationOptions& s, int n_motifs) {
  const DesignOptions& d = s.design;
  if (d.kind == DesignKind::regression) return d.test_per_count * (n_motifs + 1);
  return d.test_positives + d.test_per_subset * ((std::int64_t{1} << n_motifs) - 1);
}

void set_stream_size(SimulationOptions& s, int n_motifs, std::int64_t n) {
  if (n <= 0) throw Error("--n must be positive, got " + std::to_string(n));
  if (n_motifs < 1 || n_motifs > 16) throw Error("--n: the motif set needs 1 to 16 motifs");
  if (n > 0xFFFFFFFFll)
    throw Error("--n " + std::to_string(n) + " is too large (at most 2^32 - 1)");
  DesignOptions& d = s.design;
  if (d.kind == DesignKind::regression) {
    // Every subset of the largest size class needs a sequence: C(n, n/2) per count at least.
    std::int64_t widest = 1;
    for (int k = 1; k <= n_motifs / 2; ++k) widest = widest * (n_motifs - k + 1) / k;
    d.test_per_count = std::max((n + n_motifs) / (n_motifs + 1), widest);
  } else {
    const std::int64_t groups = std::int64_t{1} << n_motifs;
    d.test_positives = d.test_per_subset = (n + groups - 1) / groups;
  }
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string state_path(const StreamOptions& o, int shard) {
  return (fs::path(o.out) / "stream" /
          ("shard-" + std::to_string(shard) + "-of-" + std::to_string(o.shards) + ".state"))
      .string();
}

bool has_fp(const StreamOptions& o) {
  return std::find(o.methods.begin(), o.methods.end(), Method::fp) != o.methods.end();
}

void check_options(const StreamOptions& o) {
  if (o.models.empty()) throw Error("stream: give at least one --model");
  if (o.methods.empty()) throw Error("stream: give at least one --method");
  if (o.out.empty()) throw Error("stream: --out is required");
  if (o.chunk < 1 || o.chunk > (1 << 24)) {
    throw Error("--chunk must be in [1, 16777216], got " + std::to_string(o.chunk));
  }
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards) {
    throw Error("--shard must be i/N with 0 <= i < N");
  }
  if (o.pair_resamples < 0 || o.pair_resamples > 10000) {
    throw Error("--pair-resamples must be in [0, 10000]");
  }
  if (o.bootstrap.resamples < 0 || o.bootstrap.resamples > 100000) {
    throw Error("--bootstrap must be in [0, 100000]");
  }
  if (!(o.bootstrap.level > 0 && o.bootstrap.level < 1)) {
    throw Error("--ci must be in (0, 1), got " + format_number(o.bootstrap.level));
  }
  if (o.score.positives.by_information) {
    for (const Motif& m : o.motifs.motifs) {
      bool any = false;
      for (std::size_t j = 0; j < m.length(); ++j) {
        any = any || m.column_information(j) > o.score.positives.ic_threshold;
      }
      if (!any) {
        throw Error("--ic-threshold " + format_number(o.score.positives.ic_threshold) +
                    ": no column of " + m.name +
                    " carries more information, so it would have no positives");
      }
    }
  }
  if (!(o.checkpoint_seconds >= 0) || !std::isfinite(o.checkpoint_seconds)) {
    throw Error("--checkpoint-seconds must be a finite number >= 0");
  }
  for (std::size_t i = 0; i < o.models.size(); ++i) {
    if (o.models[i].models.empty()) throw Error("--model " + o.models[i].name + ": no files");
    for (std::size_t j = 0; j < i; ++j) {
      if (o.models[j].name == o.models[i].name) {
        throw Error("--model: the name '" + o.models[i].name + "' is given twice");
      }
    }
    check_ensemble(o.models[i].models, "--model " + o.models[i].name);
    check_lengths(o.models[i].models, o.simulation.length, "the simulation (--length)");
  }
}

// Where shard i of `shards` starts (i = shards: the end), aligned to FP's batches.
std::int64_t shard_bound(std::int64_t n, int shards, int i, std::int64_t align) {
  if (i == shards) return n;
  const auto at = static_cast<std::int64_t>(static_cast<stream::Wide>(n) * i / shards);
  return at / align * align;
}

// A saved state: a regular file of sane size, parsed and checked.
ShardState read_state(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path + ": not a regular file");
  if (fs::file_size(path, ec) > (std::uintmax_t{1} << 36)) {
    throw Error(path + ": too large for a stream state");
  }
  return ShardState::parse(read_file(path), path);
}

// The shard's state when nothing ran yet.
ShardState fresh_state(const StreamOptions& o, const std::string& print, std::int64_t n,
                       std::int64_t align) {
  ShardState s;
  s.fingerprint = print;
  s.shard = o.shard;
  s.shards = o.shards;
  s.first = shard_bound(n, o.shards, o.shard, align);
  s.end = shard_bound(n, o.shards, o.shard + 1, align);
  s.next = s.first;
  for (const StreamModel& m : o.models) s.tallies.emplace_back(m.models.size());
  const std::int64_t k = std::min(o.save_attributions, n);
  for (std::int64_t i = 0; i < k; ++i) {
    s.sample_index.push_back(static_cast<std::int64_t>(static_cast<stream::Wide>(n) * i / k));
  }
  const std::size_t per =
      o.models.size() * o.methods.size() * 4 * static_cast<std::size_t>(o.simulation.length);
  s.sample.assign(static_cast<std::size_t>(k) * per, 0.0f);
  return s;
}

// The chunk [first, first + count) of the stream's test split, as a SplitData.
SplitData sample_chunk(const SamplerTables& tables, const Simulation& sim, std::int64_t first,
                       std::int64_t count, const Compute& compute, stream::DeviceStream* device) {
  SplitData d;
  d.name = "test";
  d.length = sim.options.length;
  d.n_motifs = static_cast<int>(sim.motifs.size());
  if (device == nullptr || device->needs_host_codes()) {
    d.codes.resize(static_cast<std::size_t>(count) * d.length);
  }
  d.offsets.resize(static_cast<std::size_t>(count));
  if (device != nullptr) {
    // sampled below, on the device
  } else if (compute.backend() == Backend::cuda) {
    sample_codes_cuda(tables, first, count, d.codes.data());
  } else {
    sample_codes_cpu(tables, first, count, d.codes.data(), compute.threads);
  }
  sample_offsets(tables, first, count, d.offsets.data());
  const std::vector<std::int64_t>& start = tables.group_start_;
  std::size_t g = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), first) -
                                           start.begin() - 1);
  for (std::int64_t i = first; i < first + count; ++i) {
    while (i >= start[g + 1]) ++g;
    const std::uint32_t mask = tables.group_mask_[g];
    d.masks.push_back(mask);
    d.labels.push_back(static_cast<float>(label_of(mask, d.n_motifs, sim.options.design)));
  }
  if (device != nullptr) {
    device->sample(first, count, d.masks, d.offsets, d.codes.empty() ? nullptr : d.codes.data());
  }
  return d;
}

void tally_predictions(stream::Tally& t, const std::vector<float>& pred, const SplitData& d,
                       const Simulation& sim) {
  const DesignOptions& design = sim.options.design;
  for (const AccuracyRow& r : accuracy_by_count(d.masks, d.labels, pred, d.n_motifs, design)) {
    if (r.group == "total") continue;
    t.by_count[r.group].first += static_cast<std::uint64_t>(r.sequences);
    t.by_count[r.group].second += static_cast<std::uint64_t>(r.correct);
  }
  if (design.kind == DesignKind::classification) {
    for (const AccuracyRow& r : accuracy_by_pair(d.masks, d.labels, pred, sim.motifs, design)) {
      t.by_pair[r.group].first += static_cast<std::uint64_t>(r.sequences);
      t.by_pair[r.group].second += static_cast<std::uint64_t>(r.correct);
    }
    return;
  }
  for (std::size_t i = 0; i < pred.size(); ++i) {
    const double e = std::fabs(static_cast<double>(pred[i]) - d.labels[i]);
    if (!std::isfinite(e) || e > 1e15) throw Error("stream: a prediction is not finite");
    t.abs_error[std::popcount(d.masks[i])] +=
        static_cast<stream::Wide>(std::llround(std::ldexp(e, 32)));
  }
}

struct Chunk {
  const StreamOptions& o;
  std::vector<std::unique_ptr<Predictor>> predictors;  // one per model
  const Simulation& sim;
  const SamplerTables& tables;
  std::pair<int, int> compare;
  ShardState& state;
  const StreamHooks& hooks;
  std::unique_ptr<stream::DeviceStream> device;  // with --device cuda (stream_device.hpp)
};

// attribute_chunk on the device (IG, DeepLIFT): the device adds the pooled counts and writes
// the sampled attributions itself.
std::vector<MotifScore> attribute_chunk_device(Chunk& c, std::int64_t first, int model,
                                               int method) {
  const StreamOptions& o = c.o;
  std::vector<MotifScore> rows = c.device->score(model, method, c.state);
  for (MotifScore& row : rows) {
    row.sequence += first;
    c.state.groups[GroupKey{model, method, row.motif, row.n_present}].values.add(
        metric_of(row.scores, o.metric));
  }
  if (c.hooks.rows) {
    c.hooks.rows(o.models[static_cast<std::size_t>(model)].name,
                 o.methods[static_cast<std::size_t>(method)], rows);
  }
  return rows;
}

// Each labelled row's positions into its group's pooled histogram, a group per thread (integer
// counts: the same bits for any thread count).
void add_pooled(Chunk& c, int model, int method, const LabelledRows& l, const float* pos,
                std::size_t cols) {
  std::map<stream::GroupAggregate*, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < l.rows.size(); ++i) {
    const MotifScore& row = l.rows[i];
    members[&c.state.groups[GroupKey{model, method, row.motif, row.n_present}]].push_back(i);
  }
  const std::vector<std::pair<stream::GroupAggregate*, std::vector<std::size_t>>> by_group(
      std::make_move_iterator(members.begin()), std::make_move_iterator(members.end()));
  std::vector<std::string> errors(by_group.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t k = 0; k < by_group.size(); ++k) {
    try {
      for (const std::size_t i : by_group[k].second) {
        by_group[k].first->pooled.add_row(pos + static_cast<std::size_t>(l.source[i]) * cols,
                                          l.labels.data() + i * cols, l.include.data() + i * cols,
                                          cols);
      }
    } catch (const std::exception& e) {
      errors[k] = e.what();
    }
  }
  for (const std::string& e : errors) {
    if (!e.empty()) throw Error(e);
  }
}

// One model × method of a chunk: attribute, score against the chunk's labelled rows (the same
// for every model and method), add to the aggregates; returns the rows.
std::vector<MotifScore> attribute_chunk(Chunk& c, const SplitData& d, const LabelledRows* labels,
                                        std::int64_t first, int model, int method) {
  const StreamOptions& o = c.o;
  if (c.device && stream::DeviceStream::attributes(o.methods[static_cast<std::size_t>(method)])) {
    return attribute_chunk_device(c, first, model, method);
  }
  const auto count = static_cast<std::int64_t>(d.masks.size());
  const int L = d.length;
  AttributeOptions a = o.attribute;
  a.method = o.methods[static_cast<std::size_t>(method)];
  if (a.method == Method::fp) a.fp_first_batch = static_cast<int>(first / a.fp_batch);
  const CnnInput in{d.codes.data(), nullptr, nullptr};
  const AttributeResult r =
      attribute_models(o.models[static_cast<std::size_t>(model)].models, in, count, L, a);
  const std::vector<float> pos = position_scores(
      r.values.data(), d.codes.data(), count, L,
      a.method == Method::ism ? ScoreRule::ism : ScoreRule::observed, o.score.signed_scores);
  const LabelledRows& l = *labels;
  const std::size_t cols = static_cast<std::size_t>(L);
  std::vector<CurveScores> curves;
  try {
    curves = score_labelled_rows(pos.data(), l, L);
  } catch (const Error& e) {
    throw Error("model " + o.models[static_cast<std::size_t>(model)].name + ", " +
                to_string(a.method) + ", sequences " + std::to_string(first) + " to " +
                std::to_string(first + count - 1) + ": " + e.what());
  }
  std::vector<MotifScore> rows = l.rows;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    MotifScore& row = rows[i];
    row.scores = curves[i];
    row.sequence += first;
    c.state.groups[GroupKey{model, method, row.motif, row.n_present}].values.add(
        metric_of(row.scores, o.metric));
  }
  add_pooled(c, model, method, l, pos.data(), cols);
  // The sampled sequences' attributions: slot [K][model][method][4][L].
  const std::size_t row = 4 * cols, per = o.models.size() * o.methods.size() * row;
  for (std::size_t k = 0; k < c.state.sample_index.size(); ++k) {
    const std::int64_t s = c.state.sample_index[k] - first;
    if (s < 0 || s >= count) continue;
    std::copy_n(
        r.values.begin() + static_cast<std::ptrdiff_t>(s) * static_cast<std::ptrdiff_t>(row), row,
        c.state.sample.begin() + static_cast<std::ptrdiff_t>(
                                     k * per + (static_cast<std::size_t>(model) * o.methods.size() +
                                                static_cast<std::size_t>(method)) *
                                                   row));
  }
  if (c.hooks.rows) c.hooks.rows(o.models[static_cast<std::size_t>(model)].name, a.method, rows);
  return rows;
}

void run_chunk(Chunk& c, std::int64_t first, std::int64_t count) {
  const StreamOptions& o = c.o;
  const SplitData d =
      sample_chunk(c.tables, c.sim, first, count, o.attribute.compute, c.device.get());
  const CnnInput in{d.codes.data(), nullptr, nullptr};
  for (std::size_t m = 0; m < o.models.size(); ++m) {
    const auto preds = c.device ? c.device->predict_each(static_cast<int>(m))
                                : c.predictors[m]->predict_each(in, count);
    for (std::size_t s = 0; s < preds.size(); ++s) {
      tally_predictions(c.state.tallies[m][s], preds[s], d, c.sim);
    }
  }
  // The rows' labels, once per chunk, for the methods scored on the host.
  LabelledRows labels;
  if (!c.device || c.device->needs_host_codes()) {
    labels = label_motif_rows(d, c.sim.grammar, c.sim.motifs, o.score.positives);
  }
  for (std::size_t k = 0; k < o.methods.size(); ++k) {
    std::vector<std::vector<MotifScore>> rows(o.models.size());
    for (std::size_t m = 0; m < o.models.size(); ++m) {
      rows[m] = attribute_chunk(c, d, &labels, first, static_cast<int>(m), static_cast<int>(k));
    }
    if (c.compare.first < 0) continue;
    const auto& a = rows[static_cast<std::size_t>(c.compare.first)];
    const auto& b = rows[static_cast<std::size_t>(c.compare.second)];
    for (std::size_t i = 0; i < a.size(); ++i) {
      const PairKey key{static_cast<int>(k), a[i].motif, a[i].n_present};
      auto it = c.state.pairs.find(key);
      if (it == c.state.pairs.end()) {
        it = c.state.pairs.emplace(key, stream::PairedBootstrap(o.pair_resamples, o.bootstrap.seed))
                 .first;
      }
      it->second.add(static_cast<std::uint64_t>(a[i].sequence), metric_of(a[i].scores, o.metric),
                     metric_of(b[i].scores, o.metric));
    }
  }
}

void save_state(const StreamOptions& o, const ShardState& s) {
  make_directories((fs::path(o.out) / "stream").string());
  s.write(state_path(o, s.shard));
}

// The saved state of this shard, or a fresh one; a state of other options is an error.
ShardState load_or_start(const StreamOptions& o, const std::string& print, std::int64_t n,
                         std::int64_t align) {
  const std::string path = state_path(o, o.shard);
  if (!fs::exists(path) && !fs::is_symlink(path)) return fresh_state(o, print, n, align);
  ShardState s = read_state(path);
  if (s.fingerprint != print || s.shard != o.shard || s.shards != o.shards) {
    throw Error(path + ": this stream was started with other options (" +
                stream::fingerprint_difference(s.fingerprint, print) +
                "); use another --out or remove " + (fs::path(o.out) / "stream").string());
  }
  return s;
}

void write_samples(const StreamOptions& o, const ShardState& s) {
  const auto k = static_cast<std::int64_t>(s.sample_index.size());
  if (k == 0) return;
  const std::string dir = (fs::path(o.out) / "stream" / "attributions").string();
  make_directories(dir);
  remove_stale_temporaries(dir);
  const std::size_t row = 4 * static_cast<std::size_t>(o.simulation.length);
  const std::size_t per = o.models.size() * o.methods.size() * row;
  for (std::size_t m = 0; m < o.models.size(); ++m) {
    for (std::size_t j = 0; j < o.methods.size(); ++j) {
      std::vector<float> a(static_cast<std::size_t>(k) * row);
      for (std::size_t i = 0; i < static_cast<std::size_t>(k); ++i) {
        std::copy_n(s.sample.begin() +
                        static_cast<std::ptrdiff_t>(i * per + (m * o.methods.size() + j) * row),
                    row, a.begin() + static_cast<std::ptrdiff_t>(i * row));
      }
      write_npy(
          (fs::path(dir) / (o.models[m].name + "_" + to_string(o.methods[j]) + ".npy")).string(),
          {k, 4, o.simulation.length}, a.data());
    }
  }
  write_npy((fs::path(dir) / "sequence_index.npy").string(), {k}, s.sample_index.data());
}

// Every shard's finished state merged into this run's (`mine`, finished), or false when one is
// missing or unfinished.
bool merge_shards(const StreamOptions& o, const std::string& print, ShardState& mine,
                  std::int64_t n, std::int64_t align, int& finished) {
  finished = 1;
  bool all = true;
  for (int i = 0; i < o.shards; ++i) {
    if (i == o.shard) continue;
    const std::string path = state_path(o, i);
    if (!fs::exists(path)) {
      all = false;
      continue;
    }
    ShardState s = read_state(path);
    if (s.fingerprint != print) {
      throw Error(path + ": a shard of a stream with other options (" +
                  stream::fingerprint_difference(s.fingerprint, print) + "); use another --out");
    }
    if (s.shard != i || s.first != shard_bound(n, o.shards, i, align) ||
        s.end != shard_bound(n, o.shards, i + 1, align)) {
      throw Error(path + ": holds shard " + std::to_string(s.shard) + " (sequences " +
                  std::to_string(s.first) + " to " + std::to_string(s.end) +
                  "), not the shard its name says");
    }
    if (!s.finished()) {
      all = false;
      continue;
    }
    ++finished;
    if (all) mine.merge(s);
  }
  return all;
}

// The chunk to go on with after `count` sequences from `next` ran out of device memory: half
// as many (a multiple of align); an Error when that was the smallest. The caller goes back to the
// last checkpoint, which holds nothing of the failed chunk (core/device_memory.hpp).
std::int64_t smaller_chunk(const DeviceOutOfMemory& e, std::int64_t count, std::int64_t align,
                           std::int64_t next, const std::string& checkpoint) {
  const std::int64_t smaller = halved_chunk(count, align);
  if (smaller == 0) {
    throw DeviceOutOfMemory(std::string(e.what()) + "; a chunk of " + std::to_string(count) +
                            " sequences (the smallest) does not fit in device memory");
  }
  device_memory_notice("device out of memory in a chunk of " + std::to_string(count) +
                       " sequences at sequence " + std::to_string(next) + "; going back to " +
                       (fs::exists(checkpoint) ? "the last checkpoint (" + checkpoint + ")"
                                               : std::string("the shard's start")) +
                       " and on in chunks of " + std::to_string(smaller) + " (" + e.what() + ")");
  return smaller;
}

// --threads for the OpenMP loops that take no thread count (position scores, labelling, scoring)
// while the stream runs.
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ThreadLimit() { omp_set_num_threads(saved_); }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int saved_;
};

}  // namespace

StreamRun run_stream(const StreamOptions& o, const StreamHooks& hooks) {
  check_options(o);
  const ThreadLimit limit(o.attribute.compute.threads);
  const Simulation sim = plan_simulation(o.motifs, o.simulation);
  const SplitPlan& plan = sim.plans.at(2);
  const SamplerTables tables(o.motifs, sim.grammar, o.simulation, plan);
  const std::int64_t n = tables.sequences();
  const std::int64_t align = has_fp(o) ? o.attribute.fp_batch : 1;
  if (o.shards > std::max<std::int64_t>(n / align, 1)) {
    throw Error("--shard: " + std::to_string(o.shards) + " shards for " + std::to_string(n) +
                " sequences" + (align > 1 ? " in batches of " + std::to_string(align) : "") +
                "; use at most " + std::to_string(std::max<std::int64_t>(n / align, 1)));
  }
  std::int64_t chunk = (o.chunk + align - 1) / align * align;
  // General sequential models take the host path (pipeline/predict.hpp, attribute.hpp).
  bool general = false;
  for (const StreamModel& m : o.models) {
    check_outputs(m.models, o.attribute.output, "--target-index");
    for (const Model& model : m.models) general |= model.is_sequential();
  }
  const Backend backend = general ? Backend::cpu : o.attribute.compute.backend();
  const std::string print = stream::fingerprint(o, backend);
  ShardState state = load_or_start(o, print, n, align);
  remove_stale_temporaries((fs::path(o.out) / "stream").string());
  StreamRun run;
  run.sequences = n;
  run.shard_first = state.first;
  run.shard_end = state.end;
  Chunk c{o, {}, sim, tables, stream::compared_models(o), state, hooks, nullptr};
  if (backend == Backend::cuda) {
    c.device = std::make_unique<stream::DeviceStream>(o, sim, tables);
  } else {
    for (const StreamModel& m : o.models) {
      c.predictors.push_back(
          std::make_unique<Predictor>(m.models, o.attribute.compute, o.attribute.output));
    }
  }
  const auto start = Clock::now();
  auto last_save = start;
  const std::int64_t resumed_at = state.next - state.first;
  for (std::int64_t index = 0; state.next < state.end; ++index) {
    const std::int64_t count = std::min(chunk, state.end - state.next);
    try {
      run_chunk(c, state.next, count);
    } catch (const DeviceOutOfMemory& e) {
      chunk = smaller_chunk(e, count, align, state.next, state_path(o, o.shard));
      state = load_or_start(o, print, n, align);  // back to the last checkpoint
      if (c.device) c.device->discard();
      continue;
    }
    state.next += count;
    const auto now = Clock::now();
    const bool stop = !state.finished() && hooks.stop_requested && hooks.stop_requested();
    if (stop || state.finished() ||
        std::chrono::duration<double>(now - last_save).count() >= o.checkpoint_seconds) {
      if (c.device) c.device->flush(state);  // the device's pooled counts
      save_state(o, state);
      last_save = now;
    }
    if (hooks.progress) {
      hooks.progress({state.next - state.first, state.end - state.first, resumed_at,
                      std::chrono::duration<double>(now - start).count()});
    }
    if (hooks.after_chunk) hooks.after_chunk(index);
    if (stop) {
      throw Error("stopped by a signal after " + std::to_string(state.next - state.first) + " of " +
                  std::to_string(state.end - state.first) + " sequences; the checkpoint " +
                  state_path(o, o.shard) + " is saved: run the same command to resume");
    }
  }
  if (!fs::exists(state_path(o, o.shard))) save_state(o, state);  // an empty shard
  if (merge_shards(o, print, state, n, align, run.finished_shards)) {
    remove_stale_temporaries((fs::path(o.out) / "tables").string());
    write_tables(o.out, stream::stream_tables(o, state), true);
    write_samples(o, state);
    run.tables_written = true;
  }
  return run;
}

}  // namespace mint

// `mint stream`: the streaming benchmark (pipeline/stream/stream.hpp) — simulate N sequences,
// predict, attribute with every --method and --model, score, and aggregate, chunk by chunk in
// constant memory; the tables go to OUT/tables/ for `mint report OUT`.
//
//   mint stream --model M_w=w1.safetensors,w2.safetensors --model M_wo=wo.safetensors
//               --method ig,deeplift --n 1000000 --out results
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/error.hpp"
#include "options.hpp"
#include "pipeline/experiment.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/tables.hpp"

namespace mint::cli {
namespace {

struct StreamArgs {
  SimulationFlags simulation;
  AttributeFlags attribute;
  ModelFlags flags;
  DeviceFlags device;
  std::vector<std::string> models, methods = {"ig", "deeplift"}, compare;
  std::string out, shard, metric = "auprc", positives = "span", set;
  std::int64_t n = 0, chunk = 1024, save_attributions = 0;
  double ic_threshold = 1.0, level = 0.95, checkpoint_seconds = 30;
  int bootstrap = 1000, pair_resamples = 200;
  std::uint64_t bootstrap_seed = 0;
  bool signed_scores = false, quiet = false;
  CLI::Option* n_option = nullptr;
};

// NAME=FILE[,FILE...] (an ensemble of seed models), or FILE (named after its stem).
StreamModel parse_model(const std::string& text, const ModelHints& hints) {
  StreamModel m;
  const auto eq = text.find('=');
  std::string files = eq == std::string::npos ? text : text.substr(eq + 1);
  m.name =
      eq == std::string::npos ? std::filesystem::path(text).stem().string() : text.substr(0, eq);
  if (m.name.empty() || files.empty()) {
    throw Error("--model '" + text + "': expected NAME=FILE[,FILE...] or FILE");
  }
  check_table_name("--model", m.name);
  if (m.name.find_first_of("/\\") != std::string::npos || m.name == "." || m.name == "..") {
    throw Error("--model '" + m.name + "': a model name may not contain / or \\ (it names files)");
  }
  for (std::size_t at = 0; at <= files.size();) {
    const std::size_t comma = std::min(files.find(',', at), files.size());
    const std::string file = files.substr(at, comma - at);
    if (file.empty()) throw Error("--model '" + text + "': an empty file name");
    m.files.push_back(file);
    at = comma + 1;
  }
  m.models = load_models(m.files, hints);
  return m;
}

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s / 60 % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  }
  return buf;
}

// A progress line on stderr: redrawn in place on a terminal, every 10 s otherwise.
std::function<void(const StreamProgress&)> progress_bar(bool quiet) {
  if (quiet) return nullptr;
  const bool tty = isatty(2) != 0;
  auto last = std::make_shared<double>(-1e9);
  return [tty, last](const StreamProgress& p) {
    const bool done = p.done == p.total;
    if (!tty && !done && p.seconds - *last < 10) return;
    *last = p.seconds;
    const double rate = static_cast<double>(p.done - p.resumed_at) / std::max(p.seconds, 1e-9);
    const double share = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1;
    char bar[33];
    const int filled = static_cast<int>(share * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = 0;
    std::fprintf(stderr, "%s[%s] %5.1f%% %lld/%lld sequences  %.0f seq/s  ETA %s%s",
                 tty ? "\r" : "", bar, 100 * share, static_cast<long long>(p.done),
                 static_cast<long long>(p.total), rate,
                 duration(static_cast<double>(p.total - p.done) / std::max(rate, 1e-9)).c_str(),
                 tty && !done ? "" : "\n");
    std::fflush(stderr);
    set_line_open(stderr, tty && !done);
  };
}

StreamOptions stream_options(StreamArgs& a) {
  require_value("--out", a.out);
  check_table_name("--set", a.set);
  StreamOptions o;
  o.motifs = load_motifs(a.simulation.motifs);
  o.set = a.set.empty() ? set_label(a.simulation.motifs) : a.set;
  o.simulation = a.simulation.resolve(o.motifs);
  if (a.n_option->count() > 0)
    set_stream_size(o.simulation, static_cast<int>(o.motifs.size()), a.n);
  for (const std::string& m : a.methods) o.methods.push_back(parse_method(m));
  for (std::size_t i = 0; i < o.methods.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (o.methods[i] == o.methods[j]) throw Error("--method: " + a.methods[i] + " given twice");
    }
  }
  o.attribute = a.attribute.options(o.methods);
  o.attribute.compute = a.device.compute();
  a.flags.length = o.simulation.length;  // a PyTorch file's L is the simulation's
  for (const std::string& m : a.models) o.models.push_back(parse_model(m, a.flags.hints()));
  o.metric = parse_metric(a.metric);
  o.score.positives.by_information = a.positives == "ic";
  o.score.positives.ic_threshold = a.ic_threshold;
  if (!std::isfinite(a.ic_threshold)) throw Error("--ic-threshold must be a finite number of bits");
  o.score.signed_scores = a.signed_scores;
  o.bootstrap.resamples = a.bootstrap;
  o.bootstrap.level = a.level;
  o.bootstrap.seed = a.bootstrap_seed;
  o.pair_resamples = a.pair_resamples;
  if (!a.compare.empty()) o.compare = {a.compare[0], a.compare[1]};
  o.chunk = a.chunk;
  if (!a.shard.empty()) parse_shard(a.shard, o.shard, o.shards);
  if (a.save_attributions < 0) throw Error("--save-attributions must be >= 0");
  o.save_attributions = a.save_attributions;
  o.checkpoint_seconds = a.checkpoint_seconds;
  o.out = a.out;
  return o;
}

volatile std::sig_atomic_t g_stop = 0;
void request_stop(int) { g_stop = 1; }

// SIGTERM (Slurm's notice before a kill, `scancel`), SIGINT (Ctrl-C) and SIGHUP (a closed
// terminal) finish the chunk in hand, save the checkpoint and stop; a second signal acts as the
// default would.
void catch_stop_signals() {
  struct sigaction act {};
  act.sa_handler = request_stop;
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_RESETHAND;
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &act, nullptr);
}

void run(StreamArgs& a) {
  catch_stop_signals();
  const StreamOptions o = stream_options(a);
  StreamHooks hooks;
  hooks.progress = progress_bar(a.quiet);
  hooks.stop_requested = [] { return g_stop != 0; };
  const auto t0 = std::chrono::steady_clock::now();
  const StreamRun r = run_stream(o, hooks);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "mint stream: %lld sequences (shard %d/%d: %lld) × %zu model(s) × %zu method(s) on the "
      "%s in %.1f s; peak RSS %.0f MB\n",
      static_cast<long long>(r.sequences), o.shard, o.shards,
      static_cast<long long>(r.shard_end - r.shard_first), o.models.size(), o.methods.size(),
      o.attribute.compute.backend() == Backend::cuda ? "cuda" : "cpu", seconds,
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!r.tables_written) {
    std::printf("%d of %d shards finished; the tables are written when the last one finishes\n",
                r.finished_shards, o.shards);
    return;
  }
  const Table summary = read_table(o.out, layouts::summary(o.metric));
  std::printf("median %s per sequence [%g%% CI]:\n", to_string(o.metric), o.bootstrap.level * 100);
  for (const auto& row : summary.rows) {
    if (row[0] != o.set) continue;
    std::printf("  %-8s %-9s %-8s %s motifs  %s [%s, %s]  (%s sequences)\n", row[2].c_str(),
                row[3].c_str(), row[4].c_str(), row[5].c_str(), row[7].c_str(), row[11].c_str(),
                row[12].c_str(), row[6].c_str());
  }
  std::printf("wrote %s/tables/ (mint report %s draws them)\n", o.out.c_str(), o.out.c_str());
}

}  // namespace

void add_stream_command(CLI::App& app) {
  auto a = std::make_shared<StreamArgs>();
  auto* cmd = app.add_subcommand(
      "stream",
      "Benchmark attribution methods over N simulated sequences in constant memory: simulate, "
      "predict, attribute and score chunk by chunk, aggregate, write the tables");
  cmd->add_option("--model", a->models,
                  "NAME=FILE[,FILE...]: a model (seed models averaged as an ensemble), "
                  "repeatable; FILE alone is named after its stem")
      ->required();
  cmd->add_option("--method", a->methods, "Methods: grad, saliency, ixg, ig, deeplift, fp, ism")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Results directory (tables/, stream/ state)")->required();
  a->n_option = cmd->add_option(
      "--n", a->n, "Sequences: the test split's groups filled evenly (else the --test-* sizes)");
  a->n_option->transform(integer(1, kMaxSplitSize));
  a->simulation.add_to(cmd, /*train_sizes=*/false);
  a->attribute.add_to(cmd, "--fp-batch", "--fp-seed");
  cmd->add_option("--chunk", a->chunk, "Sequences per chunk")
      ->capture_default_str()
      ->transform(integer(1, 1 << 24));
  cmd->add_option("--shard", a->shard, "i/N: run the i-th of N contiguous parts (0-based)");
  cmd->add_option("--save-attributions", a->save_attributions,
                  "Keep K evenly spaced sequences' attributions (stream/attributions/*.npy)")
      ->capture_default_str()
      ->transform(integer(0, kInt64Max));
  cmd->add_option("--compare", a->compare,
                  "Two model names A,B for the Δ medians (default: M_w and M_wo when given)")
      ->delimiter(',')
      ->expected(2);
  cmd->add_option("--metric", a->metric, "Metric summarised: auprc, ap or auroc")
      ->check(CLI::IsMember({"auprc", "ap", "auroc"}))
      ->capture_default_str();
  cmd->add_option("--positives", a->positives,
                  "Positives: the motif's whole span, or its columns above --ic-threshold")
      ->check(CLI::IsMember({"span", "ic"}))
      ->capture_default_str();
  cmd->add_option("--ic-threshold", a->ic_threshold, "Bits, with --positives ic")
      ->capture_default_str()
      ->transform(finite());
  cmd->add_flag("--signed", a->signed_scores, "Signed position scores instead of absolute");
  cmd->add_option("--bootstrap", a->bootstrap, "Resamples for the median's CI")
      ->capture_default_str()
      ->transform(integer(0, 100000));
  cmd->add_option("--pair-resamples", a->pair_resamples,
                  "Resamples of the paired Δ bootstrap (kept in the stream)")
      ->capture_default_str()
      ->transform(integer(0, 10000));
  cmd->add_option("--ci", a->level, "Confidence level")
      ->capture_default_str()
      ->transform(number_between(0, 1));
  cmd->add_option("--bootstrap-seed", a->bootstrap_seed, "Bootstrap seed")
      ->capture_default_str()
      ->transform(unsigned64());
  cmd->add_option("--set", a->set, "Motif set name in the tables (default: the set's)");
  cmd->add_option("--checkpoint-seconds", a->checkpoint_seconds,
                  "Save the state at most this often (0: after every chunk)")
      ->capture_default_str()
      ->transform(number(0, kInf));
  cmd->add_flag("--quiet", a->quiet, "No progress bar");
  a->flags.add_to(cmd, /*with_length=*/false);
  a->device.add_to(cmd);
  cmd->callback([a] { run(*a); });
}

}  // namespace mint::cli

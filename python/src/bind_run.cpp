// mint.experiment and mint.stream: the experiment runner (pipeline/experiment: the paper's two
// experiments, config.json's keys as keyword overrides) and the streaming benchmark
// (pipeline/stream: N sequences in constant memory), each writing the CLI's files and tables.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "common.hpp"
#include "core/error.hpp"
#include "pipeline/experiment.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/tables.hpp"

namespace mint::py {
namespace {

nb::list experiment(const std::string& kind, const std::string& size, const std::string& out,
                    const std::string& config_json, const std::string& shard,
                    const std::string& stage, bool force, bool quiet, nb::handle progress) {
  const ExperimentConfig config =
      apply_config_json(default_config(parse_experiment_kind(kind), parse_experiment_size(size)),
                        config_json, "config");
  RunOptions o;
  if (out.empty()) throw Error("out: the value is empty");
  o.out = out;
  if (!shard.empty()) parse_shard(shard, o.shard_index, o.shard_count);
  o.stage = parse_stage(stage);
  o.force = force;
  o.quiet = quiet;
  o.progress = python_progress(progress);
  ExperimentResult r;
  {
    nb::gil_scoped_release release;
    r = run_experiment(config, o);
  }
  nb::list steps;
  for (const StepStatus& s : r.steps) steps.append(nb::make_tuple(s.name, s.ran, s.seconds));
  return steps;
}

struct StreamArgs {
  std::vector<std::pair<std::string, std::vector<Model>>> models;
  std::vector<std::string> methods = {"ig", "deeplift"};
  std::optional<std::int64_t> n;
  std::string out, set, metric = "auprc", positives = "span", target = "logit",
                        ig_method = "gausslegendre", compat = "none", device = "auto", shard;
  std::pair<std::string, std::string> compare;
  double ic_threshold = 1.0, level = 0.95, checkpoint_seconds = 30;
  int steps = 50, batch_size = 128, bootstrap = 1000, pair_resamples = 200, threads = 0,
      target_index = 0;
  std::uint64_t seed = 0, bootstrap_seed = 0;
  std::int64_t chunk = 1024, save_attributions = 0;
  bool signed_scores = false;
};

StreamOptions stream_options(const SimulateArgs& sim, const StreamArgs& a) {
  if (a.out.empty()) throw Error("out: the value is empty");
  StreamOptions o;
  o.motifs = load_motifs(sim.motifs);
  o.set = a.set.empty() ? set_label(sim.motifs) : a.set;
  o.simulation = simulation_options(sim);
  if (a.n) set_stream_size(o.simulation, static_cast<int>(o.motifs.size()), *a.n);
  for (const std::string& m : a.methods) {
    const Method method = parse_method(m);
    for (Method seen : o.methods) {
      if (seen == method) throw Error("methods: " + m + " given twice");
    }
    o.methods.push_back(method);
  }
  o.attribute.target = parse_target(a.target);
  o.attribute.ig_method = parse_ig_method(a.ig_method);
  o.attribute.ig_steps = a.steps;
  o.attribute.compat = parse_deeplift_compat(a.compat);
  o.attribute.fp_batch = a.batch_size;
  o.attribute.fp_seed = a.seed;
  o.attribute.compute.device = parse_device(a.device);
  check_threads(a.threads, "threads");
  o.attribute.compute.threads = a.threads;
  o.attribute.output = a.target_index;
  check_attribute_options(o.attribute, o.methods, "batch_size");
  for (const auto& [name, models] : a.models) {
    if (models.empty()) throw Error("models: '" + name + "' has no model");
    StreamModel sm;
    sm.name = name;
    sm.models = models;
    check_outputs(models, a.target_index, "target_index");
    for (const Model& m : models) sm.files.push_back(m.source.empty() ? name : m.source);
    o.models.push_back(std::move(sm));
  }
  o.metric = parse_metric(a.metric);
  if (a.positives != "span" && a.positives != "ic") {
    throw Error("positives: '" + a.positives + "' (expected span or ic)");
  }
  o.score.positives.by_information = a.positives == "ic";
  o.score.positives.ic_threshold = a.ic_threshold;
  o.score.signed_scores = a.signed_scores;
  o.bootstrap = BootstrapOptions{a.bootstrap, a.level, a.bootstrap_seed};
  o.pair_resamples = a.pair_resamples;
  o.compare = a.compare;
  o.chunk = a.chunk;
  if (!a.shard.empty()) parse_shard(a.shard, o.shard, o.shards);
  if (a.save_attributions < 0) throw Error("save_attributions must be >= 0");
  o.save_attributions = a.save_attributions;
  o.checkpoint_seconds = a.checkpoint_seconds;
  o.out = a.out;
  return o;
}

nb::dict stream(const SimulateArgs& sim, const StreamArgs& a, nb::handle progress) {
  const StreamOptions o = stream_options(sim, a);
  StreamHooks hooks;
  const ProgressFn hook = python_progress(progress);
  hooks.progress = [&hook](const StreamProgress& p) { hook(p.done, p.total); };
  StreamRun r;
  {
    nb::gil_scoped_release release;
    r = run_stream(o, hooks);
  }
  nb::dict d;
  d["sequences"] = r.sequences;
  d["shard_first"] = r.shard_first;
  d["shard_end"] = r.shard_end;
  d["finished_shards"] = r.finished_shards;
  d["tables_written"] = r.tables_written;
  return d;
}

}  // namespace

void bind_run(nb::module_& m) {
  m.def("experiment", &experiment, nb::arg("kind"), nb::arg("size"), nb::arg("out"),
        nb::arg("config_json"), nb::arg("shard"), nb::arg("stage"), nb::arg("force"),
        nb::arg("quiet"), nb::arg("progress").none());
  m.def(
      "stream",
      [](const SimulateArgs& sim, const StreamArgs& a, nb::handle progress) {
        return stream(sim, a, progress);
      },
      nb::arg("simulation"), nb::arg("options"), nb::arg("progress").none());
  nb::class_<StreamArgs>(m, "StreamArgs")
      .def(nb::init<>())
      .def_rw("models", &StreamArgs::models)
      .def_rw("methods", &StreamArgs::methods)
      .def_rw("n", &StreamArgs::n)
      .def_rw("out", &StreamArgs::out)
      .def_rw("set", &StreamArgs::set)
      .def_rw("metric", &StreamArgs::metric)
      .def_rw("positives", &StreamArgs::positives)
      .def_rw("target", &StreamArgs::target)
      .def_rw("ig_method", &StreamArgs::ig_method)
      .def_rw("deeplift_compat", &StreamArgs::compat)
      .def_rw("device", &StreamArgs::device)
      .def_rw("shard", &StreamArgs::shard)
      .def_rw("compare", &StreamArgs::compare)
      .def_rw("ic_threshold", &StreamArgs::ic_threshold)
      .def_rw("ci", &StreamArgs::level)
      .def_rw("checkpoint_seconds", &StreamArgs::checkpoint_seconds)
      .def_rw("steps", &StreamArgs::steps)
      .def_rw("batch_size", &StreamArgs::batch_size)
      .def_rw("bootstrap", &StreamArgs::bootstrap)
      .def_rw("pair_resamples", &StreamArgs::pair_resamples)
      .def_rw("threads", &StreamArgs::threads)
      .def_rw("target_index", &StreamArgs::target_index)
      .def_rw("seed", &StreamArgs::seed)
      .def_rw("bootstrap_seed", &StreamArgs::bootstrap_seed)
      .def_rw("chunk", &StreamArgs::chunk)
      .def_rw("save_attributions", &StreamArgs::save_attributions)
      .def_rw("signed", &StreamArgs::signed_scores);
}

}  // namespace mint::py

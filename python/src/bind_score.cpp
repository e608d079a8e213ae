// mint.score and mint.auprc. score: attributions (N, 4, L) against the ground truth of a mint data
// set (pipeline/score: score_attribution, group_scores, summarize_groups — `mint score`'s path)
// or of plain motif instances (pipeline/score_instances), as columns for the Python tables:
// per (sequence, motif present) AUPRC / AP / AUROC, per-group summaries with bootstrap CIs and the
// pooled AUPRC, and the paired difference of medians between two models. auprc: ops/auprc.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common.hpp"
#include "core/error.hpp"
#include "inputs.hpp"
#include "ops/auprc/auprc.hpp"
#include "pipeline/score.hpp"
#include "pipeline/score_instances.hpp"

namespace mint::py {
namespace {

struct Entry {
  std::string model, method;
  std::vector<MotifScore> rows;
  std::vector<MotifGroup> groups;
  std::vector<GroupSummary> summaries;
};

struct ScoreArgs {
  std::string metric, positives;
  double ic_threshold;
  bool signed_scores;
  int bootstrap;
  double level;
  std::uint64_t seed;
  std::string device;
};

// (N, 4, L) float attributions as float32: in place, or converted from float64 (as `mint score`
// reads a float64 .npy).
const float* attributions(const AnyArray& a, std::int64_t n, int length, const std::string& what,
                          std::vector<float>& converted) {
  if (a.device_type() != nb::device::cpu::value) {
    throw Error(what + ": a GPU array; score reads attributions from host memory");
  }
  if (a.ndim() != 3 || a.shape(1) != 4 || static_cast<std::int64_t>(a.shape(0)) != n ||
      static_cast<int>(a.shape(2)) != length) {
    throw Error(what + ": attributions have shape " + shape_text(a) + " but the sequences need (" +
                std::to_string(n) + ", 4, " + std::to_string(length) + ")");
  }
  if (has_dtype<float>(a)) return static_cast<const float*>(a.data());
  if (!has_dtype<double>(a)) {
    throw Error(what + ": expected float32 or float64 attributions, got " + dtype_name(a.dtype()));
  }
  const auto* d = static_cast<const double*>(a.data());
  converted.assign(d, d + a.size());
  return converted.data();
}

BootstrapOptions bootstrap_of(const ScoreArgs& a) {
  if (!(a.level > 0 && a.level < 1)) {
    throw Error("ci must be in (0, 1), got " + std::to_string(a.level));
  }
  if (a.bootstrap < 0) throw Error("bootstrap must be >= 0, got " + std::to_string(a.bootstrap));
  return BootstrapOptions{a.bootstrap, a.level, a.seed};
}

ScoreOptions score_options(const ScoreArgs& a, const MotifSet* motifs) {
  ScoreOptions o;
  if (a.positives != "span" && a.positives != "ic") {
    throw Error("positives: '" + a.positives + "' (expected span or ic)");
  }
  o.positives.by_information = a.positives == "ic";
  o.positives.ic_threshold = a.ic_threshold;
  if (o.positives.by_information && motifs == nullptr) {
    throw Error("positives 'ic' needs the motifs' columns: score against a mint data set");
  }
  if (o.positives.by_information && !std::isfinite(a.ic_threshold)) {
    throw Error("ic_threshold must be a finite number of bits");
  }
  o.signed_scores = a.signed_scores;
  o.backend = resolve_backend(parse_device(a.device));
  return o;
}

using EntryIn = std::tuple<std::string, std::string, AnyArray>;

void check_unique(const std::vector<EntryIn>& entries) {
  if (entries.empty()) throw Error("attributions: give at least one array");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (std::get<0>(entries[i]) == std::get<0>(entries[j]) &&
          std::get<1>(entries[i]) == std::get<1>(entries[j])) {
        throw Error("attributions: " + std::get<0>(entries[i]) + ":" + std::get<1>(entries[i]) +
                    " given twice");
      }
    }
  }
}

std::string entry_name(const EntryIn& e) { return std::get<0>(e) + ":" + std::get<1>(e); }

std::vector<Entry> score_dataset(const std::vector<EntryIn>& entries, const SplitRef& split,
                                 const ScoreArgs& a, const ProgressFn& progress) {
  check_unique(entries);
  const Simulation& sim = *split.sim;
  const SplitData& s = split.data();
  const ScoreOptions options = score_options(a, &sim.motifs);
  const BootstrapOptions boot = bootstrap_of(a);
  const Metric metric = parse_metric(a.metric);
  std::vector<Entry> out;
  for (const EntryIn& e : entries) {
    report_progress(progress, static_cast<std::int64_t>(out.size()),
                    static_cast<std::int64_t>(entries.size()));
    std::vector<float> converted;
    const float* attr = attributions(std::get<2>(e), s.size(), s.length, entry_name(e), converted);
    nb::gil_scoped_release release;
    Entry r{std::get<0>(e), std::get<1>(e), {}, {}, {}};
    const ScoredAttribution scored =
        score_attribution(attr, static_cast<std::size_t>(s.size()) * 4 * s.length, s, sim,
                          r.method == "ism", options, entry_name(e));
    r.groups = group_scores(scored.rows, metric);
    r.summaries = summarize_groups(scored, r.groups, s, sim, boot);
    r.rows = scored.rows;
    out.push_back(std::move(r));
  }
  return out;
}

InstanceTruth truth_of(const nb::dict& instances, std::int64_t n, int length, int n_motifs) {
  auto column = [&](const char* name) {
    if (!instances.contains(name)) {
      throw Error(std::string("instances: no column '") + name +
                  "' (expected sequence, start, end, motif)");
    }
    return nb::cast<std::vector<std::int64_t>>(instances[name]);
  };
  const auto seq = column("sequence"), start = column("start"), end = column("end"),
             motif = column("motif");
  if (start.size() != seq.size() || end.size() != seq.size() || motif.size() != seq.size()) {
    throw Error("instances: the columns sequence, start, end, motif have different lengths");
  }
  InstanceTruth t;
  t.n = n;
  t.length = length;
  t.n_motifs = n_motifs;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    auto narrow = [&](std::int64_t v, const char* what) {
      if (v < -1 || v > std::numeric_limits<int>::max()) {
        throw Error("instances: row " + std::to_string(i) + ": " + what + " " + std::to_string(v) +
                    " is out of range");
      }
      return static_cast<int>(v);
    };
    t.instances.push_back(
        {seq[i], narrow(start[i], "start"), narrow(end[i], "end"), narrow(motif[i], "motif")});
  }
  return t;
}

std::vector<Entry> score_truth(const std::vector<EntryIn>& entries, const AnyArray& x,
                               const nb::dict& instances, int n_motifs, const ScoreArgs& a,
                               const ProgressFn& progress) {
  check_unique(entries);
  const PyInput in = sequences_in(x, "x");
  if (in.input.codes == nullptr) {
    throw Error(
        "x: the sequences must be one-hot (each position exactly one base at 1) to "
        "find the observed base");
  }
  const InstanceTruth truth = truth_of(instances, in.n, in.length, n_motifs);
  const ScoreOptions options = score_options(a, nullptr);
  const BootstrapOptions boot = bootstrap_of(a);
  const Metric metric = parse_metric(a.metric);
  std::vector<Entry> out;
  LabelledRows labelled;
  {
    nb::gil_scoped_release release;
    labelled = label_instance_rows(truth);
  }
  for (const EntryIn& e : entries) {
    report_progress(progress, static_cast<std::int64_t>(out.size()),
                    static_cast<std::int64_t>(entries.size()));
    std::vector<float> converted;
    const float* attr = attributions(std::get<2>(e), in.n, in.length, entry_name(e), converted);
    nb::gil_scoped_release release;
    check_finite_attributions(attr, static_cast<std::size_t>(in.n) * 4 * in.length, entry_name(e));
    Entry r{std::get<0>(e), std::get<1>(e), labelled.rows, {}, {}};
    const std::vector<float> positions = position_scores(
        attr, in.input.codes, in.n, in.length,
        r.method == "ism" ? ScoreRule::ism : ScoreRule::observed, options.signed_scores);
    const std::vector<CurveScores> curves =
        score_labelled_rows(positions.data(), labelled, in.length, options.backend);
    for (std::size_t i = 0; i < r.rows.size(); ++i) r.rows[i].scores = curves[i];
    r.groups = group_scores(r.rows, metric);
    r.summaries = summarize_labelled_groups(positions.data(), labelled, in.length, r.groups, boot);
    out.push_back(std::move(r));
  }
  return out;
}

// Columns of the three tables.
nb::dict tables(const std::vector<Entry>& entries, const std::pair<std::string, std::string>& ab,
                const ScoreArgs& a) {
  std::vector<std::string> model, method;
  std::vector<std::int64_t> sequence;
  std::vector<std::int32_t> motif, n_present, positives, negatives;
  std::vector<double> auprc, ap, auroc;
  for (const Entry& e : entries) {
    for (const MotifScore& r : e.rows) {
      model.push_back(e.model);
      method.push_back(e.method);
      sequence.push_back(r.sequence);
      motif.push_back(r.motif);
      n_present.push_back(r.n_present);
      positives.push_back(r.positives);
      negatives.push_back(r.negatives);
      auprc.push_back(r.scores.auprc);
      ap.push_back(r.scores.average_precision);
      auroc.push_back(r.scores.auroc);
    }
  }
  const std::size_t rows = sequence.size();
  nb::dict per;
  per["model"] = model;
  per["method"] = method;
  per["sequence"] = to_numpy(std::move(sequence), {rows});
  per["motif"] = to_numpy(std::move(motif), {rows});
  per["n_present"] = to_numpy(std::move(n_present), {rows});
  per["positives"] = to_numpy(std::move(positives), {rows});
  per["negatives"] = to_numpy(std::move(negatives), {rows});
  per["auprc"] = to_numpy(std::move(auprc), {rows});
  per["average_precision"] = to_numpy(std::move(ap), {rows});
  per["auroc"] = to_numpy(std::move(auroc), {rows});

  nb::list summary, differences;
  for (const Entry& e : entries) {
    for (const GroupSummary& g : e.summaries) {
      const Distribution& d = g.distribution;
      summary.append(nb::make_tuple(e.model, e.method, g.group.motif, g.group.n_present, d.count,
                                    d.median, d.q1, d.q3, d.mean, d.median_lo, d.median_hi,
                                    g.pooled_auprc, g.whiskers.lo, g.whiskers.hi));
    }
  }
  const BootstrapOptions boot = bootstrap_of(a);
  for (const Entry& ea : entries) {
    if (ab.first.empty() || ea.model != ab.first) continue;
    for (const Entry& eb : entries) {
      if (eb.model != ab.second || eb.method != ea.method) continue;
      for (const MotifGroup& ga : ea.groups) {
        for (const MotifGroup& gb : eb.groups) {
          if (ga.motif != gb.motif || ga.n_present != gb.n_present) continue;
          const Difference d = median_difference(ga.values, gb.values, boot);
          differences.append(
              nb::make_tuple(ea.method, ga.motif, ga.n_present, d.pairs, d.delta, d.lo, d.hi));
        }
      }
    }
  }
  nb::dict out;
  out["per_sequence"] = per;
  out["summary"] = summary;
  out["differences"] = differences;
  return out;
}

// 0/1 bytes of any integer, bool or float array; `strict`: anything but 0 and 1 is an error
// naming the index (labels), else non-zero is 1 (an include mask).
std::vector<std::uint8_t> zero_one(const AnyArray& a, const char* what, bool strict) {
  std::vector<std::uint8_t> out(a.size());
  const void* p = a.data();
  for (std::size_t i = 0; i < a.size(); ++i) {
    double v = 0;
    if (has_dtype<bool>(a) || has_dtype<std::uint8_t>(a)) {
      v = static_cast<const std::uint8_t*>(p)[i];
    } else if (has_dtype<std::int8_t>(a)) {
      v = static_cast<const std::int8_t*>(p)[i];
    } else if (has_dtype<std::int32_t>(a)) {
      v = static_cast<const std::int32_t*>(p)[i];
    } else if (has_dtype<std::int64_t>(a)) {
      v = static_cast<double>(static_cast<const std::int64_t*>(p)[i]);
    } else if (has_dtype<float>(a)) {
      v = static_cast<const float*>(p)[i];
    } else if (has_dtype<double>(a)) {
      v = static_cast<const double*>(p)[i];
    } else {
      throw Error(std::string("auprc: ") + what + " has dtype " + dtype_name(a.dtype()));
    }
    if (strict && v != 0 && v != 1) {
      throw Error(std::string("auprc: ") + what + " at index " + std::to_string(i) + " is " +
                  std::to_string(v) + ", expected 0 or 1");
    }
    out[i] = v != 0;
  }
  return out;
}

nb::dict curves(const AnyArray& labels, const AnyArray& scores, bool per_row,
                std::optional<AnyArray> include) {
  for (const AnyArray* a : {&labels, &scores}) {
    if (a->device_type() != nb::device::cpu::value) throw Error("auprc: arrays must be on the CPU");
  }
  if (labels.ndim() != scores.ndim() || labels.size() != scores.size()) {
    throw Error("auprc: labels " + shape_text(labels) + " and scores " + shape_text(scores) +
                " differ in shape");
  }
  for (std::size_t i = 0; i < labels.ndim(); ++i) {
    if (labels.shape(i) != scores.shape(i)) {
      throw Error("auprc: labels " + shape_text(labels) + " and scores " + shape_text(scores) +
                  " differ in shape");
    }
  }
  if (per_row ? labels.ndim() != 2 : labels.ndim() != 1) {
    throw Error(std::string("auprc: ") +
                (per_row
                     ? "per_row needs (R, C) arrays"
                     : "expected 1-D arrays (per_row=True for one curve per row of a 2-D array)") +
                ", got shape " + shape_text(labels));
  }
  const std::vector<std::uint8_t> y = zero_one(labels, "labels", true);
  std::vector<std::uint8_t> keep;
  if (include) {
    if (include->size() != labels.size() || include->ndim() != labels.ndim()) {
      throw Error("auprc: include must have the shape of labels, got " + shape_text(*include));
    }
    keep = zero_one(*include, "include", false);
  }
  const bool f32 = has_dtype<float>(scores);
  if (!f32 && !has_dtype<double>(scores)) {
    throw Error("auprc: scores must be float32 or float64, got " + dtype_name(scores.dtype()));
  }
  std::vector<CurveScores> out;
  try {
    nb::gil_scoped_release release;
    const std::size_t rows = per_row ? labels.shape(0) : 1,
                      cols = labels.size() / std::max<std::size_t>(rows, 1);
    const std::uint8_t* mask = include ? keep.data() : nullptr;
    if (per_row && f32) {
      out = score_rows(static_cast<const float*>(scores.data()), y.data(), mask, rows, cols);
    } else if (per_row) {
      out = score_rows(static_cast<const double*>(scores.data()), y.data(), mask, rows, cols);
    } else {
      // One curve, as `mint auprc` without --per-row: the masked positions dropped first.
      std::vector<std::uint8_t> labels_kept;
      std::vector<double> d;
      std::vector<float> f;
      for (std::size_t i = 0; i < cols; ++i) {
        if (mask != nullptr && mask[i] == 0) continue;
        labels_kept.push_back(y[i]);
        if (f32)
          f.push_back(static_cast<const float*>(scores.data())[i]);
        else
          d.push_back(static_cast<const double*>(scores.data())[i]);
      }
      out.push_back(f32 ? score_curve(f.data(), labels_kept.data(), labels_kept.size())
                        : score_curve(d.data(), labels_kept.data(), labels_kept.size()));
    }
  } catch (const Error& e) {  // the curve's own message ("Input contains NaN."), said of scores
    throw Error(std::string("auprc: scores: ") + e.what());
  }
  std::vector<double> a, p, r;
  std::vector<std::string> warnings;
  for (const CurveScores& c : out) {
    a.push_back(c.auprc);
    p.push_back(c.average_precision);
    r.push_back(c.auroc);
    for (const std::string& w : c.warnings) {
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
    }
  }
  nb::dict d;
  const std::size_t k = a.size();
  d["auprc"] = to_numpy(std::move(a), {k});
  d["average_precision"] = to_numpy(std::move(p), {k});
  d["auroc"] = to_numpy(std::move(r), {k});
  d["warnings"] = warnings;
  return d;
}

}  // namespace

void bind_score(nb::module_& m) {
  m.def(
      "score_dataset",
      [](const std::vector<EntryIn>& entries, const SplitRef& split,
         std::pair<std::string, std::string> compare, const std::string& metric,
         const std::string& positives, double ic_threshold, bool signed_scores, int bootstrap,
         double level, std::uint64_t seed, const std::string& device, nb::handle progress) {
        const ScoreArgs a{metric,    positives, ic_threshold, signed_scores,
                          bootstrap, level,     seed,         device};
        const ProgressFn hook = python_progress(progress);
        const std::vector<Entry> scored = score_dataset(entries, split, a, hook);
        report_progress(hook, static_cast<std::int64_t>(entries.size()),
                        static_cast<std::int64_t>(entries.size()));
        return tables(scored, compare, a);
      },
      nb::arg("entries"), nb::arg("split"), nb::arg("compare"), nb::arg("metric"),
      nb::arg("positives"), nb::arg("ic_threshold"), nb::arg("signed"), nb::arg("bootstrap"),
      nb::arg("ci"), nb::arg("seed"), nb::arg("device"), nb::arg("progress").none());
  m.def(
      "score_instances",
      [](const std::vector<EntryIn>& entries, const AnyArray& x, const nb::dict& instances,
         int n_motifs, std::pair<std::string, std::string> compare, const std::string& metric,
         bool signed_scores, int bootstrap, double level, std::uint64_t seed,
         const std::string& device, nb::handle progress) {
        const ScoreArgs a{metric, "span", 1.0, signed_scores, bootstrap, level, seed, device};
        const ProgressFn hook = python_progress(progress);
        const std::vector<Entry> scored = score_truth(entries, x, instances, n_motifs, a, hook);
        report_progress(hook, static_cast<std::int64_t>(entries.size()),
                        static_cast<std::int64_t>(entries.size()));
        return tables(scored, compare, a);
      },
      nb::arg("entries"), nb::arg("x"), nb::arg("instances"), nb::arg("n_motifs"),
      nb::arg("compare"), nb::arg("metric"), nb::arg("signed"), nb::arg("bootstrap"), nb::arg("ci"),
      nb::arg("seed"), nb::arg("device"), nb::arg("progress").none());
  m.def("auprc", &curves, nb::arg("labels"), nb::arg("scores"), nb::arg("per_row"),
        nb::arg("include").none());
}

}  // namespace mint::py

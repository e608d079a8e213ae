// Motif sets, simulation and data sets: mint.load_motifs, mint.simulate, mint.Dataset and its
// splits. A split's arrays are NumPy views of the C++ data set (no copy); the view keeps the
// data set alive. Dataset.save / load are the CLI's data set directory (io/dataset_io.hpp).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <bit>
#include <cstring>

#include "common.hpp"
#include "core/design.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "core/motif.hpp"
#include "io/dataset_io.hpp"
#include "pipeline/score_instances.hpp"
#include "pipeline/simulate.hpp"

namespace mint::py {
namespace {

// A read-only NumPy view of `data` owned by the Python object `owner`.
template <typename T>
nb::ndarray<nb::numpy, const T> view(const T* data, std::vector<std::size_t> shape,
                                     nb::handle owner) {
  return nb::ndarray<nb::numpy, const T>(data, shape.size(), shape.data(), owner);
}

nb::dict motif_dict(const Motif& m, const std::string& label) {
  nb::dict d;
  d["id"] = m.id;
  d["name"] = m.name;
  d["label"] = label;
  d["consensus"] = m.consensus();
  d["length"] = m.length();
  d["information_content"] = m.information_content();
  std::vector<double> counts;
  for (int b = 0; b < 4; ++b) counts.insert(counts.end(), m.counts[b].begin(), m.counts[b].end());
  d["counts"] = to_numpy(std::move(counts), {4, m.length()});
  return d;
}

nb::list motif_list(const MotifSet& set) {
  nb::list out;
  const std::vector<std::string> labels = set.labels();
  for (std::size_t i = 0; i < set.size(); ++i) out.append(motif_dict(set.motifs[i], labels[i]));
  return out;
}

DatasetRef run_simulate(const SimulateArgs& a, const std::string& device, int threads,
                        nb::handle progress) {
  const MotifSet motifs = load_motifs(a.motifs);
  const SimulationOptions o = simulation_options(a);
  check_threads(threads, "threads");
  const Backend backend = resolve_backend(parse_device(device));
  const ProgressFn hook = python_progress(progress);
  auto sim = std::make_shared<Simulation>();
  {
    nb::gil_scoped_release release;
    *sim = simulate(motifs, o, backend, threads, hook);
  }
  return DatasetRef{std::move(sim)};
}

SplitRef split_of(const DatasetRef& d, const std::string& name) {
  for (std::size_t k = 0; k < d.sim->splits.size(); ++k) {
    if (d.sim->splits[k].name == name) return SplitRef{d.sim, k};
  }
  throw Error("no split '" + name + "' (expected train, valid or test)");
}

// (N, n) presence bits, motif 0 first.
nb::ndarray<nb::numpy, std::uint8_t> presence(const SplitData& s) {
  const auto n = static_cast<std::size_t>(s.n_motifs);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(s.size()) * n);
  for (std::size_t i = 0; i < s.masks.size(); ++i) {
    for (std::size_t m = 0; m < n; ++m)
      out[i * n + m] = static_cast<std::uint8_t>(s.masks[i] >> m & 1u);
  }
  return to_numpy(std::move(out), {static_cast<std::size_t>(s.size()), n});
}

// (N, 4, L) float32 one-hot.
nb::ndarray<nb::numpy, float> onehot(const SplitData& s) {
  const auto N = static_cast<std::size_t>(s.size()), L = static_cast<std::size_t>(s.length);
  std::vector<float> out;
  {
    nb::gil_scoped_release release;
    out.assign(N * 4 * L, 0.0f);
    for (std::size_t i = 0; i < N; ++i) {
      for (std::size_t p = 0; p < L; ++p) out[(i * 4 + s.codes[i * L + p]) * L + p] = 1.0f;
    }
  }
  return to_numpy(std::move(out), {N, 4, L});
}

// The split's motif instances as columns: sequence, start, end (0-based, half-open), motif.
nb::dict instances(const SplitRef& r) {
  const InstanceTruth truth = split_instances(r.data(), r.sim->grammar);
  const std::size_t k = truth.instances.size();
  std::vector<std::int64_t> seq(k);
  std::vector<std::int32_t> start(k), end(k), motif(k);
  for (std::size_t i = 0; i < k; ++i) {
    seq[i] = truth.instances[i].sequence;
    start[i] = truth.instances[i].start;
    end[i] = truth.instances[i].end;
    motif[i] = truth.instances[i].motif;
  }
  nb::dict d;
  d["sequence"] = to_numpy(std::move(seq), {k});
  d["start"] = to_numpy(std::move(start), {k});
  d["end"] = to_numpy(std::move(end), {k});
  d["motif"] = to_numpy(std::move(motif), {k});
  return d;
}

void bind_split(nb::module_& m) {
  nb::class_<SplitRef>(m, "Split", "One split (train, valid or test) of a simulated data set.")
      .def_prop_ro("name", [](const SplitRef& r) { return r.data().name; })
      .def_prop_ro("n", [](const SplitRef& r) { return r.data().size(); })
      .def_prop_ro("length", [](const SplitRef& r) { return r.data().length; })
      .def_prop_ro("n_motifs", [](const SplitRef& r) { return r.data().n_motifs; })
      .def_prop_ro(
          "motif_names", [](const SplitRef& r) { return r.sim->motifs.labels(); },
          "What the tables call each motif (file order).")
      .def_prop_ro(
          "codes",
          [](nb::handle self) {
            const SplitData& s = nb::cast<const SplitRef&>(self).data();
            return view(s.codes.data(),
                        {static_cast<std::size_t>(s.size()), static_cast<std::size_t>(s.length)},
                        self);
          },
          nb::rv_policy::reference,
          "(N, L) uint8 base codes 0..3 = A,C,G,T (a read-only view, no copy).")
      .def_prop_ro(
          "labels",
          [](nb::handle self) {
            const SplitData& s = nb::cast<const SplitRef&>(self).data();
            return view(s.labels.data(), {static_cast<std::size_t>(s.size())}, self);
          },
          nb::rv_policy::reference, "(N,) float32 labels (a view).")
      .def_prop_ro(
          "offsets",
          [](nb::handle self) {
            const SplitData& s = nb::cast<const SplitRef&>(self).data();
            return view(s.offsets.data(), {static_cast<std::size_t>(s.size())}, self);
          },
          nb::rv_policy::reference, "(N,) int32 start of the grammar in each sequence (a view).")
      .def_prop_ro(
          "presence", [](const SplitRef& r) { return presence(r.data()); }, nb::rv_policy::move,
          "(N, n) uint8: 1 where the motif (file order) is present.")
      .def(
          "onehot", [](const SplitRef& r) { return onehot(r.data()); },
          "(N, 4, L) float32 one-hot sequences, channels A,C,G,T (a new array).")
      .def("instances", &instances,
           "The motif instances: dict of columns sequence, start, end (0-based, half-open), "
           "motif (index in file order).");
}

}  // namespace

SimulationOptions simulation_options(const SimulateArgs& a) {
  SimulationOptions o;
  o.length = a.length;
  o.gc = a.gc;
  o.pseudocount = a.pseudocount;
  o.min_instance_score = a.min_instance_score;
  o.seed = a.seed;
  o.grammar.filter_width = a.filter_width;
  if (a.order != "file" && a.order != "random") {
    throw Error("order: '" + a.order + "' is not file, random or a list of motif indices");
  }
  o.grammar.random_order = a.order == "random";
  o.grammar.order = a.order_list;
  o.grammar.gaps = a.gaps;
  DesignOptions& d = o.design;
  d.kind = parse_design(a.design);
  d.negatives = parse_negatives(a.negatives);
  d.effect = parse_effect(a.effect);
  d.weights = a.weights;
  d.interaction_set = a.interaction.has_value();
  d.interaction = a.interaction.value_or(0.0);
  d.train = a.train;
  d.valid = a.valid;
  d.test_positives = a.test_positives;
  d.test_per_subset = a.test_per_subset;
  d.test_per_count = a.test_per_count;
  return o;
}

void bind_data(nb::module_& m) {
  nb::class_<SimulateArgs>(m, "SimulateArgs", "mint.simulate's options (the CLI's flags).")
      .def(nb::init<>())
      .def_rw("motifs", &SimulateArgs::motifs)
      .def_rw("design", &SimulateArgs::design)
      .def_rw("negatives", &SimulateArgs::negatives)
      .def_rw("effect", &SimulateArgs::effect)
      .def_rw("order", &SimulateArgs::order)
      .def_rw("interaction", &SimulateArgs::interaction)
      .def_rw("min_instance_score", &SimulateArgs::min_instance_score)
      .def_rw("weights", &SimulateArgs::weights)
      .def_rw("order_list", &SimulateArgs::order_list)
      .def_rw("gaps", &SimulateArgs::gaps)
      .def_rw("train", &SimulateArgs::train)
      .def_rw("valid", &SimulateArgs::valid)
      .def_rw("test_positives", &SimulateArgs::test_positives)
      .def_rw("test_per_subset", &SimulateArgs::test_per_subset)
      .def_rw("test_per_count", &SimulateArgs::test_per_count)
      .def_rw("seed", &SimulateArgs::seed)
      .def_rw("length", &SimulateArgs::length)
      .def_rw("filter_width", &SimulateArgs::filter_width)
      .def_rw("gc", &SimulateArgs::gc)
      .def_rw("pseudocount", &SimulateArgs::pseudocount);
  m.def(
      "load_motifs", [](const std::string& spec) { return motif_list(load_motifs(spec)); },
      nb::arg("motifs"),
      "The motifs of a bundled set (distinct_1, MEF2A) or a JASPAR/MEME file, as dicts.");
  m.def("bundled_motif_sets", [] {
    std::vector<std::string> names;
    for (const BundledMotifSet& s : bundled_motif_sets()) names.push_back(s.name);
    return names;
  });
  bind_split(m);
  nb::class_<DatasetRef>(m, "Dataset", "A simulated data set: motifs, grammar and splits.")
      .def_static(
          "load",
          [](const std::string& dir) {
            auto sim = std::make_shared<Simulation>();
            {
              nb::gil_scoped_release release;
              *sim = load_dataset(dir);
            }
            return DatasetRef{std::move(sim)};
          },
          nb::arg("directory"), "Reads a data set directory (mint simulate --out, or save()).")
      .def(
          "save",
          [](const DatasetRef& d, const std::string& dir, bool fasta, bool onehot_npy) {
            nb::gil_scoped_release release;
            write_dataset(*d.sim, dir, WriteOptions{fasta, onehot_npy});
          },
          nb::arg("directory"), nb::arg("fasta") = true, nb::arg("onehot") = false,
          "Writes the CLI's data set directory (atomically, file by file, dataset.json last).")
      .def("split", &split_of, nb::arg("name"))
      .def_prop_ro("split_names",
                   [](const DatasetRef& d) {
                     std::vector<std::string> names;
                     for (const SplitData& s : d.sim->splits) names.push_back(s.name);
                     return names;
                   })
      .def_prop_ro("motifs", [](const DatasetRef& d) { return motif_list(d.sim->motifs); })
      .def_prop_ro("motif_set", [](const DatasetRef& d) { return d.sim->motifs.name; })
      .def_prop_ro("length", [](const DatasetRef& d) { return d.sim->options.length; })
      .def_prop_ro("seed", [](const DatasetRef& d) { return d.sim->options.seed; })
      .def_prop_ro("design",
                   [](const DatasetRef& d) { return to_string(d.sim->options.design.kind); })
      .def_prop_ro("filter_width", [](const DatasetRef& d) { return d.sim->grammar.filter_width; })
      .def_prop_ro("grammar", [](const DatasetRef& d) {
        nb::dict g;
        g["order"] = d.sim->grammar.order;
        g["gaps"] = d.sim->grammar.gaps;
        g["start"] = d.sim->grammar.start;
        g["span"] = d.sim->grammar.span;
        return g;
      });

  m.def("simulate", &run_simulate, nb::arg("options"), nb::arg("device"), nb::arg("threads"),
        nb::arg("progress").none());
}

}  // namespace mint::py

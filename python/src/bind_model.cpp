// Models: mint.Model (load, save, state dict both ways, config), prediction and training — the
// pipeline's load_model / save_model (io/model_io), predict_each + ensemble_mean
// (pipeline/predict) and train_on (pipeline/train). A state dict from PyTorch goes through the
// same safetensors validation a model file does (names, shapes, dtypes, finite values). General
// sequential models (issue 12) take the same paths: the architecture JSON in the metadata
// (`mint.architecture`) or a file beside the weights (`arch`, the CLI's --arch).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>

#include "common.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "inputs.hpp"
#include "io/model_io.hpp"
#include "io/sequential_io.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/train.hpp"

namespace mint::py {
namespace {

ModelHints hints_of(std::optional<int> length, std::optional<int> pool,
                    std::optional<std::string> padding, std::optional<std::string> activation,
                    std::optional<std::string> arch = std::nullopt) {
  ModelHints h;
  if (arch) {
    if (arch->empty()) throw Error("arch: give the path of an architecture JSON file");
    h.arch = *arch;
  }
  h.length = length;
  h.pool = pool;
  if (padding) h.padding = parse_padding(*padding);
  if (activation) h.activation = parse_activation(*activation);
  return h;
}

std::string safetensors_dtype(const AnyArray& a, const std::string& name) {
  if (has_dtype<float>(a)) return "F32";
  if (has_dtype<double>(a)) return "F64";
  if (has_dtype<std::int64_t>(a)) return "I64";
  if (has_dtype<std::int32_t>(a)) return "I32";
  throw Error("state dict: " + name + " has dtype " + dtype_name(a.dtype()) +
              " (expected float32, or int64 for num_batches_tracked)");
}

Model from_state_dict(const std::vector<std::pair<std::string, AnyArray>>& tensors,
                      const std::vector<std::pair<std::string, std::string>>& metadata,
                      const ModelHints& hints) {
  SafeTensors st;
  for (const auto& [name, a] : tensors) {
    if (a.device_type() != nb::device::cpu::value) {
      throw Error("state dict: " + name + " is on a GPU (move the model to the CPU first)");
    }
    SafeTensor t;
    t.dtype = safetensors_dtype(a, name);
    for (std::size_t i = 0; i < a.ndim(); ++i)
      t.shape.push_back(static_cast<std::int64_t>(a.shape(i)));
    const auto* bytes = static_cast<const char*>(a.data());
    t.data.assign(bytes, bytes + a.nbytes());
    st.tensors[name] = std::move(t);
  }
  for (const auto& [k, v] : metadata) st.metadata[k] = v;
  if (!st.metadata.count(kArchitectureKey)) return model_from_safetensors(st, "state dict", hints);
  if (hints.pool || hints.padding || hints.activation) {
    throw Error(
        "state dict: pool, padding and activation describe the paper's model; a general "
        "sequential model's architecture is its JSON");
  }
  Model m = Model::general(sequential_from_safetensors(st, "state dict"));
  if (hints.length && *hints.length != m.config.length) {
    throw Error("state dict: length " + std::to_string(*hints.length) +
                " but the architecture's input length is " + std::to_string(m.config.length));
  }
  return m;
}

nb::dict state_dict(const Model& model) {
  const SafeTensors st = model.is_sequential() ? sequential_to_safetensors(*model.sequential)
                                               : model_to_safetensors(model);
  nb::dict out;
  for (const auto& [name, t] : st.tensors) {
    std::vector<std::size_t> shape(t.shape.begin(), t.shape.end());
    if (t.dtype == "I64") {
      std::vector<std::int64_t> v(static_cast<std::size_t>(t.elements()));
      std::memcpy(v.data(), t.data.data(), t.data.size());
      out[name.c_str()] = to_numpy(std::move(v), shape);
    } else {
      std::vector<float> v(static_cast<std::size_t>(t.elements()));
      std::memcpy(v.data(), t.data.data(), t.data.size());
      out[name.c_str()] = to_numpy(std::move(v), shape);
    }
  }
  return out;
}

nb::dict config_dict(const ModelConfig& c) {
  nb::dict d;
  d["length"] = c.length;
  d["filters"] = c.filters;
  d["width"] = c.width;
  d["pool"] = c.pool;
  d["hidden1"] = c.hidden1;
  d["hidden2"] = c.hidden2;
  d["padding"] = to_string(c.padding);
  d["batchnorm"] = c.batchnorm;
  d["activation"] = to_string(c.activation);
  d["bn_eps"] = c.bn_eps;
  d["bn_momentum"] = c.bn_momentum;
  return d;
}

Compute compute_of(const std::string& device, int threads) {
  check_threads(threads, "threads");
  Compute c;
  c.device = parse_device(device);
  c.threads = threads;
  return c;
}

// General sequential models run on the CPU: a GPU array for one is an error naming `x`.
void check_gpu_input(const std::vector<Model>& models) {
  for (const Model& m : models) {
    if (m.is_sequential()) {
      throw Error(
          "x: general sequential models run on the CPU in this version; pass a CPU array "
          "(tensor.cpu())");
    }
  }
}

// Each model's logits (one vector per model): a GPU array where it is, else the host path.
// `output`: which output of a multi-output model (target_index).
std::vector<std::vector<float>> logits_each(const std::vector<Model>& models, const AnyArray& x,
                                            const std::string& device, int threads, int output,
                                            nb::handle progress) {
  if (models.empty()) throw Error("models: give at least one model");
  check_outputs(models, output, "target_index");
  if (on_gpu(x)) {
    check_gpu_input(models);
    return predict_gpu(models, x);
  }
  const PyInput in = sequences_in(x, "x");
  check_lengths(models, in.length, "x");
  const ProgressFn hook = python_progress(progress);
  const Compute compute = compute_of(device, threads);
  nb::gil_scoped_release release;
  return predict_each(models, in.input, in.n, in.length, compute, hook, output);
}

// (M, N) float32 logits, one row per model.
nb::ndarray<nb::numpy, float> predict_models(const std::vector<Model>& models, const AnyArray& x,
                                             const std::string& device, int threads, int output,
                                             nb::handle progress) {
  const auto each = logits_each(models, x, device, threads, output, progress);
  const std::size_t n = each.front().size();
  std::vector<float> out;
  out.reserve(each.size() * n);
  for (const auto& v : each) out.insert(out.end(), v.begin(), v.end());
  return to_numpy(std::move(out), {each.size(), n});
}

// (N,) the ensemble's mean (float64, rounded to float32: `mint predict`'s output).
nb::ndarray<nb::numpy, float> predict_mean(const std::vector<Model>& models, const AnyArray& x,
                                           const std::string& device, int threads, int output,
                                           nb::handle progress) {
  const std::vector<double> mean =
      ensemble_mean(logits_each(models, x, device, threads, output, progress));
  return to_numpy(std::vector<float>(mean.begin(), mean.end()), {mean.size()});
}

// The options both kinds of model train with (mint train's --epochs, --patience, --batch,
// --lr, --seed), the epoch callback with the GIL held.
struct LoopArgs {
  int epochs, patience, batch;
  double lr;
  std::uint64_t seed;
};

TrainOptions train_options(const LoopArgs& a, nb::handle on_epoch, nb::handle progress) {
  TrainOptions o;
  o.max_epochs = a.epochs;
  o.patience = a.patience;
  o.batch = a.batch;
  o.adam.lr = a.lr;
  o.seed = a.seed;
  o.print_progress = false;
  if (o.max_epochs <= 0) throw Error("epochs must be positive, got " + std::to_string(a.epochs));
  o.progress = python_progress(progress);  // (mini-batches done, max_epochs × batches per epoch)
  PyObject* epoch_cb = on_epoch.is_none() ? nullptr : on_epoch.ptr();
  o.on_epoch = [epoch_cb](const EpochLog& e) {
    if (epoch_cb == nullptr) return;
    nb::gil_scoped_acquire gil;
    const nb::handle callback(epoch_cb);
    callback(e.epoch, e.train_loss, e.valid_loss, e.valid_accuracy);
  };
  return o;
}

// (model, history: one dict per epoch).
nb::tuple trained(const TrainResult& r) {
  nb::list history;
  for (const EpochLog& e : r.history) {
    nb::dict d;
    d["epoch"] = e.epoch;
    d["train_loss"] = e.train_loss;
    d["valid_loss"] = e.valid_loss;
    d["valid_accuracy"] = e.valid_accuracy;
    d["seconds"] = e.seconds;
    d["best"] = e.epoch == r.best_epoch;
    history.append(d);
  }
  return nb::make_tuple(r.model, history);
}

struct PaperArgs {
  int filters, width, hidden1, hidden2;
  std::string pool, padding, activation;
  bool batchnorm;
};

nb::tuple train(const DatasetRef& data, const PaperArgs& a, const LoopArgs& loop,
                const std::string& device, int threads, nb::handle on_epoch, nb::handle progress) {
  ModelSpec spec;
  spec.filters = a.filters;
  spec.width = a.width;
  spec.pool = parse_pool(a.pool);
  spec.hidden1 = a.hidden1;
  spec.hidden2 = a.hidden2;
  spec.padding = parse_padding(a.padding);
  spec.activation = parse_activation(a.activation);
  spec.batchnorm = a.batchnorm;
  const ModelConfig config = model_config(*data.sim, spec);
  const TrainOptions o = train_options(loop, on_epoch, progress);
  const Compute compute = compute_of(device, threads);
  TrainResult r;
  {
    nb::gil_scoped_release release;
    r = train_on(*data.sim, config, o, compute);
  }
  return trained(r);
}

// A general sequential model: the architecture of the JSON file `arch_path` (mint train --arch),
// else of the JSON text `arch_json`; its input length must be the data's.
nb::tuple train_general(const DatasetRef& data, const std::string& arch_json,
                        const std::string& arch_path, const LoopArgs& loop,
                        const std::string& device, int threads, nb::handle on_epoch,
                        nb::handle progress) {
  const int length = data.sim->options.length;
  SequentialArchitecture arch;
  if (!arch_path.empty()) {
    arch = read_architecture(arch_path, length);
  } else {
    arch = parse_architecture(arch_json, "architecture");
    if (arch.length != length) {
      throw Error("architecture: the input length is " + std::to_string(arch.length) +
                  " but the sequences have length " + std::to_string(length));
    }
  }
  const TrainOptions o = train_options(loop, on_epoch, progress);
  const Compute compute = compute_of(device, threads);
  TrainResult r;
  {
    nb::gil_scoped_release release;
    r = train_on(*data.sim, arch, o, compute);
  }
  return trained(r);
}

void bind_training(nb::module_& m) {
  m.def(
      "train",
      [](const DatasetRef& data, int filters, int width, const std::string& pool, int hidden1,
         int hidden2, const std::string& padding, const std::string& activation, bool batchnorm,
         int epochs, int patience, int batch, double lr, std::uint64_t seed,
         const std::string& device, int threads, nb::handle on_epoch, nb::handle progress) {
        const PaperArgs a{filters, width, hidden1, hidden2, pool, padding, activation, batchnorm};
        return train(data, a, LoopArgs{epochs, patience, batch, lr, seed}, device, threads,
                     on_epoch, progress);
      },
      nb::arg("data"), nb::arg("filters"), nb::arg("width"), nb::arg("pool"), nb::arg("hidden1"),
      nb::arg("hidden2"), nb::arg("padding"), nb::arg("activation"), nb::arg("batchnorm"),
      nb::arg("epochs"), nb::arg("patience"), nb::arg("batch"), nb::arg("lr"), nb::arg("seed"),
      nb::arg("device"), nb::arg("threads"), nb::arg("on_epoch").none(),
      nb::arg("progress").none());
  m.def(
      "train_sequential",
      [](const DatasetRef& data, const std::string& arch_json, const std::string& arch_path,
         int epochs, int patience, int batch, double lr, std::uint64_t seed,
         const std::string& device, int threads, nb::handle on_epoch, nb::handle progress) {
        return train_general(data, arch_json, arch_path,
                             LoopArgs{epochs, patience, batch, lr, seed}, device, threads, on_epoch,
                             progress);
      },
      nb::arg("data"), nb::arg("arch_json"), nb::arg("arch_path"), nb::arg("epochs"),
      nb::arg("patience"), nb::arg("batch"), nb::arg("lr"), nb::arg("seed"), nb::arg("device"),
      nb::arg("threads"), nb::arg("on_epoch").none(), nb::arg("progress").none(),
      "A general sequential CNN: the architecture of the JSON file arch_path, else arch_json.");
}

}  // namespace

void bind_model(nb::module_& m) {
  nb::class_<Model>(m, "Model",
                    "A mint model: the paper's CNN or a general sequential CNN, and its float32 "
                    "parameters.")
      .def_static(
          "load",
          [](const std::string& path, std::optional<int> length, std::optional<int> pool,
             std::optional<std::string> padding, std::optional<std::string> activation,
             std::optional<std::string> arch) {
            return load_model(path, hints_of(length, pool, padding, activation, arch));
          },
          nb::arg("path"), nb::arg("length").none() = nb::none(),
          nb::arg("pool").none() = nb::none(), nb::arg("padding").none() = nb::none(),
          nb::arg("activation").none() = nb::none(), nb::arg("arch").none() = nb::none())
      .def_static(
          "from_state_dict",
          [](const std::vector<std::pair<std::string, AnyArray>>& tensors,
             const std::vector<std::pair<std::string, std::string>>& metadata,
             std::optional<int> length, std::optional<int> pool, std::optional<std::string> padding,
             std::optional<std::string> activation) {
            return from_state_dict(tensors, metadata, hints_of(length, pool, padding, activation));
          },
          nb::arg("tensors"), nb::arg("metadata"), nb::arg("length").none() = nb::none(),
          nb::arg("pool").none() = nb::none(), nb::arg("padding").none() = nb::none(),
          nb::arg("activation").none() = nb::none())
      .def(
          "save", [](const Model& model, const std::string& path) { save_model(path, model); },
          nb::arg("path"))
      .def("state_dict", &state_dict)
      .def_prop_ro("config", [](const Model& model) { return config_dict(model.config); })
      .def_prop_ro("is_sequential", &Model::is_sequential)
      .def_prop_ro("outputs", &Model::outputs)
      .def_prop_ro(
          "architecture",
          [](const Model& model) -> std::optional<std::string> {
            if (!model.is_sequential()) return std::nullopt;
            return architecture_json(model.sequential->arch);
          },
          "A general model's architecture JSON; None for the paper's model.")
      .def_prop_ro("source", [](const Model& model) { return model.source; });
  m.def("predict_each", &predict_models, nb::arg("models"), nb::arg("x"), nb::arg("device"),
        nb::arg("threads"), nb::arg("target_index"), nb::arg("progress").none());
  m.def("predict_mean", &predict_mean, nb::arg("models"), nb::arg("x"), nb::arg("device"),
        nb::arg("threads"), nb::arg("target_index"), nb::arg("progress").none());
  bind_training(m);
}

}  // namespace mint::py

// mint.attribute: pipeline/attribute's attribute_models, the function `mint attribute` calls,
// with the CLI's options by name (target, steps, ig_method, deeplift_compat, batch_size, seed,
// permutations, target_index: the output of a multi-output general model) and an ensemble when
// several models are given (the mean in float64).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "common.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "inputs.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/predict.hpp"

namespace mint::py {
namespace {

std::vector<std::vector<std::int64_t>> permutation_rows(const AnyArray& p) {
  if (p.device_type() != nb::device::cpu::value || p.ndim() != 2 ||
      !(has_dtype<std::int64_t>(p) || has_dtype<std::int32_t>(p))) {
    throw Error("permutations: expected a 2-D int64 array (rows, batch size) on the CPU, got " +
                dtype_name(p.dtype()) + " of shape " + shape_text(p));
  }
  const std::size_t rows = p.shape(0), cols = p.shape(1);
  std::vector<std::vector<std::int64_t>> out(rows, std::vector<std::int64_t>(cols));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t i = r * cols + c;
      out[r][c] = has_dtype<std::int64_t>(p) ? static_cast<const std::int64_t*>(p.data())[i]
                                             : static_cast<const std::int32_t*>(p.data())[i];
    }
  }
  return out;
}

nb::object permutations_out(std::vector<std::vector<std::int64_t>>&& rows) {
  if (rows.empty()) return nb::none();
  const std::size_t width = rows.front().size();
  std::vector<std::int64_t> flat;
  flat.reserve(rows.size() * width);
  for (const auto& r : rows) {
    if (r.size() != width) {
      throw Error("permutations: the last batch has " + std::to_string(r.size()) +
                  " sequences, not " + std::to_string(width) +
                  "; choose a batch_size that divides the number of sequences to get them back");
    }
    flat.insert(flat.end(), r.begin(), r.end());
  }
  return nb::cast(to_numpy(std::move(flat), {rows.size(), width}));
}

struct AttributeArgs {
  std::string method, target, ig_method, compat;
  int steps, batch_size, output;
  std::uint64_t seed;
  std::string device;
  int threads;
};

AttributeOptions options_of(const AttributeArgs& a) {
  AttributeOptions o;
  o.method = parse_method(a.method);
  o.target = parse_target(a.target);
  o.output = a.output;
  o.ig_method = parse_ig_method(a.ig_method);
  o.ig_steps = a.steps;
  o.compat = parse_deeplift_compat(a.compat);
  o.fp_batch = a.batch_size;
  o.fp_seed = a.seed;
  o.compute.device = parse_device(a.device);
  check_threads(a.threads, "threads");
  o.compute.threads = a.threads;
  check_attribute_options(o, {o.method}, "batch_size");
  return o;
}

nb::tuple attribute(const std::vector<Model>& models, const AnyArray& x, const AttributeArgs& a,
                    std::optional<AnyArray> permutations, bool want_permutations,
                    nb::handle progress) {
  if (models.empty()) throw Error("models: give at least one model");
  check_outputs(models, a.output, "target_index");
  AttributeOptions o = options_of(a);
  std::vector<std::vector<std::int64_t>> replay;
  if (permutations) {
    if (o.method != Method::fp) throw Error("permutations apply to method 'fp' only");
    replay = permutation_rows(*permutations);
    o.fp_replay = &replay;
  }
  if (on_gpu(x)) {  // stays on the device: IG and DeepLIFT of the tensor's memory
    for (const Model& m : models) {
      if (m.is_sequential()) {
        throw Error(
            "x: general sequential models run on the CPU in this version; pass a CPU array "
            "(tensor.cpu())");
      }
    }
    if (want_permutations) throw Error("return_permutations: method fp reads host arrays");
    return nb::make_tuple(attribute_gpu(models, x, o), nb::none(), "cuda");
  }
  const PyInput in = sequences_in(x, "x");
  check_lengths(models, in.length, "x");
  o.progress = python_progress(progress);
  AttributeResult r;
  {
    nb::gil_scoped_release release;
    r = attribute_models(models, in.input, in.n, in.length, o);
  }
  nb::object perms = want_permutations ? permutations_out(std::move(r.permutations)) : nb::none();
  auto values = to_numpy(std::move(r.values),
                         {static_cast<std::size_t>(in.n), 4, static_cast<std::size_t>(in.length)});
  return nb::make_tuple(values, perms, r.where);
}

}  // namespace

void bind_attribute(nb::module_& m) {
  m.def(
      "attribute",
      [](const std::vector<Model>& models, const AnyArray& x, const std::string& method,
         const std::string& target, int steps, const std::string& ig_method,
         const std::string& compat, int batch_size, std::uint64_t seed,
         std::optional<AnyArray> permutations, bool want_permutations, const std::string& device,
         int threads, int target_index, nb::handle progress) {
        const AttributeArgs a{method,     target,       ig_method, compat, steps,
                              batch_size, target_index, seed,      device, threads};
        return attribute(models, x, a, permutations, want_permutations, progress);
      },
      nb::arg("models"), nb::arg("x"), nb::arg("method"), nb::arg("target"), nb::arg("steps"),
      nb::arg("ig_method"), nb::arg("deeplift_compat"), nb::arg("batch_size"), nb::arg("seed"),
      nb::arg("permutations").none(), nb::arg("return_permutations"), nb::arg("device"),
      nb::arg("threads"), nb::arg("target_index"), nb::arg("progress").none(),
      "(values (N, 4, L) float32, permutations or None, where it ran).");
}

}  // namespace mint::py

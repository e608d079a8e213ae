// What the binding files of mint._core share: array conversion at the edge (NumPy, PyTorch or
// anything with DLPack in; NumPy out, owning C++ memory, never copied), the progress hook that
// lets Ctrl-C stop a long call between batches, and the Python-side wrappers of the data set.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/motif.hpp"
#include "core/progress.hpp"

namespace mint::py {

namespace nb = nanobind;

// Any C-contiguous host array (a NumPy array or a CPU tensor: taken in place, no copy).
using HostArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;
// Any C-contiguous array on any device (CUDA tensors included; a strided view arrives as a
// contiguous copy), its dtype and shape checked by the caller.
using AnyArray = nb::ndarray<nb::ro, nb::c_contig>;

// A NumPy array that owns `values` (moved, not copied).
template <typename T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& values, std::vector<std::size_t> shape) {
  auto* owned = new std::vector<T>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(owned->data(), shape.size(), shape.data(), owner);
}

// "(3, 4, 250)".
std::string shape_text(const AnyArray& a);
// "float32", "uint8", ... as NumPy names them.
std::string dtype_name(nb::dlpack::dtype dtype);

template <typename T>
bool has_dtype(const AnyArray& a) {
  return a.dtype() == nb::dtype<T>();
}

// The array's data pointer as C++ reads it (the tests check zero-copy with it).
std::uintptr_t data_address(const AnyArray& a);

// Calls `callback(done, total)` (None: nobody) with the GIL held, after checking for Ctrl-C
// (KeyboardInterrupt is raised through the pipeline as nb::python_error). The callback must
// outlive the returned function (it is borrowed: the caller's argument).
ProgressFn python_progress(nb::handle callback);

// A simulated data set shared between Python objects (Dataset, its Split views, arrays).
struct DatasetRef {
  std::shared_ptr<Simulation> sim;
};

struct SplitRef {
  std::shared_ptr<Simulation> sim;
  std::size_t index = 0;
  const SplitData& data() const { return sim->splits[index]; }
};

// mint.simulate's keyword arguments (also mint.stream's simulation), typed at the edge.
struct SimulateArgs {
  std::string motifs = "distinct_1", design = "classification", negatives = "with-subsets",
              effect = "additive", order = "file";
  std::optional<double> interaction, min_instance_score;
  std::vector<double> weights;
  std::vector<int> order_list, gaps;
  std::int64_t train = 40000, valid = 5000, test_positives = 10000, test_per_subset = 500,
               test_per_count = 2500;
  std::uint64_t seed = 1;
  int length = 250, filter_width = 0;
  double gc = 0.5, pseudocount = kDefaultPseudocount;
};
SimulationOptions simulation_options(const SimulateArgs& a);

void bind_data(nb::module_& m);
void bind_model(nb::module_& m);
void bind_attribute(nb::module_& m);
void bind_score(nb::module_& m);
void bind_run(nb::module_& m);

}  // namespace mint::py

// mint._core: the native module under the `mint` package. Errors: mint::FileError becomes
// OSError, mint::DeviceOutOfMemory MemoryError, every other mint::Error ValueError — each with
// the CLI's one-line message.
#include <nanobind/stl/string.h>

#include "common.hpp"
#include "core/device.hpp"
#include "core/error.hpp"

namespace mint::py {

std::string shape_text(const AnyArray& a) {
  std::string s = "(";
  for (std::size_t i = 0; i < a.ndim(); ++i) {
    s += (i ? ", " : "") + std::to_string(a.shape(i));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string dtype_name(nb::dlpack::dtype d) {
  const char* kind = "?";
  switch (static_cast<nb::dlpack::dtype_code>(d.code)) {
    case nb::dlpack::dtype_code::Int:
      kind = "int";
      break;
    case nb::dlpack::dtype_code::UInt:
      kind = "uint";
      break;
    case nb::dlpack::dtype_code::Float:
      kind = "float";
      break;
    case nb::dlpack::dtype_code::Bool:
      return "bool";
    case nb::dlpack::dtype_code::Complex:
      kind = "complex";
      break;
    default:
      kind = "other";
      break;
  }
  return std::string(kind) + std::to_string(d.bits);
}

std::uintptr_t data_address(const AnyArray& a) {
  return reinterpret_cast<std::uintptr_t>(a.data());
}

ProgressFn python_progress(nb::handle callback) {
  PyObject* f = callback.is_none() ? nullptr : callback.ptr();
  return [f](std::int64_t done, std::int64_t total) {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
    if (f != nullptr) {
      const nb::handle callback_handle(f);
      callback_handle(done, total);
    }
  };
}

}  // namespace mint::py

NB_MODULE(_core, m) {
  namespace nb = nanobind;
  using namespace mint::py;
  m.doc() = "mint's native module: the pipeline the mint CLI runs (see the mint package).";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const mint::FileError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const mint::DeviceOutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const mint::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("built_with_cuda", &mint::built_with_cuda, "Whether this build has the CUDA backend.");
  m.def("cuda_device_count", &mint::cuda_device_count, "Usable GPUs (0 without CUDA).");
  m.def("cuda_unavailable_reason", &mint::cuda_unavailable_reason,
        "Why no GPU is usable, in words; empty when one is.");
  m.def("_data_address", &data_address, nb::arg("array"),
        "The data pointer mint reads an array at (for checking that inputs are not copied).");
  bind_data(m);
  bind_model(m);
  bind_attribute(m);
  bind_score(m);
  bind_run(m);
}

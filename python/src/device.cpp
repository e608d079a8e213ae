// See device.hpp.
#include "device.hpp"

#include "core/error.hpp"
#include "pipeline/attribute_device.hpp"
#include "pipeline/predict.hpp"

namespace mint::py {
namespace {

// The device's codes of `x`: its own memory for uint8 codes, else converted from one-hot float32
// (owned by `held`, freed on destruction).
struct DeviceCodes {
  const std::uint8_t* codes = nullptr;
  std::uint8_t* held = nullptr;
  std::int64_t n = 0;
  int length = 0;
  DeviceCodes() = default;
  DeviceCodes(const DeviceCodes&) = delete;
  DeviceCodes& operator=(const DeviceCodes&) = delete;
  ~DeviceCodes() {
    if (held != nullptr) free_device(held);
  }
};

void codes_of(const AnyArray& x, DeviceCodes& out) {
  const bool codes = has_dtype<std::uint8_t>(x);
  if (codes ? x.ndim() != 2 : (x.ndim() != 3 || x.shape(1) != 4 || !has_dtype<float>(x))) {
    throw Error(
        "x: a GPU array must be (N, L) uint8 base codes or (N, 4, L) float32 one-hot, got " +
        dtype_name(x.dtype()) + " of shape " + shape_text(x));
  }
  out.n = static_cast<std::int64_t>(x.shape(0));
  const std::size_t L = x.shape(x.ndim() - 1);
  if (out.n == 0 || L == 0) throw Error("x: no sequences, shape " + shape_text(x));
  out.length = static_cast<int>(L);
  set_cuda_device(x.device_id());
  if (codes) {
    out.codes = static_cast<const std::uint8_t*>(x.data());
    if (!codes_valid_device(out.codes, static_cast<std::size_t>(out.n) * L)) {
      throw Error("x: a base code above 3 (expected 0..3 = A,C,G,T)");
    }
    return;
  }
  out.held = onehot_codes_device(static_cast<const float*>(x.data()), out.n, out.length);
  if (out.held == nullptr) {
    throw Error(
        "x: a GPU array must be exactly one-hot (each position one base at 1, the others "
        "0; no NaN); attribute other inputs on the CPU");
  }
  out.codes = out.held;
}

}  // namespace

bool on_gpu(const AnyArray& x) { return x.device_type() == nb::device::cuda::value; }

nb::object attribute_gpu(const std::vector<Model>& models, const AnyArray& x,
                         const AttributeOptions& options) {
  DeviceCodes in;
  codes_of(x, in);
  float* out = nullptr;
  {
    nb::gil_scoped_release release;
    out = attribute_models_device(models, in.codes, in.n, in.length, options);
  }
  nb::capsule owner(out, [](void* p) noexcept { free_device(p); });
  const std::size_t shape[3] = {static_cast<std::size_t>(in.n), 4,
                                static_cast<std::size_t>(in.length)};
  return nb::cast(nb::ndarray<float, nb::device::cuda>(
      out, 3, shape, owner, nullptr, nb::dtype<float>(), nb::device::cuda::value, x.device_id()));
}

std::vector<std::vector<float>> predict_gpu(const std::vector<Model>& models, const AnyArray& x) {
  DeviceCodes in;
  codes_of(x, in);
  check_lengths(models, in.length, "x");
  nb::gil_scoped_release release;
  return predict_each_device(models, in.codes, in.n, in.length);
}

}  // namespace mint::py

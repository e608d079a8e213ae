// See inputs.hpp.
#include "inputs.hpp"

#include <limits>

#include "core/error.hpp"

namespace mint::py {

PyInput sequences_in(const AnyArray& x, const std::string& what) {
  if (x.device_type() != nb::device::cpu::value) {
    throw Error(what +
                ": a GPU array; this call reads sequences from host memory (pass a "
                "NumPy array or a CPU tensor)");
  }
  const bool codes = has_dtype<std::uint8_t>(x);
  if (codes ? x.ndim() != 2 : (x.ndim() != 3 || x.shape(1) != 4)) {
    throw Error(what + ": expected (N, L) uint8 base codes or an (N, 4, L) float array, got " +
                dtype_name(x.dtype()) + " of shape " + shape_text(x));
  }
  if (!codes && !has_dtype<float>(x) && !has_dtype<double>(x)) {
    throw Error(what + ": expected float32 or float64 values (or (N, L) uint8 codes), got " +
                dtype_name(x.dtype()));
  }
  PyInput in;
  in.n = static_cast<std::int64_t>(x.shape(0));
  const std::size_t L = x.shape(x.ndim() - 1);
  if (in.n == 0 || L == 0) throw Error(what + ": no sequences, shape " + shape_text(x));
  if (L > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(what + ": sequences too long (L = " + std::to_string(L) + ")");
  }
  in.length = static_cast<int>(L);
  in.address = x.data();
  // A strided view would have failed nb::c_contig; a zero-stride broadcast cannot reach here.
  if (codes) {
    const auto* c = static_cast<const std::uint8_t*>(x.data());
    const std::size_t total = static_cast<std::size_t>(in.n) * L;
    for (std::size_t i = 0; i < total; ++i) {
      if (c[i] > 3) {
        throw Error(what + ": base code " + std::to_string(c[i]) + " at sequence " +
                    std::to_string(i / L) + ", position " + std::to_string(i % L) +
                    " (expected 0..3 = A,C,G,T)");
      }
    }
    in.input.codes = c;
    return in;
  }
  if (has_dtype<float>(x)) {
    in.held = sequences_from_array(static_cast<const float*>(x.data()), in.n, in.length, what);
  } else {
    in.held = sequences_from_array(static_cast<const double*>(x.data()), in.n, in.length, what);
  }
  in.input = in.held.slice(0);
  return in;
}

}  // namespace mint::py

// libFuzzer harness of the .npy reader (io/npy): parse_npy, then what mint does with an accepted
// array — every dtype conversion, the (N, 4, L) sequences of predict/attribute
// (sequences_from_npy, as read_sequences) and Feature Permutation's permutation rows.
// Invariants of an accepted array: no negative dimension, and the data holds exactly
// elements × dtype size bytes.
#include <cstdint>
#include <vector>

#include "io/inputs.hpp"
#include "io/npy.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<char> bytes(data, data + size);
  mint::NpyArray a;
  if (!mf::accepts([&] { a = mint::parse_npy(bytes, "fuzz.npy"); })) return 0;
  std::uint64_t elements = 1;
  for (const std::int64_t d : a.shape) {
    mf::require(d >= 0, "a negative dimension was accepted");
    mf::require(!__builtin_mul_overflow(elements, static_cast<std::uint64_t>(d), &elements),
                "a shape whose element count overflows was accepted");
  }
  const std::size_t item = a.dtype.back() == '1' ? 1 : a.dtype.back() == '4' ? 4 : 8;
  mf::require(elements * item == a.data.size(), "data size disagrees with the shape");
  mf::accepts([&] { (void)a.to_vector<double>(); });
  mf::accepts([&] { (void)mint::sequences_from_npy(a, "fuzz.npy"); });
  mf::accepts([&] { (void)mint::permutations_from_npy(a, "fuzz.npy"); });
  return 0;
}

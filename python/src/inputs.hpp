// Sequences from a Python array, in place: (N, L) uint8 codes are read as they are; (N, 4, L)
// float32 or float64 one-hot (or any real values) go through io/inputs' sequences_from_array,
// the rule `mint predict` / `mint attribute` apply to an .npy (exactly one-hot → codes, finite
// values checked), with float32 read by pointer. Errors name the argument (`what`).
#pragma once

#include "common.hpp"
#include "io/inputs.hpp"
#include "ops/cnn/cnn.hpp"

namespace mint::py {

struct PyInput {
  SequenceInput held;  // codes derived from a one-hot float array, or nothing
  CnnInput input;
  std::int64_t n = 0;
  int length = 0;
  const void* address = nullptr;  // where the caller's data was read
};

PyInput sequences_in(const AnyArray& x, const std::string& what);

}  // namespace mint::py

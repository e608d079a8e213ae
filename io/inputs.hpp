// Sequences to predict or attribute, from whatever a user has: a mint data set directory
// (one split of it) or an (N, 4, L) NumPy array (float32 or float64, channels A,C,G,T, e.g. a
// PyTorch user's one-hot batch). Exactly one-hot arrays become byte codes (the fast path);
// anything else is kept dense. NaN or infinite values are an error naming the file and index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/npy.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/sampler/sampler.hpp"

namespace mint {

struct SequenceInput {
  std::string source;
  std::int64_t n = 0;
  int length = 0;
  std::vector<std::uint8_t> codes;    // (N, L) when one_hot
  std::vector<float> dense;           // (N, 4, L) otherwise
  const float* dense_view = nullptr;  // or the caller's float32 (N, 4, L), read in place
  bool one_hot = true;
  std::optional<Simulation> dataset;  // set when read from a data set directory
  std::size_t split = 0;              // index of the split in dataset->splits

  // The CnnInput of sequences [first, first + count).
  CnnInput slice(std::int64_t first) const;
};

// Sequences from an (N, 4, L) array in memory (T float or double): every value finite (an error
// names `source` and the sequence, channel and position otherwise); exactly one-hot arrays become
// byte codes, others stay dense — a float array by pointer (dense_view: the caller keeps `x`
// alive and unchanged while the input is used), a double array converted to float32.
template <typename T>
SequenceInput sequences_from_array(const T* x, std::int64_t n, int length,
                                   const std::string& source);

// path: a data set directory (then `split` picks train/valid/test) or a .npy file.
SequenceInput read_sequences(const std::string& path, const std::string& split = "test");
// The sequences of a parsed .npy array, read as read_sequences reads a file; `source` names it.
SequenceInput sequences_from_npy(const NpyArray& array, const std::string& source);

}  // namespace mint

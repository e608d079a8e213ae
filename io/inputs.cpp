// Reading sequences for predict/attribute from a data set or an (N, 4, L) .npy. See inputs.hpp.
#include "io/inputs.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <type_traits>

#include "core/error.hpp"
#include "io/dataset_io.hpp"
#include "io/npy.hpp"

namespace mint {

CnnInput SequenceInput::slice(std::int64_t first) const {
  CnnInput in;
  if (one_hot) {
    in.codes = codes.data();
  } else {
    in.dense = dense_view != nullptr ? dense_view : dense.data();
  }
  return offset(in, first, length);
}

SequenceInput read_sequences(const std::string& path, const std::string& split) {
  SequenceInput s;
  s.source = path;
  if (std::filesystem::is_directory(path)) {
    s.dataset = load_dataset(path);
    for (std::size_t k = 0; k < s.dataset->splits.size(); ++k) {
      if (s.dataset->splits[k].name == split) {
        s.split = k;
        const SplitData& d = s.dataset->splits[k];
        s.n = d.size();
        s.length = d.length;
        s.codes = d.codes;
        return s;
      }
    }
    throw Error(path + ": no split '" + split + "' (expected train, valid or test)");
  }
  return sequences_from_npy(read_npy(path), path);
}

SequenceInput sequences_from_npy(const NpyArray& a, const std::string& path) {
  SequenceInput s;
  if (a.shape.size() != 3 || a.shape[1] != 4) {
    std::string shape;
    for (auto d : a.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw Error(path + ": expected an (N, 4, L) array of one-hot sequences, got shape (" + shape +
                ")");
  }
  if (a.dtype != "f4" && a.dtype != "f8") {
    throw Error(path + ": expected float32 or float64 values, got dtype " + a.dtype);
  }
  if (a.shape[2] > std::numeric_limits<int>::max()) {
    throw Error(path + ": sequence length L = " + std::to_string(a.shape[2]) + " is too long");
  }
  const std::int64_t n = a.shape[0];
  const int length = static_cast<int>(a.shape[2]);
  if (n == 0) throw Error(path + ": no sequences (N = 0)");
  if (a.dtype == "f4") {
    std::vector<float> x = a.to_vector<float>();
    s = sequences_from_array(x.data(), n, length, path);
    if (!s.one_hot) {
      // The values are kept (moved, not copied); the view pointed into the same buffer.
      s.dense = std::move(x);
      s.dense_view = nullptr;
    }
  } else {
    s = sequences_from_array(a.to_vector<double>().data(), n, length, path);
  }
  return s;
}

template <typename T>
SequenceInput sequences_from_array(const T* x, std::int64_t n, int length,
                                   const std::string& source) {
  SequenceInput s;
  s.source = source;
  s.n = n;
  s.length = length;
  if (n <= 0 || length <= 0) throw Error(source + ": no sequences (N = 0 or L = 0)");
  const std::size_t L = static_cast<std::size_t>(length);
  const std::size_t total = static_cast<std::size_t>(n) * 4 * L;
  for (std::size_t i = 0; i < total; ++i) {
    if (!std::isfinite(x[i])) {
      throw Error(source + ": non-finite value at sequence " + std::to_string(i / (4 * L)) +
                  ", channel " + std::to_string(i / L % 4) + ", position " + std::to_string(i % L));
    }
  }
  s.codes.resize(static_cast<std::size_t>(n) * L);
  for (std::int64_t i = 0; i < n && s.one_hot; ++i) {
    for (std::size_t p = 0; p < L; ++p) {
      int hot = -1, ones = 0;
      for (int c = 0; c < 4; ++c) {
        const T v = x[(static_cast<std::size_t>(i) * 4 + c) * L + p];
        if (v == T(1)) {
          hot = c;
          ++ones;
        } else if (v != T(0)) {
          ones = 99;
        }
      }
      if (ones != 1) {
        s.one_hot = false;
        break;
      }
      s.codes[static_cast<std::size_t>(i) * L + p] = static_cast<std::uint8_t>(hot);
    }
  }
  if (s.one_hot) return s;
  s.codes.clear();
  s.codes.shrink_to_fit();
  if constexpr (std::is_same_v<T, float>) {
    s.dense_view = x;
  } else {
    s.dense.assign(x, x + total);
  }
  return s;
}

template SequenceInput sequences_from_array<float>(const float*, std::int64_t, int,
                                                   const std::string&);
template SequenceInput sequences_from_array<double>(const double*, std::int64_t, int,
                                                    const std::string&);

}  // namespace mint

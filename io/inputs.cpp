// Reading sequences for predict/attribute from a data set or an (N, 4, L) .npy. See inputs.hpp.
#include "io/inputs.hpp"

#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "io/dataset_io.hpp"
#include "io/npy.hpp"

namespace mint {

CnnInput SequenceInput::slice(std::int64_t first) const {
  CnnInput in;
  if (one_hot) {
    in.codes = codes.data();
  } else {
    in.dense = dense.data();
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
  const NpyArray a = read_npy(path);
  if (a.shape.size() != 3 || a.shape[1] != 4) {
    std::string shape;
    for (auto d : a.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw Error(path + ": expected an (N, 4, L) array of one-hot sequences, got shape (" + shape +
                ")");
  }
  if (a.dtype != "f4" && a.dtype != "f8") {
    throw Error(path + ": expected float32 or float64 values, got dtype " + a.dtype);
  }
  s.n = a.shape[0];
  s.length = static_cast<int>(a.shape[2]);
  if (s.n == 0) throw Error(path + ": no sequences (N = 0)");
  const std::vector<double> x = a.to_vector<double>();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      const std::size_t L = s.length;
      throw Error(path + ": non-finite value at sequence " + std::to_string(i / (4 * L)) +
                  ", channel " + std::to_string(i / L % 4) + ", position " + std::to_string(i % L));
    }
  }
  s.codes.resize(static_cast<std::size_t>(s.n) * s.length);
  for (std::int64_t i = 0; i < s.n && s.one_hot; ++i) {
    for (int p = 0; p < s.length; ++p) {
      int hot = -1, ones = 0;
      for (int c = 0; c < 4; ++c) {
        const double v = x[(static_cast<std::size_t>(i) * 4 + c) * s.length + p];
        if (v == 1.0) {
          hot = c;
          ++ones;
        } else if (v != 0.0) {
          ones = 99;
        }
      }
      if (ones != 1) {
        s.one_hot = false;
        break;
      }
      s.codes[static_cast<std::size_t>(i) * s.length + p] = static_cast<std::uint8_t>(hot);
    }
  }
  if (!s.one_hot) {
    s.codes.clear();
    s.dense.assign(x.begin(), x.end());
  }
  return s;
}

}  // namespace mint

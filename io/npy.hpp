// NumPy .npy files (format 1.0/2.0/3.0 read, 1.0 written when the header fits), C order,
// little-endian. mint writes every tensor a Python user might load this way.
// dtypes: u1 (uint8), i1 (int8), i4 (int32), i8 (int64), f4 (float32), f8 (float64).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace mint {

struct NpyArray {
  std::string dtype;  // numpy descr without byte order: "u1", "i4", "f4", ...
  std::vector<std::int64_t> shape;
  std::vector<char> data;  // raw little-endian bytes, C order

  std::int64_t elements() const;
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data.data());
  }
  // Elements converted to T (any supported dtype); checks nothing else.
  template <typename T>
  std::vector<T> to_vector() const;
};

// The numpy dtype code of T: "u1" for uint8_t, "f4" for float, ...
template <typename T>
constexpr const char* npy_dtype() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return "u1";
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return "i1";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "i4";
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return "u4";
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return "i8";
  else if constexpr (std::is_same_v<T, float>)
    return "f4";
  else if constexpr (std::is_same_v<T, double>)
    return "f8";
  else
    static_assert(sizeof(T) == 0, "no .npy dtype for this type");
}

// Serialises an array (header + data) to bytes.
std::vector<char> npy_bytes(const std::string& dtype, const std::vector<std::int64_t>& shape,
                            const void* data, std::size_t bytes);

template <typename T>
std::vector<char> npy_bytes(const std::vector<std::int64_t>& shape, const T* data) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return npy_bytes(npy_dtype<T>(), shape, data, static_cast<std::size_t>(n) * sizeof(T));
}

// Writes atomically (temporary file, then rename).
template <typename T>
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const T* data);

// Reads and validates (magic, header, dtype, byte order, C order, size); errors name the file.
NpyArray read_npy(const std::string& path);
NpyArray parse_npy(const std::vector<char>& bytes, const std::string& source);

// Permutation rows from a .npy file: a 2-D integer array (rows, B) (int64 as torch.randperm
// writes it; int32 also accepted). Values are checked when replayed. Errors name the file.
std::vector<std::vector<std::int64_t>> read_permutations(const std::string& path);
std::vector<std::vector<std::int64_t>> permutations_from_npy(const NpyArray& array,
                                                             const std::string& source);
// Writes permutation rows (all of one length; an error naming the lengths otherwise) as a 2-D
// int64 array, the file read_permutations and Captum's replay take.
void write_permutations(const std::string& path,
                        const std::vector<std::vector<std::int64_t>>& rows);

}  // namespace mint

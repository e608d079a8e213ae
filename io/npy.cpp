// .npy reader and writer. See npy.hpp. The header is a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded to a multiple of 64.
#include "io/npy.hpp"

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint {

namespace {

int dtype_size(const std::string& dtype) {
  if (dtype == "u1" || dtype == "i1" || dtype == "b1") return 1;
  if (dtype == "i4" || dtype == "u4" || dtype == "f4") return 4;
  if (dtype == "i8" || dtype == "u8" || dtype == "f8") return 8;
  return 0;
}

// The text after "'key':" in the header's dict literal (leading spaces skipped); empty when the
// key is absent.
std::string_view dict_value(std::string_view header, std::string_view key) {
  const std::string quoted = "'" + std::string(key) + "'";
  const auto at = header.find(quoted);
  if (at == std::string_view::npos) return {};
  std::string_view rest = header.substr(at + quoted.size());
  const auto skip = [](std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string_view{} : s.substr(first);
  };
  rest = skip(rest);
  if (rest.empty() || rest[0] != ':') return {};
  return skip(rest.substr(1));
}

// The dimensions of a shape tuple's inside ("3, 4", "5,", ""): non-negative decimal integers
// (Python 2's "3L" too) within int64, separated by commas, one trailing comma allowed. `bad`
// throws.
template <typename Bad>
std::vector<std::int64_t> parse_shape(std::string_view text, Bad bad) {
  const auto trim = [](std::string_view v) {
    const auto first = v.find_first_not_of(" \t");
    if (first == std::string_view::npos) return std::string_view{};
    return v.substr(first, v.find_last_not_of(" \t") - first + 1);
  };
  const std::string what = "shape (" + std::string(text) + ")";
  std::vector<std::string_view> pieces;
  for (std::string_view rest = text;;) {
    const auto comma = rest.find(',');
    pieces.push_back(trim(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  // "()" is a scalar's shape; "(5,)" ends in an empty piece.
  if (pieces.back().empty() && (pieces.size() > 1 || trim(text).empty())) pieces.pop_back();
  std::vector<std::int64_t> shape;
  for (std::string_view piece : pieces) {
    if (!piece.empty() && piece.back() == 'L') piece.remove_suffix(1);
    std::int64_t d = 0;
    const auto [ptr, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), d);
    if (ec == std::errc::result_out_of_range) {
      bad(what + ": dimension " + std::string(piece) + " is too large");
    }
    if (piece.empty() || piece[0] == '-' || ec != std::errc() ||
        ptr != piece.data() + piece.size()) {
      bad(what + " is not a tuple of non-negative integers");
    }
    shape.push_back(d);
  }
  return shape;
}

}  // namespace

std::int64_t NpyArray::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

template <typename T>
std::vector<T> NpyArray::to_vector() const {
  const auto n = static_cast<std::size_t>(elements());
  std::vector<T> out(n);
  auto convert = [&](auto tag) {
    using S = decltype(tag);
    const S* src = reinterpret_cast<const S*>(data.data());
    for (std::size_t i = 0; i < n; ++i) {
      S value;
      std::memcpy(&value, src + i, sizeof(S));
      out[i] = static_cast<T>(value);
    }
  };
  if (dtype == "u1" || dtype == "b1")
    convert(std::uint8_t{});
  else if (dtype == "i1")
    convert(std::int8_t{});
  else if (dtype == "i4")
    convert(std::int32_t{});
  else if (dtype == "u4")
    convert(std::uint32_t{});
  else if (dtype == "i8")
    convert(std::int64_t{});
  else if (dtype == "u8")
    convert(std::uint64_t{});
  else if (dtype == "f4")
    convert(float{});
  else if (dtype == "f8")
    convert(double{});
  else
    throw Error("npy: unsupported dtype " + dtype);
  return out;
}
template std::vector<float> NpyArray::to_vector<float>() const;
template std::vector<double> NpyArray::to_vector<double>() const;
template std::vector<std::uint8_t> NpyArray::to_vector<std::uint8_t>() const;
template std::vector<std::int8_t> NpyArray::to_vector<std::int8_t>() const;
template std::vector<std::int32_t> NpyArray::to_vector<std::int32_t>() const;
template std::vector<std::int64_t> NpyArray::to_vector<std::int64_t>() const;

std::vector<char> npy_bytes(const std::string& dtype, const std::vector<std::int64_t>& shape,
                            const void* data, std::size_t bytes) {
  const char order = dtype_size(dtype) == 1 ? '|' : '<';
  std::string dict =
      "{'descr': '" + std::string(1, order) + dtype + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // Version 1.0 when the header length fits 16 bits, else 2.0.
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const std::size_t preamble = v2 ? 12 : 10;
  std::size_t total = preamble + dict.size() + 1;
  const std::size_t pad = (64 - total % 64) % 64;
  dict.append(pad, ' ');
  dict += '\n';
  std::vector<char> out;
  out.reserve(preamble + dict.size() + bytes);
  const char magic[] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
  out.insert(out.end(), magic, magic + 6);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  const auto hlen = static_cast<std::uint32_t>(dict.size());
  out.push_back(static_cast<char>(hlen & 0xff));
  out.push_back(static_cast<char>((hlen >> 8) & 0xff));
  if (v2) {
    out.push_back(static_cast<char>((hlen >> 16) & 0xff));
    out.push_back(static_cast<char>((hlen >> 24) & 0xff));
  }
  out.insert(out.end(), dict.begin(), dict.end());
  const char* p = static_cast<const char*>(data);
  out.insert(out.end(), p, p + bytes);
  return out;
}

template <typename T>
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape, const T* data) {
  const std::vector<char> bytes = npy_bytes(shape, data);
  write_file_atomic(path, std::string_view(bytes.data(), bytes.size()));
}
template void write_npy<std::uint8_t>(const std::string&, const std::vector<std::int64_t>&,
                                      const std::uint8_t*);
template void write_npy<std::int8_t>(const std::string&, const std::vector<std::int64_t>&,
                                     const std::int8_t*);
template void write_npy<std::int32_t>(const std::string&, const std::vector<std::int64_t>&,
                                      const std::int32_t*);
template void write_npy<std::int64_t>(const std::string&, const std::vector<std::int64_t>&,
                                      const std::int64_t*);
template void write_npy<float>(const std::string&, const std::vector<std::int64_t>&, const float*);
template void write_npy<double>(const std::string&, const std::vector<std::int64_t>&,
                                const double*);

NpyArray parse_npy(const std::vector<char>& bytes, const std::string& source) {
  auto bad = [&](const std::string& what) {
    throw Error(source + ": not a valid .npy file: " + what);
  };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) bad("bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3) bad("unsupported version " + std::to_string(major));
  std::size_t hlen = 0, preamble = 10;
  auto byte = [&](std::size_t i) {
    return static_cast<std::size_t>(static_cast<unsigned char>(bytes[i]));
  };
  if (major == 1) {
    hlen = byte(8) | byte(9) << 8;
  } else {
    if (bytes.size() < 12) bad("truncated header");
    hlen = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    preamble = 12;
  }
  if (preamble + hlen > bytes.size()) bad("truncated header");
  const std::string header(bytes.data() + preamble, hlen);

  NpyArray a;
  const std::string_view descr = dict_value(header, "descr");
  if (descr.size() < 2 || descr[0] != '\'') bad("no 'descr' in header");
  const auto close = descr.find('\'', 1);
  if (close == std::string_view::npos || close < 3 ||
      std::string_view("<>|=").find(descr[1]) == std::string_view::npos) {
    bad("no 'descr' in header");
  }
  if (descr[1] == '>') throw Error(source + ": big-endian arrays are not supported");
  a.dtype = std::string(descr.substr(2, close - 2));
  if (dtype_size(a.dtype) == 0) throw Error(source + ": unsupported dtype '" + a.dtype + "'");
  const std::string_view fortran = dict_value(header, "fortran_order");
  if (fortran.substr(0, 4) == "True") {
    throw Error(source + ": Fortran-ordered arrays are not supported");
  }
  if (fortran.substr(0, 5) != "False") bad("no 'fortran_order' in header");
  const std::string_view shape = dict_value(header, "shape");
  const auto end = shape.find(')');
  if (shape.empty() || shape[0] != '(' || end == std::string_view::npos) {
    bad("no 'shape' in header");
  }
  a.shape = parse_shape(shape.substr(1, end - 1), bad);
  // The byte count, checked: a shape whose product overflows must not pass as a small one.
  std::uint64_t want = static_cast<std::uint64_t>(dtype_size(a.dtype));
  for (const std::int64_t d : a.shape) {
    if (__builtin_mul_overflow(want, static_cast<std::uint64_t>(d), &want) ||
        want > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      bad("the header's shape (" + std::string(shape.substr(1, end - 1)) +
          ") holds more than 2^63 bytes");
    }
  }
  const std::size_t have = bytes.size() - preamble - hlen;
  if (have != want) {
    bad("data has " + std::to_string(have) + " bytes, the header's shape needs " +
        std::to_string(want));
  }
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(preamble + hlen), bytes.end());
  return a;
}

NpyArray read_npy(const std::string& path) {
  const std::string text = read_file(path);
  return parse_npy(std::vector<char>(text.begin(), text.end()), path);
}

std::vector<std::vector<std::int64_t>> read_permutations(const std::string& path) {
  return permutations_from_npy(read_npy(path), path);
}

std::vector<std::vector<std::int64_t>> permutations_from_npy(const NpyArray& a,
                                                             const std::string& path) {
  if (a.shape.size() != 2 || (a.dtype != "i8" && a.dtype != "i4")) {
    std::string shape;
    for (std::size_t i = 0; i < a.shape.size(); ++i) {
      shape += (i ? ", " : "") + std::to_string(a.shape[i]);
    }
    throw Error(path + ": permutations must be a 2-D int64 array (rows, batch size), got dtype " +
                a.dtype + " shape (" + shape + ")");
  }
  // Rows of nothing would make a (10^10, 0) array, which holds no data, allocate 10^10 rows.
  if (a.shape[1] < 1) {
    throw Error(path +
                ": permutations must have at least one column (the batch size), got shape (" +
                std::to_string(a.shape[0]) + ", 0)");
  }
  const std::vector<std::int64_t> flat = a.to_vector<std::int64_t>();
  const auto rows = static_cast<std::size_t>(a.shape[0]),
             cols = static_cast<std::size_t>(a.shape[1]);
  std::vector<std::vector<std::int64_t>> out(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    out[r].assign(flat.begin() + static_cast<std::ptrdiff_t>(r * cols),
                  flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
  }
  return out;
}

void write_permutations(const std::string& path,
                        const std::vector<std::vector<std::int64_t>>& rows) {
  const std::size_t width = rows.empty() ? 0 : rows.front().size();
  std::vector<std::int64_t> flat;
  for (const auto& row : rows) {
    if (row.size() != width) {
      throw Error(path + ": the last batch has " + std::to_string(row.size()) + " sequences, not " +
                  std::to_string(width) +
                  "; choose a batch size that divides the number of sequences");
    }
    flat.insert(flat.end(), row.begin(), row.end());
  }
  write_npy<std::int64_t>(
      path, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(width)},
      flat.data());
}

}  // namespace mint

// safetensors reader and writer. See safetensors.hpp; the checks mirror the reference
// library's read_metadata/validate (huggingface/safetensors, safetensors/src/tensor.rs).
#include "io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint {

// The data bytes are copied as they lie in the file; a big-endian host would need swaps.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The reference library refuses headers above 100 MB (HeaderTooLarge).
constexpr std::uint64_t kMaxHeader = 100'000'000;

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// out = a·b; false when that overflows u64.
bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error(source + ": not a valid safetensors file: " + what);
}

struct Entry {
  std::string name;
  std::uint64_t begin = 0, end = 0;
};

// The reference library's Dtype enum, in its order ("increasing alignment"), with sizes.
constexpr std::pair<const char*, std::size_t> kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};

std::size_t dtype_rank(const std::string& dtype) {
  for (std::size_t i = 0; i < std::size(kDtypes); ++i) {
    if (dtype == kDtypes[i].first) return i;
  }
  return std::size(kDtypes);
}

}  // namespace

std::int64_t SafeTensor::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::size_t safetensors_dtype_size(const std::string& dtype) {
  const std::size_t rank = dtype_rank(dtype);
  return rank < std::size(kDtypes) ? kDtypes[rank].second : 0;
}

namespace {

// The JSON header of a safetensors file; *header_bytes receives its length.
json parse_header(const std::string& bytes, const std::string& source,
                  std::uint64_t* header_bytes) {
  auto bad = [&](const std::string& what) { fail(source, what); };
  if (bytes.size() < 8) {
    bad("the file has " + std::to_string(bytes.size()) +
        " bytes, shorter than the 8-byte header length");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(bytes[i]);
  if (n > kMaxHeader) {
    bad("header length " + std::to_string(n) + " is larger than the 100 MB safetensors allows");
  }
  if (n > bytes.size() - 8) {
    bad("header length " + std::to_string(n) + " is larger than the " +
        std::to_string(bytes.size() - 8) + " bytes after the length field (truncated file?)");
  }
  const std::string_view text(bytes.data() + 8, n);
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    // nlohmann's messages are one line: "[json.exception.parse_error.101] parse error at ..."
    std::string why = e.what();
    const auto close = why.find("] ");
    if (why.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      why = why.substr(close + 2);
    }
    bad("the header is not valid JSON: " + why);
  }
  if (!header.is_object()) bad("the header is not a JSON object");
  *header_bytes = n;
  return header;
}

// One tensor entry of the header, its bytes copied from the data region.
SafeTensor parse_tensor(const std::string& name, const json& info, const char* data,
                        std::uint64_t data_size, const std::string& source, Entry* entry) {
  auto bad = [&](const std::string& what) { fail(source, what); };
  const std::string where = "tensor '" + name + "'";
  if (!info.is_object()) bad(where + ": the entry is not a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!info.contains(key)) bad(where + ": no \"" + key + "\"");
  }
  SafeTensor t;
  if (!info["dtype"].is_string()) bad(where + ": \"dtype\" is not a string");
  t.dtype = info["dtype"].get<std::string>();
  const std::size_t elem = safetensors_dtype_size(t.dtype);
  if (elem == 0) bad(where + ": unknown dtype '" + t.dtype + "'");
  const json& shape = info["shape"];
  if (!shape.is_array()) bad(where + ": \"shape\" is not an array");
  std::uint64_t count = 1;
  for (const json& d : shape) {
    if (!d.is_number_unsigned() ||
        d.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      bad(where + ": \"shape\" " + shape.dump() + " is not a list of non-negative integers");
    }
    t.shape.push_back(static_cast<std::int64_t>(d.get<std::uint64_t>()));
    if (!checked_mul(count, d.get<std::uint64_t>(), count)) {
      bad(where + ": shape " + shape_string(t.shape) + " overflows");
    }
  }
  const json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    bad(where + ": \"data_offsets\" " + offsets.dump() + " is not a pair of non-negative integers");
  }
  const auto begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
  const std::string range = "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
  if (end < begin) bad(where + ": data_offsets " + range + " end before they begin");
  if (end > data_size) {
    bad(where + ": data_offsets " + range + " run past the " + std::to_string(data_size) +
        "-byte data region (truncated file?)");
  }
  std::uint64_t want = 0;
  const bool fits = checked_mul(count, elem, want);
  if (!fits || want != end - begin) {
    bad(where + ": data_offsets " + range + " hold " + std::to_string(end - begin) +
        " bytes, but shape " + shape_string(t.shape) + " of " + t.dtype + " needs " +
        (fits ? std::to_string(want) : std::string("more than 2^64")));
  }
  t.data.assign(data + begin, data + end);
  *entry = {name, begin, end};
  return t;
}

// The tensors, in offset order, must tile the data region exactly (the reference library's
// InvalidOffset for overlaps and gaps, MetadataIncompleteBuffer for trailing bytes).
void check_tiling(std::vector<Entry> entries, std::uint64_t data_size, const std::string& source) {
  auto bad = [&](const std::string& what) { fail(source, what); };
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered) {
      bad("tensor '" + e.name + "' (bytes [" + std::to_string(e.begin) + ", " +
          std::to_string(e.end) + ")) overlaps tensor '" + previous->name + "' (bytes [" +
          std::to_string(previous->begin) + ", " + std::to_string(previous->end) + "))");
    }
    if (e.begin > covered) {
      bad("a gap of " + std::to_string(e.begin - covered) + " unused bytes before tensor '" +
          e.name + "' (bytes [" + std::to_string(covered) + ", " + std::to_string(e.begin) +
          ") belong to no tensor)");
    }
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size) {
    bad(std::to_string(data_size - covered) +
        " trailing bytes after the last tensor (the data "
        "region has " +
        std::to_string(data_size) + " bytes, the tensors cover " + std::to_string(covered) + ")");
  }
}

}  // namespace

SafeTensors parse_safetensors(const std::string& bytes, const std::string& source) {
  std::uint64_t n = 0;
  const json header = parse_header(bytes, source, &n);
  const std::uint64_t data_size = bytes.size() - 8 - n;
  const char* data = bytes.data() + 8 + n;
  SafeTensors st;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (info.is_null()) continue;
      if (!info.is_object()) fail(source, "\"__metadata__\" is not a JSON object");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) fail(source, "metadata value of '" + key + "' is not a string");
        st.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    Entry e;
    SafeTensor t = parse_tensor(name, info, data, data_size, source, &e);
    entries.push_back(e);
    st.tensors.emplace(name, std::move(t));
  }
  check_tiling(std::move(entries), data_size, source);
  return st;
}

SafeTensors read_safetensors(const std::string& path) {
  return parse_safetensors(read_file(path), path);
}

std::string safetensors_bytes(const SafeTensors& st) {
  // As the reference writer: larger-alignment dtypes first, then by name, so every tensor
  // starts aligned to its element size; "__metadata__" first; the fields of an entry in the
  // order dtype, shape, data_offsets. A single-tensor file is byte-identical to the reference's.
  std::vector<std::pair<const std::string*, const SafeTensor*>> order;
  for (const auto& [name, t] : st.tensors) order.emplace_back(&name, &t);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return dtype_rank(a.second->dtype) > dtype_rank(b.second->dtype);
  });
  ordered_json header = ordered_json::object();
  if (!st.metadata.empty()) header["__metadata__"] = st.metadata;
  std::uint64_t offset = 0;
  for (const auto& [name_ptr, tensor] : order) {
    const std::string& name = *name_ptr;
    const SafeTensor& t = *tensor;
    if (name == "__metadata__") throw Error("safetensors: a tensor cannot be named __metadata__");
    const std::size_t elem = safetensors_dtype_size(t.dtype);
    if (elem == 0) {
      throw Error("safetensors: tensor '" + name + "' has an unknown dtype '" + t.dtype + "'");
    }
    for (std::int64_t d : t.shape) {
      if (d < 0) throw Error("safetensors: tensor '" + name + "' has a negative dimension");
    }
    if (static_cast<std::uint64_t>(t.elements()) * elem != t.data.size()) {
      throw Error("safetensors: tensor '" + name + "' has " + std::to_string(t.data.size()) +
                  " data bytes, but shape " + shape_string(t.shape) + " of " + t.dtype + " needs " +
                  std::to_string(static_cast<std::uint64_t>(t.elements()) * elem));
    }
    ordered_json entry = ordered_json::object();
    entry["dtype"] = t.dtype;
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, offset + t.data.size()};
    header[name] = std::move(entry);
    offset += t.data.size();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const ordered_json::exception& e) {
    throw Error(std::string("safetensors: a tensor name or metadata string is not valid UTF-8: ") +
                e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  out += text;
  for (const auto& [name, t] : order) out.append(t->data.data(), t->data.size());
  return out;
}

void write_safetensors(const std::string& path, const SafeTensors& st) {
  std::string bytes;
  try {
    bytes = safetensors_bytes(st);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  write_file_atomic(path, bytes);
}

}  // namespace mint

// safetensors files (Hugging Face's format, what PyTorch users save state dicts in):
//
//   8 bytes   N, little-endian u64 = the header length
//   N bytes   UTF-8 JSON object: name → {"dtype": "F32", "shape": [..], "data_offsets": [b, e)}
//             plus an optional "__metadata__": {string: string}; offsets are relative to the
//             first byte after the header
//   the rest  the data region: raw little-endian, C-order tensor bytes
//
// Reading validates as the reference library (huggingface/safetensors) does, with one
// mint::Error per failure, starting with the file's path: the header length fits the file
// (and the reference's 100 MB cap), the header is a JSON object, every entry has a known
// dtype, a shape of non-negative integers and [begin, end) offsets whose length is shape ×
// dtype size, and the tensors, sorted by offset, tile the data region exactly — no overlap, no
// gap, no trailing bytes (the reference's InvalidOffset / MetadataIncompleteBuffer). Metadata
// values must be strings.
//
// Writing follows the reference writer: "__metadata__" first, header padded with spaces to a
// multiple of 8, tensors contiguous, ordered by dtype alignment (8-byte types first) and then
// by name, so each tensor's data is aligned to its element size for zero-copy readers; a file
// with one tensor is byte-identical to the reference's. Output is atomic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mint {

struct SafeTensor {
  std::string dtype;                // "F32", "F64", "I64", "I32", "U8", ... as in the header
  std::vector<std::int64_t> shape;  // [] for a scalar
  std::vector<char> data;           // raw little-endian bytes, C order

  std::int64_t elements() const;  // product of the shape (1 for a scalar)
};

struct SafeTensors {
  std::map<std::string, SafeTensor> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// Bytes per element of a safetensors dtype name ("F32" → 4); 0 when the name is unknown.
// Known: BOOL U8 I8 F8_E5M2 F8_E4M3 I16 U16 F16 BF16 I32 U32 F32 I64 U64 F64.
std::size_t safetensors_dtype_size(const std::string& dtype);

// `source` names the file in error messages.
SafeTensors parse_safetensors(const std::string& bytes, const std::string& source);
SafeTensors read_safetensors(const std::string& path);

// Throws mint::Error when a tensor's data size disagrees with its dtype and shape.
std::string safetensors_bytes(const SafeTensors& st);
void write_safetensors(const std::string& path, const SafeTensors& st);  // atomic

}  // namespace mint

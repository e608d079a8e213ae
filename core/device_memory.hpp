// The device memory mint allocates, counted, and what a chunked step does when the GPU runs out
// (docs/reliability.md, "Faults").
//
// Every cuda::DeviceBuffer reserves its bytes here before cudaMalloc and releases them when
// freed. The limit is MINT_DEVICE_MEMORY_LIMIT bytes when that environment variable is set
// (as MINT_MEMORY_LIMIT: digits and an optional K, M, G or T; anything else is an error naming
// it: core/limits.hpp's parse_size),
// or none (the GPU's own memory is then the limit). A reservation past the limit throws
// mint::DeviceOutOfMemory, as a failed cudaMalloc does: so the limit shares one GPU between
// runs, and the tests use it to run out of memory on purpose.
//
// Chunked work on a GPU (attribute_models, the streaming benchmark) retries a chunk that ran
// out of device memory with half as many sequences (halved_chunk), says so once on stderr
// (device_memory_notice), and gives the same bits as without the retry; it fails only when
// the smallest chunk does not fit either.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mint {

// The limit in bytes (UINT64_MAX: none); the first call reads MINT_DEVICE_MEMORY_LIMIT.
std::uint64_t device_memory_limit();
// Replaces the limit (tests; 0 restores MINT_DEVICE_MEMORY_LIMIT's, or none).
void set_device_memory_limit(std::uint64_t bytes);
// Counts `bytes` as allocated, or throws DeviceOutOfMemory naming `what`, the bytes in use and
// the limit when they would exceed it.
void reserve_device_memory(std::uint64_t bytes, const char* what);
void release_device_memory(std::uint64_t bytes) noexcept;
std::uint64_t device_memory_in_use();
// The most in use since the last reset (tests size a limit with it).
std::uint64_t device_memory_peak();
void reset_device_memory_peak();
// MINT_DEVICE_MEMORY_LIMIT's value in bytes, or an Error naming the variable.
std::uint64_t parse_device_memory_limit(const std::string& text);

// The chunk to retry with after running out of device memory: half of `chunk` rounded down
// to a multiple of `align` (>= 1), at least `align`; 0 when `chunk` is `align` or less.
std::int64_t halved_chunk(std::int64_t chunk, std::int64_t align);

// "mint: warning: <message>" on stderr, on a line of its own; or to the sink a test set
// (nullptr: stderr again).
void device_memory_notice(const std::string& message);
void set_device_memory_notice_sink(std::function<void(const std::string&)> sink);

}  // namespace mint

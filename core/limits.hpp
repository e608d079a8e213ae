// Sizes checked before anything is allocated. A step counts the bytes it will need with
// checked arithmetic (`bytes_of`: saturates instead of wrapping) and calls check_memory, which
// throws one mint::Error naming the step, the bytes and the limit when they exceed it:
//   "--length 2000000000: the simulation needs 22.0 TB (11000 sequences x 2000000000 bases),
//    more than the memory limit of 15.6 GiB (this machine's RAM; MINT_MEMORY_LIMIT overrides)"
// The limit is the machine's physical RAM (sysconf), or MINT_MEMORY_LIMIT bytes when that
// environment variable is set: a positive integer, with an optional suffix K, M, G or T (either
// case) that multiplies by 2^10, 2^20, 2^30, 2^40. Any other value set there (empty, "abc",
// "-5", "1e999", "0") makes memory_limit and check_memory throw an error naming the variable. The
// estimates are lower bounds of what the step allocates: a check that fails means the step could
// not have run.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace mint {

// Bases per sequence: --length, the experiment's "length" (one sequence's one-hot input,
// 4·L float32, stays under 256 MiB, and every per-sequence index fits an int).
inline constexpr int kMaxLength = 1 << 24;
// Floats of one sequence's largest activation (the conv layer's F × L'), as io/sequential_io
// caps a general model's layers.
inline constexpr std::int64_t kMaxActivationFloats = std::int64_t{1} << 28;

// The product of the factors, or UINT64_MAX when it overflows.
std::uint64_t bytes_of(std::initializer_list<std::uint64_t> factors);
// Saturating sum.
std::uint64_t add_bytes(std::uint64_t a, std::uint64_t b);
std::uint64_t memory_limit();
// The value of a size variable (MINT_MEMORY_LIMIT, MINT_DEVICE_MEMORY_LIMIT): a positive integer
// of bytes with an optional K, M, G or T (2^10 … 2^40); anything else an Error naming `variable`.
std::uint64_t parse_size(const std::string& text, const std::string& variable);
// "1.5 GiB", "512 B": binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);
// Throws "<what> needs <bytes>[ (<detail>)], more than the memory limit of <limit> (...)".
void check_memory(const std::string& what, std::uint64_t bytes, const std::string& detail = "");

}  // namespace mint

// Numeric options, checked at the edge in one place. Every numeric flag of every command gets
// one of these validators with its documented range (docs/reliability.md, "Validation at the
// edge"); a value given is parsed strictly — the whole text, an integer that fits its type, a
// finite number — then checked against the range, before any work starts. CLI11 prefixes the flag,
// so an error reads "mint: error: --lr: -0.1 must be > 0".
//
//   ->transform(integer(1, kMaxTrainBatch))     an integer in [lo, hi]
//   ->transform(unsigned64())                   a seed: an integer in [0, 2^64 - 1]
//   ->transform(number(0, 1))                   a finite number in [lo, hi]
//   ->transform(number_between(0, 1))           a finite number in the open (lo, hi)
//   ->transform(number_above(0))                a finite number > lo
//   ->transform(finite())                       any finite number
// Use ->transform, not ->check (which may not change the text): a good value is rewritten in
// its canonical form before CLI11 converts it — one rule for every command: a signed zero is 0
// ("-0" an integer 0, "-0.0" the number +0.0, never -0.0), and an integer is read in decimal
// ("010" is 10, not CLI11's octal 8).
// The same checks as functions (mint experiment's flags, the tests): each returns "" when
// the text is good, else what is wrong ("nan is not a finite number").
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace mint::cli {

inline constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

std::string integer_error(const std::string& text, std::int64_t lo, std::int64_t hi);
std::string unsigned64_error(const std::string& text);
// lo_open, hi_open: the range excludes that end ("must be > 0"); hi may be kInf.
std::string number_error(const std::string& text, double lo, double hi, bool lo_open = false,
                         bool hi_open = false);

// A good text's canonical form: "-0" -> "0", "010" -> "10"; a number equal to zero -> "0".
std::string canonical_integer(const std::string& text);
std::string canonical_unsigned64(const std::string& text);
std::string canonical_number(const std::string& text);

CLI::Validator integer(std::int64_t lo, std::int64_t hi, const std::string& note = "");
CLI::Validator unsigned64();
CLI::Validator number(double lo, double hi, const std::string& note = "");
CLI::Validator number_between(double lo, double hi);  // the open interval (lo, hi)
CLI::Validator number_above(double lo);
CLI::Validator finite();

// Throwing forms naming the flag: "--epochs: 'x' is not an integer".
std::int64_t parse_integer(const std::string& flag, const std::string& text, std::int64_t lo,
                           std::int64_t hi);
std::uint64_t parse_unsigned64(const std::string& flag, const std::string& text);
double parse_number(const std::string& flag, const std::string& text);

}  // namespace mint::cli

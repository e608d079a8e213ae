// Up-front memory checks; see limits.hpp.
#include "core/limits.hpp"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mint {

namespace {

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t env_limit() {
  const char* env = std::getenv("MINT_MEMORY_LIMIT");
  return env == nullptr ? 0 : parse_size(env, "MINT_MEMORY_LIMIT");
}

}  // namespace

// A positive integer of bytes, with an optional suffix K, M, G or T (either case: 2^10, 2^20,
// 2^30, 2^40 bytes). Anything else — empty, "abc", "-5", "1e999", "1.5G", "0", more than
// 2^64 - 1 bytes — is an error naming `variable`.
std::uint64_t parse_size(const std::string& text, const std::string& variable) {
  auto bad = [&](const std::string& what) {
    return Error(variable + ": " + quote_value(text) + " " + what +
                 " (a positive number of bytes, optionally with K, M, G or T: 512M, 4G)");
  };
  // A unit suffix: K, M, G or T (either case) is 2^10, 2^20, 2^30 or 2^40.
  std::uint64_t scale = 1;
  std::size_t digits = text.size();
  const std::size_t unit = digits > 0 ? std::string_view("KMGT").find(static_cast<char>(
                                            std::toupper(static_cast<unsigned char>(text.back()))))
                                      : std::string_view::npos;
  if (unit != std::string_view::npos) {
    scale = std::uint64_t{1} << (10 * (unit + 1));
    --digits;
  }
  std::uint64_t v = 0;
  const char* first = text.data();
  const auto [end, ec] = std::from_chars(first, first + digits, v);
  if (digits == 0 || ec == std::errc::invalid_argument || end != first + digits) {
    throw bad("is not a size");
  }
  // 2^64 - 1 itself is a valid limit: only a value above it (too many digits, or one that
  // overflows once scaled) is refused.
  if (ec == std::errc::result_out_of_range || v > kSaturated / scale) {
    throw bad("does not fit 64 bits");
  }
  const std::uint64_t bytes = v * scale;
  if (bytes == 0) throw bad("must be > 0");
  return bytes;
}

std::uint64_t bytes_of(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t p = 1;
  for (std::uint64_t f : factors) {
    if (f == 0) return 0;
  }
  for (std::uint64_t f : factors) {
    if (p > kSaturated / f) return kSaturated;
    p *= f;
  }
  return p;
}

std::uint64_t add_bytes(std::uint64_t a, std::uint64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}

std::uint64_t memory_limit() {
  if (const std::uint64_t e = env_limit(); e > 0) return e;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return kSaturated;  // unknown: no check
  return bytes_of({static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page)});
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes == kSaturated) return "more than 16 EiB";
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

void check_memory(const std::string& what, std::uint64_t bytes, const std::string& detail) {
  const std::uint64_t limit = memory_limit();
  if (bytes <= limit) return;
  const bool from_env = env_limit() > 0;
  throw Error(
      what + " needs " + format_bytes(bytes) + (detail.empty() ? "" : " (" + detail + ")") +
      ", more than the memory limit of " + format_bytes(limit) +
      (from_env ? " (MINT_MEMORY_LIMIT)" : " (this machine's RAM; MINT_MEMORY_LIMIT overrides)"));
}

}  // namespace mint

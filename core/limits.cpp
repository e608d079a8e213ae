// Up-front memory checks; see limits.hpp.
#include "core/limits.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"

namespace mint {

namespace {

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

// MINT_MEMORY_LIMIT: digits and an optional K, M or G; 0 when absent or malformed.
std::uint64_t env_limit() {
  const char* text = std::getenv("MINT_MEMORY_LIMIT");
  if (text == nullptr || *text == '\0') return 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || text[0] == '-') return 0;
  std::uint64_t scale = 1;
  if (*end == 'K' || *end == 'k') scale = 1ull << 10;
  if (*end == 'M' || *end == 'm') scale = 1ull << 20;
  if (*end == 'G' || *end == 'g') scale = 1ull << 30;
  if (scale != 1) ++end;
  if (*end != '\0') return 0;
  return bytes_of({v, scale});
}

}  // namespace

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

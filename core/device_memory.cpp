#include "core/device_memory.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <utility>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/progress.hpp"

namespace mint {
namespace {

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

std::atomic<std::uint64_t> in_use{0};
std::atomic<std::uint64_t> peak{0};
std::atomic<std::uint64_t> override_limit{0};

std::uint64_t env_limit() {
  const char* text = std::getenv("MINT_DEVICE_MEMORY_LIMIT");
  return text == nullptr ? kNone : parse_device_memory_limit(text);
}

std::uint64_t env_limit_once() {
  static const std::uint64_t limit = env_limit();
  return limit;
}

std::mutex sink_mutex;
std::function<void(const std::string&)> sink;

}  // namespace

std::uint64_t parse_device_memory_limit(const std::string& text) {
  return parse_size(text, "MINT_DEVICE_MEMORY_LIMIT");
}

std::uint64_t device_memory_limit() {
  const std::uint64_t set = override_limit.load();
  return set != 0 ? set : env_limit_once();
}

void set_device_memory_limit(std::uint64_t bytes) { override_limit.store(bytes); }

void reserve_device_memory(std::uint64_t bytes, const char* what) {
  const std::uint64_t limit = device_memory_limit();
  std::uint64_t used = in_use.load();
  do {
    if (bytes > limit || used > limit - bytes) {
      throw DeviceOutOfMemory(std::string(what) + ": " + format_bytes(bytes) + " more would pass " +
                              "the device memory limit of " + format_bytes(limit) +
                              " (MINT_DEVICE_MEMORY_LIMIT; " + format_bytes(used) + " in use)");
    }
  } while (!in_use.compare_exchange_weak(used, used + bytes));
  std::uint64_t high = peak.load();
  while (used + bytes > high && !peak.compare_exchange_weak(high, used + bytes)) {
  }
}

void release_device_memory(std::uint64_t bytes) noexcept { in_use.fetch_sub(bytes); }

std::uint64_t device_memory_in_use() { return in_use.load(); }

std::uint64_t device_memory_peak() { return peak.load(); }

void reset_device_memory_peak() { peak.store(in_use.load()); }

std::int64_t halved_chunk(std::int64_t chunk, std::int64_t align) {
  align = std::max<std::int64_t>(align, 1);
  if (chunk <= align) return 0;
  return std::max(chunk / 2 / align * align, align);
}

void device_memory_notice(const std::string& message) {
  const std::lock_guard<std::mutex> lock(sink_mutex);
  if (sink) {
    sink(message);
    return;
  }
  end_open_lines();  // a progress bar's unfinished line
  std::fprintf(stderr, "mint: warning: %s\n", message.c_str());
  std::fflush(stderr);
}

void set_device_memory_notice_sink(std::function<void(const std::string&)> s) {
  const std::lock_guard<std::mutex> lock(sink_mutex);
  sink = std::move(s);
}

}  // namespace mint

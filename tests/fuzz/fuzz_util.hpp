// What every libFuzzer harness shares (tests/fuzz/, docs/reliability.md). A harness feeds its
// input to a real parser; a mint::Error is the expected rejection of bad input. Anything else is
// a finding that libFuzzer records: a crash, an ASan or UBSan report (UBSan aborts in this
// build), another exception type (std::terminate aborts), a hang (-timeout), or a broken
// invariant of what the parser accepted (require(): the harness aborts with the reason).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mint::fuzz {

// Runs f; a mint::Error (the parser's documented rejection) is swallowed, anything else escapes.
template <typename F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const Error&) {
    return false;
  }
}

// An invariant of an accepted input: a failure is a finding.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// A scratch directory of this process (on tmpfs when there is one), created once and reused by
// every input; removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    namespace fs = std::filesystem;
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    const fs::path d = base / ("mint-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

// An empty scratch subdirectory `name` (its old contents removed).
inline std::filesystem::path fresh_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path d = scratch_dir() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  require(static_cast<bool>(out), "cannot write a scratch file");
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mint::fuzz

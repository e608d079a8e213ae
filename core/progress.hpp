// The hook long pipeline calls report progress through, between units of work (batches,
// chunks, splits, epochs): `done` of `total` units so far. It is never called from inside a
// parallel region, so it may throw to stop the work there — the Python package throws when
// Ctrl-C was pressed — and the call unwinds with nothing half-written. Empty: no reports.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>

namespace mint {

using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

// Calls `progress` when it is set. (Not `report`: that is the namespace of pipeline/report/.)
inline void report_progress(const ProgressFn& progress, std::int64_t done, std::int64_t total) {
  if (progress) progress(done, total);
}

// Progress lines drawn with '\r' stay open (no newline) while they run. A printer says so with
// set_line_open(stream, true) after an unfinished line and false after its newline; the
// top-level error handler (apps/mint.cpp) calls end_open_lines first, so that an error starts
// on a line of its own instead of at the end of a bar.
inline std::atomic<bool> g_stdout_line_open{false}, g_stderr_line_open{false};

inline void set_line_open(std::FILE* stream, bool open) {
  (stream == stderr ? g_stderr_line_open : g_stdout_line_open).store(open);
}

inline void end_open_lines() {
  if (g_stdout_line_open.exchange(false)) {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (g_stderr_line_open.exchange(false)) std::fputc('\n', stderr);
}

}  // namespace mint

// The hook long pipeline calls report progress through, between units of work (batches,
// chunks, splits, epochs): `done` of `total` units so far. It is never called from inside a
// parallel region, so it may throw to stop the work there — the Python package throws when
// Ctrl-C was pressed — and the call unwinds with nothing half-written. Empty: no reports.
#pragma once

#include <cstdint>
#include <functional>

namespace mint {

using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

// Calls `progress` when it is set. (Not `report`: that is the namespace of pipeline/report/.)
inline void report_progress(const ProgressFn& progress, std::int64_t done, std::int64_t total) {
  if (progress) progress(done, total);
}

}  // namespace mint

// CUDA-events benchmark of device-side AUPRC (ops/auprc/auprc*.cu, ops/auprc/auprc_cuda.hpp).
//
//   ninja -C build bench_auprc_cuda && build/bench/bench_auprc_cuda
//
// Workload as bench_auprc.cpp (the CPU one): rows are (sequence, motif) pairs of L positions,
// float32 attribution-like scores (|N(0,1)| + 1 on the motif's 12-position span, a quarter of
// the rows quantised to 1/8 for heavy ties, positions no conv window reaches scored 0),
// positives = the motif's span, the other motifs' spans excluded by the include mask.
// 4096 distinct rows (64 for the long rows) are made on the host and tiled on the device.
//
// Before anything is timed: 4096 rows × L = 250 on both paths and the pooled curve over them
// against score_rows / score_curve — bit-identical required (the tests' criterion); any
// mismatch: message on stderr, exit 1.
//
// Timed with CUDA events on the legacy default stream, one warm-up, mean of kTimed runs, device
// pointers in and out (score_rows_cuda_device / score_pooled_cuda_device, one workspace):
//   (i)   block path, 2^20 rows × L for L = 250, 500, 1000, with and without the include mask;
//   (ii)  segmented path, 2^20 rows × 250 (the same rows: how much the block path saves);
//   (iii) pooled curve over 2^18 rows × 250 (one global radix sort of 6.6e7 entries);
//   (iv)  long rows, 256 × 100 000 (segmented path);
//   (v)   score_rows_cuda from host arrays, 2^20 × 250 (PCIe copies included; one run).
// Bytes = what a row must read (scores 4 B + label 1 B [+ include 1 B] per entry) and write
// (3 doubles + 1 status byte per row); GB/s over the elapsed time and as a fraction of the DRAM
// peak, 2 × memory clock × bus width / 8 (H100 SXM: 3.35 TB/s). The block path sorts in
// shared memory and is compute-bound (8 radix passes + 2 scans + ~10 double divisions per
// tie group), so expect a small fraction; the segmented and pooled paths move every entry
// several times (sort passes, scans), which the byte count does not include.
// Results go to stdout as a table and as "csv,"-prefixed lines (grep '^csv,' | cut -c5-).
// With no GPU (or mint built without one) it prints "no GPU: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "cuda_bench_util.cuh"
#include "ops/auprc/auprc.hpp"
#include "ops/auprc/auprc_cuda.hpp"
#include "ops/common/cuda_check.cuh"

namespace {

constexpr int kTimed = 10;
constexpr std::size_t kPoolRows = 4096;
constexpr std::size_t kMotifs = 4, kWidth = 12;

using mint::bench::Event;
using mint::bench::peak_dram_bytes_per_s;
template <typename Work>
double time_ms(Work&& work, int reps = kTimed) {
  return mint::bench::time_ms(work, reps);
}

struct Pool {
  std::size_t length = 0;
  std::vector<float> scores;
  std::vector<std::uint8_t> labels, include;
};

// `rows` rows of `length` positions: rows / kMotifs sequences × kMotifs motifs.
Pool make_pool(std::size_t length, std::uint64_t seed, std::size_t rows = kPoolRows) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  Pool p;
  p.length = length;
  p.scores.resize(rows * length);
  p.labels.resize(p.scores.size());
  p.include.resize(p.scores.size());
  const std::size_t slot_span = length / kMotifs;
  for (std::size_t s = 0; s < rows / kMotifs; ++s) {
    std::vector<int> owner(length, -1);
    for (std::size_t m = 0; m < kMotifs; ++m) {
      const std::size_t slot = m * slot_span + rng() % (slot_span - kWidth);
      for (std::size_t k = 0; k < kWidth; ++k) owner[slot + k] = static_cast<int>(m);
    }
    const bool quantised = rng() % 4 == 0;
    std::vector<float> attr(length);
    for (std::size_t q = 0; q < length; ++q) {
      float a = std::fabs(noise(rng) + (owner[q] >= 0 ? 1.0f : 0.0f));
      if (quantised) a = std::round(a * 8.0f) / 8.0f;
      if (q < 5 || q + 5 >= length) a = 0.0f;  // unreached by any conv window
      attr[q] = a;
    }
    for (std::size_t m = 0; m < kMotifs; ++m) {
      const std::size_t row = (s * kMotifs + m) * length;
      for (std::size_t q = 0; q < length; ++q) {
        p.scores[row + q] = attr[q];
        p.labels[row + q] = owner[q] == static_cast<int>(m) ? 1 : 0;
        p.include[row + q] = owner[q] < 0 || owner[q] == static_cast<int>(m) ? 1 : 0;
      }
    }
  }
  return p;
}

// Device copies of the pool tiled to `rows` rows.
struct DeviceRows {
  std::size_t rows = 0, length = 0;
  mint::cuda::DeviceBuffer<float> scores;
  mint::cuda::DeviceBuffer<std::uint8_t> labels, include;
};

DeviceRows tile(const Pool& p, std::size_t rows) {
  DeviceRows d;
  d.rows = rows;
  d.length = p.length;
  const std::size_t n = rows * p.length, pool_n = p.scores.size();
  d.scores = mint::cuda::DeviceBuffer<float>(n);
  d.labels = mint::cuda::DeviceBuffer<std::uint8_t>(n);
  d.include = mint::cuda::DeviceBuffer<std::uint8_t>(n);
  for (std::size_t at = 0; at < n; at += pool_n) {
    const std::size_t k = std::min(pool_n, n - at);
    MINT_CUDA_CHECK(cudaMemcpy(d.scores.get() + at, p.scores.data(), k * sizeof(float),
                               cudaMemcpyHostToDevice));
    MINT_CUDA_CHECK(cudaMemcpy(d.labels.get() + at, p.labels.data(), k, cudaMemcpyHostToDevice));
    MINT_CUDA_CHECK(cudaMemcpy(d.include.get() + at, p.include.data(), k, cudaMemcpyHostToDevice));
  }
  return d;
}

struct DeviceOut {
  mint::cuda::DeviceBuffer<double> auprc, ap, auroc;
  mint::cuda::DeviceBuffer<std::uint8_t> status;
  explicit DeviceOut(std::size_t rows) : auprc(rows), ap(rows), auroc(rows), status(rows) {}
  mint::RowCurveScoresDevice view() const {
    return {auprc.get(), ap.get(), auroc.get(), status.get()};
  }
};

bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

bool same(const mint::CurveScores& a, const mint::CurveScores& b) {
  return same_bits(a.auprc, b.auprc) && same_bits(a.average_precision, b.average_precision) &&
         same_bits(a.auroc, b.auroc) && a.warnings == b.warnings;
}

// Both paths and the pooled curve against the CPU on the pool (L = 250).
bool check(const Pool& p) {
  const std::size_t rows = kPoolRows, cols = p.length;
  const auto ref = mint::score_rows(p.scores.data(), p.labels.data(), p.include.data(), rows, cols);
  bool ok = true;
  for (const auto path : {mint::AuprcCudaPath::block, mint::AuprcCudaPath::segmented}) {
    const auto got =
        mint::score_rows_cuda(p.scores.data(), p.labels.data(), p.include.data(), rows, cols, path)
            .to_curve_scores();
    std::size_t bad = 0;
    for (std::size_t r = 0; r < rows; ++r) bad += same(ref[r], got[r]) ? 0 : 1;
    std::printf("check %s path vs score_rows (%zu rows x %zu): %zu rows differ: %s\n",
                path == mint::AuprcCudaPath::block ? "block" : "segmented", rows, cols, bad,
                bad == 0 ? "ok" : "MISMATCH");
    ok = ok && bad == 0;
  }
  std::vector<float> s;
  std::vector<std::uint8_t> y;
  for (std::size_t i = 0; i < p.scores.size(); ++i) {
    if (p.include[i] != 0) {
      s.push_back(p.scores[i]);
      y.push_back(p.labels[i]);
    }
  }
  const mint::CurveScores pr = mint::score_curve(s.data(), y.data(), s.size());
  const mint::CurveScores pg =
      mint::score_pooled_cuda(p.scores.data(), p.labels.data(), p.include.data(), rows, cols);
  const bool pooled_ok = same(pr, pg);
  std::printf("check pooled vs score_curve (%zu entries): auprc %.17g / %.17g: %s\n", s.size(),
              pr.auprc, pg.auprc, pooled_ok ? "ok" : "MISMATCH");
  ok = ok && pooled_ok;
  if (!ok) std::fprintf(stderr, "MISMATCH: CUDA AUPRC differs from the CPU\n");
  return ok;
}

struct Result {
  std::string what;
  std::size_t rows, length;
  double ms, rows_per_s, gb_per_s, fraction_of_peak;
};

Result result(const std::string& what, std::size_t rows, std::size_t length, bool mask, double ms,
              double peak) {
  const double entry_bytes = 4.0 + 1.0 + (mask ? 1.0 : 0.0);
  const double bytes =
      static_cast<double>(rows) * (static_cast<double>(length) * entry_bytes + 25.0);
  const double gbs = bytes / (ms * 1e-3) / 1e9;
  return {what,
          rows,
          length,
          ms,
          static_cast<double>(rows) / (ms * 1e-3),
          gbs,
          peak > 0 ? gbs * 1e9 / peak : 0.0};
}

int run() {
  if (mint::cuda_device_count() == 0) {
    std::printf("no GPU: %s\n", mint::cuda_unavailable_reason().c_str());
    return 0;
  }
  const std::string device = mint::cuda_device_name(0);
  const double peak = peak_dram_bytes_per_s(0);
  std::printf("device %s, DRAM peak %.0f GB/s\n", device.c_str(), peak / 1e9);

  const Pool p250 = make_pool(250, 1);
  if (!check(p250)) return 1;

  std::vector<Result> results;
  mint::AuprcCudaWorkspace ws;
  constexpr std::size_t kRows = std::size_t{1} << 20;

  // (i) block path over L, (ii) segmented path at L = 250.
  for (const std::size_t length : {250u, 500u, 1000u}) {
    const Pool p = length == 250 ? p250 : make_pool(length, length);
    const DeviceRows d = tile(p, kRows);
    const DeviceOut out(kRows);
    for (const bool mask : {true, false}) {
      const double ms = time_ms([&] {
        mint::score_rows_cuda_device(d.scores.get(), d.labels.get(),
                                     mask ? d.include.get() : nullptr, kRows, length, out.view(),
                                     ws, mint::AuprcCudaPath::block, nullptr);
      });
      results.push_back(
          result(mask ? "block, mask" : "block, no mask", kRows, length, mask, ms, peak));
    }
    if (length == 250) {
      const double ms = time_ms([&] {
        mint::score_rows_cuda_device(d.scores.get(), d.labels.get(), d.include.get(), kRows, length,
                                     out.view(), ws, mint::AuprcCudaPath::segmented, nullptr);
      });
      results.push_back(result("segmented, mask", kRows, length, true, ms, peak));
    }
  }

  {  // (iii) pooled
    constexpr std::size_t kPooledRows = std::size_t{1} << 18;
    const DeviceRows d = tile(p250, kPooledRows);
    const double ms = time_ms([&] {
      mint::score_pooled_cuda_device(d.scores.get(), d.labels.get(), d.include.get(), kPooledRows,
                                     250, ws, nullptr);
    });
    Result r = result("pooled, mask", kPooledRows, 250, true, ms, peak);
    r.rows_per_s = static_cast<double>(kPooledRows) / (ms * 1e-3);
    results.push_back(r);
  }

  {  // (iv) long rows
    constexpr std::size_t kLongRows = 256, kLong = 100000;
    const DeviceRows d = tile(make_pool(kLong, 3, 64), kLongRows);  // 64 distinct rows
    const DeviceOut out(kLongRows);
    const double ms = time_ms(
        [&] {
          mint::score_rows_cuda_device(d.scores.get(), d.labels.get(), d.include.get(), kLongRows,
                                       kLong, out.view(), ws, mint::AuprcCudaPath::automatic,
                                       nullptr);
        },
        3);
    results.push_back(result("segmented, long rows", kLongRows, kLong, true, ms, peak));
  }

  {  // (v) host arrays in and out
    std::vector<float> s(kRows * 250);
    std::vector<std::uint8_t> y(s.size()), inc(s.size());
    for (std::size_t at = 0; at < s.size(); at += p250.scores.size()) {
      std::copy(p250.scores.begin(), p250.scores.end(), s.begin() + static_cast<long>(at));
      std::copy(p250.labels.begin(), p250.labels.end(), y.begin() + static_cast<long>(at));
      std::copy(p250.include.begin(), p250.include.end(), inc.begin() + static_cast<long>(at));
    }
    const double ms =
        time_ms([&] { mint::score_rows_cuda(s.data(), y.data(), inc.data(), kRows, 250); }, 1);
    results.push_back(result("host arrays (PCIe incl.)", kRows, 250, true, ms, peak));
  }

  std::printf("\n%-26s %9s %7s %10s %14s %9s %8s\n", "what", "rows", "L", "ms", "rows/s", "GB/s",
              "of peak");
  for (const Result& r : results) {
    std::printf("%-26s %9zu %7zu %10.3f %14.4g %9.1f %7.1f%%\n", r.what.c_str(), r.rows, r.length,
                r.ms, r.rows_per_s, r.gb_per_s, 100 * r.fraction_of_peak);
  }
  std::printf("\ncsv,device,what,rows,L,ms,rows_per_s,gb_per_s,fraction_of_peak\n");
  for (const Result& r : results) {
    std::printf("csv,%s,%s,%zu,%zu,%.5f,%.6g,%.2f,%.4f\n", device.c_str(), r.what.c_str(), r.rows,
                r.length, r.ms, r.rows_per_s, r.gb_per_s, r.fraction_of_peak);
  }
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_auprc_cuda: %s\n", e.what());
    return 1;
  }
}

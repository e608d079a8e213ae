// CUDA-events benchmark of the sampler kernel, mint::cuda::launch_sample_codes
// (ops/sampler/sampler.cu), on device buffers: no host copies in the timed region.
//
//   ninja -C build bench_sampler_cuda && build/bench/bench_sampler_cuda
//
// Workload: the bundled distinct_1 set (n = 4), default grammar and SimulationOptions, the
// train split of a classification with-subsets design of N sequences; output (N, L) bytes.
// Shapes: L ∈ {250, 1000} × N ∈ {1M, 4M}.
//
// Before anything is timed, for each L: 2,000 sequences (two ranges, the second straddling a
// group boundary) are sampled on the GPU and compared byte for byte with sample_codes_cpu,
// with guard bytes after the output that must stay untouched; then, after the warm-up launch
// of each timed shape, its first and last 1,000 rows are compared too (catches 64-bit index
// bugs at N·L > 2^32). Any mismatch: message on stderr, exit 1.
//
// Timing: one warm-up launch, then 10 launches between two cudaEvents; reports the mean per
// launch as sequences/s, output GB/s (N·L bytes written; the kernel reads only small tables)
// and the fraction of the card's peak DRAM bandwidth, 2 × memory clock × bus width / 8.
// Results go to stdout as a table and as "csv,"-prefixed lines (grep '^csv,' | cut -c5-).
// With no GPU (or mint built without one) it prints "no GPU: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "core/design.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "cuda_bench_util.cuh"
#include "ops/sampler/sampler.cuh"
#include "ops/sampler/sampler.hpp"

namespace {

constexpr int kTimedLaunches = 10;
constexpr std::int64_t kCheckSequences = 2000;
constexpr std::int64_t kTailRows = 1000;
constexpr std::size_t kGuardBytes = 256;
constexpr std::uint8_t kGuard = 0xA5;  // not a base code

using mint::bench::Event;
using mint::bench::peak_dram_bytes_per_s;

mint::SamplerTables make_tables(const mint::MotifSet& motifs, int length, std::int64_t n) {
  mint::SimulationOptions options;
  options.length = length;
  options.design.kind = mint::DesignKind::classification;
  options.design.negatives = mint::Negatives::with_subsets;
  options.design.train = n;
  const mint::Grammar grammar = mint::make_grammar(motifs, options.grammar, options.seed);
  mint::check_grammar_fits(grammar, length);
  const std::vector<mint::SplitPlan> plans =
      mint::plan_splits(static_cast<int>(motifs.size()), options.design);
  return mint::SamplerTables(motifs, grammar, options, plans.at(0));
}

// Compares rows [first, first + count) sampled on the device (h_got, count · L bytes) with the
// CPU reference; prints the first mismatch. Returns true when identical.
bool same_as_cpu(const mint::SamplerTables& tables, std::int64_t first, std::int64_t count,
                 const std::vector<std::uint8_t>& h_got, const char* what) {
  const int length = tables.length();
  std::vector<std::uint8_t> h_ref(static_cast<std::size_t>(count) * length);
  mint::sample_codes_cpu(tables, first, count, h_ref.data());
  std::size_t mismatches = 0, first_bad = 0;
  for (std::size_t k = 0; k < h_ref.size(); ++k) {
    if (h_ref[k] != h_got[k]) {
      if (mismatches++ == 0) first_bad = k;
    }
  }
  if (mismatches == 0) return true;
  std::fprintf(stderr,
               "MISMATCH (%s, L=%d, sequences [%lld, %lld)): %zu bytes differ; first at "
               "sequence %lld position %zu: cpu %d, gpu %d\n",
               what, length, static_cast<long long>(first), static_cast<long long>(first + count),
               mismatches,
               static_cast<long long>(first + static_cast<std::int64_t>(first_bad / length)),
               first_bad % length, h_ref[first_bad], h_got[first_bad]);
  return false;
}

// 2,000 sequences: the first 1,000 of the split and 1,000 straddling the middle group boundary,
// each sampled into its own buffer followed by guard bytes.
bool check_against_cpu(const mint::SamplerTables& tables) {
  const mint::cuda::DeviceSamplerTables d_tables(tables);
  const std::int64_t half = kCheckSequences / 2;
  const std::int64_t boundary = tables.group_start_[tables.group_start_.size() / 2];
  const std::int64_t second =
      std::clamp<std::int64_t>(boundary - half / 2, 0, tables.sequences() - half);
  bool ok = true;
  for (const std::int64_t first : {std::int64_t{0}, second}) {
    const std::size_t bytes = static_cast<std::size_t>(half) * tables.length();
    mint::cuda::DeviceBuffer<std::uint8_t> d_codes(bytes + kGuardBytes);
    MINT_CUDA_CHECK(cudaMemset(d_codes.get(), kGuard, bytes + kGuardBytes));
    mint::cuda::launch_sample_codes(d_tables.view(), first, half, d_codes.get(), nullptr);
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<std::uint8_t> h_codes(bytes + kGuardBytes);
    d_codes.download(h_codes.data(), h_codes.size());
    ok = same_as_cpu(tables, first, half, h_codes, "correctness check") && ok;
    const auto guard_ok = std::all_of(h_codes.begin() + static_cast<std::ptrdiff_t>(bytes),
                                      h_codes.end(), [](std::uint8_t b) { return b == kGuard; });
    if (!guard_ok) {
      std::fprintf(stderr, "MISMATCH (L=%d): the kernel wrote past the end of its output\n",
                   tables.length());
      ok = false;
    }
  }
  return ok;
}

struct Result {
  int length;
  std::int64_t n;
  double ms_per_launch, sequences_per_s, gb_per_s, fraction_of_peak;
};

// Warm-up, check head and tail rows, then time kTimedLaunches launches. Returns false on a
// mismatch.
bool run_shape(const mint::MotifSet& motifs, int length, std::int64_t n, double peak,
               Result* result) {
  const mint::SamplerTables tables = make_tables(motifs, length, n);
  const mint::cuda::DeviceSamplerTables d_tables(tables);
  const std::size_t bytes = static_cast<std::size_t>(n) * length;
  mint::cuda::DeviceBuffer<std::uint8_t> d_codes(bytes);

  mint::cuda::launch_sample_codes(d_tables.view(), 0, n, d_codes.get(), nullptr);  // warm-up
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  const std::size_t tail_bytes = static_cast<std::size_t>(kTailRows) * length;
  std::vector<std::uint8_t> h_rows(tail_bytes);
  MINT_CUDA_CHECK(cudaMemcpy(h_rows.data(), d_codes.get(), tail_bytes, cudaMemcpyDeviceToHost));
  bool ok = same_as_cpu(tables, 0, kTailRows, h_rows, "timed buffer, head");
  MINT_CUDA_CHECK(cudaMemcpy(h_rows.data(), d_codes.get() + (bytes - tail_bytes), tail_bytes,
                             cudaMemcpyDeviceToHost));
  ok = same_as_cpu(tables, n - kTailRows, kTailRows, h_rows, "timed buffer, tail") && ok;
  if (!ok) return false;

  Event start, stop;
  MINT_CUDA_CHECK(cudaEventRecord(start.get(), nullptr));
  for (int k = 0; k < kTimedLaunches; ++k) {
    mint::cuda::launch_sample_codes(d_tables.view(), 0, n, d_codes.get(), nullptr);
  }
  MINT_CUDA_CHECK(cudaEventRecord(stop.get(), nullptr));
  MINT_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  MINT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));

  const double seconds = ms / 1e3 / kTimedLaunches;
  const double bytes_per_s = static_cast<double>(bytes) / seconds;
  result->length = length;
  result->n = n;
  result->ms_per_launch = seconds * 1e3;
  result->sequences_per_s = static_cast<double>(n) / seconds;
  result->gb_per_s = bytes_per_s / 1e9;
  result->fraction_of_peak = peak > 0 ? bytes_per_s / peak : 0.0;
  return true;
}

int run() {
  if (mint::cuda_device_count() == 0) {
    std::printf("no GPU: %s\n", mint::cuda_unavailable_reason().c_str());
    return 0;
  }
  const int device = 0;
  MINT_CUDA_CHECK(cudaSetDevice(device));
  const double peak = peak_dram_bytes_per_s(device);
  std::printf("device: %s, peak DRAM %.0f GB/s\n", mint::cuda_device_name(device).c_str(),
              peak / 1e9);

  const mint::MotifSet motifs = mint::load_motifs("distinct_1");
  const int lengths[] = {250, 1000};
  const std::int64_t sizes[] = {1000000, 4000000};

  bool ok = true;
  for (const int length : lengths) {
    ok = check_against_cpu(make_tables(motifs, length, sizes[0])) && ok;
  }
  if (!ok) return 1;
  std::printf("correctness: %lld sequences per L identical to sample_codes_cpu\n",
              static_cast<long long>(kCheckSequences));

  std::vector<Result> results;
  for (const int length : lengths) {
    for (const std::int64_t n : sizes) {
      Result r{};
      if (!run_shape(motifs, length, n, peak, &r)) return 1;
      results.push_back(r);
    }
  }

  std::printf("%6s %9s %10s %14s %10s %8s\n", "L", "N", "ms/launch", "sequences/s", "GB/s",
              "of peak");
  for (const Result& r : results) {
    std::printf("%6d %9lld %10.3f %14.0f %10.1f %7.1f%%\n", r.length, static_cast<long long>(r.n),
                r.ms_per_launch, r.sequences_per_s, r.gb_per_s, 100 * r.fraction_of_peak);
  }
  std::printf("csv,device,L,N,ms_per_launch,sequences_per_s,output_gb_per_s,fraction_of_peak\n");
  const std::string name = mint::cuda_device_name(device);
  for (const Result& r : results) {
    std::printf("csv,%s,%d,%lld,%.4f,%.6g,%.2f,%.4f\n", name.c_str(), r.length,
                static_cast<long long>(r.n), r.ms_per_launch, r.sequences_per_s, r.gb_per_s,
                r.fraction_of_peak);
  }
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sampler_cuda: %s\n", e.what());
    return 1;
  }
}

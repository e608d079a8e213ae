// Timing helpers shared by the CUDA benchmarks: CUDA-event timing of a piece of work (Event is
// mint::cuda::Event from ops/common/cuda_check.cuh), wall-clock timing, the card's peak DRAM
// bandwidth and FP32 throughput for the roofline fractions; and, for the attribution kernels'
// benchmarks (bench_ig_cuda, bench_deeplift_cuda), their models, their relative norm and their
// result table.
#pragma once

#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/device.hpp"
#include "core/model.hpp"
#include "ops/common/cuda_check.cuh"
#include "tests/model_test_util.hpp"

namespace mint::bench {

using cuda::Event;

// Peak DRAM bandwidth in bytes/s from the attributes (cudaDeviceProp's memoryClockRate and
// memoryBusWidth are gone in CUDA 13); 0 if the driver does not say.
inline double peak_dram_bytes_per_s(int device) {
  int clock_khz = 0, bus_bits = 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);
}

// Mean milliseconds of `work` over `reps` repetitions on the legacy default stream, after one
// warm-up, by CUDA events.
template <typename Work>
double time_ms(Work&& work, int reps) {
  work();
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  Event start, stop;
  MINT_CUDA_CHECK(cudaEventRecord(start.get(), nullptr));
  for (int r = 0; r < reps; ++r) work();
  MINT_CUDA_CHECK(cudaEventRecord(stop.get(), nullptr));
  MINT_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  MINT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms / static_cast<float>(reps);
}

// Wall-clock milliseconds of one call (host entry points, CPU).
template <typename Work>
double wall_ms(Work&& work) {
  const auto t0 = std::chrono::steady_clock::now();
  work();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// An integer device attribute, 0 if the driver does not say.
inline int device_attribute_or_0(int device, cudaDeviceAttr attr) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, attr, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

// FP32 lanes per SM by compute capability (CUDA C Programming Guide, arithmetic throughput).
inline int fp32_lanes_per_sm(int major, int minor) {
  if (major == 8 && minor == 0) return 64;  // A100
  if (major == 7 || major == 6) return 64;
  return 128;  // 8.6, 8.9, 9.0 (H100), 10.x, 12.x
}

// Peak FP32 flop/s: SMs × FP32 lanes per SM × 2 × boost clock.
inline double peak_fp32_flops(int device) {
  const int major = device_attribute_or_0(device, cudaDevAttrComputeCapabilityMajor);
  const int minor = device_attribute_or_0(device, cudaDevAttrComputeCapabilityMinor);
  const double clock_hz = device_attribute_or_0(device, cudaDevAttrClockRate) * 1e3;
  return device_attribute_or_0(device, cudaDevAttrMultiProcessorCount) *
         fp32_lanes_per_sm(major, minor) * 2.0 * clock_hz;
}

// ---- the attribution kernels' benchmarks ----

// Random weights (init_model) with non-trivial BN running statistics and a larger fc3, so the
// attributions are not dominated by one ReLU pattern: the tests' model (tests/model_test_util.hpp).
inline Model bench_model(const ModelConfig& c, std::uint64_t seed) {
  return test::random_model(c, seed);
}
using test::random_codes;

inline double rel_norm(const std::vector<float>& ref, const std::vector<float>& got) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - got[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);  // NaN stays NaN: fails `<=`
}

// The shapes both attribution benchmarks time: the paper's size (L 250, F 32, K 12, P 10, H1 64,
// H2 32, same padding, BatchNorm, ReLU), and two larger ones whose per-block scratch exceeds
// shared memory (F 128; L 1000), which run the global-scratch path.
struct Shape {
  std::string name;
  ModelConfig config;
  int n;
};

inline std::vector<Shape> attribution_shapes() {
  ModelConfig paper;  // L 250, F 32, K 12, P 10, H1 64, H2 32
  ModelConfig wide = paper;
  wide.filters = 128;
  ModelConfig long_seq = paper;
  long_seq.length = 1000;
  return {{"paper", paper, 65536}, {"F128", wide, 8192}, {"L1000", long_seq, 8192}};
}

// One result row: shape, what was timed, sequences, ms, and the rates derived from them
// (0 where no flop count applies).
struct Row {
  std::string shape, what;
  int n;
  double ms, sequences_per_s, gflop_per_s, flop_fraction, gb_per_s, bw_fraction;
};

// The table on stdout, then the same rows as "csv,"-prefixed lines.
inline void print_rows(const std::string& device_name, const std::vector<Row>& rows) {
  std::printf("%-7s %-30s %6s %10s %13s %9s %8s %8s %8s\n", "shape", "what", "n", "ms",
              "sequences/s", "GFLOP/s", "of FP32", "GB/s", "of DRAM");
  for (const Row& r : rows) {
    if (r.gflop_per_s > 0) {
      std::printf("%-7s %-30s %6d %10.3f %13.0f %9.0f %7.2f%% %8.1f %7.2f%%\n", r.shape.c_str(),
                  r.what.c_str(), r.n, r.ms, r.sequences_per_s, r.gflop_per_s,
                  100 * r.flop_fraction, r.gb_per_s, 100 * r.bw_fraction);
    } else {
      std::printf("%-7s %-30s %6d %10.3f %13.0f %9s %8s %8s %8s\n", r.shape.c_str(), r.what.c_str(),
                  r.n, r.ms, r.sequences_per_s, "-", "-", "-", "-");
    }
  }
  std::printf(
      "csv,device,shape,what,n,ms,sequences_per_s,gflop_per_s,fraction_of_fp32_peak,"
      "gb_per_s,fraction_of_dram_peak\n");
  for (const Row& r : rows) {
    std::printf("csv,%s,%s,%s,%d,%.5f,%.6g,%.2f,%.4f,%.2f,%.4f\n", device_name.c_str(),
                r.shape.c_str(), r.what.c_str(), r.n, r.ms, r.sequences_per_s, r.gflop_per_s,
                r.flop_fraction, r.gb_per_s, r.bw_fraction);
  }
}

// One shape's model (bench_model, seed 1), random sequences on the host and the device, and
// the device output (n, 4, L).
struct ShapeData {
  Model m;
  int n, L;
  std::vector<std::uint8_t> codes;
  cuda::DeviceBuffer<std::uint8_t> d_codes;
  cuda::DeviceBuffer<float> d_out;

  explicit ShapeData(const Shape& shape)
      : m(bench_model(shape.config, 1)),
        n(shape.n),
        L(shape.config.length),
        codes(random_codes(n, L)),
        d_codes(cuda::to_device(codes.data(), codes.size())),
        d_out(static_cast<std::size_t>(n) * 4 * L) {}

  // The first `rows` sequences' output, copied to the host.
  std::vector<float> first_outputs(int rows) const {
    std::vector<float> got(static_cast<std::size_t>(rows) * 4 * L);
    d_out.download(got.data(), got.size());
    return got;
  }
};

// A timed kernel's result against the CPU's on its first rows (MISMATCH on stderr beyond
// tol), then its row: sequences/s, GFLOP/s and GB/s from the back-of-envelope counts, and their
// fractions of the card's peaks.
inline bool add_kernel_row(std::vector<Row>* rows, const Shape& shape, const std::string& method,
                           const std::vector<float>& ref, const std::vector<float>& got, int check,
                           double tol, int n, double ms, double flops, double bytes,
                           double peak_flops, double peak_bw) {
  const double err = rel_norm(ref, got);
  const bool ok = err <= tol;
  if (!ok) {
    std::fprintf(stderr, "MISMATCH: %s %s differs from the CPU on the first %d rows: %.2e\n",
                 shape.name.c_str(), method.c_str(), check, err);
  }
  const double s = ms / 1e3;
  rows->push_back({shape.name, method, n, ms, n / s, flops / s / 1e9,
                   peak_flops > 0 ? flops / s / peak_flops : 0, bytes / s / 1e9,
                   peak_bw > 0 ? bytes / s / peak_bw : 0});
  return ok;
}

// The main of an attribution kernel's benchmark: every shape of attribution_shapes() through
// bench_shape, the host entry points at the paper's size through bench_host, the table printed;
// exit 1 when a shape's check failed, 0 without a GPU (saying why).
template <typename BenchShape, typename BenchHost>
int attribution_bench_main(const char* program, BenchShape&& bench_shape, BenchHost&& bench_host) {
  try {
    if (cuda_device_count() == 0) {
      std::printf("no GPU: %s\n", cuda_unavailable_reason().c_str());
      return 0;
    }
    const int device = 0;
    MINT_CUDA_CHECK(cudaSetDevice(device));
    const double peak_flops = peak_fp32_flops(device), peak_bw = peak_dram_bytes_per_s(device);
    const std::string name = cuda_device_name(device);
    std::printf("device: %s, peak FP32 %.1f TFLOP/s, peak DRAM %.0f GB/s\n", name.c_str(),
                peak_flops / 1e12, peak_bw / 1e9);
    std::vector<Row> rows;
    bool ok = true;
    for (const Shape& shape : attribution_shapes()) {
      ok = bench_shape(shape, peak_flops, peak_bw, &rows) && ok;
    }
    bench_host(ModelConfig{}, &rows);
    print_rows(name, rows);
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace mint::bench

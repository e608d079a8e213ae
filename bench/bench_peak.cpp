// The machine's attainable FP32 peak and memory bandwidth, for the roofline in
// docs/performance.md (Google Benchmark): every thread runs 12 independent chains of 8-lane FMAs
// (the SIMD width mint's host code is built for, x86-64-v3), and a streaming triad over arrays
// far larger than the caches. items/s = FLOP/s and bytes/s.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>

#include <vector>

namespace {

void BM_PeakFma(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr long kIterations = 1 << 22;
  for (auto _ : state) {
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      __m256 acc[12];
      for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
      const __m256 a = _mm256_set1_ps(0.9999999f), b = _mm256_set1_ps(1e-7f);
      for (long it = 0; it < kIterations; ++it) {
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
      }
      __m256 s = acc[0];
      for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
      float lanes[8];
      _mm256_storeu_ps(lanes, s);
      for (float x : lanes) sink += x;
    }
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations() * threads * kIterations * 12 * 8 * 2);
}

void BM_Triad(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const std::size_t n = std::size_t{1} << 25;  // 3 × 128 MiB
  std::vector<float> a(n, 1.0f), b(n, 2.0f), c(n, 0.0f);
  for (auto _ : state) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::size_t i = 0; i < n; ++i) c[i] = a[i] + 1.5f * b[i];
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(3 * n * sizeof(float)));
}

}  // namespace

BENCHMARK(BM_PeakFma)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Triad)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

// CPU DeepLIFT throughput (Google Benchmark): deeplift() on a batch of random one-hot codes for
// a random init_model of the default shape (L 250, K 12, P 10, H1 64, H2 32, 'same', BatchNorm),
// F = 32 and F = 4, on all cores; the compat mode and the dense path at F = 32 for comparison.
// items/s = sequences/s. Captum 0.8 on the CPU does ~1,600 sequences/s at F = 32.
//   args: filters, batch, mode (0 default codes, 1 captum-0.8 codes, 2 default dense)
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.hpp"
#include "ops/deeplift/deeplift.hpp"

namespace {

using mint::bench::random_codes;

void BM_DeepLift(benchmark::State& state) {
  mint::ModelConfig c;  // defaults: L 250, K 12, P 10, H1 64, H2 32, 'same', BatchNorm
  c.filters = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1)), mode = static_cast<int>(state.range(2));
  const mint::Model model = mint::init_model(c, 1);
  const auto codes = random_codes(batch, c.length);
  std::vector<float> dense;
  mint::CnnInput in;
  if (mode == 2) {
    dense.assign(static_cast<std::size_t>(batch) * 4 * c.length, 0.0f);
    for (int i = 0; i < batch; ++i)
      for (int p = 0; p < c.length; ++p)
        dense[(static_cast<std::size_t>(i) * 4 +
               codes[static_cast<std::size_t>(i) * c.length + p]) *
                  c.length +
              p] = 1.0f;
    in.dense = dense.data();
  } else {
    in.codes = codes.data();
  }
  const auto compat = mode == 1 ? mint::DeepLiftCompat::captum_0_8 : mint::DeepLiftCompat::none;
  for (auto _ : state) {
    auto attr = mint::deeplift(model.config, model.params, in, batch, compat);
    benchmark::DoNotOptimize(attr.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel(mode == 0 ? "codes" : mode == 1 ? "codes captum-0.8" : "dense");
}

}  // namespace

BENCHMARK(BM_DeepLift)
    ->Args({32, 1024, 0})
    ->Args({4, 1024, 0})
    ->Args({32, 1024, 1})
    ->Args({32, 1024, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

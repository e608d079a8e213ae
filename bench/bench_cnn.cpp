// CPU CNN throughput (Google Benchmark): a training step (forward in train mode + backward +
// Adam) at batch 128 and inference at batch 512, F = 32 and F = 4, L = 250, K = 12, P = 10,
// on all cores. items/s = sequences/s. The PyTorch peer is bench/peers/torch_cnn.py.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_util.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace {

using mint::bench::random_codes;

mint::ModelConfig config(int filters) {
  mint::ModelConfig c;
  c.length = 250;
  c.filters = filters;
  c.width = 12;
  c.pool = 10;
  return c;
}

void BM_TrainStep(benchmark::State& state) {
  const int filters = static_cast<int>(state.range(0)), batch = static_cast<int>(state.range(1));
  const mint::ModelConfig c = config(filters);
  auto backend = mint::make_cpu_backend(c, batch);
  backend->set_params(mint::init_model(c, 1).params);
  const auto codes = random_codes(batch, c.length);
  std::vector<float> logits(batch), dlogits(batch, 1.0f / static_cast<float>(batch));
  mint::CnnInput in;
  in.codes = codes.data();
  long step = 0;
  for (auto _ : state) {
    backend->forward(in, batch, mint::Mode::train, logits.data());
    backend->backward(dlogits.data(), nullptr);
    backend->adam_step(mint::AdamOptions{}, ++step);
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_Inference(benchmark::State& state) {
  const int filters = static_cast<int>(state.range(0)), batch = static_cast<int>(state.range(1));
  const mint::ModelConfig c = config(filters);
  auto backend = mint::make_cpu_backend(c, batch);
  backend->set_params(mint::init_model(c, 1).params);
  const auto codes = random_codes(batch, c.length);
  std::vector<float> logits(batch);
  mint::CnnInput in;
  in.codes = codes.data();
  for (auto _ : state) {
    backend->forward(in, batch, mint::Mode::infer, logits.data());
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

}  // namespace

BENCHMARK(BM_TrainStep)
    ->Args({32, 128})
    ->Args({4, 128})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Inference)
    ->Args({32, 512})
    ->Args({4, 512})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

// The streaming benchmark end to end (Google Benchmark): run_stream over n sequences of the
// distinct_1 classification test design (L 250), one model of the paper's shape (init_model,
// F 32, K 12, P 10), one method — sampling, the forward pass, the attribution, position scores,
// per-motif AUPRC/AP/AUROC and the aggregates, with the final state and tables written.
// A run's fixed costs (the sampler's acceptance estimate, the tables' bootstrap CIs) weigh at
// the smaller n; the larger n of each method is the steady state. items/s = sequences/s.   args:
// method (3 ig, 4 deeplift), n, chunk, device (0 cpu, 1 cuda: the device-resident stream,
// pipeline/stream/stream_device.hpp; skipped without a GPU)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "core/device.hpp"
#include "pipeline/stream/stream.hpp"

namespace {

void BM_Stream(benchmark::State& state) {
  const bool cuda = state.range(3) == 1;
  if (cuda && mint::cuda_device_count() == 0) {
    state.SkipWithError(("no GPU: " + mint::cuda_unavailable_reason()).c_str());
    return;
  }
  mint::StreamOptions o;
  o.attribute.compute.device = cuda ? mint::DeviceChoice::cuda : mint::DeviceChoice::cpu;
  o.motifs = mint::load_motifs("distinct_1");
  o.set = "distinct_1";
  mint::set_stream_size(o.simulation, static_cast<int>(o.motifs.size()), state.range(1));
  o.models = {{"M_w", {mint::init_model(mint::ModelConfig{}, 1)}, {}}};
  o.methods = {static_cast<mint::Method>(state.range(0))};
  o.chunk = state.range(2);
  o.out = (std::filesystem::temp_directory_path() / "mint_bench_stream").string();
  std::int64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(o.out);
    state.ResumeTiming();
    n = mint::run_stream(o).sequences;
  }
  std::filesystem::remove_all(o.out);
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(std::string(mint::to_string(o.methods[0])) + (cuda ? " cuda" : " cpu"));
}

}  // namespace

BENCHMARK(BM_Stream)
    ->Args({static_cast<int>(mint::Method::ig), 4096, 1024, 0})
    ->Args({static_cast<int>(mint::Method::ig), 32768, 1024, 0})
    ->Args({static_cast<int>(mint::Method::deeplift), 32768, 1024, 0})
    ->Args({static_cast<int>(mint::Method::deeplift), 262144, 1024, 0})
    ->Args({static_cast<int>(mint::Method::ig), 65536, 4096, 1})
    ->Args({static_cast<int>(mint::Method::deeplift), 262144, 4096, 1})
    ->Args({static_cast<int>(mint::Method::deeplift), 262144, 16384, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

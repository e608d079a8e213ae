// The streaming benchmark end to end on the CPU (Google Benchmark): run_stream over n sequences
// of the distinct_1 classification test design (L 250), one model of the paper's shape
// (init_model, F 32, K 12, P 10), one method — sampling, the forward pass, the attribution,
// position scores, per-motif AUPRC/AP/AUROC and the aggregates, with the final state and tables
// written. items/s = sequences/s.   args: method (3 ig, 4 deeplift), n, chunk
#include <benchmark/benchmark.h>

#include <filesystem>

#include "pipeline/stream/stream.hpp"

namespace {

void BM_Stream(benchmark::State& state) {
  mint::StreamOptions o;
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
  state.SetLabel(mint::to_string(o.methods[0]));
}

}  // namespace

BENCHMARK(BM_Stream)
    ->Args({static_cast<int>(mint::Method::ig), 4096, 1024})
    ->Args({static_cast<int>(mint::Method::deeplift), 32768, 1024})
    ->Args({static_cast<int>(mint::Method::deeplift), 32768, 4096})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

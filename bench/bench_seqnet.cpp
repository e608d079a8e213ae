// CPU throughput of the general sequential CNN (ops/seqnet, issue 12) on the "two-conv"
// benchmark architecture of bench/seqnet_captum.py (Google Benchmark), L = 250:
//
//   Conv1d(4, 64, 15, 'same') ReLU MaxPool1d(4) Conv1d(64, 64, 5, 'same', dilation 2) ReLU
//   MaxPool1d(4) Flatten Linear(960, 64) ReLU Linear(64, 1)
//
// seqnet_integrated_gradients (50 Gauss–Legendre steps), seqnet_deeplift (DeepLiftCompat::none),
// seqnet_gradient, seqnet_ism and seqnet_predict of random one-hot codes, on state.range(0)
// threads (0: all cores): 2 (wall time) and 1 (CPU time). items/s = sequences/s. The Captum peer is
// bench/seqnet_captum.py.
//
//   bench_seqnet [--model=FILE.safetensors] [--inputs=CODES.npy] [--dump=DIR] [benchmark flags]
//
// --model: the weights (bench/seqnet_captum.py writes them); without it the architecture above
// with init_sequential's weights (seed 1). --inputs: uint8 codes (N, L) to time (the first 256
// rows at most; without it random_codes). --dump: write DIR/mint_ig.npy, DIR/mint_deeplift.npy
// (compat none) and DIR/mint_deeplift_captum.npy (captum_0_8: released Captum's numbers) of all
// of --inputs' rows (for bench/seqnet_captum.py --check) before the benchmarks.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "io/npy.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"
#include "ops/seqnet/seqnet.hpp"

namespace {

constexpr const char* kTwoConv = R"({"input": {"channels": 4, "length": 250}, "layers": [
  {"type": "Conv1d", "name": "0", "in_channels": 4, "out_channels": 64, "kernel_size": 15,
   "padding": "same", "dilation": 1, "bias": true},
  {"type": "ReLU", "name": "1"}, {"type": "MaxPool1d", "name": "2", "kernel_size": 4},
  {"type": "Conv1d", "name": "3", "in_channels": 64, "out_channels": 64, "kernel_size": 5,
   "padding": "same", "dilation": 2, "bias": true},
  {"type": "ReLU", "name": "4"}, {"type": "MaxPool1d", "name": "5", "kernel_size": 4},
  {"type": "Flatten", "name": "6"},
  {"type": "Linear", "name": "7", "in_features": 960, "out_features": 64, "bias": true},
  {"type": "ReLU", "name": "8"},
  {"type": "Linear", "name": "9", "in_features": 64, "out_features": 1, "bias": true}]})";

constexpr int kMaxRows = 256;  // sequences per timed call

mint::SequentialModel g_model;
std::vector<std::uint8_t> g_codes;  // (g_n, L)
int g_n = 0;

mint::CnnInput codes_input() {
  mint::CnnInput in;
  in.codes = g_codes.data();
  return in;
}

mint::SeqAttributeOptions options(const benchmark::State& state) {
  mint::SeqAttributeOptions o;
  o.threads = static_cast<int>(state.range(0));
  return o;
}

int rows_for(int cap) { return std::min(g_n, cap); }

void BM_SeqnetIG50(benchmark::State& state) {
  const int n = rows_for(64);
  for (auto _ : state) {
    auto a = mint::seqnet_integrated_gradients(g_model, codes_input(), n,
                                               mint::IgMethod::gausslegendre, 50, options(state));
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_SeqnetDeepLift(benchmark::State& state) {
  const int n = rows_for(256);
  for (auto _ : state) {
    auto a = mint::seqnet_deeplift(g_model, codes_input(), n, mint::DeepLiftCompat::none,
                                   options(state));
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_SeqnetGradient(benchmark::State& state) {
  const int n = rows_for(256);
  for (auto _ : state) {
    auto a = mint::seqnet_gradient(g_model, codes_input(), n, options(state));
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_SeqnetPredict(benchmark::State& state) {
  const int n = rows_for(256);
  for (auto _ : state) {
    auto a = mint::seqnet_predict(g_model, codes_input(), n, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_SeqnetISM(benchmark::State& state) {
  const int n = rows_for(8);
  for (auto _ : state) {
    auto a = mint::seqnet_ism(g_model, codes_input(), n, options(state));
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// On 2 threads (wall time), and on 1 (CPU time: a rate that other load on the machine hardly
// disturbs).
#define MINT_SEQNET_BENCH(fn)                                          \
  BENCHMARK(fn)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK(fn)->Arg(1)->Unit(benchmark::kMillisecond)
MINT_SEQNET_BENCH(BM_SeqnetIG50);
MINT_SEQNET_BENCH(BM_SeqnetDeepLift);
MINT_SEQNET_BENCH(BM_SeqnetGradient);
MINT_SEQNET_BENCH(BM_SeqnetPredict);
MINT_SEQNET_BENCH(BM_SeqnetISM);

// Removes --name=VALUE from argv; its value, or "" when absent.
std::string take_flag(int& argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  std::string value;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      value = argv[i] + prefix.size();
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return value;
}

void dump(const std::string& dir, int n) {
  mint::SeqAttributeOptions o;
  const int L = g_model.arch.length;
  const std::vector<std::int64_t> shape{n, 4, L};
  const auto ig = mint::seqnet_integrated_gradients(g_model, codes_input(), n,
                                                    mint::IgMethod::gausslegendre, 50, o);
  mint::write_npy(dir + "/mint_ig.npy", shape, ig.data());
  const auto dl = mint::seqnet_deeplift(g_model, codes_input(), n, mint::DeepLiftCompat::none, o);
  mint::write_npy(dir + "/mint_deeplift.npy", shape, dl.data());
  const auto dl08 =
      mint::seqnet_deeplift(g_model, codes_input(), n, mint::DeepLiftCompat::captum_0_8, o);
  mint::write_npy(dir + "/mint_deeplift_captum.npy", shape, dl08.data());
  std::cout << "wrote " << dir << "/mint_ig.npy, mint_deeplift.npy, mint_deeplift_captum.npy (" << n
            << " sequences)\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model = take_flag(argc, argv, "model");
  const std::string inputs = take_flag(argc, argv, "inputs");
  const std::string dump_dir = take_flag(argc, argv, "dump");
  try {
    if (!model.empty()) {
      g_model = mint::sequential_from_safetensors(mint::read_safetensors(model), model);
    } else {
      g_model.arch = mint::parse_architecture(kTwoConv, "bench_seqnet two-conv");
      g_model.params = mint::init_sequential(g_model.arch, 1);
    }
    const int L = g_model.arch.length;
    if (!inputs.empty()) {
      const mint::NpyArray a = mint::read_npy(inputs);
      if (a.dtype != "u1" || a.shape.size() != 2 || a.shape[1] != L) {
        std::cerr << inputs << ": expected uint8 codes (N, " << L << ")\n";
        return 2;
      }
      g_n = static_cast<int>(a.shape[0]);
      g_codes.assign(a.as<std::uint8_t>(), a.as<std::uint8_t>() + a.elements());
    } else {
      g_n = kMaxRows;
      g_codes = mint::bench::random_codes(g_n, L);
    }
    if (!dump_dir.empty()) dump(dump_dir, g_n);
  } catch (const std::exception& e) {
    std::cerr << "bench_seqnet: " << e.what() << "\n";
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

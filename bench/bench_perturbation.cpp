// Perturbation attributions on the CPU (Google Benchmark), at the ModelConfig defaults
// (L 250, F 32, K 12, P 10, H1 64, H2 32, 'same' padding, BatchNorm), random sequences,
// all cores unless --benchmark_filter picks a /threads variant. items/s = sequences/s;
// the `variants/s` counter counts single-column forward evaluations (3L per sequence for
// ISM, L per sequence for FeaturePermutation).
//
//   BM_IsmIncremental        ism_incremental (perturbation.hpp)
//   BM_IsmBruteForce         ism() of perturbation.hpp: 3L full forward passes per sequence,
//                            what Captum-style re-evaluation costs (the baseline)
//   BM_FeaturePermutation    feature_permutation, batches of 128, seeded permutations
//   BM_FeaturePermutationBruteForce
//                            L full forward passes of each permuted batch (Captum's way)
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.hpp"
#include "ops/perturbation/perturbation.hpp"

namespace {

using mint::bench::random_codes;

// PyTorch-style initialisation with BatchNorm statistics away from the identity.
mint::Model model() {
  mint::Model m = mint::init_model(mint::ModelConfig{}, 1);
  for (std::size_t f = 0; f < m.params.bn_weight.size(); ++f) {
    m.params.bn_running_mean[f] = 0.1f * static_cast<float>(f % 5);
    m.params.bn_running_var[f] = 0.5f + 0.1f * static_cast<float>(f % 7);
  }
  return m;
}

void report(benchmark::State& state, int n, double variants_per_sequence) {
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["variants/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n * variants_per_sequence,
                         benchmark::Counter::kIsRate);
}

void BM_IsmIncremental(benchmark::State& state) {
  const mint::Model m = model();
  const int n = 256, threads = static_cast<int>(state.range(0));
  const auto codes = random_codes(n, m.config.length);
  mint::CnnInput in;
  in.codes = codes.data();
  for (auto _ : state) {
    auto out = mint::ism_incremental(m.config, m.params, in, n, mint::Target::logit, threads);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, n, 3.0 * m.config.length);
}

void BM_IsmBruteForce(benchmark::State& state) {
  const mint::Model m = model();
  const int n = 4;
  const auto codes = random_codes(n, m.config.length);
  mint::CnnInput in;
  in.codes = codes.data();
  mint::CpuCnn cnn(m.config, 512, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto out = mint::ism(cnn, m.params, in, n);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, n, 3.0 * m.config.length);
}

void BM_FeaturePermutation(benchmark::State& state) {
  const mint::Model m = model();
  const int n = 512;
  const auto codes = random_codes(n, m.config.length);
  mint::CnnInput in;
  in.codes = codes.data();
  mint::FpOptions o;
  o.batch_size = 128;
  o.seed = 1;
  o.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto out = mint::feature_permutation(m.config, m.params, in, n, o);
    benchmark::DoNotOptimize(out.data());
  }
  report(state, n, m.config.length);
}

void BM_FeaturePermutationBruteForce(benchmark::State& state) {
  const mint::Model m = model();
  const int batch = 128, length = m.config.length;
  const auto codes = random_codes(batch, length);
  mint::CpuCnn cnn(m.config, batch, static_cast<int>(state.range(0)));
  std::vector<std::uint8_t> permuted(codes.size());
  std::vector<float> base(batch), logits(batch), attr(static_cast<std::size_t>(batch) * length);
  mint::CnnInput in;
  for (auto _ : state) {
    in.codes = codes.data();
    cnn.predict(m.params, in, batch, base.data());
    for (int p = 0; p < length; ++p) {
      const auto perm = mint::fp_permutation(1, 0, p, batch);
      permuted = codes;
      for (int i = 0; i < batch; ++i) {
        permuted[static_cast<std::size_t>(i) * length + p] =
            codes[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)]) * length + p];
      }
      in.codes = permuted.data();
      cnn.predict(m.params, in, batch, logits.data());
      for (int i = 0; i < batch; ++i) {
        attr[static_cast<std::size_t>(i) * length + p] =
            base[static_cast<std::size_t>(i)] - logits[static_cast<std::size_t>(i)];
      }
    }
    benchmark::DoNotOptimize(attr.data());
  }
  report(state, batch, length);
}

}  // namespace

// Argument: threads (0 = all cores).
BENCHMARK(BM_IsmIncremental)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IsmBruteForce)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FeaturePermutation)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FeaturePermutationBruteForce)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

// The progress hook (core/progress.hpp) of the long pipeline calls — attribute_models (every
// method, one model and an ensemble of two; codes, scaled codes and dense input), predict_each
// and Predictor::predict_each, simulate, train_model / train_and_save and run_experiment: the
// results with a hook are the same bytes as without, the hook sees `done` rise to `total`, and
// a hook that throws stops the call with its own exception (nothing half-written).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/experiment.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/simulate.hpp"
#include "pipeline/train.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;
using test::random_codes;
using test::random_model;
using test::small_config;

struct Stop {};  // what the hook throws: no mint::Error, so nothing may catch it on the way

using Calls = std::vector<std::pair<std::int64_t, std::int64_t>>;

ProgressFn recorder(Calls& calls) {
  return [&calls](std::int64_t done, std::int64_t total) { calls.emplace_back(done, total); };
}

// Records, and throws Stop at the first report after the one at 0.
ProgressFn stopper(Calls& calls) {
  return [&calls](std::int64_t done, std::int64_t total) {
    calls.emplace_back(done, total);
    if (calls.size() > 1) throw Stop{};
  };
}

// 0 first, never decreasing (strictly rising when `strict`), `total` throughout, ending at it.
::testing::AssertionResult rises_to_total(const Calls& calls, std::int64_t total,
                                          std::size_t min_calls, bool strict = true) {
  if (calls.size() < min_calls) {
    return ::testing::AssertionFailure()
           << calls.size() << " calls, expected at least " << min_calls;
  }
  if (calls.front().first != 0) return ::testing::AssertionFailure() << "first done is not 0";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].second != total) {
      return ::testing::AssertionFailure()
             << "call " << i << ": total " << calls[i].second << ", expected " << total;
    }
    if (i > 0 &&
        (calls[i].first < calls[i - 1].first || (strict && calls[i].first == calls[i - 1].first))) {
      return ::testing::AssertionFailure()
             << "call " << i << ": done " << calls[i].first << " after " << calls[i - 1].first;
    }
  }
  if (calls.back().first != total) {
    return ::testing::AssertionFailure() << "last done " << calls.back().first << " of " << total;
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << "sizes " << a.size() << " and " << b.size();
  }
  if (!a.empty() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) != 0) {
    std::size_t i = 0;
    while (std::memcmp(&a[i], &b[i], sizeof(T)) == 0) ++i;
    return ::testing::AssertionFailure()
           << "first difference at " << i << ": " << a[i] << " vs " << b[i];
  }
  return ::testing::AssertionSuccess();
}

// ---- attribute_models -------------------------------------------------------------------------

constexpr int kN = 45;     // sequences: chunks of 8 leave a last chunk of 5
constexpr int kChunk = 8;  // FP (batch 6): rounded up to 12
constexpr int kFpBatch = 6;

// Codes, scaled codes (some scales 0: every relu1 input equals the reference's, DeepLIFT's
// fallback) and dense input (one-hot with zeroed stretches: the same fallback in places).
struct Inputs {
  std::vector<std::uint8_t> codes = random_codes(kN, small_config().length, 11);
  std::vector<float> scale, dense;
  Inputs() {
    const int L = small_config().length;
    std::mt19937_64 rng(12);
    std::uniform_real_distribution<float> u(0.2f, 1.5f);
    for (int s = 0; s < kN; ++s) scale.push_back(s % 5 == 2 ? 0.0f : u(rng));
    dense.assign(static_cast<std::size_t>(kN) * 4 * L, 0.0f);
    for (int s = 0; s < kN; ++s) {
      for (int p = 0; p < L; ++p) {
        if (s % 3 == 1 && p >= 4 && p < 14) continue;  // a zero stretch longer than K
        dense[(static_cast<std::size_t>(s) * 4 + codes[static_cast<std::size_t>(s) * L + p]) * L +
              p] = s % 4 == 0 ? u(rng) : 1.0f;
      }
    }
  }
  CnnInput input(int which) const {
    CnnInput in;
    if (which == 2) {
      in.dense = dense.data();
    } else {
      in.codes = codes.data();
      if (which == 1) in.scale = scale.data();
    }
    return in;
  }
};

// A random model whose filter 0 sums to exactly 0 over every one-hot window (+0.5 at tap 0,
// −0.5 at tap 1, any base) and is positive after BatchNorm: its relu1 inputs equal the
// reference's, so captum-0.8's fallback — sequence 0's gradient — reaches every sequence's
// attribution.
Model tied_model(std::uint64_t seed) {
  Model m = random_model(small_config(), seed);
  const int K = m.config.width;
  for (int b = 0; b < 4; ++b) {
    for (int k = 0; k < K; ++k) {
      m.params.conv_weight[static_cast<std::size_t>(b * K + k)] = k == 0   ? 0.5f
                                                                  : k == 1 ? -0.5f
                                                                           : 0.0f;
    }
  }
  m.params.conv_bias[0] = 1.0f;
  m.params.bn_running_mean[0] = 0.0f;
  m.params.bn_running_var[0] = 1.0f;
  m.params.bn_weight[0] = 1.0f;
  m.params.bn_bias[0] = 0.5f;
  return m;
}

struct Variant {
  Method method;
  DeepLiftCompat compat = DeepLiftCompat::none;
};

const Variant kVariants[] = {{Method::grad},     {Method::saliency},
                             {Method::ixg},      {Method::ig},
                             {Method::deeplift}, {Method::deeplift, DeepLiftCompat::captum_0_8},
                             {Method::fp},       {Method::ism}};

AttributeOptions options_of(const Variant& v) {
  AttributeOptions o;
  o.method = v.method;
  o.compat = v.compat;
  o.ig_steps = 6;
  o.fp_batch = kFpBatch;
  o.fp_seed = 3;
  o.compute.device = DeviceChoice::cpu;
  o.compute.threads = 2;
  return o;
}

std::string name_of(const Variant& v, int input, std::size_t models) {
  static const char* inputs[] = {"codes", "scaled codes", "dense"};
  return std::string(to_string(v.method)) +
         (v.compat == DeepLiftCompat::captum_0_8 ? " captum-0.8" : "") + ", " + inputs[input] +
         ", " + std::to_string(models) + " model(s)";
}

TEST(Progress, AttributeEveryMethodIsTheSameBytesWithTheHook) {
  const Inputs in;
  const std::vector<Model> one = {tied_model(1)};
  const std::vector<Model> two = {tied_model(1), tied_model(2)};
  const int L = small_config().length;
  for (const Variant& v : kVariants) {
    for (int input = 0; input < 3; ++input) {
      for (const std::vector<Model>* models : {&one, &two}) {
        SCOPED_TRACE(name_of(v, input, models->size()));
        AttributeOptions o = options_of(v);
        const AttributeResult plain = attribute_models(*models, in.input(input), kN, L, o);
        Calls calls;
        o.progress = recorder(calls);
        o.chunk = kChunk;
        const AttributeResult hooked = attribute_models(*models, in.input(input), kN, L, o);
        EXPECT_TRUE(same_bytes(plain.values, hooked.values));
        EXPECT_EQ(plain.permutations, hooked.permutations);
        EXPECT_EQ(plain.where, hooked.where);
        // 45 in chunks of 8 (6 chunks) or, FP, of 12 (4 chunks); plus the report at 0.
        EXPECT_TRUE(rises_to_total(calls, kN, v.method == Method::fp ? 5 : 7));
      }
    }
  }
}

// The captum-0.8 fallback does depend on sequence 0 of the call on these inputs (so the test
// above can fail), and FP's chunks draw the whole call's permutations, which replay to it.
TEST(Progress, AttributeChunksKeepTheCallsDependencies) {
  const Inputs in;
  const std::vector<Model> models = {tied_model(1)};
  const int L = small_config().length;
  const auto row = static_cast<std::size_t>(4 * L);
  AttributeOptions o = options_of({Method::deeplift, DeepLiftCompat::captum_0_8});
  const AttributeResult whole = attribute_models(models, in.input(0), kN, L, o);
  const AttributeResult alone =
      attribute_models(models, offset(in.input(0), kChunk, L), kN - kChunk, L, o);
  EXPECT_NE(std::memcmp(whole.values.data() + kChunk * row, alone.values.data(),
                        alone.values.size() * sizeof(float)),
            0)
      << "captum-0.8 results do not depend on sequence 0 here: the test input is too easy";

  AttributeOptions f = options_of({Method::fp});
  Calls calls;
  f.progress = recorder(calls);
  f.chunk = kChunk;
  const AttributeResult hooked = attribute_models(models, in.input(0), kN, L, f);
  ASSERT_EQ(hooked.permutations.size(),
            static_cast<std::size_t>((kN + kFpBatch - 1) / kFpBatch * L));
  AttributeOptions replay = options_of({Method::fp});
  replay.fp_seed = 99;  // ignored when replaying
  replay.fp_replay = &hooked.permutations;
  EXPECT_TRUE(
      same_bytes(hooked.values, attribute_models(models, in.input(0), kN, L, replay).values));
}

TEST(Progress, AttributeHookThatThrowsStopsEveryMethod) {
  const Inputs in;
  const std::vector<Model> two = {tied_model(1), tied_model(2)};
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(name_of(v, 0, 2));
    AttributeOptions o = options_of(v);
    Calls calls;
    o.progress = stopper(calls);
    o.chunk = kChunk;
    EXPECT_THROW(attribute_models(two, in.input(0), kN, small_config().length, o), Stop);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].first, 0);
    EXPECT_EQ(calls[1].first, v.method == Method::fp ? 12 : kChunk);
  }
}

// Where chunks could change an error message the call is one chunk: the same error.
TEST(Progress, AttributeErrorsAreTheSameWithTheHook) {
  Inputs in;
  const std::vector<Model> models = {tied_model(1)};
  const int L = small_config().length;
  in.codes[static_cast<std::size_t>(40) * L + 3] = 7;
  for (const Variant& v : kVariants) {
    if (v.method != Method::deeplift && v.method != Method::fp && v.method != Method::ism &&
        v.method != Method::ig) {
      continue;  // the gradients do not check the codes
    }
    SCOPED_TRACE(name_of(v, 0, 1));
    AttributeOptions o = options_of(v);
    const std::string plain =
        test::error_of([&] { attribute_models(models, in.input(0), kN, L, o); });
    Calls calls;
    o.progress = recorder(calls);
    o.chunk = kChunk;
    EXPECT_EQ(plain, test::error_of([&] { attribute_models(models, in.input(0), kN, L, o); }));
  }
  AttributeOptions fp = options_of({Method::fp});
  fp.fp_batch = 4;  // 45 = 11·4 + 1: a last batch of one
  const Inputs good;
  const std::string plain =
      test::error_of([&] { attribute_models(models, good.input(0), kN, L, fp); });
  EXPECT_NE(plain.find("batch of one"), std::string::npos) << plain;
  Calls calls;
  fp.progress = recorder(calls);
  fp.chunk = kChunk;
  EXPECT_EQ(plain, test::error_of([&] { attribute_models(models, good.input(0), kN, L, fp); }));
}

// On a GPU the chunks are multiples of 1024, so the CUDA backend's batches are unchanged.
TEST(Progress, AttributeOnTheGpuIsTheSameBytesWithTheHook) {
  MINT_REQUIRE_GPU();
  const int n = 2500, L = small_config().length;
  const std::vector<std::uint8_t> codes = random_codes(n, L, 5);
  const std::vector<Model> two = {tied_model(1), tied_model(2)};
  CnnInput in;
  in.codes = codes.data();
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(name_of(v, 0, 2));
    AttributeOptions o = options_of(v);
    o.fp_batch = 128;  // 2500 = 19·128 + 68
    o.compute.device = DeviceChoice::cuda;
    const AttributeResult plain = attribute_models(two, in, n, L, o);
    Calls calls;
    o.progress = recorder(calls);
    o.chunk = 1000;  // 1024 (GPU), 1024 (FP: 8 batches)
    const AttributeResult hooked = attribute_models(two, in, n, L, o);
    EXPECT_TRUE(same_bytes(plain.values, hooked.values));
    EXPECT_EQ(plain.permutations, hooked.permutations);
    EXPECT_TRUE(rises_to_total(calls, n, 4));
  }
}

// ---- predict ----------------------------------------------------------------------------------

TEST(Progress, PredictIsTheSameBytesWithTheHook) {
  const int n = 1100, L = small_config().length;  // batches of 512: 512, 512, 76
  const std::vector<std::uint8_t> codes = random_codes(n, L, 21);
  const std::vector<Model> two = {tied_model(1), tied_model(2)};
  CnnInput in;
  in.codes = codes.data();
  Compute compute;
  compute.device = DeviceChoice::cpu;
  compute.threads = 2;
  const auto plain = predict_each(two, in, n, L, compute);
  Calls calls;
  const auto hooked = predict_each(two, in, n, L, compute, recorder(calls));
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(hooked.size(), 2u);
  for (std::size_t m = 0; m < 2; ++m) EXPECT_TRUE(same_bytes(plain[m], hooked[m]));
  EXPECT_TRUE(rises_to_total(calls, 2 * n, 7));
  const Calls expected = {{0, 2200},    {512, 2200},  {1024, 2200}, {1100, 2200},
                          {1612, 2200}, {2124, 2200}, {2200, 2200}};
  EXPECT_EQ(calls, expected);

  Predictor predictor(two, compute);
  Calls kept;
  const auto again = predictor.predict_each(in, n, recorder(kept));
  for (std::size_t m = 0; m < 2; ++m) EXPECT_TRUE(same_bytes(plain[m], again[m]));
  EXPECT_EQ(kept, expected);

  Calls stopped;
  EXPECT_THROW(predict_each(two, in, n, L, compute, stopper(stopped)), Stop);
  EXPECT_EQ(stopped.size(), 2u);
  Calls stopped_kept;
  EXPECT_THROW(predictor.predict_each(in, n, stopper(stopped_kept)), Stop);
  EXPECT_EQ(stopped_kept.size(), 2u);
}

// ---- simulate ---------------------------------------------------------------------------------

SimulationOptions simulation_options(std::int64_t train) {
  SimulationOptions o;
  o.seed = 9;
  o.length = 120;
  o.design.kind = DesignKind::classification;
  o.design.train = train;
  o.design.valid = 30;
  o.design.test_positives = 20;
  o.design.test_per_subset = 4;
  return o;
}

TEST(Progress, SimulateIsTheSameBytesWithTheHook) {
  // The train split is longer than kSimulateChunk: two sampler calls.
  const MotifSet motifs = load_motifs("distinct_1");
  const SimulationOptions o = simulation_options(kSimulateChunk + 1000);
  const Simulation plain = simulate(motifs, o, Backend::cpu, 2);
  Calls calls;
  const Simulation hooked = simulate(motifs, o, Backend::cpu, 2, recorder(calls));
  ASSERT_EQ(plain.splits.size(), hooked.splits.size());
  std::int64_t total = 0;
  for (std::size_t s = 0; s < plain.splits.size(); ++s) {
    SCOPED_TRACE(plain.splits[s].name);
    EXPECT_TRUE(same_bytes(plain.splits[s].codes, hooked.splits[s].codes));
    EXPECT_TRUE(same_bytes(plain.splits[s].offsets, hooked.splits[s].offsets));
    EXPECT_TRUE(same_bytes(plain.splits[s].labels, hooked.splits[s].labels));
    EXPECT_EQ(plain.splits[s].masks, hooked.splits[s].masks);
    total += plain.splits[s].size();
  }
  // 0, the train split's two chunks, then one report per other split.
  EXPECT_TRUE(rises_to_total(calls, total, 2 + plain.splits.size()));
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[1].first, kSimulateChunk);

  Calls stopped;
  EXPECT_THROW(simulate(motifs, o, Backend::cpu, 2, stopper(stopped)), Stop);
  EXPECT_EQ(stopped.size(), 2u);
}

// ---- train ------------------------------------------------------------------------------------

ModelConfig train_config() {
  ModelConfig c;
  c.length = 120;
  c.filters = 4;
  c.width = 6;
  c.pool = 4;
  c.hidden1 = 8;
  c.hidden2 = 4;
  return c;
}

std::vector<float> all_params(const ModelParams& p) {
  std::vector<float> v;
  for (const std::vector<float>* a :
       {&p.conv_weight, &p.conv_bias, &p.bn_weight, &p.bn_bias, &p.bn_running_mean,
        &p.bn_running_var, &p.fc1_weight, &p.fc1_bias, &p.fc2_weight, &p.fc2_bias, &p.fc3_weight,
        &p.fc3_bias}) {
    v.insert(v.end(), a->begin(), a->end());
  }
  return v;
}

TEST(Progress, TrainIsTheSameWeightsWithTheHook) {
  const Simulation sim = simulate(load_motifs("distinct_1"), simulation_options(100));
  TrainOptions o;
  o.batch = 32;  // 100 train sequences: 4 mini-batches per epoch
  o.max_epochs = 3;
  o.patience = 100;
  o.print_progress = false;
  auto backend = make_cpu_backend(train_config(), 64, 2);
  o.eval_batch = 64;
  const TrainResult plain = train_model(train_config(), sim.splits[0], sim.splits[1], o, *backend);
  Calls calls;
  o.progress = recorder(calls);
  const TrainResult hooked = train_model(train_config(), sim.splits[0], sim.splits[1], o, *backend);
  EXPECT_TRUE(same_bytes(all_params(plain.model.params), all_params(hooked.model.params)));
  EXPECT_TRUE(rises_to_total(calls, 12, 13));
  EXPECT_EQ(calls.size(), 13u);

  Calls stopped;
  o.progress = stopper(stopped);
  EXPECT_THROW(train_model(train_config(), sim.splits[0], sim.splits[1], o, *backend), Stop);
  EXPECT_EQ(stopped.size(), 2u);
}

// A hook (or on_epoch) that throws leaves no model file and no log behind.
TEST(Progress, TrainAndSaveStoppedWritesNothing) {
  const Simulation sim = simulate(load_motifs("distinct_1"), simulation_options(100));
  const std::string dir = test::scratch_dir("progress_train");
  TrainOptions o;
  o.batch = 32;
  o.eval_batch = 64;
  o.max_epochs = 3;
  o.print_progress = false;
  Compute compute;
  compute.device = DeviceChoice::cpu;
  compute.threads = 2;
  int epochs = 0;
  o.on_epoch = [&epochs](const EpochLog&) {
    if (++epochs == 2) throw Stop{};
  };
  EXPECT_THROW(train_and_save(sim, train_config(), o, compute, dir, "m"), Stop);
  EXPECT_EQ(epochs, 2);
  Calls stopped;
  o.on_epoch = nullptr;
  o.progress = stopper(stopped);
  EXPECT_THROW(train_and_save(sim, train_config(), o, compute, dir, "m"), Stop);
  EXPECT_FALSE(fs::exists(fs::path(dir) / "m.safetensors"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "m.log.tsv"));
}

// ---- experiment -------------------------------------------------------------------------------

// The runner reports (steps done, steps) and, within a step, the step's count again: a hook
// that throws there stops the step before its outputs are written.
TEST(Progress, ExperimentHookStopsWithinAStep) {
  ExperimentConfig c = default_config(ExperimentKind::negatives, ExperimentSize::quick);
  c.filters = {4};
  c.seeds = 1;
  c.length = 100;
  c.train = 100;
  c.valid = 60;
  c.test_positives = 10;
  c.test_per_subset = 2;
  c.epochs = 1;
  c.compute.threads = 1;
  validate(c);
  RunOptions r;
  r.out = test::scratch_dir("progress_experiment");
  r.quiet = true;
  Calls calls;
  r.progress = [&calls](std::int64_t done, std::int64_t total) {
    calls.emplace_back(done, total);
    if (calls.size() == 3) throw Stop{};  // 0 (run), 0 (first data step's simulate), then this
  };
  EXPECT_THROW(run_experiment(c, r), Stop);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].first, 0);  // still within the first step
  EXPECT_GT(calls[2].second, 3);
  for (const auto& e : fs::recursive_directory_iterator(r.out)) {
    EXPECT_NE(e.path().filename(), "dataset.json") << e.path();
  }
}

}  // namespace
}  // namespace mint

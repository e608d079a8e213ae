// The CUDA backend of the CNN (ops/cnn/cnn_backend_cuda.cu and the kernels) against the CPU backend
// (make_cpu_backend) — the reference — and, for one small case, the float64 reference:
//   hand-written edge cases first (homopolymers, whose interior positions tie exactly in
//   max-pool, so the first maximum must win on both backends), then seeded random models and
//   inputs over the configurations below, eval and train mode, codes / scaled codes / dense:
//   logits, BatchNorm running statistics, parameter and input gradients; Adam (the kernel
//   against adam_update on the host, then 1 and 3 full steps against the CPU backend);
//   bitwise reproducibility; errors. Host outputs carry guard values after their end.
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU); the no-GPU error test skips with one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/device.hpp"
#include "core/error.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// Relative-norm tolerances, CUDA vs CPU: both float32, different summation orders (cuBLAS
// GEMMs, fixed-chunk double reductions on the GPU; float sums over blocks of sequences on the CPU).
constexpr double kLogitTol = 1e-5;
// A logit near 0 is a cancellation (fc3's bias against Σ w·a, terms of order 0.1–1), so its
// own relative error measures nothing: the logits' norm is floored at 0.1 per logit.
double logit_floor(int n) { return 0.1 * std::sqrt(static_cast<double>(n)); }
constexpr double kGradTol = 1e-4;  // gradients: a longer chain of float32 operations
constexpr double kStatTol = 1e-5;  // BN running statistics (double reductions on both sides)
constexpr double kRefTol = 1e-4;   // CUDA vs the float64 reference (test_cnn.cpp's kDeepChainTol)
constexpr int kGuard = 16;         // guard values after every host output
constexpr float kGuardValue = -12345.5f;
constexpr std::uint64_t kSeeds[] = {1, 20261126};

// The shared random model, with a non-zero BN batch counter (it must survive the round trip).
Model random_model_with_batch_count(const ModelConfig& c, std::uint64_t seed) {
  Model m = test::random_model(c, seed);
  m.params.bn_num_batches_tracked = 7;
  return m;
}

using test::random_codes;

template <typename T>
double norm(const std::vector<T>& v) {
  double s = 0;
  for (T x : v) s += static_cast<double>(x) * static_cast<double>(x);
  return std::sqrt(s);
}

// ‖ref − got‖ / max(‖ref‖, floor); NaN anywhere gives NaN, which fails every EXPECT_LT.
template <typename A, typename B>
double rel_norm(const std::vector<A>& ref, const std::vector<B>& got, double floor = 1e-300) {
  if (ref.size() != got.size()) return std::numeric_limits<double>::infinity();
  double num = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - static_cast<double>(got[i]);
    num += d * d;
  }
  return std::sqrt(num) / std::max(norm(ref), floor);
}

double total_norm(const ModelParams& g) {
  double s = 0;
  for (const auto* t : g.trainable()) s += norm(*t) * norm(*t);
  return std::sqrt(s);
}

// A host output of `size` values followed by kGuard guard values.
struct Guarded {
  std::vector<float> v;
  std::size_t size;
  explicit Guarded(std::size_t n) : v(n + kGuard, kGuardValue), size(n) {}
  float* data() { return v.data(); }
  std::vector<float> values() const {
    return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(size)};
  }
  bool guard_intact() const {
    return std::all_of(v.begin() + static_cast<std::ptrdiff_t>(size), v.end(),
                       [](float x) { return x == kGuardValue; });
  }
};

enum class InputKind { codes, scaled_codes, dense };
const char* to_string(InputKind k) {
  return k == InputKind::codes ? "codes" : k == InputKind::scaled_codes ? "scaled codes" : "dense";
}

// One batch's input in all three forms.
struct Batch {
  int n;
  std::vector<std::uint8_t> codes;
  std::vector<float> scale, dense;
  CnnInput input(InputKind kind) const {
    CnnInput in;
    if (kind == InputKind::dense) {
      in.dense = dense.data();
    } else {
      in.codes = codes.data();
      if (kind == InputKind::scaled_codes) in.scale = scale.data();
    }
    return in;
  }
};

// Dense: the one-hot input perturbed, so that every channel matters.
Batch make_batch(std::vector<std::uint8_t> codes, int n, int length, std::uint64_t seed) {
  Batch b{n, std::move(codes), std::vector<float>(n), {}};
  for (int i = 0; i < n; ++i) b.scale[i] = 0.25f + 0.7f * static_cast<float>(i % 5) / 4.0f;
  b.dense.assign(static_cast<std::size_t>(n) * 4 * length, 0.0f);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < length; ++p) {
      b.dense[(static_cast<std::size_t>(i) * 4 +
               b.codes[static_cast<std::size_t>(i) * length + p]) *
                  length +
              p] = 1.0f;
    }
  }
  for (float& v : b.dense) v += u(rng);
  return b;
}

std::vector<float> dlogits_for(int n) {
  std::vector<float> dl(n);
  for (int i = 0; i < n; ++i) dl[i] = static_cast<float>(std::sin(1.0 + i));
  return dl;
}

struct Case {
  std::string name;
  ModelConfig config;
  int n;
};

ModelConfig small(int length, int filters, int width, int pool, Padding padding, bool bn,
                  Activation act) {
  ModelConfig c;
  c.length = length;
  c.filters = filters;
  c.width = width;
  c.pool = pool;
  c.hidden1 = 9;
  c.hidden2 = 5;
  c.padding = padding;
  c.batchnorm = bn;
  c.activation = act;
  return c;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const ModelConfig paper;  // F 32, K 12, P 10, L 250, same padding, BN, ReLU
  out.push_back({"paper", paper, 33});
  ModelConfig paper4 = paper;
  paper4.filters = 4;
  paper4.padding = Padding::valid;  // Lc 239: the last 9 positions reach no window
  out.push_back({"paper F4 valid", paper4, 65});
  // L 61 not a multiple of P 7, even K (same: 2 left, 3 right), odd F.
  const ModelConfig odd = small(61, 5, 6, 7, Padding::same, true, Activation::relu);
  out.push_back({"odd n7", odd, 7});
  out.push_back({"odd n1", odd, 1});
  out.push_back(
      {"no BN exp valid", small(61, 6, 5, 4, Padding::valid, false, Activation::exp), 33});
  out.push_back({"BN exp", small(100, 8, 9, 10, Padding::same, true, Activation::exp), 7});
  return out;
}

// Forward (and optionally backward) on both backends from the same parameters; compares
// logits, running statistics, parameter gradients and the input gradient.
void expect_parity(const ModelConfig& c, const Model& m, const Batch& b, InputKind kind, Mode mode,
                   const std::string& what) {
  SCOPED_TRACE(what + ", " + to_string(kind) + ", " + (mode == Mode::train ? "train" : "eval"));
  const int n = b.n;
  auto cpu = make_cpu_backend(c, n + 3, 2);
  auto gpu = make_cuda_backend(c, n + 3);
  cpu->set_params(m.params);
  gpu->set_params(m.params);
  const CnnInput in = b.input(kind);

  Guarded cpu_logits(n), gpu_logits(n);
  cpu->forward(in, n, mode, cpu_logits.data());
  gpu->forward(in, n, mode, gpu_logits.data());
  EXPECT_TRUE(gpu_logits.guard_intact()) << "forward wrote past the logits";
  EXPECT_LT(rel_norm(cpu_logits.values(), gpu_logits.values(), logit_floor(n)), kLogitTol);

  const ModelParams cp = cpu->params(), gp = gpu->params();
  EXPECT_EQ(gp.bn_num_batches_tracked, cp.bn_num_batches_tracked);
  if (c.batchnorm) {
    EXPECT_LT(rel_norm(cp.bn_running_mean, gp.bn_running_mean), kStatTol) << "running_mean";
    EXPECT_LT(rel_norm(cp.bn_running_var, gp.bn_running_var), kStatTol) << "running_var";
  }
  for (std::size_t t = 0; t < cp.trainable().size(); ++t) {
    EXPECT_EQ(*gp.trainable()[t], *cp.trainable()[t]) << "forward changed a parameter";
  }

  const std::vector<float> dl = dlogits_for(n);
  const std::size_t dx_size = static_cast<std::size_t>(n) * 4 * c.length;
  Guarded cpu_dx(dx_size), gpu_dx(dx_size);
  cpu->backward(dl.data(), cpu_dx.data());
  gpu->backward(dl.data(), gpu_dx.data());
  EXPECT_TRUE(gpu_dx.guard_intact()) << "backward wrote past the input gradient";
  EXPECT_LT(rel_norm(cpu_dx.values(), gpu_dx.values()), kGradTol) << "input gradient";

  const ModelParams cg = cpu->gradients(), gg = gpu->gradients();
  const auto names = ModelParams::trainable_names(c.batchnorm);
  // Under train-mode BN the conv bias gradient cancels exactly in real arithmetic and is
  // rounding noise on both backends: compare it against a floor (as tests/test_cnn.cpp does).
  const double floor = (mode == Mode::train ? 1e-2 : 1e-3) * total_norm(cg);
  for (std::size_t t = 0; t < cg.trainable().size(); ++t) {
    EXPECT_LT(rel_norm(*cg.trainable()[t], *gg.trainable()[t], floor), kGradTol) << names[t];
  }
}

// ---- edge cases -----------------------------------------------------------------------------

TEST(CnnCuda, HomopolymersTieInMaxPoolAndTheFirstMaximumWins) {
  MINT_REQUIRE_GPU();
  for (Padding padding : {Padding::same, Padding::valid}) {
    const ModelConfig c = small(40, 4, 5, 6, padding, true, Activation::relu);
    const int n = 6;
    // All A, all C, all G, all T, ACGT repeated, all A but one T in the middle.
    std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * c.length);
    for (int p = 0; p < c.length; ++p) {
      for (int i = 0; i < 4; ++i)
        codes[static_cast<std::size_t>(i) * c.length + p] = static_cast<std::uint8_t>(i);
      codes[4 * static_cast<std::size_t>(c.length) + p] = static_cast<std::uint8_t>(p % 4);
      codes[5 * static_cast<std::size_t>(c.length) + p] = p == c.length / 2 ? 3 : 0;
    }
    const Batch b = make_batch(codes, n, c.length, 3);
    const Model m = random_model_with_batch_count(c, 9);
    for (Mode mode : {Mode::eval, Mode::train}) {
      for (InputKind kind : {InputKind::codes, InputKind::scaled_codes}) {
        expect_parity(c, m, b, kind, mode, "homopolymers, padding " + to_string(padding));
      }
    }
  }
}

TEST(CnnCuda, MatchesTheFloat64Reference) {
  MINT_REQUIRE_GPU();
  const ModelConfig c = small(29, 3, 4, 5, Padding::same, true, Activation::relu);
  const int n = 5;
  const Model m = random_model_with_batch_count(c, 5);
  const ReferenceParams rp = to_reference(m.params);
  const Batch b = make_batch(random_codes(n, c.length, 6), n, c.length, 7);
  const std::vector<double> x(b.dense.begin(), b.dense.end());
  const std::vector<float> dl = dlogits_for(n);
  const std::vector<double> dld(dl.begin(), dl.end());
  for (Mode mode : {Mode::eval, Mode::train}) {
    std::vector<std::vector<double>> ref_grads;
    std::vector<double> ref_dx;
    const auto ref_logits =
        reference_forward_backward(c, rp, x, n, mode, &dld, &ref_grads, &ref_dx);
    auto gpu = make_cuda_backend(c, n);
    gpu->set_params(m.params);
    std::vector<float> logits(n), dx(x.size());
    gpu->forward(b.input(InputKind::dense), n, mode, logits.data());
    gpu->backward(dl.data(), dx.data());
    EXPECT_LT(rel_norm(ref_logits, logits, logit_floor(n)), kLogitTol);
    EXPECT_LT(rel_norm(ref_dx, dx), kRefTol);
    const ModelParams g = gpu->gradients();
    double total = 0;
    for (const auto& t : ref_grads) total += norm(t) * norm(t);
    const double floor = (mode == Mode::train ? 1e-2 : 1e-3) * std::sqrt(total);
    const auto names = ModelParams::trainable_names(true);
    for (std::size_t t = 0; t < ref_grads.size(); ++t) {
      EXPECT_LT(rel_norm(ref_grads[t], *g.trainable()[t], floor), kRefTol) << names[t];
    }
  }
}

// ---- seeded random parity with the CPU backend ------------------------------------------------

TEST(CnnCuda, EvalMatchesCpu) {
  MINT_REQUIRE_GPU();
  for (const Case& k : cases()) {
    for (std::uint64_t seed : kSeeds) {
      const Model m = random_model_with_batch_count(k.config, seed);
      const Batch b =
          make_batch(random_codes(k.n, k.config.length, seed + 1), k.n, k.config.length, seed + 2);
      for (InputKind kind : {InputKind::codes, InputKind::scaled_codes, InputKind::dense}) {
        expect_parity(k.config, m, b, kind, Mode::eval, k.name + " seed " + std::to_string(seed));
      }
    }
  }
}

TEST(CnnCuda, TrainMatchesCpu) {
  MINT_REQUIRE_GPU();
  for (const Case& k : cases()) {
    for (std::uint64_t seed : kSeeds) {
      const Model m = random_model_with_batch_count(k.config, seed);
      const Batch b =
          make_batch(random_codes(k.n, k.config.length, seed + 1), k.n, k.config.length, seed + 2);
      for (InputKind kind : {InputKind::codes, InputKind::scaled_codes, InputKind::dense}) {
        expect_parity(k.config, m, b, kind, Mode::train, k.name + " seed " + std::to_string(seed));
      }
    }
  }
}

TEST(CnnCuda, EvalAfterTrainUsesTheUpdatedRunningStatistics) {
  MINT_REQUIRE_GPU();
  const ModelConfig c = small(61, 5, 6, 7, Padding::same, true, Activation::relu);
  const int n = 9;
  const Model m = random_model_with_batch_count(c, 4);
  const Batch b = make_batch(random_codes(n, c.length, 5), n, c.length, 6);
  auto cpu = make_cpu_backend(c, n, 2);
  auto gpu = make_cuda_backend(c, n);
  cpu->set_params(m.params);
  gpu->set_params(m.params);
  std::vector<float> lc(n), lg(n);
  for (int round = 0; round < 3; ++round) {
    cpu->forward(b.input(InputKind::codes), n, Mode::train, lc.data());
    gpu->forward(b.input(InputKind::codes), n, Mode::train, lg.data());
  }
  cpu->forward(b.input(InputKind::codes), n, Mode::eval, lc.data());
  gpu->forward(b.input(InputKind::codes), n, Mode::eval, lg.data());
  EXPECT_LT(rel_norm(lc, lg, logit_floor(n)), kLogitTol);
  EXPECT_EQ(gpu->params().bn_num_batches_tracked, m.params.bn_num_batches_tracked + 3);
}

// ---- Adam -------------------------------------------------------------------------------------

// The kernel against mint::adam_update on the host, fed the GPU's own gradients: isolates the
// kernel and the flat parameter layout from gradient rounding. Three steps, new gradients each.
TEST(CnnCuda, AdamKernelMatchesTheHostUpdate) {
  MINT_REQUIRE_GPU();
  for (bool bn : {true, false}) {
    const ModelConfig c = small(61, 5, 6, 7, Padding::same, bn, Activation::relu);
    const int n = 7;
    const Model m = random_model_with_batch_count(c, 12);
    const Batch b = make_batch(random_codes(n, c.length, 13), n, c.length, 14);
    auto gpu = make_cuda_backend(c, n);
    gpu->set_params(m.params);
    ModelParams expected = m.params, mom = ModelParams::zeros(c), vel = ModelParams::zeros(c);
    for (auto* t : mom.trainable()) std::fill(t->begin(), t->end(), 0.0f);
    for (auto* t : vel.trainable()) std::fill(t->begin(), t->end(), 0.0f);
    AdamOptions options;
    options.lr = 3e-3f;
    const std::vector<float> dl = dlogits_for(n);
    std::vector<float> logits(n);
    for (long step = 1; step <= 3; ++step) {
      gpu->forward(b.input(InputKind::codes), n, Mode::train, logits.data());
      gpu->backward(dl.data(), nullptr);
      const ModelParams g = gpu->gradients();
      const ModelParams before = gpu->params();
      for (std::size_t t = 0; t < before.trainable().size(); ++t) {
        EXPECT_EQ(*before.trainable()[t], *expected.trainable()[t]) << "step " << step;
      }
      gpu->adam_step(options, step);
      const AdamStep s = adam_step_constants(options, step);
      auto p = expected.trainable();
      auto gt = g.trainable();
      auto mt = mom.trainable();
      auto vt = vel.trainable();
      for (std::size_t t = 0; t < p.size(); ++t) {
        for (std::size_t e = 0; e < p[t]->size(); ++e) {
          adam_update(s, (*gt[t])[e], (*p[t])[e], (*mt[t])[e], (*vt[t])[e]);
        }
      }
      const ModelParams after = gpu->params();
      const auto names = ModelParams::trainable_names(bn);
      for (std::size_t t = 0; t < p.size(); ++t) {
        // Float32 on both sides; the GPU may contract m·β + (1−β)·g into an FMA: 1 ulp or so.
        EXPECT_TRUE(test::all_close(*p[t], *after.trainable()[t], 1e-6, 1e-9))
            << names[t] << " step " << step << " bn " << bn;
        expected.trainable()[t]->assign(after.trainable()[t]->begin(), after.trainable()[t]->end());
      }
    }
  }
}

// Full training steps (forward train, backward, Adam) on both backends. Adam's first steps are
// ≈ lr·sign(g) for |g| ≫ ε, so an element whose gradient sign is within rounding noise (the two
// backends' gradients differ by more than 1% of it at some step) may move ±lr either way: those
// elements — among them the conv bias under train-mode BN, whose gradient is pure rounding
// noise — must agree within 2·lr·steps; every other element within 1e-5·|p| + 1e-2·lr. Few
// elements may be noise-signed (at most 1% of a tensor, or 4).
void expect_training_steps_match(const ModelConfig& c, int n, InputKind kind, int steps,
                                 const std::string& what) {
  SCOPED_TRACE(what + ", " + to_string(kind) + ", " + std::to_string(steps) + " steps");
  const Model m = random_model_with_batch_count(c, 21);
  const Batch b = make_batch(random_codes(n, c.length, 22), n, c.length, 23);
  auto cpu = make_cpu_backend(c, n, 2);
  auto gpu = make_cuda_backend(c, n);
  cpu->set_params(m.params);
  gpu->set_params(m.params);
  const AdamOptions options;
  const std::vector<float> dl = dlogits_for(n);
  std::vector<float> lc(n), lg(n);
  const auto names = ModelParams::trainable_names(c.batchnorm);
  std::vector<std::vector<bool>> noisy;
  for (const auto* t : m.params.trainable()) noisy.emplace_back(t->size(), false);
  for (long step = 1; step <= steps; ++step) {
    cpu->forward(b.input(kind), n, Mode::train, lc.data());
    gpu->forward(b.input(kind), n, Mode::train, lg.data());
    cpu->backward(dl.data(), nullptr);
    gpu->backward(dl.data(), nullptr);
    const ModelParams cg = cpu->gradients(), gg = gpu->gradients();
    for (std::size_t t = 0; t < noisy.size(); ++t) {
      const auto& a = *cg.trainable()[t];
      const auto& g = *gg.trainable()[t];
      for (std::size_t e = 0; e < a.size(); ++e) {
        if (std::abs(a[e] - g[e]) > 1e-2 * std::abs(a[e])) noisy[t][e] = true;
      }
    }
    cpu->adam_step(options, step);
    gpu->adam_step(options, step);
  }
  const ModelParams cp = cpu->params(), gp = gpu->params();
  const bool bn_train = c.batchnorm;  // every step here is train mode
  for (std::size_t t = 0; t < noisy.size(); ++t) {
    const auto& a = *cp.trainable()[t];
    const auto& g = *gp.trainable()[t];
    std::size_t bad = 0, noisy_count = 0;
    for (std::size_t e = 0; e < a.size(); ++e) {
      const double tol =
          noisy[t][e] ? 2.0 * options.lr * steps : 1e-5 * std::abs(a[e]) + 1e-2 * options.lr;
      noisy_count += noisy[t][e] ? 1 : 0;
      if (!(std::abs(static_cast<double>(a[e]) - g[e]) <= tol)) {
        if (bad < 3) ADD_FAILURE() << names[t] << "[" << e << "]: cpu " << a[e] << " gpu " << g[e];
        ++bad;
      }
    }
    EXPECT_EQ(bad, 0u) << names[t];
    if (!(bn_train && names[t] == "conv.bias")) {
      EXPECT_LE(noisy_count, std::max<std::size_t>(4, a.size() / 100))
          << names[t] << ": too many gradient elements disagree by more than 1%";
    }
  }
}

TEST(CnnCuda, AdamStepsMatchCpu) {
  MINT_REQUIRE_GPU();
  const ModelConfig paper;
  for (int steps : {1, 3}) {
    expect_training_steps_match(paper, 33, InputKind::codes, steps, "paper");
    expect_training_steps_match(small(61, 5, 6, 7, Padding::same, true, Activation::relu), 7,
                                InputKind::scaled_codes, steps, "odd");
    expect_training_steps_match(small(61, 6, 5, 4, Padding::valid, false, Activation::exp), 33,
                                InputKind::dense, steps, "no BN exp");
  }
}

// ---- determinism and errors -------------------------------------------------------------------

TEST(CnnCuda, BitwiseReproducible) {
  MINT_REQUIRE_GPU();
  const ModelConfig c;
  const int n = 65;
  const Model m = random_model_with_batch_count(c, 31);
  const Batch b = make_batch(random_codes(n, c.length, 32), n, c.length, 33);
  const std::vector<float> dl = dlogits_for(n);
  auto run = [&](std::vector<float>* logits, std::vector<float>* dx) {
    auto gpu = make_cuda_backend(c, n);
    gpu->set_params(m.params);
    logits->resize(n);
    dx->resize(static_cast<std::size_t>(n) * 4 * c.length);
    gpu->forward(b.input(InputKind::codes), n, Mode::train, logits->data());
    gpu->backward(dl.data(), dx->data());
    gpu->adam_step(AdamOptions{}, 1);
    return gpu->params();
  };
  std::vector<float> l1, l2, d1, d2;
  const ModelParams a = run(&l1, &d1), z = run(&l2, &d2);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(d1, d2);
  for (std::size_t t = 0; t < a.trainable().size(); ++t)
    EXPECT_EQ(*a.trainable()[t], *z.trainable()[t]);
  EXPECT_EQ(a.bn_running_mean, z.bn_running_mean);
  EXPECT_EQ(a.bn_running_var, z.bn_running_var);
}

TEST(CnnCuda, BadCallsFail) {
  MINT_REQUIRE_GPU();
  const ModelConfig c = small(29, 3, 4, 5, Padding::same, true, Activation::relu);
  auto gpu = make_cuda_backend(c, 4);
  EXPECT_STREQ(gpu->name(), "cuda");
  EXPECT_EQ(gpu->capacity(), 4);
  std::vector<float> logits(5), dl(5, 1.0f);
  EXPECT_THROW(gpu->backward(dl.data(), nullptr), Error);  // before any forward
  const auto codes = random_codes(5, c.length, 1);
  CnnInput in;
  in.codes = codes.data();
  EXPECT_THROW(gpu->forward(in, 5, Mode::eval, logits.data()), Error);
  EXPECT_THROW(gpu->forward(in, 0, Mode::eval, logits.data()), Error);
  EXPECT_THROW(gpu->forward(CnnInput{}, 2, Mode::eval, logits.data()), Error);
  ModelParams wrong = ModelParams::zeros(c);
  wrong.fc1_weight.pop_back();
  EXPECT_THROW(gpu->set_params(wrong), Error);
  EXPECT_THROW(make_cuda_backend(c, 0), Error);
  ModelConfig too_wide = c;
  too_wide.pool = 40;
  EXPECT_THROW(make_cuda_backend(too_wide, 4), Error);
}

TEST(CnnCuda, WithoutAGpuMakeCudaBackendThrows) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  try {
    make_cuda_backend(ModelConfig{}, 4);
    ADD_FAILURE() << "make_cuda_backend did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(cuda_unavailable_reason()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mint

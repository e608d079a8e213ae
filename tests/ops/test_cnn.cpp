// The CNN on the CPU: the float64 reference against finite differences (every parameter
// tensor and the input, eval and train-mode BatchNorm), then the fast backend against the
// reference (codes, scaled codes and dense inputs; logits, parameter and input gradients),
// running-statistics updates, and the same bits for any thread count and capacity.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

// Float32 backend vs float64 reference through the whole network: relative norm error.
constexpr double kDeepChainTol = 1e-4;
constexpr double kLogitTol = 1e-5;

ModelConfig small_config(Padding padding, bool bn, Activation act) {
  ModelConfig c;
  c.length = 29;
  c.filters = 3;
  c.width = 4;
  c.pool = 5;
  c.hidden1 = 6;
  c.hidden2 = 5;
  c.padding = padding;
  c.batchnorm = bn;
  c.activation = act;
  return c;
}

using test::random_codes;
using test::random_model;

// (N, 4, L) one-hot of byte codes, optionally scaled per row, float64.
std::vector<double> onehot(const std::vector<std::uint8_t>& codes, int n, int length,
                           const std::vector<float>* scale = nullptr) {
  std::vector<double> x(static_cast<std::size_t>(n) * 4 * length, 0.0);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < length; ++p)
      x[(static_cast<std::size_t>(i) * 4 + codes[i * length + p]) * length + p] =
          scale ? (*scale)[i] : 1.0;
  return x;
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// ‖ref − got‖ / max(‖ref‖, floor). The floor matters for gradients that vanish exactly: the
// conv bias under train-mode BatchNorm (the batch mean removes it) is 0 up to rounding.
double rel_norm(const std::vector<double>& ref, const std::vector<double>& got,
                double floor = 1e-300) {
  double num = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) num += (ref[i] - got[i]) * (ref[i] - got[i]);
  return std::sqrt(num) / std::max(norm(ref), floor);
}

double total_norm(const std::vector<std::vector<double>>& tensors) {
  double s = 0;
  for (const auto& t : tensors) s += norm(t) * norm(t);
  return std::sqrt(s);
}

template <typename T>
std::vector<double> as_double(const std::vector<T>& v) {
  return {v.begin(), v.end()};
}

// Σ dlogits·logits of the reference.
double ref_loss(const ModelConfig& c, const ReferenceParams& p, const std::vector<double>& x, int n,
                Mode mode, const std::vector<double>& dl) {
  const auto logits = reference_forward_backward(c, p, x, n, mode, nullptr, nullptr, nullptr);
  double s = 0;
  for (int i = 0; i < n; ++i) s += dl[i] * logits[i];
  return s;
}

TEST(CnnReference, GradientsMatchFiniteDifferences) {
  for (Padding padding : {Padding::same, Padding::valid}) {
    for (bool bn : {true, false}) {
      for (Mode mode : {Mode::eval, Mode::train}) {
        for (Activation act : {Activation::relu, Activation::exp}) {
          if (!bn && mode == Mode::train) continue;
          const ModelConfig c = small_config(padding, bn, act);
          const int n = 3;
          const Model m = random_model(c, 5);
          ReferenceParams p = to_reference(m.params);
          // A dense, non-one-hot input: no max-pool ties, and every input element matters.
          std::mt19937_64 rng(17);
          std::normal_distribution<double> normal(0.0, 1.0);
          std::vector<double> x(static_cast<std::size_t>(n) * 4 * c.length);
          for (double& v : x) v = normal(rng);
          std::vector<double> dl = {0.7, -1.3, 0.4};
          std::vector<std::vector<double>> grads;
          std::vector<double> dx;
          reference_forward_backward(c, p, x, n, mode, &dl, &grads, &dx);
          const double h = 1e-6;
          const auto names = ModelParams::trainable_names(bn);
          const double floor = 1e-3 * total_norm(grads);
          for (std::size_t t = 0; t < p.trainable.size(); ++t) {
            std::vector<double> fd(p.trainable[t].size());
            for (std::size_t e = 0; e < fd.size(); ++e) {
              const double keep = p.trainable[t][e];
              p.trainable[t][e] = keep + h;
              const double up = ref_loss(c, p, x, n, mode, dl);
              p.trainable[t][e] = keep - h;
              const double down = ref_loss(c, p, x, n, mode, dl);
              p.trainable[t][e] = keep;
              fd[e] = (up - down) / (2 * h);
            }
            EXPECT_LT(rel_norm(fd, grads[t], floor), 1e-6)
                << names[t] << " padding " << to_string(padding) << " bn " << bn << " mode "
                << (mode == Mode::train ? "train" : "eval") << " " << to_string(act);
          }
          std::vector<double> fdx(x.size());
          for (std::size_t e = 0; e < x.size(); ++e) {
            const double keep = x[e];
            x[e] = keep + h;
            const double up = ref_loss(c, p, x, n, mode, dl);
            x[e] = keep - h;
            const double down = ref_loss(c, p, x, n, mode, dl);
            x[e] = keep;
            fdx[e] = (up - down) / (2 * h);
          }
          EXPECT_LT(rel_norm(fdx, dx), 1e-6) << "input gradient";
        }
      }
    }
  }
}

struct BackendCase {
  ModelConfig config;
  int n;
  std::uint64_t seed;
};

void expect_backend_matches_reference(const BackendCase& bc, Mode mode, int input_kind) {
  const ModelConfig& c = bc.config;
  const int n = bc.n;
  Model m = random_model(c, bc.seed);
  const ReferenceParams ref_params = to_reference(m.params);
  const auto codes = random_codes(n, c.length, bc.seed + 1);
  std::vector<float> scale(n);
  for (int i = 0; i < n; ++i) scale[i] = 0.25f + 0.7f * static_cast<float>(i % 5) / 4.0f;
  std::vector<double> x = onehot(codes, n, c.length, input_kind == 1 ? &scale : nullptr);
  std::vector<float> dense(x.begin(), x.end());
  if (input_kind >= 2) {  // dense, not one-hot: perturb; kind 3 also scales each row
    std::mt19937_64 rng(bc.seed);
    std::uniform_real_distribution<float> u(-0.3f, 0.3f);
    for (float& v : dense) v += u(rng);
    x.assign(dense.begin(), dense.end());
    if (input_kind == 3) {
      for (std::size_t e = 0; e < x.size(); ++e) x[e] *= scale[e / (4 * c.length)];
    }
  }
  CnnInput in;
  if (input_kind >= 2) {
    in.dense = dense.data();
    if (input_kind == 3) in.scale = scale.data();
  } else {
    in.codes = codes.data();
    if (input_kind == 1) in.scale = scale.data();
  }
  std::vector<double> dl(n);
  for (int i = 0; i < n; ++i) dl[i] = std::sin(1.0 + i);
  std::vector<std::vector<double>> ref_grads;
  std::vector<double> ref_dx;
  const auto ref_logits =
      reference_forward_backward(c, ref_params, x, n, mode, &dl, &ref_grads, &ref_dx);

  CpuCnn cnn(c, n + 3, 2);
  std::vector<float> logits(n);
  cnn.forward(m.params, in, n, mode, logits.data());
  EXPECT_LT(rel_norm(ref_logits, as_double(logits)), kLogitTol);
  const std::vector<float> dlf(dl.begin(), dl.end());
  ModelParams grads;
  std::vector<float> dx(x.size());
  cnn.backward(m.params, dlf.data(), &grads, dx.data());
  const auto names = ModelParams::trainable_names(c.batchnorm);
  const auto got = grads.trainable();
  // Under train-mode BN the conv bias gradient is a float32 sum of N·Lc terms that cancel
  // exactly in real arithmetic; its rounding noise is ~1e-6 of the other gradients.
  const double floor = (mode == Mode::train ? 1e-2 : 1e-3) * total_norm(ref_grads);
  for (std::size_t t = 0; t < got.size(); ++t) {
    EXPECT_LT(rel_norm(ref_grads[t], as_double(*got[t]), floor), kDeepChainTol)
        << names[t] << " n " << n << " input kind " << input_kind;
  }
  EXPECT_LT(rel_norm(ref_dx, as_double(dx)), kDeepChainTol) << "input gradient";
}

std::vector<BackendCase> backend_cases() {
  std::vector<BackendCase> cases;
  ModelConfig paper;  // F 32, K 12, P 10, L 250, same padding, BN
  cases.push_back({paper, 7, 1});
  ModelConfig valid = paper;
  valid.padding = Padding::valid;
  valid.filters = 4;
  cases.push_back({valid, 33, 2});
  ModelConfig odd = small_config(Padding::same, true, Activation::relu);
  odd.width = 6;  // even K: 'same' pads 2 left, 3 right
  cases.push_back({odd, 1, 3});
  ModelConfig nobn = small_config(Padding::valid, false, Activation::exp);
  cases.push_back({nobn, 65, 4});
  return cases;
}

TEST(CnnCpu, EvalMatchesReference) {
  for (const BackendCase& bc : backend_cases()) {
    for (int kind = 0; kind < 4; ++kind) expect_backend_matches_reference(bc, Mode::eval, kind);
  }
}

TEST(CnnCpu, TrainMatchesReference) {
  for (const BackendCase& bc : backend_cases()) {
    if (!bc.config.batchnorm || bc.n == 1) continue;
    for (int kind = 0; kind < 4; ++kind) expect_backend_matches_reference(bc, Mode::train, kind);
  }
}

TEST(CnnCpu, TrainModeUpdatesRunningStatisticsLikePyTorch) {
  const ModelConfig c = small_config(Padding::same, true, Activation::relu);
  const int n = 9;
  Model m = random_model(c, 8);
  const Model before = m;
  const auto codes = random_codes(n, c.length, 3);
  CpuCnn cnn(c, n, 1);
  std::vector<float> logits(n);
  CnnInput in;
  in.codes = codes.data();
  cnn.forward(m.params, in, n, Mode::train, logits.data());
  EXPECT_EQ(m.params.bn_num_batches_tracked, before.params.bn_num_batches_tracked + 1);
  // Batch mean and unbiased variance of the conv outputs, from the reference's conv.
  const auto x = onehot(codes, n, c.length);
  for (int f = 0; f < c.filters; ++f) {
    double s = 0, sq = 0;
    const int count = n * c.length;
    std::vector<double> values;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < c.length; ++j) {
        double v = m.params.conv_bias[f];
        for (int ch = 0; ch < 4; ++ch)
          for (int k = 0; k < c.width; ++k) {
            const int pos = j + k - c.pad_left();
            if (pos >= 0 && pos < c.length)
              v += m.params.conv_weight[(f * 4 + ch) * c.width + k] *
                   x[(i * 4 + ch) * c.length + pos];
          }
        values.push_back(v);
        s += v;
      }
    const double mean = s / count;
    for (double v : values) sq += (v - mean) * (v - mean);
    EXPECT_NEAR(m.params.bn_running_mean[f], 0.9 * before.params.bn_running_mean[f] + 0.1 * mean,
                1e-6);
    EXPECT_NEAR(m.params.bn_running_var[f],
                0.9 * before.params.bn_running_var[f] + 0.1 * sq / (count - 1), 1e-5);
  }
  // Eval mode leaves them alone.
  const Model after_train = m;
  cnn.forward(m.params, in, n, Mode::eval, logits.data());
  EXPECT_EQ(m.params.bn_running_mean, after_train.params.bn_running_mean);
}

// One train-mode (or eval-mode) step's outputs, compared bit for bit.
struct StepResult {
  std::vector<float> logits, dx, running;
  std::vector<std::vector<float>> grads;
};

StepResult one_step(const ModelConfig& c, const Model& m, const CnnInput& in, int n, Mode mode,
                    int capacity, int threads, bool param_grads = true) {
  Model copy = m;
  CpuCnn cnn(c, capacity, threads);
  StepResult r;
  r.logits.resize(n);
  cnn.forward(copy.params, in, n, mode, r.logits.data());
  std::vector<float> dl(n);
  for (int i = 0; i < n; ++i)
    dl[i] = std::sin(0.7f * static_cast<float>(i)) / static_cast<float>(n);
  ModelParams g;
  r.dx.resize(static_cast<std::size_t>(n) * 4 * c.length);
  cnn.backward(copy.params, dl.data(), param_grads ? &g : nullptr, r.dx.data());
  if (param_grads) {
    for (const auto* t : g.trainable()) r.grads.push_back(*t);
  }
  r.running = copy.params.bn_running_mean;
  r.running.insert(r.running.end(), copy.params.bn_running_var.begin(),
                   copy.params.bn_running_var.end());
  return r;
}

// Every sum over the batch runs over fixed blocks of sequences in block order, so logits,
// running statistics, parameter and input gradients are the same bits for any thread count
// and any capacity (which sets how many blocks are live at once: kSumRound rounds), with or
// without parameter gradients, for
// every input kind, BatchNorm in train and eval mode and without, both activations, pooled
// and global. n crosses the block size (8) and a round (16 blocks = 128 sequences).
TEST(CnnCpu, BitIdenticalForAnyThreadCountAndCapacity) {
  ModelConfig paper;  // F 32, P 10, H1 64: the fc1 fast path, a reduction of many chunks
  ModelConfig global = small_config(Padding::valid, true, Activation::exp);
  global.pool = global.conv_length();
  ModelConfig nobn = small_config(Padding::same, false, Activation::relu);
  const struct {
    ModelConfig config;
    Mode mode;
  } cases[] = {
      {paper, Mode::train}, {paper, Mode::eval}, {global, Mode::train}, {nobn, Mode::train}};
  for (const auto& tc : cases) {
    const ModelConfig& c = tc.config;
    const Model m = random_model(c, 21);
    for (int n : {1, 7, 9, 33, 130}) {
      const auto codes = random_codes(n, c.length, 22 + n);
      std::vector<float> scale(n), dense(static_cast<std::size_t>(n) * 4 * c.length);
      std::mt19937_64 rng(23 + n);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (float& v : scale) v = 0.5f + 0.5f * u(rng);
      for (float& v : dense) v = u(rng);
      for (int kind = 0; kind < 3; ++kind) {
        CnnInput in;
        if (kind == 2) {
          in.dense = dense.data();
        } else {
          in.codes = codes.data();
        }
        if (kind == 1) in.scale = scale.data();
        const StepResult ref = one_step(c, m, in, n, tc.mode, n, 1);
        // Without parameter gradients (the attribution methods): the same input gradient.
        EXPECT_EQ(ref.dx, one_step(c, m, in, n, tc.mode, n, 2, false).dx) << "n " << n;
        for (const auto& [threads, capacity] :
             {std::pair{2, n}, {3, n}, {4, 512}, {7, n}, {2, 9}, {3, 130}}) {
          if (capacity < n) continue;
          const StepResult got = one_step(c, m, in, n, tc.mode, capacity, threads);
          const std::string where = "F " + std::to_string(c.filters) + " n " + std::to_string(n) +
                                    " kind " + std::to_string(kind) + " threads " +
                                    std::to_string(threads) + " capacity " +
                                    std::to_string(capacity);
          EXPECT_EQ(ref.logits, got.logits) << where;
          EXPECT_EQ(ref.running, got.running) << where;
          EXPECT_EQ(ref.dx, got.dx) << where;
          for (std::size_t t = 0; t < ref.grads.size(); ++t) {
            EXPECT_EQ(ref.grads[t], got.grads[t]) << where << " tensor " << t;
          }
        }
      }
    }
  }
}

// Mode::infer (conv, BN, activation and pool fused per window, nothing kept) gives the eval
// logits, for every input kind, with and without BatchNorm and for both activations.
TEST(CnnCpu, InferMatchesEval) {
  for (const BackendCase& bc : backend_cases()) {
    Model m = random_model(bc.config, bc.seed);
    const int n = bc.n, length = bc.config.length;
    const auto codes = random_codes(n, length, bc.seed + 9);
    std::vector<float> scale(n, 0.6f), dense(static_cast<std::size_t>(n) * 4 * length);
    std::mt19937_64 rng(bc.seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : dense) v = u(rng);
    for (int kind = 0; kind < 3; ++kind) {
      CnnInput in;
      if (kind == 2)
        in.dense = dense.data();
      else
        in.codes = codes.data();
      if (kind == 1) in.scale = scale.data();
      CpuCnn cnn(bc.config, n, 2);
      std::vector<float> eval(n), infer(n);
      cnn.forward(m.params, in, n, Mode::eval, eval.data());
      cnn.forward(m.params, in, n, Mode::infer, infer.data());
      EXPECT_TRUE(test::all_close(eval, infer, 1e-6, 1e-6)) << "kind " << kind;
      EXPECT_THROW(cnn.backward(m.params, eval.data(), nullptr, nullptr), Error);
    }
  }
}

TEST(CnnCpu, BadBatchesFail) {
  ModelConfig c = small_config(Padding::same, true, Activation::relu);
  CpuCnn cnn(c, 4, 1);
  Model m = init_model(c, 1);
  std::vector<float> logits(5);
  const auto codes = random_codes(5, c.length, 1);
  CnnInput in;
  in.codes = codes.data();
  EXPECT_THROW(cnn.forward(m.params, in, 5, Mode::eval, logits.data()), Error);
  EXPECT_THROW(cnn.forward(m.params, CnnInput{}, 2, Mode::eval, logits.data()), Error);
  c.pool = 40;
  EXPECT_THROW(CpuCnn(c, 4, 1), Error);
}

}  // namespace
}  // namespace mint

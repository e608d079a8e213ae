// The general sequential network on the GPU (ops/seqnet/seqnet_cuda.hpp: cuDNN, cuBLAS and
// seqnet_kernels.cu) against the CPU network (SeqNet), the reference:
//   - forward and backward on architectures that together use every layer type and setting
//     (tests/seqnet_test_util.hpp: A–D, global and whole-length pools), eval and train mode:
//     outputs, input gradients, every parameter gradient, BatchNorm's running statistics after
//     update_running_stats, Dropout's masks (the same Philox bits: a wrong mask is a large error);
//   - the rows of a later layer (forward from `first`), as Integrated Gradients uses them;
//   - predict, gradient, saliency, input × gradient and Integrated Gradients (with and without
//     conv-once) against the CPU functions;
//   - the paper's model as a sequential architecture through SeqNetCuda against ops/cnn's fused
//     CUDA backend (make_cuda_backend): logits and input gradients, eval and train — the issue's
//     "both paths give the same numbers".
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU); the no-GPU error test skips with one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/model.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "seqnet_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using seqnet_test::l2;
using seqnet_test::rel_l2;

// GPU vs CPU, both float32: cuDNN's and cuBLAS's summation orders (FMA math, no TF32) against
// the CPU's blocked sums; BatchNorm's reductions are in double on both.
constexpr double kTol = 1e-5;
// The fused path (ops/cnn) against the generic one: test_cnn_cuda.cpp's tolerances for the fused
// path against the CPU — logits 1e-5 with the norm floored at 0.1 per logit (a logit near 0 is a
// cancellation), input gradients 1e-4 (a longer chain of float32 operations).
constexpr double kPaperLogitTol = 1e-5;
constexpr double kPaperGradTol = 1e-4;

using seqnet_test::Named;

std::vector<Named> architectures() { return seqnet_test::small_architectures(); }

// ‖got − ref‖ / max(‖ref‖, floor): a parameter gradient that is 0 in exact arithmetic (a conv
// bias before train-mode BatchNorm) is rounding noise on both sides, measured against the floor.
double rel_floored(const std::vector<float>& ref, const std::vector<float>& got, double floor) {
  std::vector<float> d(ref.size());
  for (std::size_t k = 0; k < ref.size() && k < got.size(); ++k) d[k] = got[k] - ref[k];
  if (ref.size() != got.size()) return INFINITY;
  return l2(d) / std::max(l2(ref), floor);
}

// Every trainable tensor of b against a, named; the floor is 1e-3 of all gradients' norm.
void expect_params_close(const SequentialArchitecture& arch, const SequentialParams& a,
                         const SequentialParams& b, const std::string& where) {
  const auto names = SequentialParams::trainable_names(arch);
  const auto ta = a.trainable();
  const auto tb = b.trainable();
  ASSERT_EQ(ta.size(), tb.size());
  double all = 0;
  for (const auto* t : ta) all += l2(*t) * l2(*t);
  const double floor = 1e-3 * std::sqrt(all) + 1e-30;
  for (std::size_t k = 0; k < ta.size(); ++k) {
    EXPECT_LT(rel_floored(*ta[k], *tb[k], floor), kTol) << where << ": " << names[k];
  }
}

void expect_running_stats_close(const SequentialArchitecture& arch, const SequentialParams& a,
                                const SequentialParams& b, const std::string& where) {
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    if (arch.layers[i].type != LayerType::batchnorm1d) continue;
    EXPECT_LT(rel_l2(a.layers[i].running_mean, b.layers[i].running_mean), kTol) << where;
    EXPECT_LT(rel_l2(a.layers[i].running_var, b.layers[i].running_var), kTol) << where;
    EXPECT_EQ(a.layers[i].num_batches_tracked, b.layers[i].num_batches_tracked) << where;
  }
}

// One forward + backward on both networks from layer `first`, compared.
void compare_pass(const Named& a, std::uint64_t seed, Mode mode, int first) {
  constexpr int n = 9;
  const std::string where = a.name + (mode == Mode::train ? " train" : " eval") + " first " +
                            std::to_string(first) + " seed " + std::to_string(seed);
  SCOPED_TRACE(where);
  SequentialParams p = seqnet_test::random_params(a.arch, seed);
  const std::size_t s_in = static_cast<std::size_t>(a.arch.size_before(first));
  const std::size_t outs = static_cast<std::size_t>(a.arch.outputs());
  // Rows of layer `first`'s input and the output gradient: uniform in ±2.5.
  std::vector<float> x(s_in * n);
  std::mt19937_64 rng(seed + 5);
  std::uniform_real_distribution<float> u(-2.5f, 2.5f);
  for (float& v : x) v = u(rng);
  std::vector<float> dout(outs * n);
  for (float& v : dout) v = u(rng);

  SeqNet cpu(a.arch, n + 2, 2);
  SeqNetCuda gpu(a.arch, n + 2);
  cpu.set_dropout_stream(seed, 11);
  gpu.set_dropout_stream(seed, 11);
  std::vector<float> out_cpu(outs * n), out_gpu(outs * n), din_cpu(s_in * n), din_gpu(s_in * n);
  cpu.forward(p, x.data(), n, mode, out_cpu.data(), first);
  gpu.forward(p, x.data(), n, mode, out_gpu.data(), first);
  EXPECT_LT(rel_l2(out_cpu, out_gpu), kTol) << "outputs";
  SequentialParams g_cpu, g_gpu;
  cpu.backward(p, dout.data(), &g_cpu, din_cpu.data());
  gpu.backward(p, dout.data(), &g_gpu, din_gpu.data());
  EXPECT_LT(rel_l2(din_cpu, din_gpu), kTol) << "input gradient";
  expect_params_close(a.arch, g_cpu, g_gpu, where);
  SequentialParams r_cpu = p, r_gpu = p;
  cpu.update_running_stats(r_cpu);
  gpu.update_running_stats(r_gpu);
  expect_running_stats_close(a.arch, r_cpu, r_gpu, where);
}

TEST(SeqNetCuda, ForwardBackwardEqualsCpuEveryLayerType) {
  MINT_REQUIRE_GPU();
  for (const Named& a : architectures()) {
    for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{20261126}}) {
      for (const Mode mode : {Mode::eval, Mode::train}) compare_pass(a, seed, mode, 0);
    }
  }
}

TEST(SeqNetCuda, ForwardFromALaterLayerEqualsCpu) {
  MINT_REQUIRE_GPU();
  for (const Named& a : architectures()) {
    for (const Mode mode : {Mode::eval, Mode::train}) compare_pass(a, 7, mode, 1);
  }
}

TEST(SeqNetCuda, DropoutMasksAreTheCpuBits) {
  MINT_REQUIRE_GPU();
  // p = 0.5 on A: the output of a row depends on every mask bit of its Dropout layer; the
  // gradients through it are the masks themselves.
  const Named a{"A p 0.5", seqnet_test::arch_a(0.5)};
  for (const std::uint64_t seed : {std::uint64_t{3}, std::uint64_t{0xDEADBEEFCAFEull}}) {
    compare_pass(a, seed, Mode::train, 0);
  }
}

TEST(SeqNetCuda, MethodsEqualCpu) {
  MINT_REQUIRE_GPU();
  constexpr int n = 6;
  for (const Named& a : architectures()) {
    SCOPED_TRACE(a.name);
    const SequentialModel m{a.arch, seqnet_test::random_params(a.arch, 5)};
    const std::vector<std::uint8_t> codes = seqnet_test::random_codes(n, a.arch.length, 9);
    CnnInput in;
    in.codes = codes.data();
    EXPECT_LT(rel_l2(seqnet_predict(m, in, n), seqnet_predict_cuda(m, in, n)), kTol);
    for (const Target t : {Target::logit, Target::prob}) {
      SeqAttributeOptions o;
      o.target = t;
      o.output = m.arch.outputs() - 1;
      EXPECT_LT(rel_l2(seqnet_gradient(m, in, n, o), seqnet_gradient_cuda(m, in, n, o)), kTol);
      EXPECT_LT(rel_l2(seqnet_saliency(m, in, n, o), seqnet_saliency_cuda(m, in, n, o)), kTol);
      EXPECT_LT(
          rel_l2(seqnet_input_x_gradient(m, in, n, o), seqnet_input_x_gradient_cuda(m, in, n, o)),
          kTol);
      for (const IgMethod method : {IgMethod::gausslegendre, IgMethod::riemann_trapezoid}) {
        EXPECT_LT(rel_l2(seqnet_integrated_gradients(m, in, n, method, 20, o),
                         seqnet_integrated_gradients_cuda(m, in, n, method, 20, o)),
                  kTol);
      }
    }
  }
}

// Rows are (sequence, step) pairs of chunks of capacity / steps sequences: every sequence in one
// chunk (3, 50 steps), and 1,000 steps (chunks of 4 of the 5 sequences, then 1) give the CPU's
// attributions.
TEST(SeqNetCuda, IntegratedGradientsBatchingEqualsCpu) {
  MINT_REQUIRE_GPU();
  const SequentialModel m{seqnet_test::arch_a(0.0),
                          seqnet_test::random_params(seqnet_test::arch_a(0.0), 2)};
  constexpr int n = 5;
  const std::vector<std::uint8_t> codes = seqnet_test::random_codes(n, m.arch.length, 4);
  CnnInput in;
  in.codes = codes.data();
  SeqAttributeOptions o;
  for (const int steps : {3, 50, 1000}) {
    EXPECT_LT(rel_l2(seqnet_integrated_gradients(m, in, n, IgMethod::gausslegendre, steps, o),
                     seqnet_integrated_gradients_cuda(m, in, n, IgMethod::gausslegendre, steps, o)),
              kTol)
        << steps << " steps";
  }
}

std::vector<ModelConfig> paper_configs() {
  std::vector<ModelConfig> out;
  ModelConfig c;  // same, BN, relu
  c.length = 60;
  c.filters = 4;
  c.width = 5;
  c.pool = 4;
  c.hidden1 = 8;
  c.hidden2 = 6;
  out.push_back(c);
  c.length = 80;  // valid, no BN, relu, even width
  c.filters = 8;
  c.width = 8;
  c.pool = 5;
  c.hidden1 = 16;
  c.hidden2 = 8;
  c.padding = Padding::valid;
  c.batchnorm = false;
  out.push_back(c);
  c.length = 100;  // same, BN, exp, even width (pads 5 left, 6 right: cuDNN's explicit padding)
  c.filters = 16;
  c.width = 12;
  c.pool = 10;
  c.hidden1 = 12;
  c.hidden2 = 10;
  c.padding = Padding::same;
  c.batchnorm = true;
  c.activation = Activation::exp;
  out.push_back(c);
  return out;
}

TEST(SeqNetCuda, PaperModelEqualsFusedCudaBackend) {
  MINT_REQUIRE_GPU();
  constexpr int n = 12;
  std::uint64_t seed = 1;
  for (const ModelConfig& c : paper_configs()) {
    for (const Mode mode : {Mode::eval, Mode::train}) {
      SCOPED_TRACE("L " + std::to_string(c.length) + " F " + std::to_string(c.filters) +
                   (mode == Mode::train ? " train" : " eval"));
      const Model model = test::random_model(c, ++seed);
      const SequentialArchitecture arch = paper_architecture(c);
      const SequentialParams p = paper_params(c, model.params);
      const std::vector<std::uint8_t> codes = seqnet_test::random_codes(n, c.length, seed + 9);
      CnnInput in;
      in.codes = codes.data();
      const std::vector<float> x = dense_input(in, n, c.length);
      std::vector<float> dl(n);
      for (int r = 0; r < n; ++r) dl[r] = 0.25f + 0.1f * static_cast<float>(r);

      auto fused = make_cuda_backend(c, n);
      fused->set_params(model.params);
      std::vector<float> logits_fused(n), dx_fused(x.size());
      fused->forward(in, n, mode, logits_fused.data());
      fused->backward(dl.data(), dx_fused.data());

      SeqNetCuda generic(arch, n);
      std::vector<float> logits(n), dx(x.size());
      generic.forward(p, x.data(), n, mode, logits.data());
      generic.backward(p, dl.data(), nullptr, dx.data());

      const double floor = 0.1 * std::sqrt(static_cast<double>(n));
      EXPECT_LT(rel_floored(logits_fused, logits, floor), kPaperLogitTol) << "logits";
      EXPECT_LT(rel_l2(dx_fused, dx), kPaperGradTol) << "input gradients";
    }
  }
}

TEST(SeqNetCuda, WithoutGpuEveryEntryPointSaysWhy) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const SequentialModel m{seqnet_test::arch_d(),
                          seqnet_test::random_params(seqnet_test::arch_d(), 1)};
  const std::string msg = test::error_of([&] { SeqNetCuda net(m.arch, 4); });
  EXPECT_NE(msg.find("sequential network on the GPU"), std::string::npos) << msg;
  const std::vector<std::uint8_t> codes = seqnet_test::random_codes(2, m.arch.length, 1);
  CnnInput in;
  in.codes = codes.data();
  EXPECT_FALSE(test::error_of([&] { seqnet_predict_cuda(m, in, 2); }).empty());
  EXPECT_FALSE(
      test::error_of([&] { seqnet_gradient_cuda(m, in, 2, SeqAttributeOptions{}); }).empty());
  EXPECT_FALSE(test::error_of([&] {
                 seqnet_integrated_gradients_cuda(m, in, 2, IgMethod::gausslegendre, 4,
                                                  SeqAttributeOptions{});
               }).empty());
}

}  // namespace
}  // namespace mint

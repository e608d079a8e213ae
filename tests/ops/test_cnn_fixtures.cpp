// Parity with PyTorch: every Captum fixture's model (a PyTorch-written safetensors file)
// loads, its logits match logits.npy and its input gradients match gradient.npy (float32 here
// against PyTorch's float64, relative norm ≤ 1e-5), through both the one-hot and the dense path.
#include <gtest/gtest.h>

#include <cmath>

#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "ops/cnn/cnn.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

const char* kCases[] = {"small", "paper4", "paper32", "maxpool_ties"};

double rel_norm(const std::vector<double>& ref, const std::vector<double>& got) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    num += (ref[i] - got[i]) * (ref[i] - got[i]);
    den += ref[i] * ref[i];
  }
  return std::sqrt(num / den);
}

TEST(CnnFixtures, LogitsAndGradientsMatchPyTorch) {
  for (const char* name : kCases) {
    const std::string dir = std::string(MINT_TEST_DATA_DIR) + "/captum/" + name + "/";
    const Model model = load_model(dir + "weights.safetensors");
    EXPECT_EQ(model.config.padding, Padding::valid) << name;
    const SequenceInput input = read_sequences(dir + "inputs.npy");
    ASSERT_TRUE(input.one_hot) << name;
    const auto ref_logits = read_npy(dir + "logits.npy").to_vector<double>();
    const auto ref_grad = read_npy(dir + "gradient.npy").to_vector<double>();
    const int n = static_cast<int>(input.n);
    ASSERT_EQ(ref_logits.size(), static_cast<std::size_t>(n));

    const NpyArray raw = read_npy(dir + "inputs.npy");
    const std::vector<float> dense = raw.to_vector<float>();
    for (int path = 0; path < 2; ++path) {
      CnnInput in;
      if (path == 0)
        in.codes = input.codes.data();
      else
        in.dense = dense.data();
      CpuCnn cnn(model.config, n, 2);
      ModelParams params = model.params;
      std::vector<float> logits(n);
      cnn.forward(params, in, n, Mode::eval, logits.data());
      EXPECT_LT(rel_norm(ref_logits, {logits.begin(), logits.end()}), 1e-5)
          << name << (path == 0 ? " one-hot" : " dense");
      const std::vector<float> ones(n, 1.0f);
      ModelParams grads;
      std::vector<float> dx(static_cast<std::size_t>(n) * 4 * model.config.length);
      cnn.backward(params, ones.data(), &grads, dx.data());
      EXPECT_LT(rel_norm(ref_grad, {dx.begin(), dx.end()}), 1e-5)
          << name << (path == 0 ? " one-hot" : " dense");
    }
  }
}

}  // namespace
}  // namespace mint

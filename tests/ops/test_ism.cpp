// The brute-force ISM (ops/perturbation/ism_reference.cpp) against float64 re-evaluation of
// every mutant on random models, exactly 0 at the observed base, and the scaled one-hot input's
// dense route. Its Captum fixture parity and batching are checked with the other methods in
// test_gradient.cpp; the incremental ism_incremental against it in test_perturbation.cpp.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::onehot;
using test::random_codes;
using test::random_model;
using test::small_config;

TEST(AttributionProperties, IsmEqualsBruteForce) {
  const ModelConfig c = small_config();
  const int n = 4;
  for (std::uint64_t seed : test::kSeeds) {
    const Model m = random_model(c, seed);
    const ReferenceParams rp = to_reference(m.params);
    const auto codes = random_codes(n, c.length, seed + 3);
    const std::vector<double> x = onehot(codes, n, c.length);
    const auto fx = reference_forward_backward(c, rp, x, n, Mode::eval, nullptr, nullptr, nullptr);
    std::vector<double> ref(x.size(), 0.0);
    for (int s = 0; s < n; ++s) {
      for (int p = 0; p < c.length; ++p) {
        for (int b = 0; b < 4; ++b) {
          std::vector<double> xm(x.begin() + static_cast<std::ptrdiff_t>(s) * 4 * c.length,
                                 x.begin() + static_cast<std::ptrdiff_t>(s + 1) * 4 * c.length);
          for (int ch = 0; ch < 4; ++ch) xm[static_cast<std::size_t>(ch) * c.length + p] = ch == b;
          const auto fm =
              reference_forward_backward(c, rp, xm, 1, Mode::eval, nullptr, nullptr, nullptr);
          ref[(static_cast<std::size_t>(s) * 4 + b) * c.length + p] = fm[0] - fx[s];
        }
      }
    }
    CpuCnn cnn(c, 13, 2);
    CnnInput in;
    in.codes = codes.data();
    const auto got = ism(cnn, m.params, in, n);
    std::vector<double> got_d(got.begin(), got.end());
    EXPECT_TRUE(test::all_close(ref, got_d, 1e-4, 1e-5)) << "seed " << seed;
    for (int s = 0; s < n; ++s) {
      for (int p = 0; p < c.length; ++p) {
        const auto obs = codes[static_cast<std::size_t>(s) * c.length + p];
        EXPECT_EQ(got[(static_cast<std::size_t>(s) * 4 + obs) * c.length + p], 0.0f);
      }
    }
    // A scaled one-hot input (scale 1) goes the dense way and agrees.
    const std::vector<float> ones(static_cast<std::size_t>(n), 1.0f);
    in.scale = ones.data();
    EXPECT_TRUE(test::all_close(got, ism(cnn, m.params, in, n), 1e-6, 1e-6));
  }
}

}  // namespace
}  // namespace mint

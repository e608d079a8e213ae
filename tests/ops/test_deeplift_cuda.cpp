// DeepLIFT on the GPU (ops/deeplift/deeplift.cu) against its CPU twin deeplift() — the
// reference:
//   - seeded random models at the paper size and at odd shapes (F 11, valid padding, no
//     BatchNorm, even F with 'same' padding), a few hundred sequences, scale given or not, both
//     targets, both DeepLIFT modes: relative norm ≤ 1e-5 and exact zeros at absent bases;
//   - more sequences than one host chunk, with captum-0.8's row 0 taken from the whole call
//     (and IG and the default mode across the chunk boundary).
// The edge cases, the global-scratch path, the device-pointer entry point, the Captum fixtures
// and the errors are checked for both kernels in test_ig_cuda.cpp.
// Every GPU test skips without a GPU (MINT_REQUIRE_GPU).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "attribution_cuda_test_util.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "model_test_util.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using attribution_cuda_test::cpu_deeplift;
using attribution_cuda_test::kCudaTol;
using attribution_cuda_test::kSeeds;
using attribution_cuda_test::random_scale;
using attribution_cuda_test::rel_norm;
using attribution_cuda_test::Shape;
using attribution_cuda_test::shapes;
using attribution_cuda_test::zero_at_absent_bases;
using test::case_dir;
using test::random_codes;
using test::random_model;

TEST(AttributionCuda, DeepLiftMatchesCpu) {
  MINT_REQUIRE_GPU();
  for (const Shape& shape : shapes()) {
    if (shape.config.activation != Activation::relu) continue;
    for (const std::uint64_t seed : kSeeds) {
      const Model m = random_model(shape.config, seed);
      const auto codes = random_codes(shape.n, shape.config.length, seed + 1);
      const auto scale = random_scale(shape.n, seed + 2);
      for (DeepLiftCompat compat : {DeepLiftCompat::none, DeepLiftCompat::captum_0_8}) {
        for (Target target : {Target::logit, Target::prob}) {
          for (bool scaled : {false, true}) {
            const float* s = scaled ? scale.data() : nullptr;
            const auto ref = cpu_deeplift(m, codes, s, shape.n, compat, target);
            const auto got =
                deeplift_cuda(shape.config, m.params, codes.data(), shape.n, compat, target, s);
            const double rn = rel_norm(ref, got);
            const std::string what = std::string(shape.name) + " seed " + std::to_string(seed) +
                                     " " + deeplift_compat_name(compat) +
                                     (target == Target::prob ? " prob" : " logit") +
                                     (scaled ? " scaled" : "");
            EXPECT_LE(rn, kCudaTol) << what;
            EXPECT_TRUE(zero_at_absent_bases(got, codes, shape.n, shape.config.length)) << what;
            std::printf("  DeepLIFT %-40s rel norm %.2e\n", what.c_str(), rn);
          }
        }
      }
    }
  }
}

// More sequences than one host chunk (65536): captum-0.8's fallback must use row 0 of the whole
// call in every chunk. maxpool_ties has relu1 inputs exactly equal to the reference's, where
// that fallback shows; sequence i is fixture row i mod 7, so the second chunk starts with a
// different row than the first.
TEST(AttributionCuda, ChunksShareRowZero) {
  MINT_REQUIRE_GPU();
  const std::string dir = case_dir("maxpool_ties");
  const Model m = load_model(dir + "weights.safetensors");
  const SequenceInput input = read_sequences(dir + "inputs.npy");
  ASSERT_TRUE(input.one_hot);
  const int L = m.config.length, n = 65536 + 37;
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * L);
  for (int i = 0; i < n; ++i) {
    std::memcpy(codes.data() + static_cast<std::size_t>(i) * L,
                input.codes.data() + static_cast<std::size_t>(i % 7) * L, L);
  }
  const auto ref = cpu_deeplift(m, codes, nullptr, n, DeepLiftCompat::captum_0_8, Target::logit);
  const auto got = deeplift_cuda(m.config, m.params, codes.data(), n, DeepLiftCompat::captum_0_8);
  EXPECT_LE(rel_norm(ref, got), kCudaTol);
  // The tail alone (its own row 0) differs from the tail of the whole call: the check bites.
  const int tail = n - 65536;
  const std::vector<std::uint8_t> tail_codes(codes.end() - static_cast<std::ptrdiff_t>(tail) * L,
                                             codes.end());
  const auto alone =
      cpu_deeplift(m, tail_codes, nullptr, tail, DeepLiftCompat::captum_0_8, Target::logit);
  const std::vector<float> ref_tail(ref.end() - static_cast<std::ptrdiff_t>(tail) * 4 * L,
                                    ref.end());
  const std::vector<float> got_tail(got.end() - static_cast<std::ptrdiff_t>(tail) * 4 * L,
                                    got.end());
  EXPECT_GT(rel_norm(ref_tail, alone), 1e-3);
  EXPECT_LE(rel_norm(ref_tail, got_tail), kCudaTol);
  // IG and the default DeepLIFT across the chunk boundary.
  const Quadrature q = ig_quadrature(IgMethod::riemann_right, 20);
  const auto ig_ref = integrated_gradients_onehot(m.config, m.params, codes.data(), nullptr, n, q);
  const auto ig = integrated_gradients_cuda(m.config, m.params, codes.data(), nullptr, n, q);
  EXPECT_LE(rel_norm(ig_ref, ig), kCudaTol);
  const auto dref = cpu_deeplift(m, codes, nullptr, n, DeepLiftCompat::none, Target::logit);
  const auto dgot = deeplift_cuda(m.config, m.params, codes.data(), n);
  EXPECT_LE(rel_norm(dref, dgot), kCudaTol);
}

}  // namespace
}  // namespace mint

// Philox4x32-10 against the Random123 known-answer test vectors (kat_vectors, philox4x32_10),
// and the uniform_below mapping.
#include <gtest/gtest.h>

#include "core/philox.hpp"

namespace mint {
namespace {

TEST(Philox, KnownAnswerZero) {
  const Philox4x32 out = philox4x32({{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(out.v[0], 0x6627e8d5u);
  EXPECT_EQ(out.v[1], 0xe169c58du);
  EXPECT_EQ(out.v[2], 0xbc57ac4cu);
  EXPECT_EQ(out.v[3], 0x9b00dbd8u);
}

TEST(Philox, KnownAnswerOnes) {
  const Philox4x32 out =
      philox4x32({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(out.v[0], 0x408f276du);
  EXPECT_EQ(out.v[1], 0x41c83b0eu);
  EXPECT_EQ(out.v[2], 0xa20bc7c6u);
  EXPECT_EQ(out.v[3], 0x6d5451fdu);
}

TEST(Philox, KnownAnswerPi) {
  const Philox4x32 out =
      philox4x32({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(out.v[0], 0xd16cfe09u);
  EXPECT_EQ(out.v[1], 0x94fdccebu);
  EXPECT_EQ(out.v[2], 0x5001e420u);
  EXPECT_EQ(out.v[3], 0x24126ea1u);
}

TEST(Philox, UniformBelowCoversRangeEvenly) {
  EXPECT_EQ(uniform_below(0u, 7u), 0u);
  EXPECT_EQ(uniform_below(0xffffffffu, 7u), 6u);
  EXPECT_EQ(uniform_below(0xffffffffu, 1u), 0u);
  // Counts over many draws stay within 1% of uniform for a small range.
  const std::uint32_t n = 5;
  int counts[5] = {};
  const int draws = 200000;
  for (int i = 0; i < draws / 4; ++i) {
    const Philox4x32 r = philox4x32({{static_cast<std::uint32_t>(i), 0, 0, 0}}, 1, 2);
    for (std::uint32_t w : r.v) ++counts[uniform_below(w, n)];
  }
  for (int c : counts) EXPECT_NEAR(c, draws / 5, draws / 5 * 0.01);
}

}  // namespace
}  // namespace mint

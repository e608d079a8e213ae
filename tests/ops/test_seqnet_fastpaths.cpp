// The fast paths of ops/seqnet against the layer-by-layer computation they replace:
//   - Linear on groups of rows (linear_forward_rows, linear_backward_rows) equals the same rows
//     one at a time bit for bit, and a double-precision reference within float32 rounding, at
//     awkward sizes (nin 1, 7, 33, 65, 960; zeros in the output gradient);
//   - IG's fused second block (Conv1d → ReLU → MaxPool1d after the fused first block: the pool
//     from α·U + V directly, its gradient added into Q at the argmaxes) and DeepLIFT's fused
//     ReLU → MaxPool1d rules (evaluated at the windows' argmaxes only) equal the same network
//     with an eval-mode Dropout (the identity) between the ReLU and the pool, which breaks the
//     pattern and sends the computation through the general path: every element equal, for
//     several pools (kernel 2 and 3, stride = kernel and stride > kernel, global; overlapping
//     windows, which take the general path in both), channel counts
//     that are not multiples of 8, one-hot and dense inputs, and several seeds;
//   - IG's second conv as running sums in double (U, V): the batched update (the first step)
//     equals the window-by-window one bit for bit, Wᵀq at every window equals a double
//     reference, and IG with them equals — within float32 rounding of the steps — the same
//     network with a Dropout between the first pool and the second conv (which computes that
//     conv layer by layer in float at every step).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_ig_conv2.hpp"
#include "ops/seqnet/seqnet_layers.hpp"
#include "seqnet_test_util.hpp"

namespace mint {
namespace {

constexpr std::uint64_t kSeeds[] = {3, 1234, 0xC0FFEEull};

// How many elements differ (== : −0 equals +0); the first few printed.
::testing::AssertionResult same_elements(const std::vector<float>& want,
                                         const std::vector<float>& got) {
  if (want.size() != got.size()) return ::testing::AssertionFailure() << "sizes differ";
  std::size_t bad = 0;
  std::string first;
  for (std::size_t k = 0; k < want.size(); ++k) {
    if (want[k] == got[k]) continue;
    if (++bad <= 3) {
      first += " [" + std::to_string(k) + "] " + std::to_string(want[k]) + " vs " +
               std::to_string(got[k]);
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << want.size() << " differ:" << first;
}

// ---- Linear on groups of rows ------------------------------------------------------------------

TEST(SeqNetFastPaths, LinearRowsEqualRowByRowAndDoubleReference) {
  const int sizes[][2] = {{1, 1}, {7, 5}, {33, 9}, {65, 64}, {960, 64}, {16, 3}};
  for (const std::uint64_t seed : kSeeds) {
    for (const auto& size : sizes) {
      const int nin = size[0], nout = size[1], n = 7;  // 7 rows: a group of 4 and 3 single rows
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> w(static_cast<std::size_t>(nin) * nout), b(nout), x(n * nin), g(n * nout);
      for (float& v : w) v = u(rng);
      for (float& v : b) v = u(rng);
      for (float& v : x) v = u(rng);
      for (std::size_t k = 0; k < g.size(); ++k) g[k] = k % 3 == 1 ? 0.0f : u(rng);  // ReLU zeros
      std::vector<float> out(n * nout), out1(n * nout), din(n * nin), din1(n * nin);
      seqnet::linear_forward_rows(x.data(), n, w.data(), b.data(), nin, nout, out.data());
      seqnet::linear_backward_rows(g.data(), n, w.data(), nin, nout, din.data());
      for (int r = 0; r < n; ++r) {
        seqnet::linear_forward_rows(x.data() + r * nin, 1, w.data(), b.data(), nin, nout,
                                    out1.data() + r * nout);
        seqnet::linear_backward_rows(g.data() + r * nout, 1, w.data(), nin, nout,
                                     din1.data() + r * nin);
      }
      const std::string where = "nin " + std::to_string(nin) + " nout " + std::to_string(nout);
      EXPECT_TRUE(same_elements(out1, out)) << where;
      EXPECT_TRUE(same_elements(din1, din)) << where;
      for (int r = 0; r < n; ++r) {  // float32 sums of nin (nout) terms of size ≤ 1
        for (int o = 0; o < nout; ++o) {
          double ref = b[o];
          for (int k = 0; k < nin; ++k) ref += static_cast<double>(w[o * nin + k]) * x[r * nin + k];
          EXPECT_NEAR(out[r * nout + o], ref, 1e-6 * (nin + 1)) << where;
        }
        for (int k = 0; k < nin; ++k) {
          double ref = 0;
          for (int o = 0; o < nout; ++o)
            ref += static_cast<double>(w[o * nin + k]) * g[r * nout + o];
          EXPECT_NEAR(din[r * nin + k], ref, 1e-6 * (nout + 1)) << where;
        }
      }
    }
  }
}

// ---- IG's and DeepLIFT's fused blocks against the general path --------------------------------

// Conv1d → ReLU → MaxPool1d → Conv1d → ReLU → [Dropout] → pool → Flatten → Linear → ReLU →
// Linear: `pool` the second pool's JSON, `cout` the second conv's channels.
std::string two_conv(const std::string& pool, int cout, bool dropout) {
  const std::string c = std::to_string(cout);
  return R"({"input": {"channels": 4, "length": 45}, "layers": [
  {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": 11, "kernel_size": 5,
   "padding": "same", "dilation": 1, "bias": true},
  {"type": "ReLU", "name": "r0"}, {"type": "MaxPool1d", "name": "p0", "kernel_size": 2},
  {"type": "Conv1d", "name": "c1", "in_channels": 11, "out_channels": )" +
         c + R"(, "kernel_size": 3, "padding": "same", "dilation": 2, "bias": true},
  {"type": "ReLU", "name": "r1"},)" +
         (dropout ? R"( {"type": "Dropout", "name": "d", "p": 0.3},)" : "") + pool + R"(,
  {"type": "Flatten", "name": "f"},
  {"type": "Linear", "name": "l0", "in_features": FEATURES, "out_features": 9, "bias": true},
  {"type": "ReLU", "name": "r2"},
  {"type": "Linear", "name": "l1", "in_features": 9, "out_features": 2, "bias": true}]})";
}

struct Pair {
  std::string name;
  SequentialModel fused, general;  // the same parameters; `general` has the Dropout
};

// The second conv's output is (cout, 22); the pool gives `len` positions.
std::vector<Pair> pairs(std::uint64_t seed) {
  struct Pool {
    std::string json;
    int len;
  };
  const Pool pools[] = {
      {R"({"type": "MaxPool1d", "name": "p1", "kernel_size": 2})", 11},
      {R"({"type": "MaxPool1d", "name": "p1", "kernel_size": 3})", 7},
      {R"({"type": "MaxPool1d", "name": "p1", "kernel_size": 2, "stride": 3})", 7},
      {R"({"type": "MaxPool1d", "name": "p1", "kernel_size": 3, "stride": 2})", 10},  // general
      {R"({"type": "GlobalMaxPool1d", "name": "p1"})", 1}};
  std::vector<Pair> out;
  for (const int cout : {6, 13, 16}) {
    for (const Pool& pool : pools) {
      auto arch = [&](bool dropout) {
        std::string j = two_conv(pool.json, cout, dropout);
        j.replace(j.find("FEATURES"), 8, std::to_string(cout * pool.len));
        return seqnet_test::parse(j);
      };
      Pair p{pool.json + " cout " + std::to_string(cout), {arch(false), {}}, {arch(true), {}}};
      p.fused.params = seqnet_test::random_params(p.fused.arch, seed);
      p.general.params = p.fused.params;  // Dropout has no parameters: insert an empty slot
      p.general.params.layers.insert(p.general.params.layers.begin() + 5, LayerParams{});
      out.push_back(std::move(p));
    }
  }
  return out;
}

TEST(SeqNetFastPaths, FusedBlocksEqualTheGeneralPath) {
  constexpr int n = 5;
  for (const std::uint64_t seed : kSeeds) {
    for (const Pair& p : pairs(seed)) {
      const int L = p.fused.arch.length;
      const std::vector<std::uint8_t> codes = seqnet_test::random_codes(n, L, seed + 1);
      const std::vector<float> dense = seqnet_test::random_dense(n, L, seed + 2, -1.0f, 1.0f);
      for (const bool onehot : {true, false}) {
        CnnInput in;
        if (onehot) {
          in.codes = codes.data();
        } else {
          in.dense = dense.data();
        }
        SeqAttributeOptions o;
        o.output = 1;
        const std::string where =
            p.name + (onehot ? " one-hot" : " dense") + " seed " + std::to_string(seed);
        for (const int steps : {7, 50}) {
          const auto a =
              seqnet_integrated_gradients(p.fused, in, n, IgMethod::gausslegendre, steps, o);
          const auto b =
              seqnet_integrated_gradients(p.general, in, n, IgMethod::gausslegendre, steps, o);
          EXPECT_TRUE(same_elements(b, a)) << "IG-" << steps << " " << where;
        }
        // Compat none only: released Captum's rules (captum_0_8) depend on which hooked layers
        // are adjacent, which the Dropout changes.
        const auto a = seqnet_deeplift(p.fused, in, n, DeepLiftCompat::none, o);
        const auto b = seqnet_deeplift(p.general, in, n, DeepLiftCompat::none, o);
        EXPECT_TRUE(same_elements(b, a)) << "DeepLIFT " << where;
      }
    }
  }
}

// ---- IG's second conv in double -----------------------------------------------------------

// conv2_update_batch against conv2_update window by window (bit for bit), conv2_transposed
// against a plain double sum; shapes with cout, cin not multiples of 4 or 16, dilation 1 and 2,
// 'same' and 'valid'-like padding, about half the windows changing (and none, and all).
TEST(SeqNetFastPaths, Conv2RunningSumsBatchEqualsOneByOne) {
  struct Shape {
    int cin, cout, K, dil, pad, lin;
  };
  const Shape shapes[] = {{1, 1, 1, 1, 0, 1},
                          {5, 7, 3, 2, 2, 13},
                          {11, 16, 5, 2, 4, 22},
                          {4, 33, 5, 1, 0, 9},
                          {64, 64, 5, 2, 4, 62}};
  for (const std::uint64_t seed : kSeeds) {
    for (const Shape& sh : shapes) {
      seqnet::Conv2Shape s{sh.cin, sh.cout, sh.K, sh.dil, sh.pad, sh.lin, 0};
      s.lout = sh.lin + 2 * sh.pad - sh.dil * (sh.K - 1);
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> uni(-1.0, 1.0);
      std::vector<double> w(std::size_t(sh.cin * sh.K * sh.cout));
      for (double& x : w) x = static_cast<float>(uni(rng));
      const std::size_t nwin = std::size_t(sh.cin * sh.lin), nout = std::size_t(s.lout * sh.cout);
      for (const double p_on : {0.0, 0.5, 1.0}) {
        std::vector<float> da(nwin, 0.0f), db(nwin, 0.0f);
        for (std::size_t k = 0; k < nwin; ++k) {
          if ((uni(rng) + 1.0) / 2.0 >= p_on) continue;
          da[k] = static_cast<float>(uni(rng));
          db[k] = k % 3 == 0 ? 0.0f : static_cast<float>(uni(rng));
        }
        std::vector<double> u0(nout), v0(nout);  // an earlier state to add to
        for (std::size_t i = 0; i < nout; ++i) u0[i] = uni(rng), v0[i] = uni(rng);
        std::vector<double> u1 = u0, v1 = v0, u2 = u0, v2 = v0;
        for (std::size_t k = 0; k < nwin; ++k) {
          if (da[k] == 0.0f && db[k] == 0.0f) continue;
          seqnet::conv2_update(s, w.data(), int(k) / sh.lin, int(k) % sh.lin, da[k], db[k],
                               u1.data(), v1.data());
        }
        std::vector<seqnet::Conv2Term> terms;
        seqnet::conv2_update_batch(s, w.data(), da.data(), db.data(), u2.data(), v2.data(), terms);
        const std::string where = "cin " + std::to_string(sh.cin) + " cout " +
                                  std::to_string(sh.cout) + " p " + std::to_string(p_on);
        for (std::size_t i = 0; i < nout; ++i) {
          ASSERT_EQ(u1[i], u2[i]) << where << " U[" << i << "]";
          ASSERT_EQ(v1[i], v2[i]) << where << " V[" << i << "]";
        }
        std::vector<double> g(nwin);
        seqnet::conv2_transposed(s, w.data(), u1.data(), g.data());
        for (int c = 0; c < sh.cin; ++c) {
          for (int win = 0; win < sh.lin; ++win) {
            double ref = 0.0, mag = 0.0;
            for (int k = 0; k < sh.K; ++k) {
              const int t = win - k * sh.dil + sh.pad;
              if (t < 0 || t >= s.lout) continue;
              for (int o = 0; o < sh.cout; ++o) {
                const double x =
                    w[std::size_t((c * sh.K + k) * sh.cout + o)] * u1[std::size_t(t * sh.cout + o)];
                ref += x;
                mag += std::fabs(x);
              }
            }
            ASSERT_NEAR(g[std::size_t(c * sh.lin + win)], ref, 1e-14 * (mag + 1.0)) << where;
          }
        }
      }
    }
  }
}

// Relative L2 distance |a − b| / |b|.
double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0.0, den = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    num += (double(a[k]) - b[k]) * (double(a[k]) - b[k]);
    den += double(b[k]) * b[k];
  }
  return std::sqrt(num / den);
}

// IG through the running sums (every window switching on or off, the first step's batch)
// against the second conv computed by the layers at every step in float32: a Dropout between
// the first pool and the second conv. The two differ by float32 rounding of the conv's sums;
// an error in U, V or Q of 1e-3 of their size would exceed the tolerance several times over.
TEST(SeqNetFastPaths, IgSecondConvRunningSumsMatchLayerByLayer) {
  constexpr int n = 4;
  for (const std::uint64_t seed : kSeeds) {
    for (const int cin : {11, 24}) {  // 24 windows' channels: the first step's batch runs
      auto arch = [&](bool dropout) {
        const std::string c = std::to_string(cin);
        return seqnet_test::parse(
            R"({"input": {"channels": 4, "length": 90}, "layers": [
  {"type": "Conv1d", "name": "c0", "in_channels": 4, "out_channels": )" +
            c +
            R"(, "kernel_size": 5, "padding": "same", "bias": true},
  {"type": "ReLU", "name": "r0"}, {"type": "MaxPool1d", "name": "p0", "kernel_size": 2},)" +
            (dropout ? R"( {"type": "Dropout", "name": "d", "p": 0.3},)" : "") +
            R"(
  {"type": "Conv1d", "name": "c1", "in_channels": )" +
            c +
            R"(, "out_channels": 20, "kernel_size": 5, "padding": "same",
   "dilation": 2, "bias": true},
  {"type": "ReLU", "name": "r1"}, {"type": "MaxPool1d", "name": "p1", "kernel_size": 3},
  {"type": "Flatten", "name": "f"},
  {"type": "Linear", "name": "l0", "in_features": 300, "out_features": 9, "bias": true},
  {"type": "ReLU", "name": "r2"},
  {"type": "Linear", "name": "l1", "in_features": 9, "out_features": 1, "bias": true}]})");
      };
      SequentialModel fast{arch(false), {}}, layers{arch(true), {}};
      fast.params = seqnet_test::random_params(fast.arch, seed);
      layers.params = fast.params;
      layers.params.layers.insert(layers.params.layers.begin() + 3, LayerParams{});
      const int L = fast.arch.length;
      const std::vector<std::uint8_t> codes = seqnet_test::random_codes(n, L, seed + 1);
      CnnInput in;
      in.codes = codes.data();
      const auto a = seqnet_integrated_gradients(fast, in, n, IgMethod::gausslegendre, 50, {});
      const auto b = seqnet_integrated_gradients(layers, in, n, IgMethod::gausslegendre, 50, {});
      EXPECT_LT(rel_l2(a, b), 1e-5) << "cin " << cin << " seed " << seed;
    }
  }
}

}  // namespace
}  // namespace mint

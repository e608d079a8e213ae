// Internal to ops/seqnet: IG's second Conv1d after the fused first block (seqnet_ig.cpp), kept
// in double as running sums U = W∗a and V = W∗b over the first pool's windows (α·U + V + bias is
// the conv's output at step α). Not a public header.
//
// Layout: the weights w (cin, K, cout) in double — one (c, k)'s output channels contiguous; the
// pool's windows (c, win), c·lin + win (lin = the conv's input length); U, V and Q (t, cout),
// t < lout. The conv: U[t, o] = Σ_c Σ_k w[c, k, o]·a[c, t + k·dil − pad].
//
// conv2_update (one window) and conv2_update_batch (many) add into each element of U and V in
// the same order — windows in (c, win) order, one fused multiply-add each — so a batch gives
// the same bits as its windows one by one.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

namespace mint::seqnet {

struct Conv2Shape {
  int cin = 0, cout = 0, kernel = 0, dilation = 1, pad_left = 0;
  int lin = 0;   // the conv's input length (the first pool's windows per channel)
  int lout = 0;  // its output length
};

// One window (c, win) changes by (da, db): U += da·W∗e, V += db·W∗e (K rows of cout each).
void conv2_update(const Conv2Shape& s, const double* w, int c, int win, double da, double db,
                  double* u, double* v);

// Every window k changes by (da[k], db[k]) (zero: unchanged): the same sums as conv2_update of
// each nonzero window in k order, each output row t accumulated in registers (16 channels of U
// and V at a time) over its contributing windows. `terms` is scratch.
struct Conv2Term {
  const double* w;
  double da, db;
};
void conv2_update_batch(const Conv2Shape& s, const double* w, const float* da, const float* db,
                        double* u, double* v, std::vector<Conv2Term>& terms);

// (Wᵀg)[k] for the window k = (c, win): Σ_k' Σ_o w[c, k', o]·g[o, t], t = win − k'·dil + pad,
// of g with element (o, t) at o·so + t·st; 4 chains of 4 doubles when g is double (so == 1).
template <typename T>
double conv2_window_grad(const Conv2Shape& s, const double* w, std::size_t k, const T* g,
                         std::size_t so, std::size_t st) {
  const std::size_t cout = static_cast<std::size_t>(s.cout);
  const int c = static_cast<int>(k / static_cast<std::size_t>(s.lin));
  const int win = static_cast<int>(k % static_cast<std::size_t>(s.lin));
  double sum = 0.0;
  for (int j = 0; j < s.kernel; ++j) {
    const int t = win - j * s.dilation + s.pad_left;
    if (t < 0 || t >= s.lout) continue;
    const double* wj = w + (static_cast<std::size_t>(c) * static_cast<std::size_t>(s.kernel) +
                            static_cast<std::size_t>(j)) *
                               cout;
    const T* gt = g + static_cast<std::size_t>(t) * st;
    std::size_t o = 0;
    if constexpr (std::is_same_v<T, double>) {
      typedef double Double4 __attribute__((vector_size(32)));
      Double4 acc[4] = {};
      for (; so == 1 && o + 16 <= cout; o += 16) {
        for (std::size_t v = 0; v < 4; ++v) {
          Double4 wd, gd;
          std::memcpy(&wd, wj + o + 4 * v, sizeof wd);
          std::memcpy(&gd, gt + o + 4 * v, sizeof gd);
          acc[v] += wd * gd;
        }
      }
      const Double4 a = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      sum += (a[0] + a[1]) + (a[2] + a[3]);
    }
    for (; o < cout; ++o) sum += wj[o] * gt[o * so];
  }
  return sum;
}

// g[c·lin + win] = Σ_k Σ_o w[c, k, o]·q[t, o], t = win − k·dil + pad (Wᵀq at every window).
void conv2_transposed(const Conv2Shape& s, const double* w, const double* q, double* g);

}  // namespace mint::seqnet

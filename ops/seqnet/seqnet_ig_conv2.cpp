// IG's second Conv1d in double (running sums U, V; Wᵀq at the windows). See seqnet_ig_conv2.hpp.
#include "ops/seqnet/seqnet_ig_conv2.hpp"

namespace mint::seqnet {
namespace {

typedef double Double4 __attribute__((vector_size(32)));

std::size_t zu(int x) { return static_cast<std::size_t>(x); }

Double4 load4(const double* p) {
  Double4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store4(double* p, Double4 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace

void conv2_update(const Conv2Shape& s, const double* w, int c, int win, double da, double db,
                  double* u, double* v) {
  for (int k = 0; k < s.kernel; ++k) {
    const int t = win - k * s.dilation + s.pad_left;
    if (t < 0 || t >= s.lout) continue;
    const double* wk = w + (zu(c) * zu(s.kernel) + zu(k)) * zu(s.cout);
    double* ut = u + zu(t) * zu(s.cout);
    double* vt = v + zu(t) * zu(s.cout);
    for (int o = 0; o < s.cout; ++o) {
      ut[o] += da * wk[o];
      vt[o] += db * wk[o];
    }
  }
}

// Output row t receives window (c, win) through tap k = (win − t + pad) / dil: for each c the
// windows in increasing win are the taps in increasing k, so listing (c, k) in that order
// keeps conv2_update's order of additions into every element.
void conv2_update_batch(const Conv2Shape& s, const double* w, const float* da, const float* db,
                        double* u, double* v, std::vector<Conv2Term>& terms) {
  terms.resize(zu(s.cin) * zu(s.kernel));
  Conv2Term* const term = terms.data();
  const int cout = s.cout;
  for (int t = 0; t < s.lout; ++t) {
    std::size_t n = 0;
    for (int c = 0; c < s.cin; ++c) {
      for (int k = 0; k < s.kernel; ++k) {
        const int win = t + k * s.dilation - s.pad_left;
        if (win < 0 || win >= s.lin) continue;
        const std::size_t at = zu(c) * zu(s.lin) + zu(win);
        term[n] = {w + (zu(c) * zu(s.kernel) + zu(k)) * zu(cout), da[at], db[at]};
        n += (da[at] != 0.0f) | (db[at] != 0.0f);  // branch-free: about half are on
      }
    }
    if (n == 0) continue;
    double* ut = u + zu(t) * zu(cout);
    double* vt = v + zu(t) * zu(cout);
    int o = 0;
    for (; o + 16 <= cout; o += 16) {  // 8 accumulators, 4 weight vectors, 2 broadcasts
      Double4 au[4], av[4];
      for (int i = 0; i < 4; ++i) {
        au[i] = load4(ut + o + 4 * i);
        av[i] = load4(vt + o + 4 * i);
      }
      for (std::size_t j = 0; j < n; ++j) {
        const Double4 a = Double4{} + term[j].da, b = Double4{} + term[j].db;
        for (int i = 0; i < 4; ++i) {
          const Double4 wv = load4(term[j].w + o + 4 * i);
          au[i] += a * wv;
          av[i] += b * wv;
        }
      }
      for (int i = 0; i < 4; ++i) {
        store4(ut + o + 4 * i, au[i]);
        store4(vt + o + 4 * i, av[i]);
      }
    }
    for (; o < cout; ++o) {
      double au = ut[o], av = vt[o];
      for (std::size_t j = 0; j < n; ++j) {
        au += term[j].da * term[j].w[o];
        av += term[j].db * term[j].w[o];
      }
      ut[o] = au;
      vt[o] = av;
    }
  }
}

void conv2_transposed(const Conv2Shape& s, const double* w, const double* q, double* g) {
  const int lin = s.lin, cout = s.cout, cin = s.cin, K = s.kernel;
  for (int win = 0; win < lin; ++win) {
    int c = 0;
    for (; c + 4 <= cin; c += 4) {  // 4 channels share each load of q
      Double4 acc[4] = {};
      double tail[4] = {};
      for (int j = 0; j < K; ++j) {
        const int t = win - j * s.dilation + s.pad_left;
        if (t < 0 || t >= s.lout) continue;
        const double* qt = q + zu(t) * zu(cout);
        const double* wj[4];
        for (int i = 0; i < 4; ++i) wj[i] = w + (zu(c + i) * zu(K) + zu(j)) * zu(cout);
        int o = 0;
        for (; o + 4 <= cout; o += 4) {
          const Double4 qv = load4(qt + o);
          for (int i = 0; i < 4; ++i) acc[i] += load4(wj[i] + o) * qv;
        }
        for (; o < cout; ++o) {
          for (int i = 0; i < 4; ++i) tail[i] += wj[i][o] * qt[o];
        }
      }
      for (int i = 0; i < 4; ++i)
        g[zu(c + i) * zu(lin) + zu(win)] =
            (acc[i][0] + acc[i][1]) + (acc[i][2] + acc[i][3]) + tail[i];
    }
    for (; c < cin; ++c) {
      const std::size_t k = zu(c) * zu(lin) + zu(win);
      g[k] = conv2_window_grad(s, w, k, q, 1, zu(cout));
    }
  }
}

}  // namespace mint::seqnet

// Internal to ops/seqnet: one sequence ("row") through one layer of a general sequential CNN —
// forward, the input gradient and the parameter gradients — in PyTorch's layout (channels ×
// length per row, or a flat vector after Flatten). The network (seqnet.cpp), DeepLIFT
// (seqnet_deeplift.cpp) and the attribution methods (seqnet_methods.cpp) are made of these.
// Not a public header.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/sequential.hpp"

namespace mint::seqnet {

// A Conv1d's weights (out, in, K) packed for the register-blocked kernel: blocks of `rows`
// output channels (the last one zero-padded), each (in, K, rows) — the `rows` weights of one
// (c, k) contiguous.
struct PackedConv {
  int cout = 0, cin = 0, kernel = 0, rows = 0;
  std::vector<float> w;
  static PackedConv pack(const float* w, int cout, int cin, int kernel);
};

// What a layer needs besides PyTorch's parameters, derived from them once per call
// (LayerPlan::make): the conv's weights packed, and flipped and transposed for its input
// gradient, eval-mode BatchNorm as an affine map (PyTorch's: alpha = weight / √(running_var +
// eps), beta = bias − running_mean · alpha).
struct LayerPlan {
  std::vector<float> flipped;         // Conv1d: (in, out, K), flipped[c,o,k'] = w[o,c,K−1−k']
  PackedConv packed, packed_flipped;  // Conv1d: the weights and `flipped`, packed
  // Conv1d: (out, K, cpad) with wt[o,k,c] = w[o,c,k], c padded with zeros to cpad, a multiple
  // of 8 (the input gradient of a sparse output gradient, conv1d_backward_sparse).
  std::vector<float> wt;
  int cpad = 0;
  std::vector<float> alpha, beta;  // BatchNorm1d (eval)
  // Conv1d with 4 input channels (one-hot input): (4, K, opad) with onehot[c,k,o] = w[o,c,k],
  // o padded with zeros to opad, a multiple of 8 (conv1d_onehot, conv1d_onehot_attr).
  std::vector<float> onehot;
  int opad = 0;
  static std::vector<LayerPlan> make(const SequentialArchitecture& arch,
                                     const SequentialParams& params);
};

// Scratch a thread reuses between rows (padded inputs of the conv, packed weights).
struct Scratch {
  std::vector<float> padded;
  PackedConv packed;
  std::vector<int> col_start, col_o;  // conv1d_backward_sparse: the nonzeros by column
  std::vector<float> col_g, din_t;
  std::vector<float> dl_nx, dl_nr, dl_px, dl_pr, dl_stale_x, dl_stale_r;  // DeepLIFT's gradients
  std::vector<float> dl_ux, dl_ur;                                        // its max-pool rule
  std::vector<int> oh_base;                                               // onehot_columns
  std::vector<float> oh_val, oh_t, oh_bias;  // and conv1d_onehot's (position, channel) tile
};

// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols (in 8 × 8 blocks).
void transpose_to(const float* src, int rows, int cols, int ld_src, float* dst, int ld_dst);

// One-hot rows: every column of the dense (4, lin) row x is zero or has one nonzero channel.
// base[p]: that channel (−1: a zero column), val[p]: its value. False (base, val unspecified)
// when some column has two nonzeros.
bool onehot_columns(const float* x, int lin, int* base, float* val);
// Layer 0 (a Conv1d with 4 input channels) of a one-hot row as a lookup of filter columns:
// out (cout, lout), out[o,t] = bias[o] + Σ_k w[o, base(p), k]·val(p), p = t + k·dil − pad_left
// (zero columns and padding skipped), the terms in k order; bias may be null.
void conv1d_onehot(const SequentialLayer& l, const LayerPlan& plan, const float* bias,
                   const int* base, const float* val, int lin, float* out, Scratch& s);
// The attribution x ⊙ (J_convᵀ δ) of a one-hot row, (4, lin), from δ given channel-last:
// dt (lout, opad), the padding channels zero. Only the observed channel is computed:
// attr[base(p), p] = val(p)·Σ_k Σ_o w[o, base(p), k]·δ[o, p + pad_left − k·dil]; 0 elsewhere.
void conv1d_onehot_attr(const SequentialLayer& l, const LayerPlan& plan, const int* base,
                        const float* val, int lin, const float* dt, float* attr, Scratch& s);

// out[o,t] = bias[o] + Σ_c Σ_k w[o,c,k] · x[c, t + k·dil − pad_left] (zero outside [0, lin)),
// t < lout; bias may be null. The sum runs in the order bias, c, k (fixed).
void conv1d_row(const float* x, int lin, const PackedConv& w, const float* bias, int dil,
                int pad_left, int lout, float* out, Scratch& s);
// The same with w in PyTorch's layout (packed into s.packed first).
void conv1d_row(const float* x, int cin, int lin, const float* w, const float* bias, int cout,
                int kernel, int dil, int pad_left, int lout, float* out, Scratch& s);

// A Linear layer on n rows (n, nin) → (n, nout): forward_row's and backward_row's arithmetic,
// the same bits for every row whatever n (the weights are read once per group of rows).
// Backward: din = Wᵀ dout, the terms of the nonzero dout only, in output order.
void linear_forward_rows(const float* in, int n, const float* w, const float* bias, int nin,
                         int nout, float* out);
void linear_backward_rows(const float* dout, int n, const float* w, int nin, int nout, float* din);

// Elementwise nonlinearities: f(x) and f'(x) (given y = f(x)), as PyTorch computes them.
float activation(const SequentialLayer& l, float x);
float activation_grad(const SequentialLayer& l, float x, float y);

// One row through layer `l` (eval semantics: BatchNorm's running statistics, Dropout the
// identity). `argmax` (the output's size) receives each max-pool output's input index (the
// first maximum, as PyTorch); may be null for other layers.
void forward_row(const SequentialArchitecture& arch, std::size_t i, const LayerParams& p,
                 const LayerPlan& plan, const float* in, float* out, std::int32_t* argmax,
                 Scratch& s);

// The plain input gradient of one row: din = J_lᵀ · dout (eval semantics), from the layer's
// input `in`, output `out` and argmax as forward_row left them.
void backward_row(const SequentialArchitecture& arch, std::size_t i, const LayerParams& p,
                  const LayerPlan& plan, const float* in, const float* out,
                  const std::int32_t* argmax, const float* dout, float* din, Scratch& s);

// Adds one row's parameter gradients of Conv1d and Linear (weight, bias) into g. BatchNorm's
// are the network's (they need the batch's statistics).
void param_grad_row(const SequentialArchitecture& arch, std::size_t i, const float* in,
                    const float* dout, LayerParams& g, Scratch& s);

}  // namespace mint::seqnet

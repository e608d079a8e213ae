// Integrated Gradients and DeepLIFT of one-hot input on the GPU
// (include/mint/attribution_cuda.hpp). The CPU twins are src/cpu/integrated_gradients.cpp (ig_one)
// and src/deeplift.cpp (attribute_one); every phase below names the CPU loop it mirrors and keeps
// its formula, its order of operations and, where the CPU's sum is sequential, its summation order.
//
// Float32 parity: where the CPU loop is a sequential multiply-add (vectorised over the other
// index, contracted to an FMA by GCC at the default -march=x86-64-v3) the kernel calls fmaf
// explicitly, so the values that route gradients — BN/activation outputs compared in max-pool,
// fc1 pre-activations compared with 0 — are bitwise the CPU's. Without that, the near-ties of
// max-pool at small α (every position ≈ the bias) flip with last-bit differences and IG on
// random models differs by up to 1e-4 instead of ~2e-7. Only the CPU's `omp simd` reductions
// (fc2, fc1 backward, transposed conv) are summed in a different order.
//
// Mapping: one thread block (kThreads = 256 threads) per sequence, a grid-stride loop over
// sequences with at most (SMs × resident blocks) blocks. Inside a block every phase is a
// strided loop over its independent items, separated by __syncthreads:
//   items (t, f), f fastest        conv sums of the one-hot input (a gather of K filter columns)
//   items (step, w, f) / (w, f)    BN + activation + max-pool, first maximum wins (strict >)
//   items h (fc1 forward)          sequential over the pooled index q, as the CPU
//   items (step, o), (step, h)     fc2, its backward
//   items q (fc1 backward)         Σ_h over fc1's column q, then the max-pool routing
//   items p (transposed conv)      Σ_k Σ_f at the observed base only, all 4 channels written
// The body of a sequence is a template on the block (DeviceBlock here: threadIdx, blockDim,
// __syncthreads), so it can also be run on the host with emulated threads: during development
// it was, with 37 and 256 std::threads and a barrier, under ThreadSanitizer, against the CPU.
//
// Integrated Gradients processes the quadrature in groups of up to kMaxGroup steps: a thread
// keeps one accumulator per step of the group in registers, so each fc1 weight it loads serves
// the whole group. Per block:
//   C  (U, Fs)  bias-free conv sums, U = W·P (conv positions past W·P reach no output)
//   D  (U, Fs)  Σ_i w_i ∂f/∂conv_i (the CPU's dconv)
//   pooled, argmax (S, W·F) in (w, f) order, the CPU's nz order; h1, g1 (S, H1); h2 (S, H2)
// DeepLIFT per block: Δb and the conv multipliers m_c (U, Fs), pooled argmax / Δo / g_p
// (F·W, PyTorch order as the CPU), the dense head's deltas and multipliers.
// Fs = F rounded up to an odd number, so threads walking positions with a fixed filter hit
// distinct shared-memory banks. This scratch lives in dynamic shared memory when it fits
// (paper size: IG 94 KB with S = 4, DeepLIFT 77 KB; two blocks per SM), else in a global
// workspace of (grid × scratch) floats, bounded by kGlobalScratchBudget, same code.
// Parameters stay in global memory (read-only, L1/L2 resident: fc1 is 200 KB at paper size).
//
// DeepLIFT captum_0_8: a first launch attributes sequence 0 alone and writes its max-pool
// argmax and g_p (F·W each) to a device buffer; the main launch reads them as every sequence's
// fallback (the CPU does the same on the host). Sequence 0's result is identical either way.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift_core.hpp"
#include "ops/ig/ig_cuda.hpp"

namespace mint {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxGroup = 8;                                          // IG steps per group
constexpr int kMaxChunk = 65536;                                      // sequences per host chunk
constexpr std::size_t kChunkOutputBudget = std::size_t{512} << 20;    // bytes of output per chunk
constexpr std::size_t kGlobalScratchBudget = std::size_t{256} << 20;  // global-scratch fallback

#define MINT_ATTR_HD __host__ __device__ __forceinline__

// ---- per-element math shared with the CPU code (same formulas, same NaN behaviour) ----

// std::max / std::min: the first argument unless the comparison says otherwise.
MINT_ATTR_HD float max_f(float a, float b) { return a < b ? b : a; }
MINT_ATTR_HD float min_f(float a, float b) { return b < a ? b : a; }
MINT_ATTR_HD int min_i(int a, int b) { return b < a ? b : a; }

// relu_delta, rescale and sigmoid_factor: deeplift_core.hpp, the CPU's own.
using deeplift_core::relu_delta;
using deeplift_core::rescale;
using deeplift_core::sigmoid_factor;

// ---- the thread block, as the per-sequence bodies see it ----

struct DeviceBlock {
  __device__ int tid() const { return static_cast<int>(threadIdx.x); }
  __device__ int size() const { return static_cast<int>(blockDim.x); }
  __device__ void sync() const { __syncthreads(); }
  __device__ bool sync_or(bool v) const { return __syncthreads_or(v ? 1 : 0) != 0; }
};

// One sequence's sizes.
struct Dims {
  int L = 0;    // length
  int K = 0;    // conv width
  int pad = 0;  // left zero padding
  int F = 0;    // filters
  int Fs = 0;   // scratch row stride (F rounded up to odd)
  int P = 0;    // pool width
  int W = 0;    // pooled length
  int U = 0;    // W·P, conv positions that reach a pool window
  int FW = 0;   // F·W
  int H1 = 0, H2 = 0;

  static Dims of(const ModelConfig& c) {
    Dims d;
    d.L = c.length;
    d.K = c.width;
    d.pad = c.pad_left();
    d.F = c.filters;
    d.Fs = c.filters % 2 == 0 ? c.filters + 1 : c.filters;
    d.P = c.pool;
    d.W = c.pooled_length();
    d.U = d.W * d.P;
    d.FW = c.fc1_inputs();
    d.H1 = c.hidden1;
    d.H2 = c.hidden2;
    return d;
  }
};

// Every sequence with a code > 3 gets NaN everywhere (the device entry point's contract); the
// barrier also separates this sequence's scratch writes from the previous sequence's reads.
#pragma nv_exec_check_disable
template <class Block>
MINT_ATTR_HD bool reject_bad_codes(const Block& b, const std::uint8_t* codes, int length,
                                   float* out) {
  bool bad = false;
  for (int p = b.tid(); p < length; p += b.size()) bad = bad || codes[p] > 3;
  if (!b.sync_or(bad)) return false;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int i = b.tid(); i < 4 * length; i += b.size()) out[i] = nan;
  return true;
}

// ---- Integrated Gradients ----

struct IgArgs {
  Dims d;
  bool relu = true;  // else exp
  bool prob = false;
  int steps = 0;  // quadrature points
  int group = 1;  // steps per group, ≤ kMaxGroup
  long long n = 0;
  const std::uint8_t* codes = nullptr;  // (n, L)
  const float* scale = nullptr;         // (n) or null
  float* out = nullptr;                 // (n, 4, L)
  const float* wg = nullptr;            // (4, K, F) conv weight gathered by base, tap
  const float* bias = nullptr;          // (F) conv bias − BN mean (without BN: the bias)
  const float* bn_scale = nullptr;      // (F) γ/√(var + eps) (1 without BN)
  const float* shift = nullptr;         // (F) β (0 without BN)
  const float* w1t = nullptr;           // (W·F, H1) fc1 weight, rows in (w, f) order
  const float* w1 = nullptr;            // (H1, W·F) fc1 weight, columns in (w, f) order
  const float* b1 = nullptr;            // (H1)
  const float* w2 = nullptr;            // (H2, H1)
  const float* w2t = nullptr;           // (H1, H2)
  const float* b2 = nullptr;            // (H2)
  const float* w3 = nullptr;            // (H2)
  float b3 = 0;
  const double* alphas = nullptr;   // (steps)
  const double* weights = nullptr;  // (steps)
  // Scratch layout in 4-byte words from the block's base.
  int conv = 0, dconv = 0, pooled = 0, argmax = 0, h1 = 0, g1 = 0, h2 = 0, dstep = 0;
  int words = 0;
  float* workspace = nullptr;  // global scratch (grid × words) or null: shared memory
};

// Scratch words of IG with `group` steps per group; offsets into args.
std::size_t ig_layout(IgArgs& a, int group) {
  const Dims& d = a.d;
  std::size_t words = 0;
  auto take = [&](std::size_t count) {
    const std::size_t at = words;
    words += count;
    return static_cast<int>(std::min<std::size_t>(at, INT_MAX));
  };
  const auto g = static_cast<std::size_t>(group);
  a.conv = take(static_cast<std::size_t>(d.U) * d.Fs);
  a.dconv = take(static_cast<std::size_t>(d.U) * d.Fs);
  a.pooled = take(g * d.FW);
  a.argmax = take(g * d.FW);
  a.h1 = take(g * d.H1);
  a.g1 = take(g * d.H1);
  a.h2 = take(g * d.H2);
  a.dstep = take(g);
  a.group = group;
  a.words = static_cast<int>(std::min<std::size_t>(words, INT_MAX));
  return words;
}

// ig_one of src/cpu/integrated_gradients.cpp for sequence `seq`, scratch at ws.
#pragma nv_exec_check_disable  // lets a host-only Block instantiate it (development harness)
template <class Block>
MINT_ATTR_HD void ig_sequence(const Block& b, const IgArgs& a, float* ws, long long seq) {
  const Dims& d = a.d;
  const int tid = b.tid(), nt = b.size();
  const std::uint8_t* codes = a.codes + seq * d.L;
  float* out = a.out + seq * 4 * d.L;
  if (reject_bad_codes(b, codes, d.L, out)) return;
  const float xs = a.scale != nullptr ? a.scale[seq] : 1.0f;
  float* C = ws + a.conv;
  float* D = ws + a.dconv;
  float* pooled = ws + a.pooled;
  int* argmax = reinterpret_cast<int*>(ws + a.argmax);
  float* h1 = ws + a.h1;
  float* g1 = ws + a.g1;
  float* h2 = ws + a.h2;
  float* dstep = ws + a.dstep;

  // C[t, f] = Σ_k W[f, code[t + k − pad], k] over taps inside the sequence; D = 0.
  for (int i = tid; i < d.U * d.F; i += nt) {
    const int t = i / d.F, f = i - t * d.F;
    float c = 0.0f;
    for (int k = 0; k < d.K; ++k) {
      const int pos = t + k - d.pad;
      if (pos < 0 || pos >= d.L) continue;
      c += a.wg[(codes[pos] * d.K + k) * d.F + f];
    }
    C[t * d.Fs + f] = c;
    D[t * d.Fs + f] = 0.0f;
  }
  b.sync();

  for (int s0 = 0; s0 < a.steps; s0 += a.group) {
    const int sn = min_i(a.group, a.steps - s0);
    // BatchNorm, activation and max-pool at a = α·scale; the first maximum wins.
    for (int i = tid; i < sn * d.FW; i += nt) {
      const int s = i / d.FW, q = i - s * d.FW, w = q / d.F, f = q - w * d.F;
      const float x = static_cast<float>(a.alphas[s0 + s]) * xs;
      const float bias = a.bias[f], scale = a.bn_scale[f], shift = a.shift[f];
      float best = 0.0f;
      int at = 0;
      for (int j = 0; j < d.P; ++j) {
        const int t = w * d.P + j;
        const float z = fmaf(fmaf(x, C[t * d.Fs + f], bias), scale, shift);
        const float v = a.relu ? max_f(z, 0.0f) : expf(z);
        if (j == 0 || v > best) {
          best = v;
          at = t;
        }
      }
      pooled[s * d.FW + q] = best;
      argmax[s * d.FW + q] = at;
    }
    b.sync();
    // fc1: h1 = b1 + Σ_q pooled[q]·W1[q] over the non-zero pooled values, q in (w, f) order.
    for (int h = tid; h < d.H1; h += nt) {
      float acc[kMaxGroup];
      for (int s = 0; s < kMaxGroup; ++s) acc[s] = a.b1[h];
      for (int q = 0; q < d.FW; ++q) {
        const float wq = a.w1t[q * d.H1 + h];
        for (int s = 0; s < kMaxGroup; ++s) {
          if (s < sn) {
            const float v = pooled[s * d.FW + q];
            if (v != 0.0f) acc[s] = fmaf(v, wq, acc[s]);
          }
        }
      }
      for (int s = 0; s < kMaxGroup; ++s) {
        if (s < sn) h1[s * d.H1 + h] = acc[s];
      }
    }
    b.sync();
    // fc2 (pre-activation).
    for (int i = tid; i < sn * d.H2; i += nt) {
      const int s = i / d.H2, o = i - s * d.H2;
      float acc = a.b2[o];
      for (int h = 0; h < d.H1; ++h) acc += a.w2t[h * d.H2 + o] * max_f(h1[s * d.H1 + h], 0.0f);
      h2[s * d.H2 + o] = acc;
    }
    b.sync();
    // fc3 → the logit; the step's weight (× σ'(logit) for Target::prob).
    for (int s = tid; s < sn; s += nt) {
      float logit = a.b3;
      for (int o = 0; o < d.H2; ++o) logit = fmaf(a.w3[o], max_f(h2[s * d.H2 + o], 0.0f), logit);
      const double wi = a.weights[s0 + s];
      float ds = static_cast<float>(wi);
      if (a.prob) {
        const double p = 1.0 / (1.0 + exp(-static_cast<double>(logit)));
        ds = static_cast<float>(wi * p * (1 - p));
      }
      dstep[s] = ds;
    }
    b.sync();
    // Backward through fc3, relu3, fc2, relu2.
    for (int i = tid; i < sn * d.H1; i += nt) {
      const int s = i / d.H1, h = i - s * d.H1;
      const float ds = dstep[s];
      float acc = 0.0f;
      for (int o = 0; o < d.H2; ++o) {
        const float g = h2[s * d.H2 + o] > 0.0f ? ds * a.w3[o] : 0.0f;
        if (g == 0.0f) continue;
        acc = fmaf(g, a.w2[o * d.H1 + h], acc);
      }
      g1[s * d.H1 + h] = h1[s * d.H1 + h] > 0.0f ? acc : 0.0f;
    }
    b.sync();
    // fc1 backward to the pooled values, then through max-pool, the activation and BN into D.
    // A pooled value passes a gradient only where the activation's slope is non-zero: for
    // ReLU where it is > 0 (the non-zero pooled values); exp everywhere. Each (w, f) routes to
    // its own window, so no two items write the same D element.
    for (int q = tid; q < d.FW; q += nt) {
      float acc[kMaxGroup];
      for (int s = 0; s < kMaxGroup; ++s) acc[s] = 0.0f;
      for (int h = 0; h < d.H1; ++h) {
        const float wq = a.w1[h * d.FW + q];
        for (int s = 0; s < kMaxGroup; ++s) {
          if (s < sn) acc[s] += wq * g1[s * d.H1 + h];
        }
      }
      const int f = q % d.F;
      const float scale = a.bn_scale[f];
      for (int s = 0; s < kMaxGroup; ++s) {
        if (s >= sn) break;
        const float v = pooled[s * d.FW + q];
        if (a.relu && !(v != 0.0f)) continue;
        const float slope = a.relu ? 1.0f : v;
        float& dc = D[argmax[s * d.FW + q] * d.Fs + f];
        dc = fmaf(acc[s] * slope, scale, dc);
      }
    }
    b.sync();
  }

  // attr[code[p], p] = scale · Σ_k Σ_f W[f, code[p], k] · D[p + pad − k, f]; 0 elsewhere.
  for (int p = tid; p < d.L; p += nt) {
    const int code = codes[p];
    float acc = 0.0f;
    for (int k = 0; k < d.K; ++k) {
      const int t = p + d.pad - k;
      if (t < 0 || t >= d.U) continue;
      const float* wk = a.wg + (code * d.K + k) * d.F;
      const float* dk = D + t * d.Fs;
      for (int f = 0; f < d.F; ++f) acc += wk[f] * dk[f];
    }
    for (int ch = 0; ch < 4; ++ch) out[ch * d.L + p] = ch == code ? xs * acc : 0.0f;
  }
}

// ---- DeepLIFT ----

struct DlArgs {
  Dims d;
  bool compat = false;  // DeepLiftCompat::captum_0_8
  bool prob = false;
  long long n = 0;
  const std::uint8_t* codes = nullptr;  // (n, L)
  const float* scale = nullptr;         // (n) or null
  float* out = nullptr;                 // (n, 4, L)
  const float* wg = nullptr;            // (4, K, F) conv weight gathered by base, tap
  const float* bn_scale = nullptr;      // (F) γ/√(var + eps) (1 without BN)
  const float* b_r = nullptr;           // (F) reference relu1 input
  const float* w1t = nullptr;           // (F·W, H1) fc1 weight transposed, q = f·W + w
  const float* w1 = nullptr;            // (H1, F·W) fc1 weight as PyTorch
  const float* h1_r = nullptr;          // (H1) reference fc1 pre-activation
  const float* w2 = nullptr;            // (H2, H1)
  const float* w2t = nullptr;           // (H1, H2)
  const float* h2_r = nullptr;          // (H2)
  const float* w3 = nullptr;            // (H2)
  double f_r = 0;                       // reference logit
  const int* row0_argmax = nullptr;     // compat: sequence 0's argmax (F·W); null: own
  const float* row0_gp = nullptr;       // compat: sequence 0's g_p (F·W); null: own
  int* row0_argmax_out = nullptr;       // written when non-null (the row-0 launch)
  float* row0_gp_out = nullptr;
  // Scratch layout in 4-byte words.
  int db = 0, mc = 0, argmax = 0, d_o = 0, g_p = 0;
  int d_h1 = 0, h1_x = 0, d_a1 = 0, m_h1 = 0, d_h2 = 0, h2_x = 0, d_a2 = 0, m_h2 = 0, top = 0;
  int words = 0;
  float* workspace = nullptr;
};

std::size_t dl_layout(DlArgs& a) {
  const Dims& d = a.d;
  std::size_t words = 0;
  auto take = [&](std::size_t count) {
    const std::size_t at = words;
    words += count;
    return static_cast<int>(std::min<std::size_t>(at, INT_MAX));
  };
  a.db = take(static_cast<std::size_t>(d.U) * d.Fs);
  a.mc = take(static_cast<std::size_t>(d.U) * d.Fs);
  a.argmax = take(d.FW);
  a.d_o = take(d.FW);
  a.g_p = take(d.FW);
  a.d_h1 = take(d.H1);
  a.h1_x = take(d.H1);
  a.d_a1 = take(d.H1);
  a.m_h1 = take(d.H1);
  a.d_h2 = take(d.H2);
  a.h2_x = take(d.H2);
  a.d_a2 = take(d.H2);
  a.m_h2 = take(d.H2);
  a.top = take(1);
  a.words = static_cast<int>(std::min<std::size_t>(words, INT_MAX));
  return words;
}

// attribute_one of src/deeplift.cpp (codes input) for sequence `seq`, scratch at ws.
#pragma nv_exec_check_disable
template <class Block>
MINT_ATTR_HD void dl_sequence(const Block& b, const DlArgs& a, float* ws, long long seq) {
  const Dims& d = a.d;
  const int tid = b.tid(), nt = b.size();
  const float eps = static_cast<float>(kDeepLiftEps);
  const std::uint8_t* codes = a.codes + seq * d.L;
  float* out = a.out + seq * 4 * d.L;
  if (reject_bad_codes(b, codes, d.L, out)) return;
  const float xs = a.scale != nullptr ? a.scale[seq] : 1.0f;
  float* db = ws + a.db;  // Δb = b_x − b_r; b_x is always recomputed as b_r + Δb
  float* mc = ws + a.mc;
  int* argmax = reinterpret_cast<int*>(ws + a.argmax);
  float* d_o = ws + a.d_o;
  float* g_p = ws + a.g_p;
  float* d_h1 = ws + a.d_h1;
  float* h1_x = ws + a.h1_x;
  float* d_a1 = ws + a.d_a1;
  float* m_h1 = ws + a.m_h1;
  float* d_h2 = ws + a.d_h2;
  float* h2_x = ws + a.h2_x;
  float* d_a2 = ws + a.d_a2;
  float* m_h2 = ws + a.m_h2;
  float* top = ws + a.top;

  // 1. conv deltas Δb = bn_scale·(scale·s), s the conv sum without bias; m_c = 0.
  for (int i = tid; i < d.U * d.F; i += nt) {
    const int t = i / d.F, f = i - t * d.F;
    float acc = 0.0f;
    for (int k = 0; k < d.K; ++k) {
      const int pos = t + k - d.pad;
      if (pos < 0 || pos >= d.L) continue;
      acc += a.wg[(codes[pos] * d.K + k) * d.F + f];
    }
    db[t * d.Fs + f] = a.bn_scale[f] * (xs * acc);
    mc[t * d.Fs + f] = 0.0f;
  }
  b.sync();
  // 2. max-pool: the first argmax of b_x, the window start when the maximum is ≤ 0 (= the
  //    first argmax of relu(b_x)); Δo = relu(b_x) − relu(b_r) there. Items run f fastest
  //    (consecutive threads read consecutive filters of a row); q = f·W + w indexes the results.
  for (int i = tid; i < d.FW; i += nt) {
    const int w = i / d.F, f = i - w * d.F, q = f * d.W + w, start = w * d.P;
    const float b_r = a.b_r[f];
    float best = b_r + db[start * d.Fs + f];
    int at = start;
    for (int j = start + 1; j < start + d.P; ++j) {
      const float v = b_r + db[j * d.Fs + f];
      if (v > best) {
        best = v;
        at = j;
      }
    }
    const int j = best > 0.0f ? at : start;
    const float dbj = db[j * d.Fs + f];
    argmax[q] = j;
    d_o[q] = relu_delta(b_r + dbj, b_r, dbj);
  }
  b.sync();
  // 3. dense head as reference + delta.
  for (int o = tid; o < d.H1; o += nt) {
    float acc = 0.0f;
    for (int q = 0; q < d.FW; ++q) {
      const float dq = d_o[q];
      if (dq == 0.0f) continue;
      acc = fmaf(dq, a.w1t[q * d.H1 + o], acc);
    }
    const float hx = a.h1_r[o] + acc;
    d_h1[o] = acc;
    h1_x[o] = hx;
    d_a1[o] = relu_delta(hx, a.h1_r[o], acc);
  }
  b.sync();
  for (int o = tid; o < d.H2; o += nt) {
    float acc = 0.0f;
    for (int q = 0; q < d.H1; ++q) acc += a.w2t[q * d.H2 + o] * d_a1[q];
    const float hx = a.h2_r[o] + acc;
    d_h2[o] = acc;
    h2_x[o] = hx;
    d_a2[o] = relu_delta(hx, a.h2_r[o], acc);
  }
  b.sync();
  if (tid == 0) {
    float d_f = 0.0f;
    for (int o = 0; o < d.H2; ++o) d_f = fmaf(a.w3[o], d_a2[o], d_f);
    top[0] = a.prob
                 ? static_cast<float>(sigmoid_factor(a.f_r, static_cast<double>(d_f), kDeepLiftEps))
                 : 1.0f;
  }
  b.sync();
  // 4. multipliers back to the pooled outputs: relu3, fc2, relu2, fc1.
  for (int o = tid; o < d.H2; o += nt) {
    const float g = top[0] * a.w3[o];
    m_h2[o] = rescale(g, d_a2[o], d_h2[o], h2_x[o] > 0.0f ? g : 0.0f, eps);
  }
  b.sync();
  for (int q = tid; q < d.H1; q += nt) {
    float g = 0.0f;
    for (int o = 0; o < d.H2; ++o) {
      const float m = m_h2[o];
      if (m == 0.0f) continue;
      g = fmaf(m, a.w2[o * d.H1 + q], g);
    }
    m_h1[q] = rescale(g, d_a1[q], d_h1[q], h1_x[q] > 0.0f ? g : 0.0f, eps);
  }
  b.sync();
  for (int q = tid; q < d.FW; q += nt) {
    float g = 0.0f;
    for (int o = 0; o < d.H1; ++o) {
      const float m = m_h1[o];
      if (m == 0.0f) continue;
      g = fmaf(m, a.w1[o * d.FW + q], g);
    }
    g_p[q] = g;
    if (a.row0_gp_out != nullptr) {
      a.row0_gp_out[q] = g;
      a.row0_argmax_out[q] = argmax[q];
    }
  }
  b.sync();
  // 5. MaxPool rule, then relu1's rule, at the only positions where either can be non-zero:
  //    the input's argmax, the window start (the reference's argmax) and, in compat mode,
  //    sequence 0's argmax. All three lie in the item's own window: no two items collide.
  const int* zero_argmax = a.row0_argmax != nullptr ? a.row0_argmax : argmax;
  const float* zero_gp = a.row0_gp != nullptr ? a.row0_gp : g_p;
  for (int i = tid; i < d.FW; i += nt) {
    const int w = i / d.F, f = i - w * d.F, q = f * d.W + w, start = w * d.P, i_x = argmax[q];
    const float g = g_p[q], dq = d_o[q], b_r = a.b_r[f];
    // U: g·(M − o_r) at i_x, g·(o_x − M) at the window start.
    const float up = g * max_f(dq, 0.0f), down = g * min_f(dq, 0.0f);
    int cand[3] = {i_x, 0, 0};
    int count = 1;
    if (start != i_x) cand[count++] = start;
    if (a.compat) {
      const int z = zero_argmax[q];
      bool seen = false;
      for (int c = 0; c < count; ++c) seen = seen || cand[c] == z;
      if (!seen) cand[count++] = z;
    }
    for (int c = 0; c < count; ++c) {
      const int j = cand[c];
      const float u = (j == i_x ? up : 0.0f) + (j == start ? down : 0.0f);
      const float grad = j == i_x ? g : 0.0f;  // G
      const float fallback = a.compat ? (j == zero_argmax[q] ? zero_gp[q] : 0.0f) : grad;
      const float dbj = db[j * d.Fs + f];
      const float b_x = b_r + dbj;
      const float d_a = relu_delta(b_x, b_r, dbj);
      const float m_pool = rescale(1.0f, u, d_a, fallback, eps);
      const float upstream = a.compat ? grad : m_pool;  // issue #1104: the plain gradient
      const float m1 = rescale(upstream, d_a, dbj, b_x > 0.0f ? m_pool : 0.0f, eps);
      mc[j * d.Fs + f] = m1 * a.bn_scale[f];
    }
  }
  b.sync();
  // 6. input multipliers by the transposed conv at the observed base; out = x ⊙ m_x.
  for (int p = tid; p < d.L; p += nt) {
    const int code = codes[p];
    float acc = 0.0f;
    for (int k = 0; k < d.K; ++k) {
      const int t = p + d.pad - k;
      if (t < 0 || t >= d.U) continue;
      const float* wk = a.wg + (code * d.K + k) * d.F;
      const float* mk = mc + t * d.Fs;
      for (int f = 0; f < d.F; ++f) acc += mk[f] * wk[f];
    }
    for (int ch = 0; ch < 4; ++ch) out[ch * d.L + p] = ch == code ? xs * acc : 0.0f;
  }
}

// ---- kernels: grid-stride over sequences, scratch in shared or global memory ----

template <bool kShared, class Args>
__device__ __forceinline__ float* block_scratch(const Args& a) {
  extern __shared__ float4 attribution_smem[];
  if constexpr (kShared) {
    return reinterpret_cast<float*>(attribution_smem);
  } else {
    return a.workspace + static_cast<std::size_t>(blockIdx.x) * a.words;
  }
}

template <bool kShared>
static __global__ void __launch_bounds__(kThreads) ig_kernel(const IgArgs a) {
  float* ws = block_scratch<kShared>(a);
  const DeviceBlock b;
  for (long long seq = blockIdx.x; seq < a.n; seq += gridDim.x) ig_sequence(b, a, ws, seq);
}

template <bool kShared>
static __global__ void __launch_bounds__(kThreads) dl_kernel(const DlArgs a) {
  float* ws = block_scratch<kShared>(a);
  const DeviceBlock b;
  for (long long seq = blockIdx.x; seq < a.n; seq += gridDim.x) dl_sequence(b, a, ws, seq);
}

// ---- host side ----

std::string unavailable_message() {
  return "CUDA attribution (integrated gradients / DeepLIFT on the GPU) is unavailable: " +
         cuda_unavailable_reason();
}

void require_gpu() {
  if (cuda_device_count() == 0) throw Error(unavailable_message());
}

void check_model(const ModelConfig& c, const ModelParams& p) {
  c.validate();
  check_params(c, p, "CUDA attribution");
  // Scratch offsets and weight indices are int: bound the largest of them.
  const Dims d = Dims::of(c);
  const double scratch = 2.0 * d.U * d.Fs + kMaxGroup * (2.0 * d.FW + 2.0 * d.H1 + d.H2 + 1) +
                         3.0 * d.FW + 4.0 * (d.H1 + d.H2) + 1;
  if (scratch > INT_MAX / 2 || static_cast<double>(d.FW) * d.H1 > INT_MAX / 2) {
    throw Error("CUDA attribution: the model is too large for the kernels' 32-bit indexing");
  }
}

void check_deeplift_model(const ModelConfig& c) {
  if (c.activation != Activation::relu) {
    throw Error("deeplift: the rescale rule here supports ReLU models only (this model uses the " +
                to_string(c.activation) + " activation)");
  }
}

// The parameters in the layouts the kernels read, built on the host exactly as the CPU code
// builds its own (IgModel in integrated_gradients.cpp, prepare() in deeplift.cpp).
struct HostModel {
  std::vector<float> wg;                           // (4, K, F)
  std::vector<float> ig_bias, bn_scale, ig_shift;  // (F)
  std::vector<float> ig_w1t, ig_w1;                // (W·F, H1), (H1, W·F), (w, f) order
  std::vector<float> w2t;                          // (H1, H2)
  std::vector<float> dl_b_r;                       // (F)
  std::vector<float> dl_w1t;                       // (F·W, H1)
  std::vector<float> dl_h1_r, dl_h2_r;             // (H1), (H2)
  double dl_f_r = 0;
};

HostModel host_model(const ModelConfig& c, const ModelParams& p) {
  const Dims d = Dims::of(c);
  const auto F = static_cast<std::size_t>(d.F), K = static_cast<std::size_t>(d.K);
  const auto W = static_cast<std::size_t>(d.W), FW = static_cast<std::size_t>(d.FW);
  const auto H1 = static_cast<std::size_t>(d.H1), H2 = static_cast<std::size_t>(d.H2);
  HostModel m;
  m.wg.assign(4 * K * F, 0.0f);
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t ch = 0; ch < 4; ++ch)
      for (std::size_t k = 0; k < K; ++k)
        m.wg[(ch * K + k) * F + f] = p.conv_weight[(f * 4 + ch) * K + k];
  // IG: conv bias − BN mean, BN scale (rounded to float), BN shift.
  m.ig_bias.assign(F, 0.0f);
  m.bn_scale.assign(F, 1.0f);
  m.ig_shift.assign(F, 0.0f);
  for (std::size_t f = 0; f < F; ++f) {
    if (c.batchnorm) {
      m.ig_bias[f] = p.conv_bias[f] - p.bn_running_mean[f];
      m.bn_scale[f] = static_cast<float>(
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps));
      m.ig_shift[f] = p.bn_bias[f];
    } else {
      m.ig_bias[f] = p.conv_bias[f];
    }
  }
  m.ig_w1t.assign(FW * H1, 0.0f);
  m.ig_w1.assign(H1 * FW, 0.0f);
  for (std::size_t h = 0; h < H1; ++h)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t w = 0; w < W; ++w) {
        const float v = p.fc1_weight[h * FW + f * W + w];
        m.ig_w1t[(w * F + f) * H1 + h] = v;
        m.ig_w1[h * FW + w * F + f] = v;
      }
  m.w2t.assign(H1 * H2, 0.0f);
  for (std::size_t o = 0; o < H2; ++o)
    for (std::size_t h = 0; h < H1; ++h) m.w2t[h * H2 + o] = p.fc2_weight[o * H1 + h];
  // DeepLIFT: the reference (zero input) in float64, then rounded, as prepare(); std::fma where
  // the CPU build (-march=x86-64-v3) contracts the multiply-add (this file's host code is not
  // compiled with that flag).
  m.dl_b_r.assign(F, 0.0f);
  std::vector<double> a_r(F);
  for (std::size_t f = 0; f < F; ++f) {
    double b = p.conv_bias[f];
    if (c.batchnorm) {
      const double scale =
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps);
      b = std::fma(b - p.bn_running_mean[f], scale, static_cast<double>(p.bn_bias[f]));
    }
    m.dl_b_r[f] = static_cast<float>(b);
    a_r[f] = std::max(b, 0.0);
  }
  m.dl_w1t.assign(FW * H1, 0.0f);
  for (std::size_t o = 0; o < H1; ++o)
    for (std::size_t q = 0; q < FW; ++q) m.dl_w1t[q * H1 + o] = p.fc1_weight[o * FW + q];
  std::vector<double> h1(H1), h2(H2);
  for (std::size_t o = 0; o < H1; ++o) {
    double s = p.fc1_bias[o];
    for (std::size_t q = 0; q < FW; ++q) s = std::fma(p.fc1_weight[o * FW + q], a_r[q / W], s);
    h1[o] = s;
  }
  for (std::size_t o = 0; o < H2; ++o) {
    double s = p.fc2_bias[o];
    for (std::size_t q = 0; q < H1; ++q)
      s = std::fma(p.fc2_weight[o * H1 + q], std::max(h1[q], 0.0), s);
    h2[o] = s;
  }
  double f = p.fc3_bias[0];
  for (std::size_t q = 0; q < H2; ++q) f = std::fma(p.fc3_weight[q], std::max(h2[q], 0.0), f);
  m.dl_h1_r.assign(h1.begin(), h1.end());
  m.dl_h2_r.assign(h2.begin(), h2.end());
  m.dl_f_r = f;
  return m;
}

template <typename T>
cuda::DeviceBuffer<T> upload(const std::vector<T>& v) {
  return cuda::to_device(v.data(), v.size());
}

int device_attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  MINT_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}

// The parameters on the device and the launch machinery.
class Engine {
 public:
  Engine(const ModelConfig& config, const ModelParams& params)
      : config_(config), d_(Dims::of(config)) {
    require_gpu();
    check_model(config, params);
    int device = 0;
    MINT_CUDA_CHECK(cudaGetDevice(&device));
    sms_ = device_attribute(cudaDevAttrMultiProcessorCount, device);
    smem_optin_ = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    smem_per_sm_ = device_attribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor, device);
    const HostModel m = host_model(config, params);
    wg_ = upload(m.wg);
    ig_bias_ = upload(m.ig_bias);
    bn_scale_ = upload(m.bn_scale);
    ig_shift_ = upload(m.ig_shift);
    ig_w1t_ = upload(m.ig_w1t);
    ig_w1_ = upload(m.ig_w1);
    b1_ = upload(params.fc1_bias);
    w2_ = upload(params.fc2_weight);
    w2t_ = upload(m.w2t);
    b2_ = upload(params.fc2_bias);
    w3_ = upload(params.fc3_weight);
    b3_ = params.fc3_bias[0];
    dl_b_r_ = upload(m.dl_b_r);
    dl_w1t_ = upload(m.dl_w1t);
    dl_w1_ = upload(params.fc1_weight);
    dl_h1_r_ = upload(m.dl_h1_r);
    dl_h2_r_ = upload(m.dl_h2_r);
    dl_f_r_ = m.dl_f_r;
    row0_argmax_ = cuda::DeviceBuffer<int>(static_cast<std::size_t>(d_.FW));
    row0_gp_ = cuda::DeviceBuffer<float>(static_cast<std::size_t>(d_.FW));
    // The uploads ran on the legacy stream; kernels may run on a non-blocking one.
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
  }

  void integrated_gradients(const std::uint8_t* d_codes, const float* d_scale, long long n,
                            const Quadrature& q, Target target, float* d_out, cudaStream_t stream) {
    if (q.alphas.size() != q.weights.size()) {
      throw Error("integrated gradients: the quadrature has " + std::to_string(q.alphas.size()) +
                  " nodes but " + std::to_string(q.weights.size()) + " weights");
    }
    if (q.alphas.size() > static_cast<std::size_t>(INT_MAX)) {
      throw Error("integrated gradients: too many quadrature steps");
    }
    check_io(d_codes, d_out, n, "integrated gradients");
    if (n == 0) return;
    set_quadrature(q, stream);
    IgArgs a;
    a.d = d_;
    a.relu = config_.activation == Activation::relu;
    a.prob = target == Target::prob;
    a.steps = static_cast<int>(q.alphas.size());
    a.n = n;
    a.codes = d_codes;
    a.scale = d_scale;
    a.out = d_out;
    a.wg = wg_.get();
    a.bias = ig_bias_.get();
    a.bn_scale = bn_scale_.get();
    a.shift = ig_shift_.get();
    a.w1t = ig_w1t_.get();
    a.w1 = ig_w1_.get();
    a.b1 = b1_.get();
    a.w2 = w2_.get();
    a.w2t = w2t_.get();
    a.b2 = b2_.get();
    a.w3 = w3_.get();
    a.b3 = b3_;
    a.alphas = alphas_.get();
    a.weights = weights_.get();
    // Steps per group: the most that still lets two blocks share an SM, else the most that
    // fits one block, else (global scratch) kMaxGroup.
    const int most = std::max(1, std::min(kMaxGroup, a.steps));
    int group = 0;
    for (int g = most; g >= 1 && group == 0; g /= 2) {
      if (2 * (ig_layout(a, g) * 4 + 1024) <= static_cast<std::size_t>(smem_per_sm_)) group = g;
    }
    for (int g = most; g >= 1 && group == 0; g /= 2) {
      if (ig_layout(a, g) * 4 <= static_cast<std::size_t>(smem_optin_)) group = g;
    }
    ig_layout(a, group == 0 ? most : group);
    launch(a, n, ig_kernel<true>, ig_kernel<false>, stream);
  }

  // compute_row0: captum_0_8 takes row 0 from d_codes[0] (else the buffer from an earlier call
  // on the same object, for the host entry point's later chunks).
  void deeplift(const std::uint8_t* d_codes, const float* d_scale, long long n,
                DeepLiftCompat compat, Target target, float* d_out, cudaStream_t stream,
                bool compute_row0 = true) {
    check_deeplift_model(config_);
    check_io(d_codes, d_out, n, "deeplift");
    if (n == 0) return;
    DlArgs a;
    a.d = d_;
    a.compat = compat == DeepLiftCompat::captum_0_8;
    a.prob = target == Target::prob;
    a.n = n;
    a.codes = d_codes;
    a.scale = d_scale;
    a.out = d_out;
    a.wg = wg_.get();
    a.bn_scale = bn_scale_.get();
    a.b_r = dl_b_r_.get();
    a.w1t = dl_w1t_.get();
    a.w1 = dl_w1_.get();
    a.h1_r = dl_h1_r_.get();
    a.w2 = w2_.get();
    a.w2t = w2t_.get();
    a.h2_r = dl_h2_r_.get();
    a.w3 = w3_.get();
    a.f_r = dl_f_r_;
    dl_layout(a);
    if (a.compat) {
      if (compute_row0) {
        // Sequence 0 alone, with its own fallback; it leaves its argmax and g_p behind.
        DlArgs first = a;
        first.n = 1;
        first.row0_argmax_out = row0_argmax_.get();
        first.row0_gp_out = row0_gp_.get();
        launch(first, 1, dl_kernel<true>, dl_kernel<false>, stream);
      }
      a.row0_argmax = row0_argmax_.get();
      a.row0_gp = row0_gp_.get();
    }
    launch(a, n, dl_kernel<true>, dl_kernel<false>, stream);
  }

 private:
  static void check_io(const std::uint8_t* d_codes, const float* d_out, long long n,
                       const char* what) {
    if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
    if (n > 0 && (d_codes == nullptr || d_out == nullptr)) {
      throw Error(std::string(what) + ": null codes or output pointer");
    }
  }

  // Uploads the quadrature, in `stream`, unless it is the one already on the device; the
  // device is drained first, since a kernel of an earlier call may still read the old values.
  void set_quadrature(const Quadrature& q, cudaStream_t stream) {
    if (quadrature_valid_ && q.alphas == quadrature_.alphas && q.weights == quadrature_.weights) {
      return;
    }
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
    quadrature_valid_ = false;
    quadrature_ = q;  // the host copy the asynchronous upload reads
    if (quadrature_.alphas.size() > alphas_.size()) {
      alphas_ = cuda::DeviceBuffer<double>(quadrature_.alphas.size());
      weights_ = cuda::DeviceBuffer<double>(quadrature_.alphas.size());
    }
    const std::size_t bytes = quadrature_.alphas.size() * sizeof(double);
    if (bytes > 0) {
      MINT_CUDA_CHECK(cudaMemcpyAsync(alphas_.get(), quadrature_.alphas.data(), bytes,
                                      cudaMemcpyHostToDevice, stream));
      MINT_CUDA_CHECK(cudaMemcpyAsync(weights_.get(), quadrature_.weights.data(), bytes,
                                      cudaMemcpyHostToDevice, stream));
    }
    quadrature_valid_ = true;
  }

  // One launch over n sequences: dynamic shared scratch when it fits a block, else global.
  template <class Args>
  void launch(Args a, long long n, void (*shared_kernel)(Args), void (*global_kernel)(Args),
              cudaStream_t stream) {
    const std::size_t bytes = static_cast<std::size_t>(a.words) * 4;
    if (bytes <= static_cast<std::size_t>(smem_optin_)) {
      MINT_CUDA_CHECK(cudaFuncSetAttribute(
          shared_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
      int per_sm = 0;
      MINT_CUDA_CHECK(
          cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, shared_kernel, kThreads, bytes));
      if (per_sm > 0) {
        const int grid =
            static_cast<int>(std::min<long long>(n, static_cast<long long>(sms_) * per_sm));
        a.workspace = nullptr;
        shared_kernel<<<grid, kThreads, bytes, stream>>>(a);
        MINT_CUDA_CHECK_LAUNCH();
        return;
      }
    }
    int per_sm = 0;
    MINT_CUDA_CHECK(
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, global_kernel, kThreads, 0));
    const long long by_budget = std::max<long long>(
        1, static_cast<long long>(kGlobalScratchBudget / std::max<std::size_t>(bytes, 1)));
    const int grid = static_cast<int>(
        std::min({n, static_cast<long long>(sms_) * std::max(per_sm, 1), by_budget}));
    const std::size_t need = static_cast<std::size_t>(grid) * a.words;
    if (workspace_.size() < need) {
      MINT_CUDA_CHECK(cudaDeviceSynchronize());  // an earlier launch may still use it
      workspace_ = cuda::DeviceBuffer<float>(need);
    }
    a.workspace = workspace_.get();
    global_kernel<<<grid, kThreads, 0, stream>>>(a);
    MINT_CUDA_CHECK_LAUNCH();
  }

  ModelConfig config_;
  Dims d_;
  int sms_ = 1, smem_optin_ = 0, smem_per_sm_ = 0;
  cuda::DeviceBuffer<float> wg_, ig_bias_, bn_scale_, ig_shift_, ig_w1t_, ig_w1_, b1_, w2_, w2t_,
      b2_, w3_;
  float b3_ = 0;
  cuda::DeviceBuffer<float> dl_b_r_, dl_w1t_, dl_w1_, dl_h1_r_, dl_h2_r_;
  double dl_f_r_ = 0;
  cuda::DeviceBuffer<double> alphas_, weights_;
  Quadrature quadrature_;
  bool quadrature_valid_ = false;
  cuda::DeviceBuffer<int> row0_argmax_;
  cuda::DeviceBuffer<float> row0_gp_;
  cuda::DeviceBuffer<float> workspace_;
};

// Host codes must be 0..3; the messages are the CPU functions'.
void check_codes_ig(const std::uint8_t* codes, long long n, int length) {
  const std::size_t total = static_cast<std::size_t>(n) * length;
  for (std::size_t i = 0; i < total; ++i) {
    if (codes[i] > 3) {
      throw Error("integrated gradients: base code " + std::to_string(codes[i]) + " at sequence " +
                  std::to_string(i / static_cast<std::size_t>(length)) + " is not 0..3");
    }
  }
}

void check_codes_deeplift(const std::uint8_t* codes, long long n, int length) {
  const std::size_t total = static_cast<std::size_t>(n) * length;
  const auto L = static_cast<std::size_t>(length);
  for (std::size_t i = 0; i < total; ++i) {
    if (codes[i] > 3) {
      throw Error("deeplift: sequence " + std::to_string(i / L) + " position " +
                  std::to_string(i % L) + " has base code " + std::to_string(codes[i]) +
                  " (expected 0..3 = A,C,G,T)");
    }
  }
}

// Streams n host sequences through `run(d_codes, d_scale, count, d_out, first_chunk)` in
// chunks; returns (n, 4, L).
template <class Run>
std::vector<float> run_chunked(const ModelConfig& c, const std::uint8_t* codes, const float* scale,
                               int n, Run&& run) {
  const auto L = static_cast<std::size_t>(c.length);
  std::vector<float> out(static_cast<std::size_t>(n) * 4 * L);
  if (n == 0) return out;
  const std::size_t by_budget = std::max<std::size_t>(1, kChunkOutputBudget / (16 * L));
  const int chunk = static_cast<int>(std::min<std::size_t>(
      {static_cast<std::size_t>(n), static_cast<std::size_t>(kMaxChunk), by_budget}));
  cuda::DeviceBuffer<std::uint8_t> d_codes(static_cast<std::size_t>(chunk) * L);
  cuda::DeviceBuffer<float> d_scale(scale != nullptr ? static_cast<std::size_t>(chunk) : 0);
  cuda::DeviceBuffer<float> d_out(static_cast<std::size_t>(chunk) * 4 * L);
  for (int first = 0; first < n; first += chunk) {
    const int count = std::min(chunk, n - first);
    d_codes.upload(codes + static_cast<std::size_t>(first) * L,
                   static_cast<std::size_t>(count) * L);
    if (scale != nullptr) d_scale.upload(scale + first, static_cast<std::size_t>(count));
    run(d_codes.get(), scale != nullptr ? d_scale.get() : nullptr, count, d_out.get(), first == 0);
    d_out.download(out.data() + static_cast<std::size_t>(first) * 4 * L,
                   static_cast<std::size_t>(count) * 4 * L);
  }
  return out;
}

}  // namespace

std::vector<float> integrated_gradients_cuda(const ModelConfig& config, const ModelParams& params,
                                             const std::uint8_t* codes, const float* scale, int n,
                                             const Quadrature& quadrature, Target target) {
  require_gpu();
  if (n < 0) throw Error("integrated gradients: negative number of sequences");
  Engine engine(config, params);
  check_codes_ig(codes, n, config.length);
  return run_chunked(
      config, codes, scale, n,
      [&](const std::uint8_t* d_codes, const float* d_scale, int count, float* d_out, bool) {
        engine.integrated_gradients(d_codes, d_scale, count, quadrature, target, d_out, nullptr);
      });
}

std::vector<float> deeplift_cuda(const ModelConfig& config, const ModelParams& params,
                                 const std::uint8_t* codes, int n, DeepLiftCompat compat,
                                 Target target, const float* scale) {
  require_gpu();
  if (n < 0) throw Error("deeplift: negative number of sequences");
  Engine engine(config, params);
  check_deeplift_model(config);
  check_codes_deeplift(codes, n, config.length);
  // captum_0_8: row 0 of the whole call comes from the first chunk and serves every chunk.
  return run_chunked(config, codes, scale, n,
                     [&](const std::uint8_t* d_codes, const float* d_scale, int count, float* d_out,
                         bool first_chunk) {
                       engine.deeplift(d_codes, d_scale, count, compat, target, d_out, nullptr,
                                       first_chunk);
                     });
}

struct AttributionCuda::Impl {
  Engine engine;
};

AttributionCuda::AttributionCuda(const ModelConfig& config, const ModelParams& params)
    : impl_(std::make_unique<Impl>(Impl{Engine(config, params)})) {}
AttributionCuda::~AttributionCuda() = default;
AttributionCuda::AttributionCuda(AttributionCuda&&) noexcept = default;
AttributionCuda& AttributionCuda::operator=(AttributionCuda&&) noexcept = default;

void AttributionCuda::integrated_gradients(const std::uint8_t* d_codes, const float* d_scale, int n,
                                           const Quadrature& quadrature, Target target,
                                           float* d_out, CUstream_st* stream) {
  impl_->engine.integrated_gradients(d_codes, d_scale, n, quadrature, target, d_out, stream);
}

void AttributionCuda::deeplift(const std::uint8_t* d_codes, const float* d_scale, int n,
                               DeepLiftCompat compat, Target target, float* d_out,
                               CUstream_st* stream) {
  impl_->engine.deeplift(d_codes, d_scale, n, compat, target, d_out, stream);
}

}  // namespace mint

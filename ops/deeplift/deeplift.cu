// DeepLIFT of one-hot input on the GPU (deeplift.hpp: deeplift_cuda, DeepLiftCuda). The CPU
// twin is deeplift.cpp (attribute_one and its phase functions); every phase below names the CPU
// loop it mirrors and keeps its formula, its order of operations and, where the CPU's sum is
// sequential, its summation order; the per-element rules (relu_delta, rescale, sigmoid_factor)
// are deeplift_core.hpp's, the CPU's own. The block-per-sequence machinery (mapping, shared or
// global scratch, launch, chunking) is ops/common/sequence_kernel.cuh, shared with IG.
//
// Float32 parity: where the CPU loop is a sequential multiply-add (vectorised over the other
// index, contracted to an FMA by GCC at the default -march=x86-64-v3) the kernel calls fmaf
// explicitly, so the values that route gradients — BN/activation outputs compared in max-pool,
// fc1 pre-activations compared with 0 — are bitwise the CPU's. Without that, the near-ties of
// max-pool at small α (every position ≈ the bias) flip with last-bit differences and IG on
// random models differs by up to 1e-4 instead of ~2e-7. Only the CPU's `omp simd` reductions
// (fc2, fc1 backward, transposed conv) are summed in a different order.
//
// Per block: Δb and the conv multipliers m_c (U, Fs), pooled argmax / Δo / g_p (F·W, PyTorch
// order; the CPU keeps them by window, then filter), the dense head's deltas and multipliers.
// Fs = F rounded up to an odd number, so threads walking positions with a fixed filter hit
// distinct shared-memory banks. This scratch lives in dynamic shared memory when it fits (paper
// size: 77 KB; two blocks per SM), else in the global workspace. Parameters stay in global
// memory (read-only).
//
// captum_0_8: a first launch attributes sequence 0 alone and writes its max-pool argmax and g_p
// (F·W each) to a device buffer; the main launch reads them as every sequence's fallback (the
// CPU does the same on the host). Sequence 0's result is identical either way.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/common/sequence_kernel.cuh"
#include "ops/deeplift/deeplift.hpp"
#include "ops/deeplift/deeplift_core.hpp"

namespace mint {
namespace {

using namespace sequence_kernel;  // NOLINT(google-build-using-namespace): this op's machinery
using deeplift_core::relu_delta;
using deeplift_core::rescale;
using deeplift_core::sigmoid_factor;

struct DlArgs : SequenceArgs {
  bool compat = false;               // DeepLiftCompat::captum_0_8
  const float* b_r = nullptr;        // (F) reference relu1 input
  const float* w1t = nullptr;        // (F·W, H1) fc1 weight transposed, q = f·W + w
  const float* w1 = nullptr;         // (H1, F·W) fc1 weight as PyTorch
  const float* h1_r = nullptr;       // (H1) reference fc1 pre-activation
  const float* h2_r = nullptr;       // (H2)
  double f_r = 0;                    // reference logit
  const int* row0_argmax = nullptr;  // compat: sequence 0's argmax (F·W); null: own
  const float* row0_gp = nullptr;    // compat: sequence 0's g_p (F·W); null: own
  int* row0_argmax_out = nullptr;    // written when non-null (the row-0 launch)
  float* row0_gp_out = nullptr;
  // Scratch layout in 4-byte words.
  int db = 0, mc = 0, argmax = 0, d_o = 0, g_p = 0;
  int d_h1 = 0, h1_x = 0, d_a1 = 0, m_h1 = 0, d_h2 = 0, h2_x = 0, d_a2 = 0, m_h2 = 0, top = 0;
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

// attribute_one of deeplift.cpp (codes input: its phase functions 1–6) for sequence
// `seq`, scratch at ws.
#pragma nv_exec_check_disable
template <class Block>
MINT_HD void dl_sequence(const Block& b, const DlArgs& a, float* ws, long long seq) {
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
    db[t * d.Fs + f] = a.bn_scale[f] * (xs * onehot_conv_sum(d, a.wg, codes, t, f));
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
  transposed_conv_at_base(b, d, codes, a.wg, mc, xs, out);
}

// ---- the kernel: grid-stride over sequences, scratch in shared or global memory ----

struct DlBody {
  static __device__ void run(const DeviceBlock& b, const DlArgs& a, float* ws, long long seq) {
    dl_sequence(b, a, ws, seq);
  }
};

// ---- host side ----

void check_deeplift_model(const ModelConfig& c) {
  if (c.activation != Activation::relu) {
    throw Error("deeplift: the rescale rule here supports ReLU models only (this model uses the " +
                to_string(c.activation) + " activation)");
  }
}

// The reference's values in the layouts the kernel reads, built on the host exactly as the CPU
// code builds its own (prepare() in deeplift.cpp); the conv weight by base, the BN scale and
// fc2 transposed come from sequence_kernel.cuh.
struct DlHostModel {
  std::vector<float> b_r;         // (F) reference relu1 input
  std::vector<float> w1t;         // (F·W, H1)
  std::vector<float> h1_r, h2_r;  // (H1), (H2)
  double f_r = 0;
};

DlHostModel dl_host_model(const ModelConfig& c, const ModelParams& p) {
  const Dims d = Dims::of(c);
  const auto F = static_cast<std::size_t>(d.F);
  const auto W = static_cast<std::size_t>(d.W), FW = static_cast<std::size_t>(d.FW);
  const auto H1 = static_cast<std::size_t>(d.H1), H2 = static_cast<std::size_t>(d.H2);
  DlHostModel m;
  // The reference (zero input) in float64, then rounded, as prepare(); std::fma where
  // the CPU build (-march=x86-64-v3) contracts the multiply-add (this file's host code is not
  // compiled with that flag).
  m.b_r.assign(F, 0.0f);
  std::vector<double> a_r(F);
  for (std::size_t f = 0; f < F; ++f) {
    double b = p.conv_bias[f];
    if (c.batchnorm) {
      const double scale =
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps);
      b = std::fma(b - p.bn_running_mean[f], scale, static_cast<double>(p.bn_bias[f]));
    }
    m.b_r[f] = static_cast<float>(b);
    a_r[f] = std::max(b, 0.0);
  }
  m.w1t.assign(FW * H1, 0.0f);
  for (std::size_t o = 0; o < H1; ++o)
    for (std::size_t q = 0; q < FW; ++q) m.w1t[q * H1 + o] = p.fc1_weight[o * FW + q];
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
  m.h1_r.assign(h1.begin(), h1.end());
  m.h2_r.assign(h2.begin(), h2.end());
  m.f_r = f;
  return m;
}

// The parameters and the reference on the device, the row-0 buffers and the launcher.
class DlEngine {
 public:
  DlEngine(const ModelConfig& config, const ModelParams& params)
      : kernels_(config, params, "DeepLIFT"), shared_(config, params) {
    const Dims& d = kernels_.dims();
    const DlHostModel m = dl_host_model(config, params);
    dl_b_r_ = upload(m.b_r);
    dl_w1t_ = upload(m.w1t);
    dl_w1_ = upload(params.fc1_weight);
    dl_h1_r_ = upload(m.h1_r);
    dl_h2_r_ = upload(m.h2_r);
    dl_f_r_ = m.f_r;
    row0_argmax_ = cuda::DeviceBuffer<int>(static_cast<std::size_t>(d.FW));
    row0_gp_ = cuda::DeviceBuffer<float>(static_cast<std::size_t>(d.FW));
    // The uploads ran on the legacy stream; kernels may run on a non-blocking one.
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
  }

  // compute_row0: captum_0_8 takes row 0 from d_codes[0] (else the buffer from an earlier call
  // on the same object, for the host entry point's later chunks).
  void deeplift(const std::uint8_t* d_codes, const float* d_scale, long long n,
                DeepLiftCompat compat, Target target, float* d_out, cudaStream_t stream,
                bool compute_row0 = true) {
    check_deeplift_model(kernels_.config());
    check_io(d_codes, d_out, n, "deeplift");
    if (n == 0) return;
    DlArgs a;
    shared_.fill(a, kernels_.dims(), target == Target::prob, n, d_codes, d_scale, d_out);
    a.compat = compat == DeepLiftCompat::captum_0_8;
    a.b_r = dl_b_r_.get();
    a.w1t = dl_w1t_.get();
    a.w1 = dl_w1_.get();
    a.h1_r = dl_h1_r_.get();
    a.h2_r = dl_h2_r_.get();
    a.f_r = dl_f_r_;
    dl_layout(a);
    if (a.compat) {
      if (compute_row0) {
        // Sequence 0 alone, with its own fallback; it leaves its argmax and g_p behind.
        DlArgs first = a;
        first.n = 1;
        first.row0_argmax_out = row0_argmax_.get();
        first.row0_gp_out = row0_gp_.get();
        kernels_.launch(first, 1, per_sequence_kernel<true, DlBody>,
                        per_sequence_kernel<false, DlBody>, stream);
      }
      a.row0_argmax = row0_argmax_.get();
      a.row0_gp = row0_gp_.get();
    }
    kernels_.launch(a, n, per_sequence_kernel<true, DlBody>, per_sequence_kernel<false, DlBody>,
                    stream);
  }

 private:
  SequenceLauncher kernels_;
  SharedWeights shared_;
  cuda::DeviceBuffer<float> dl_b_r_, dl_w1t_, dl_w1_, dl_h1_r_, dl_h2_r_;
  double dl_f_r_ = 0;
  cuda::DeviceBuffer<int> row0_argmax_;
  cuda::DeviceBuffer<float> row0_gp_;
};

// Host codes must be 0..3; the message is deeplift()'s.
void check_codes(const std::uint8_t* codes, long long n, int length) {
  const long long i = first_bad_code(codes, n, length);
  if (i >= 0) {
    const auto at = static_cast<std::size_t>(i), L = static_cast<std::size_t>(length);
    throw Error("deeplift: sequence " + std::to_string(at / L) + " position " +
                std::to_string(at % L) + " has base code " + std::to_string(codes[at]) +
                " (expected 0..3 = A,C,G,T)");
  }
}

}  // namespace

std::vector<float> deeplift_cuda(const ModelConfig& config, const ModelParams& params,
                                 const std::uint8_t* codes, int n, DeepLiftCompat compat,
                                 Target target, const float* scale) {
  require_gpu("DeepLIFT");
  if (n < 0) throw Error("deeplift: negative number of sequences");
  DlEngine engine(config, params);
  check_deeplift_model(config);
  check_codes(codes, n, config.length);
  // captum_0_8: row 0 of the whole call comes from the first chunk and serves every chunk.
  return run_chunked(config, codes, scale, n,
                     [&](const std::uint8_t* d_codes, const float* d_scale, int count, float* d_out,
                         bool first_chunk) {
                       engine.deeplift(d_codes, d_scale, count, compat, target, d_out, nullptr,
                                       first_chunk);
                     });
}

struct DeepLiftCuda::Impl {
  DlEngine engine;
};

DeepLiftCuda::DeepLiftCuda(const ModelConfig& config, const ModelParams& params)
    : impl_(std::make_unique<Impl>(Impl{DlEngine(config, params)})) {}
DeepLiftCuda::~DeepLiftCuda() = default;
DeepLiftCuda::DeepLiftCuda(DeepLiftCuda&&) noexcept = default;
DeepLiftCuda& DeepLiftCuda::operator=(DeepLiftCuda&&) noexcept = default;

void DeepLiftCuda::deeplift(const std::uint8_t* d_codes, const float* d_scale, int n,
                            DeepLiftCompat compat, Target target, float* d_out,
                            CUstream_st* stream) {
  impl_->engine.deeplift(d_codes, d_scale, n, compat, target, d_out, stream);
}

}  // namespace mint

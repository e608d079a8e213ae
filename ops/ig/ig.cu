// Integrated Gradients of one-hot input on the GPU (ig.hpp: integrated_gradients_cuda,
// IntegratedGradientsCuda). The CPU twin is ig_onehot.cpp (ig_per_step, the step-by-step path
// it runs for exp models); every phase below names the CPU loop it mirrors and keeps its
// formula, its order of operations and, where the CPU's sum is sequential, its summation order.
// For ReLU models the CPU runs ig_relu instead, which computes the forward values of every step
// — max-pool (routes and values), fc1, and fc2 in this kernel's order — bit for bit as here and
// sums the backward differently (by segments of steps with one max-pool route). The
// block-per-sequence machinery (mapping, shared or global scratch, launch, chunking) is
// ops/common/sequence_kernel.cuh, shared with DeepLIFT.
//
// Float32 parity: where the CPU loop is a sequential multiply-add (vectorised over the other
// index, contracted to an FMA by GCC at the default -march=x86-64-v3) the kernel calls fmaf
// explicitly, so the values that route gradients — BN/activation outputs compared in max-pool,
// fc1 pre-activations compared with 0 — are bitwise the CPU's. Without that, the near-ties of
// max-pool at small α (every position ≈ the bias) flip with last-bit differences and IG on
// random models differs by up to 1e-4 instead of ~2e-7. Only the CPU's `omp simd` reductions
// (ig_per_step's fc2, fc1 backward, transposed conv) and ig_relu's backward are summed in a
// different order.
//
// Inside a block every phase is a strided loop over its independent items, separated by
// __syncthreads:
//   items (t, f), f fastest        conv sums of the one-hot input (a gather of K filter columns)
//   items (step, w, f)             BN + activation + max-pool, first maximum wins (strict >)
//   items h (fc1 forward)          sequential over the pooled index q, as the CPU
//   items (step, o), (step, h)     fc2, its backward
//   items q (fc1 backward)         Σ_h over fc1's column q, then the max-pool routing
//   items p (transposed conv)      Σ_k Σ_f at the observed base only, all 4 channels written
//
// The quadrature is processed in groups of up to kMaxGroup steps: a thread keeps one
// accumulator per step of the group in registers, so each fc1 weight it loads serves the whole
// group. Per block:
//   C  (U, Fs)  bias-free conv sums, U = W·P (conv positions past W·P reach no output)
//   D  (U, Fs)  Σ_i w_i ∂f/∂conv_i (the CPU's dconv)
//   pooled, argmax (S, W·F) in (w, f) order, the CPU's nz order; h1, g1 (S, H1); h2 (S, H2)
// Fs = F rounded up to an odd number, so threads walking positions with a fixed filter hit
// distinct shared-memory banks. This scratch lives in dynamic shared memory when it fits
// (paper size: 94 KB with S = 4; two blocks per SM), else in the global workspace.
// Parameters stay in global memory (read-only, L1/L2 resident: fc1 is 200 KB at paper size).
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
#include "ops/ig/ig.hpp"

namespace mint {
namespace {

using namespace sequence_kernel;  // NOLINT(google-build-using-namespace): this op's machinery

struct IgArgs : SequenceArgs {
  bool relu = true;              // else exp
  int steps = 0;                 // quadrature points
  int group = 1;                 // steps per group, ≤ kMaxGroup
  const float* bias = nullptr;   // (F) conv bias − BN mean (without BN: the bias)
  const float* shift = nullptr;  // (F) β (0 without BN)
  const float* w1t = nullptr;    // (W·F, H1) fc1 weight, rows in (w, f) order
  const float* w1 = nullptr;     // (H1, W·F) fc1 weight, columns in (w, f) order
  const float* b1 = nullptr;     // (H1)
  const float* b2 = nullptr;     // (H2)
  float b3 = 0;
  const double* alphas = nullptr;   // (steps)
  const double* weights = nullptr;  // (steps)
  // Scratch layout in 4-byte words from the block's base.
  int conv = 0, dconv = 0, pooled = 0, argmax = 0, h1 = 0, g1 = 0, h2 = 0, dstep = 0;
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

// ig_per_step of ig_onehot.cpp for sequence `seq`, scratch at ws.
#pragma nv_exec_check_disable  // lets a host-only Block instantiate it (development harness)
template <class Block>
MINT_HD void ig_sequence(const Block& b, const IgArgs& a, float* ws, long long seq) {
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
    C[t * d.Fs + f] = onehot_conv_sum(d, a.wg, codes, t, f);
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
  transposed_conv_at_base(b, d, codes, a.wg, D, xs, out);
}

// ---- the kernel: grid-stride over sequences, scratch in shared or global memory ----

struct IgBody {
  static __device__ void run(const DeviceBlock& b, const IgArgs& a, float* ws, long long seq) {
    ig_sequence(b, a, ws, seq);
  }
};

// ---- host side ----

// The parameters in the layouts the kernel reads, built on the host exactly as the CPU code
// builds its own (IgModel in ig_onehot.cpp); the conv weight by base, the BN scale and fc2
// transposed come from sequence_kernel.cuh.
struct IgHostModel {
  std::vector<float> bias, shift;  // (F) conv bias − BN mean (without BN: the bias), BN shift β
  std::vector<float> w1t, w1;      // (W·F, H1), (H1, W·F), (w, f) order
};

IgHostModel ig_host_model(const ModelConfig& c, const ModelParams& p) {
  const Dims d = Dims::of(c);
  const auto F = static_cast<std::size_t>(d.F);
  const auto W = static_cast<std::size_t>(d.W), FW = static_cast<std::size_t>(d.FW);
  const auto H1 = static_cast<std::size_t>(d.H1);
  IgHostModel m;
  // Conv bias − BN mean, BN shift.
  m.bias.assign(F, 0.0f);
  m.shift.assign(F, 0.0f);
  for (std::size_t f = 0; f < F; ++f) {
    if (c.batchnorm) {
      m.bias[f] = p.conv_bias[f] - p.bn_running_mean[f];
      m.shift[f] = p.bn_bias[f];
    } else {
      m.bias[f] = p.conv_bias[f];
    }
  }
  m.w1t.assign(FW * H1, 0.0f);
  m.w1.assign(H1 * FW, 0.0f);
  for (std::size_t h = 0; h < H1; ++h)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t w = 0; w < W; ++w) {
        const float v = p.fc1_weight[h * FW + f * W + w];
        m.w1t[(w * F + f) * H1 + h] = v;
        m.w1[h * FW + w * F + f] = v;
      }
  return m;
}

// The parameters on the device, the quadrature and the launcher.
class IgEngine {
 public:
  IgEngine(const ModelConfig& config, const ModelParams& params)
      : kernels_(config, params, "integrated gradients"), shared_(config, params) {
    const IgHostModel m = ig_host_model(config, params);
    ig_bias_ = upload(m.bias);
    ig_shift_ = upload(m.shift);
    ig_w1t_ = upload(m.w1t);
    ig_w1_ = upload(m.w1);
    b1_ = upload(params.fc1_bias);
    b2_ = upload(params.fc2_bias);
    b3_ = params.fc3_bias[0];
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
    shared_.fill(a, kernels_.dims(), target == Target::prob, n, d_codes, d_scale, d_out);
    a.relu = kernels_.config().activation == Activation::relu;
    a.steps = static_cast<int>(q.alphas.size());
    a.bias = ig_bias_.get();
    a.shift = ig_shift_.get();
    a.w1t = ig_w1t_.get();
    a.w1 = ig_w1_.get();
    a.b1 = b1_.get();
    a.b2 = b2_.get();
    a.b3 = b3_;
    a.alphas = alphas_.get();
    a.weights = weights_.get();
    // Steps per group: the most that still lets two blocks share an SM, else the most that
    // fits one block, else (global scratch) kMaxGroup.
    const int most = std::max(1, std::min(kMaxGroup, a.steps));
    int group = 0;
    for (int g = most; g >= 1 && group == 0; g /= 2) {
      if (2 * (ig_layout(a, g) * 4 + 1024) <= static_cast<std::size_t>(kernels_.smem_per_sm()))
        group = g;
    }
    for (int g = most; g >= 1 && group == 0; g /= 2) {
      if (ig_layout(a, g) * 4 <= static_cast<std::size_t>(kernels_.smem_optin())) group = g;
    }
    ig_layout(a, group == 0 ? most : group);
    kernels_.launch(a, n, per_sequence_kernel<true, IgBody>, per_sequence_kernel<false, IgBody>,
                    stream);
  }

 private:
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

  SequenceLauncher kernels_;
  SharedWeights shared_;
  cuda::DeviceBuffer<float> ig_bias_, ig_shift_, ig_w1t_, ig_w1_, b1_, b2_;
  float b3_ = 0;
  cuda::DeviceBuffer<double> alphas_, weights_;
  Quadrature quadrature_;
  bool quadrature_valid_ = false;
};

// Host codes must be 0..3; the message is integrated_gradients_onehot's.
void check_codes(const std::uint8_t* codes, long long n, int length) {
  const long long i = first_bad_code(codes, n, length);
  if (i >= 0) {
    const auto at = static_cast<std::size_t>(i);
    throw Error("integrated gradients: base code " + std::to_string(codes[at]) + " at sequence " +
                std::to_string(at / static_cast<std::size_t>(length)) + " is not 0..3");
  }
}

}  // namespace

std::vector<float> integrated_gradients_cuda(const ModelConfig& config, const ModelParams& params,
                                             const std::uint8_t* codes, const float* scale, int n,
                                             const Quadrature& quadrature, Target target) {
  require_gpu("integrated gradients");
  if (n < 0) throw Error("integrated gradients: negative number of sequences");
  IgEngine engine(config, params);
  check_codes(codes, n, config.length);
  return run_chunked(
      config, codes, scale, n,
      [&](const std::uint8_t* d_codes, const float* d_scale, int count, float* d_out, bool) {
        engine.integrated_gradients(d_codes, d_scale, count, quadrature, target, d_out, nullptr);
      });
}

struct IntegratedGradientsCuda::Impl {
  IgEngine engine;
};

IntegratedGradientsCuda::IntegratedGradientsCuda(const ModelConfig& config,
                                                 const ModelParams& params)
    : impl_(std::make_unique<Impl>(Impl{IgEngine(config, params)})) {}
IntegratedGradientsCuda::~IntegratedGradientsCuda() = default;
IntegratedGradientsCuda::IntegratedGradientsCuda(IntegratedGradientsCuda&&) noexcept = default;
IntegratedGradientsCuda& IntegratedGradientsCuda::operator=(IntegratedGradientsCuda&&) noexcept =
    default;

void IntegratedGradientsCuda::integrated_gradients(const std::uint8_t* d_codes,
                                                   const float* d_scale, int n,
                                                   const Quadrature& quadrature, Target target,
                                                   float* d_out, CUstream_st* stream) {
  impl_->engine.integrated_gradients(d_codes, d_scale, n, quadrature, target, d_out, stream);
}

}  // namespace mint

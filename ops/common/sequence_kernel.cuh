// The one-thread-block-per-sequence machinery of the fused attribution kernels (IG in
// ops/ig/ig.cu, DeepLIFT in ops/deeplift/deeplift.cu), defined once for both; private to .cu
// files.
//
// Mapping: one thread block (kThreads = 256 threads) per sequence, a grid-stride loop over
// sequences with at most (SMs × resident blocks) blocks. A kernel's per-sequence body is a
// template on the block (DeviceBlock here: threadIdx, blockDim, __syncthreads), so it can also
// be run on the host with emulated threads (during development it was, with 37 and 256
// std::threads and a barrier, under ThreadSanitizer, against the CPU). Inside a block every
// phase is a strided loop over its independent items, separated by barriers.
//
// Scratch: a kernel's per-block scratch (Args::words 4-byte words, offsets in its Args) lives
// in dynamic shared memory when it fits one block (block_scratch<true>), else in a global
// workspace of (grid × words) floats bounded by kGlobalScratchBudget (block_scratch<false>),
// same code; SequenceLauncher::launch picks the path and the grid. Parameters stay in global
// memory (read-only, L1/L2 resident).
//
// Host side: SequenceLauncher checks the GPU and the model (check_model: parameter shapes, and
// the 32-bit index bound of both kernels' scratch), reads the device's limits and launches;
// run_chunked streams host sequences through the device in bounded chunks; first_bad_code
// finds a code > 3 for the host entry points' checks (each op words its own message, as its
// CPU function); the parameter layouts both kernels read (conv weight by base, BN scale, fc2
// transposed) are built here once.
#pragma once

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
#include "core/model.hpp"
#include "core/philox.hpp"  // MINT_HD
#include "ops/common/cuda_check.cuh"

namespace mint::sequence_kernel {

constexpr int kThreads = 256;
constexpr int kMaxGroup = 8;      // IG steps per group (ig.cu); check_model bounds its scratch
constexpr int kMaxChunk = 65536;  // sequences per host chunk
constexpr std::size_t kChunkOutputBudget = std::size_t{512} << 20;    // bytes of output per chunk
constexpr std::size_t kGlobalScratchBudget = std::size_t{256} << 20;  // global-scratch fallback

// ---- per-element helpers (the CPU code's std::max / std::min) ----

// std::max / std::min: the first argument unless the comparison says otherwise.
MINT_HD float max_f(float a, float b) { return a < b ? b : a; }
MINT_HD float min_f(float a, float b) { return b < a ? b : a; }
MINT_HD int min_i(int a, int b) { return b < a ? b : a; }

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

// The arguments every per-sequence attribution kernel takes (IgArgs and DlArgs extend them):
// sizes, the sequences and the output, the weights both kernels read, and the scratch.
struct SequenceArgs {
  Dims d;
  bool prob = false;  // Target::prob
  long long n = 0;
  const std::uint8_t* codes = nullptr;  // (n, L)
  const float* scale = nullptr;         // (n) or null
  float* out = nullptr;                 // (n, 4, L)
  const float* wg = nullptr;            // (4, K, F) conv weight gathered by base, tap
  const float* bn_scale = nullptr;      // (F) γ/√(var + eps) (1 without BN)
  const float* w2 = nullptr;            // (H2, H1)
  const float* w2t = nullptr;           // (H1, H2)
  const float* w3 = nullptr;            // (H2)
  int words = 0;                        // scratch words per block
  float* workspace = nullptr;           // global scratch (grid × words) or null: shared memory
};

// Every sequence with a code > 3 gets NaN everywhere (the device entry point's contract); the
// barrier also separates this sequence's scratch writes from the previous sequence's reads.
#pragma nv_exec_check_disable
template <class Block>
MINT_HD bool reject_bad_codes(const Block& b, const std::uint8_t* codes, int length, float* out) {
  bool bad = false;
  for (int p = b.tid(); p < length; p += b.size()) bad = bad || codes[p] > 3;
  if (!b.sync_or(bad)) return false;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int i = b.tid(); i < 4 * length; i += b.size()) out[i] = nan;
  return true;
}

// The first phase of both IG and DeepLIFT: the conv sum (no bias) of filter f at conv position t
// of a one-hot sequence, Σ_k W[f, code[t + k − pad], k] over the taps inside the sequence, W
// gathered by base and tap as wg (4, K, F); summed in tap order.
MINT_HD float onehot_conv_sum(const Dims& d, const float* wg, const std::uint8_t* codes, int t,
                              int f) {
  float acc = 0.0f;
  for (int k = 0; k < d.K; ++k) {
    const int pos = t + k - d.pad;
    if (pos < 0 || pos >= d.L) continue;
    acc += wg[(codes[pos] * d.K + k) * d.F + f];
  }
  return acc;
}

// The last phase of both IG and DeepLIFT: the transposed convolution of per-conv-position
// multipliers m (U rows of stride Fs) at the observed base only —
//   out[code[p], p] = xs · Σ_k Σ_f W[f, code[p], k] · m[p + pad − k, f], 0 at the other channels,
// W gathered by base and tap as wg (4, K, F).
#pragma nv_exec_check_disable
template <class Block>
MINT_HD void transposed_conv_at_base(const Block& b, const Dims& d, const std::uint8_t* codes,
                                     const float* wg, const float* m, float xs, float* out) {
  for (int p = b.tid(); p < d.L; p += b.size()) {
    const int code = codes[p];
    float acc = 0.0f;
    for (int k = 0; k < d.K; ++k) {
      const int t = p + d.pad - k;
      if (t < 0 || t >= d.U) continue;
      const float* wk = wg + (code * d.K + k) * d.F;
      const float* mk = m + t * d.Fs;
      for (int f = 0; f < d.F; ++f) acc += wk[f] * mk[f];
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

// One block per sequence over a grid-stride loop: Body::run(block, args, scratch, sequence).
template <bool kShared, class Body, class Args>
static __global__ void __launch_bounds__(kThreads) per_sequence_kernel(const Args a) {
  float* ws = block_scratch<kShared>(a);
  const DeviceBlock b;
  for (long long seq = blockIdx.x; seq < a.n; seq += gridDim.x) Body::run(b, a, ws, seq);
}

// ---- host side ----

// `op` names the method in the message: "integrated gradients", "DeepLIFT".
inline std::string unavailable_message(const char* op) {
  return std::string("CUDA attribution (") + op +
         " on the GPU) is unavailable: " + cuda_unavailable_reason();
}

inline void require_gpu(const char* op) {
  if (cuda_device_count() == 0) throw Error(unavailable_message(op));
}

// Valid config, parameter shapes ("CUDA attribution: parameter ..."), and a model whose
// scratch (IG's with kMaxGroup steps plus DeepLIFT's) fits the kernels' int offsets.
inline void check_model(const ModelConfig& c, const ModelParams& p) {
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

// The device entry points' argument checks.
inline void check_io(const std::uint8_t* d_codes, const float* d_out, long long n,
                     const char* what) {
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (n > 0 && (d_codes == nullptr || d_out == nullptr)) {
    throw Error(std::string(what) + ": null codes or output pointer");
  }
}

// The index of the first code > 3 among n·length host codes, or −1.
inline long long first_bad_code(const std::uint8_t* codes, long long n, int length) {
  const std::size_t total = static_cast<std::size_t>(n) * length;
  for (std::size_t i = 0; i < total; ++i) {
    if (codes[i] > 3) return static_cast<long long>(i);
  }
  return -1;
}

// The parameter layouts both kernels read, built on the host exactly as the CPU code builds its
// own: the conv weight gathered by base and tap (4, K, F); the BN scale γ/√(var + eps) rounded
// to float (F; 1 without BN); fc2's weight transposed (H1, H2).
inline std::vector<float> conv_weight_by_base(const ModelConfig& c, const ModelParams& p) {
  const Dims d = Dims::of(c);
  const auto F = static_cast<std::size_t>(d.F), K = static_cast<std::size_t>(d.K);
  std::vector<float> wg(4 * K * F, 0.0f);
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t ch = 0; ch < 4; ++ch)
      for (std::size_t k = 0; k < K; ++k)
        wg[(ch * K + k) * F + f] = p.conv_weight[(f * 4 + ch) * K + k];
  return wg;
}

inline std::vector<float> bn_scale_of(const ModelConfig& c, const ModelParams& p) {
  const auto F = static_cast<std::size_t>(c.filters);
  std::vector<float> bn_scale(F, 1.0f);
  for (std::size_t f = 0; f < F; ++f) {
    if (c.batchnorm) {
      bn_scale[f] = static_cast<float>(
          p.bn_weight[f] / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps));
    }
  }
  return bn_scale;
}

inline std::vector<float> fc2_transposed(const ModelConfig& c, const ModelParams& p) {
  const auto H1 = static_cast<std::size_t>(c.hidden1), H2 = static_cast<std::size_t>(c.hidden2);
  std::vector<float> w2t(H1 * H2, 0.0f);
  for (std::size_t o = 0; o < H2; ++o)
    for (std::size_t h = 0; h < H1; ++h) w2t[h * H2 + o] = p.fc2_weight[o * H1 + h];
  return w2t;
}

template <typename T>
cuda::DeviceBuffer<T> upload(const std::vector<T>& v) {
  return cuda::to_device(v.data(), v.size());
}

inline int device_attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  MINT_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}

// The weights both kernels read, on the device (uploaded on the legacy stream).
struct SharedWeights {
  cuda::DeviceBuffer<float> wg, bn_scale, w2, w2t, w3;

  SharedWeights(const ModelConfig& c, const ModelParams& p)
      : wg(upload(conv_weight_by_base(c, p))),
        bn_scale(upload(bn_scale_of(c, p))),
        w2(upload(p.fc2_weight)),
        w2t(upload(fc2_transposed(c, p))),
        w3(upload(p.fc3_weight)) {}

  // The common arguments of a call over n sequences.
  void fill(SequenceArgs& a, const Dims& d, bool prob, long long n, const std::uint8_t* d_codes,
            const float* d_scale, float* d_out) const {
    a.d = d;
    a.prob = prob;
    a.n = n;
    a.codes = d_codes;
    a.scale = d_scale;
    a.out = d_out;
    a.wg = wg.get();
    a.bn_scale = bn_scale.get();
    a.w2 = w2.get();
    a.w2t = w2t.get();
    a.w3 = w3.get();
  }
};

// The device's limits and the launch machinery of a model's kernels; validates the GPU and the
// model on construction.
class SequenceLauncher {
 public:
  SequenceLauncher(const ModelConfig& config, const ModelParams& params, const char* op)
      : config_(config), d_(Dims::of(config)) {
    require_gpu(op);
    check_model(config, params);
    int device = 0;
    MINT_CUDA_CHECK(cudaGetDevice(&device));
    sms_ = device_attribute(cudaDevAttrMultiProcessorCount, device);
    smem_optin_ = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    smem_per_sm_ = device_attribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor, device);
  }

  const ModelConfig& config() const { return config_; }
  const Dims& dims() const { return d_; }
  int smem_optin() const { return smem_optin_; }
  int smem_per_sm() const { return smem_per_sm_; }

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

 private:
  ModelConfig config_;
  Dims d_;
  int sms_ = 1, smem_optin_ = 0, smem_per_sm_ = 0;
  cuda::DeviceBuffer<float> workspace_;
};

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

}  // namespace mint::sequence_kernel

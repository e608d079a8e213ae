// Private to the device-side AUPRC's .cu files (auprc.cu: host entry points; auprc_block.cu: one
// block per row; auprc_segmented.cu: device-wide sorts and scans): the workspace, the device
// helpers both paths use, and the two paths' host launchers.
//
// Sort keys: an order-preserving unsigned image of the score (float → uint32, double → uint64;
// -0.0 first made +0.0, so key equality is score equality; NaN cannot occur — a row with a
// NaN is an error and its entries are given a harmless key). Finite scores map to keys
// >= 0x0080'0000 (float) / 0x0010'0000'0000'0000 (double); excluded entries get key 0 and so
// sort after every included one: a row's included entries are its first n after a descending
// sort, n = the number of non-zero keys.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "ops/auprc/auprc_core.hpp"
#include "ops/auprc/auprc_cuda.hpp"
#include "ops/common/cuda_check.cuh"

namespace mint {

// Growable scratch: one device buffer per purpose, reallocated only when a call needs more.
struct AuprcCudaWorkspace::Impl {
  enum Slot {
    kKeysIn,
    kKeysOut,
    kLabelsOut,
    kPacked,
    kOffsets,
    kInvalid,
    kSegInfo,
    kGroupTp,
    kGroupFp,
    kGroupSeg,
    kKeepScan,
    kKept,
    kJobLen,
    kJobSlot,
    kSlotVal,
    kJobSum,
    kCubTemp,
    kPooledOut,
    kSlotCount
  };
  cuda::DeviceBuffer<unsigned char> buffers[kSlotCount];

  template <typename T>
  T* get(Slot slot, std::size_t count) {
    const std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(T);
    if (buffers[slot].size() < bytes) {
      buffers[slot] = cuda::DeviceBuffer<unsigned char>();  // free first: peak memory
      buffers[slot] = cuda::DeviceBuffer<unsigned char>(bytes);
    }
    return reinterpret_cast<T*>(buffers[slot].get());
  }
};

namespace {

using namespace auprc_detail;
using Workspace = AuprcCudaWorkspace::Impl;

constexpr int kThreads = 256;  // segmented-path kernels
constexpr int kWarpsPerBlock = kThreads / 32;
constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;  // grid-stride beyond

template <typename S>
struct KeyOf;
template <>
struct KeyOf<float> {
  using type = std::uint32_t;
};
template <>
struct KeyOf<double> {
  using type = std::uint64_t;
};

// Integer-only (no floating-point compare), so a flush-to-zero build could not merge denormal
// scores with 0 the way a float comparison under FTZ would: -0.0 → +0.0, then the sign flip.
__device__ __forceinline__ std::uint32_t sort_key(float s) {
  std::uint32_t b = __float_as_uint(s);
  if ((b << 1) == 0) b = 0;
  return (b & 0x80000000u) != 0 ? ~b : (b | 0x80000000u);
}
__device__ __forceinline__ std::uint64_t sort_key(double s) {
  auto b = static_cast<std::uint64_t>(__double_as_longlong(s));
  if ((b << 1) == 0) b = 0;
  return (b >> 63) != 0 ? ~b : (b | (std::uint64_t{1} << 63));
}

__device__ __forceinline__ double nan_value() { return __longlong_as_double(0x7ff8000000000000LL); }

__device__ __forceinline__ std::uint8_t degenerate_status(std::int64_t npos, std::int64_t nneg) {
  std::uint8_t s = 0;
  if (npos == 0) s |= kAuprcNoPositives | kAuprcOneClass;
  if (nneg == 0) s |= kAuprcOneClass;
  return s;
}

__device__ __forceinline__ void write_row(const RowCurveScoresDevice& out, std::int64_t r,
                                          double ap, double pr, double roc, std::uint8_t status) {
  out.d_average_precision[r] = ap;
  out.d_auprc[r] = pr;
  out.d_auroc[r] = roc;
  out.d_status[r] = status;
}

inline int grid_for(std::int64_t items, int threads) {
  return static_cast<int>(
      std::max<std::int64_t>(1, std::min<std::int64_t>((items + threads - 1) / threads, kMaxGrid)));
}

struct ArrayTerm {
  const double* a;
  __device__ double operator()(std::int64_t k) const { return a[k]; }
};

// pairwise_sum of term(off .. off + len − 1), len <= kPairwiseChunk, by the calling warp (all 32
// lanes, warp-uniform arguments); `slots` is 32 doubles of shared memory. Every lane returns it.
template <typename Term>
__device__ double warp_pairwise_sum(const Term& term, std::int64_t off, std::int64_t len,
                                    double* slots) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int d_slots = pairwise_slots_log2(len, kPairwiseLeaf);  // <= 5
  if (lane < (1 << d_slots)) {
    const auto slot = static_cast<std::uint64_t>(lane);
    const PairwiseNode node = pairwise_node(len, kPairwiseLeaf, d_slots, slot);
    slots[lane] =
        pairwise_owner(node, d_slots, slot) ? pairwise_leaf(term, off + node.off, node.len) : 0.0;
  }
  __syncwarp();
  for (int d = d_slots - 1; d >= 0; --d) {
    if (lane < (1 << d)) {
      pairwise_combine(slots, d_slots, d, static_cast<std::uint64_t>(lane), len, kPairwiseLeaf);
    }
    __syncwarp();
  }
  const double sum = slots[0];
  __syncwarp();  // the caller may reuse `slots`
  return sum;
}

}  // namespace

namespace auprc_kernels {

// The block path over `rows` rows of cols <= kAuprcBlockMaxCols entries (auprc_block.cu):
// asynchronous on `stream`.
template <typename S>
void run_block(const S* d_scores, const std::uint8_t* d_labels, const std::uint8_t* d_include,
               std::int64_t rows, int cols, const RowCurveScoresDevice& out, cudaStream_t stream);

// The segmented path over one batch (auprc_segmented.cu): `segments` segments of seg_len (>= 1)
// entries, segments·seg_len < 2^32. Synchronises `stream`.
template <typename S>
void run_segmented_batch(const S* d_scores, const std::uint8_t* d_labels,
                         const std::uint8_t* d_include, std::int64_t segments, std::int64_t seg_len,
                         const RowCurveScoresDevice& out, Workspace& ws, cudaStream_t stream);

}  // namespace auprc_kernels

}  // namespace mint

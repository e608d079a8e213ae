// Device-side AUPRC / average precision / ROC AUC (include/mint/auprc_cuda.hpp has the manual).
//
// Sort keys: an order-preserving unsigned image of the score (float → uint32, double → uint64;
// -0.0 first made +0.0, so key equality is score equality; NaN cannot occur — a row with a
// NaN is an error and its entries are given a harmless key). Finite scores map to keys
// >= 0x0080'0000 (float) / 0x0010'0000'0000'0000 (double); excluded entries get key 0 and so
// sort after every included one: a row's included entries are its first n after a descending
// sort, n = the number of non-zero keys.
//
// Block path (cols <= 1024), one block per row (grid-stride):
//   load (striped, coalesced; the sort does not care about input order) → BlockRadixSort
//   descending (blocked result: thread t holds ranks t·kItems …) → tail flags of tie groups →
//   one BlockScan of (end flag << 16 | label) counts groups and positives together → tp, fp per
//   group in shared → ROC keep flags, BlockScan → kept list → all AP / PR / ROC terms by the
//   whole block into shared (aliasing the sort/scan scratch) → warps 0, 1, 2 sum AP, PR, ROC
//   in NumPy's pairwise order (auprc_detail: 32 slots, leaves of <= 128 terms).
//   Shared memory at 1024 columns: 24 KiB terms + 12 KiB groups + ~3 KiB: under 48 KiB static.
// Segmented path (any cols; pooled = one segment of rows·cols):
//   prep (keys, invalid flags) → cub::DeviceSegmentedSort / DeviceRadixSort (descending) →
//   n per segment (binary search for key 0) → packed (end << 32 | label) per entry, one
//   device-wide inclusive scan (so < 2^32 entries per batch) → per-segment group base, m, npos
//   → groups (tp, fp, segment) → ROC keep flags, scan, kept list → per (segment, sum) job the
//   pairwise tree cut at chunks of <= 2048 terms (host plans the slots from the lengths),
//   one warp per chunk computing terms on the fly, one block per job combining → finalize.
//   Rows are processed in batches of <= 2^27 entries to bound the scratch (~40 B per entry).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cub/block/block_radix_sort.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_sort.cuh>
#include <limits>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
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

AuprcCudaWorkspace::AuprcCudaWorkspace() : impl_(std::make_unique<Impl>()) {}
AuprcCudaWorkspace::~AuprcCudaWorkspace() = default;
AuprcCudaWorkspace::AuprcCudaWorkspace(AuprcCudaWorkspace&&) noexcept = default;
AuprcCudaWorkspace& AuprcCudaWorkspace::operator=(AuprcCudaWorkspace&&) noexcept = default;

namespace {

using namespace auprc_detail;
using Workspace = AuprcCudaWorkspace::Impl;

constexpr std::int64_t kSegmentedBatchItems = std::int64_t{1} << 27;
constexpr std::int64_t kHostBatchItems = std::int64_t{1} << 27;
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

int grid_for(std::int64_t items, int threads) {
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

// ---- block path ---------------------------------------------------------------------------

template <typename S, int kBlock, int kItems>
__global__ void __launch_bounds__(kBlock)
    block_rows_kernel(const S* __restrict__ scores, const std::uint8_t* __restrict__ labels,
                      const std::uint8_t* __restrict__ include, std::int64_t rows, int cols,
                      RowCurveScoresDevice out) {
  static_assert(kBlock >= 96 && kBlock % 32 == 0, "three warps sum AP, PR and ROC");
  using Key = typename KeyOf<S>::type;
  constexpr int kCap = kBlock * kItems;
  static_assert(kCap <= 1024 && kCap <= kPairwiseChunk, "16-bit packed counts, one chunk");
  using Sort = cub::BlockRadixSort<Key, kBlock, kItems, std::uint8_t>;
  using Scan = cub::BlockScan<std::uint32_t, kBlock>;
  struct Terms {
    double ap[kCap], pr[kCap], roc[kCap];
  };
  union Scratch {
    typename Sort::TempStorage sort;
    typename Scan::TempStorage scan;
    Terms terms;
  };
  __shared__ Scratch scratch;
  __shared__ int s_tp[kCap], s_fp[kCap], s_kept[kCap];
  __shared__ Key s_head[kBlock];
  __shared__ double s_slots[3][32];
  __shared__ int s_count;

  const int tid = static_cast<int>(threadIdx.x);
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    __syncthreads();  // the previous row is done with shared memory
    const std::int64_t base = r * cols;
    Key keys[kItems];
    std::uint8_t labs[kItems];
    int count = 0;
    bool bad = false;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      const int c = j * kBlock + tid;
      keys[j] = 0;
      labs[j] = 0;
      if (c < cols && (include == nullptr || include[base + c] != 0)) {
        const S s = scores[base + c];
        const std::uint8_t y = labels[base + c];
        ++count;
        if (!isfinite(s) || y > 1) {
          bad = true;
          keys[j] = sort_key(S(0));
        } else {
          keys[j] = sort_key(s);
          labs[j] = y;
        }
      }
    }
    if (tid == 0) s_count = 0;
    __syncthreads();
    if (count != 0) atomicAdd(&s_count, count);
    const bool any_bad = __syncthreads_or(bad ? 1 : 0) != 0;
    const int n = s_count;
    if (n == 0 || any_bad) {  // block-uniform
      if (tid == 0) {
        write_row(out, r, nan_value(), nan_value(), nan_value(),
                  n == 0 ? kAuprcEmpty : kAuprcInvalid);
      }
      continue;
    }

    Sort(scratch.sort).SortDescending(keys, labs);
    s_head[tid] = keys[0];
    __syncthreads();  // s_head visible; the sort's scratch free for the scan

    // Tie-group tails and labels of the included ranks, counted together.
    std::uint32_t packed[kItems], incl[kItems], total = 0;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      const int c = tid * kItems + j;
      Key next = Key(0);  // the key of rank c + 1 (only read when c + 1 < n)
      if (j + 1 < kItems) {
        next = keys[j + 1 < kItems ? j + 1 : j];  // (index clamped for the unrolled dead branch)
      } else if (tid + 1 < kBlock) {
        next = s_head[tid + 1];
      }
      const bool valid = c < n;
      const bool end = valid && (c == n - 1 || keys[j] != next);
      packed[j] = (end ? (1u << 16) : 0u) | (valid ? labs[j] : 0u);
    }
    Scan(scratch.scan).InclusiveSum(packed, incl, total);
    const int m = static_cast<int>(total >> 16);
    const int npos = static_cast<int>(total & 0xffffu);
    const int nneg = n - npos;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      if ((packed[j] >> 16) != 0) {
        const int g = static_cast<int>(incl[j] >> 16) - 1;
        const int tp = static_cast<int>(incl[j] & 0xffffu);
        s_tp[g] = tp;
        s_fp[g] = tid * kItems + j + 1 - tp;
      }
    }
    __syncthreads();

    const CurveGroups<int> groups{s_tp, s_fp, m, static_cast<double>(npos),
                                  static_cast<double>(nneg)};
    const bool one_class = npos == 0 || nneg == 0;
    std::uint32_t keep[kItems], pos[kItems], kept = 0;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      const int k = tid * kItems + j;
      keep[j] = (k < m && groups.roc_keep(k)) ? 1u : 0u;
    }
    Scan(scratch.scan).ExclusiveSum(keep, pos, kept);
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      if (keep[j] != 0) s_kept[pos[j]] = tid * kItems + j;
    }
    __syncthreads();  // kept list complete; the scan's scratch free for the terms

    for (int k = tid; k < m; k += kBlock) {
      scratch.terms.ap[k] = groups.ap_term(k);
      scratch.terms.pr[k] = groups.pr_term(k);
    }
    const int roc_len = one_class ? 0 : static_cast<int>(kept);
    for (int t = tid; t < roc_len; t += kBlock) scratch.terms.roc[t] = groups.roc_term(s_kept, t);
    __syncthreads();

    const int warp = tid / 32;
    if (warp < 3) {  // warp-uniform
      const double* a = warp == 0   ? scratch.terms.ap
                        : warp == 1 ? scratch.terms.pr
                                    : scratch.terms.roc;
      const double sum = warp_pairwise_sum(ArrayTerm{a}, 0, warp == 2 ? roc_len : m, s_slots[warp]);
      if (tid % 32 == 0) {
        if (warp == 0) {
          out.d_average_precision[r] = finish_average_precision(sum);
          out.d_status[r] = degenerate_status(npos, nneg);
        } else if (warp == 1) {
          out.d_auprc[r] = finish_auprc(sum);
        } else {
          out.d_auroc[r] = one_class ? nan_value() : finish_auroc(sum);
        }
      }
    }
  }
}

template <typename S, int kBlock, int kItems>
void launch_block_rows(const S* d_scores, const std::uint8_t* d_labels,
                       const std::uint8_t* d_include, std::int64_t rows, int cols,
                       const RowCurveScoresDevice& out, cudaStream_t stream) {
  const auto grid = static_cast<unsigned>(std::min<std::int64_t>(rows, std::int64_t{1} << 30));
  block_rows_kernel<S, kBlock, kItems>
      <<<grid, kBlock, 0, stream>>>(d_scores, d_labels, d_include, rows, cols, out);
  MINT_CUDA_CHECK_LAUNCH();
}

template <typename S>
void run_block(const S* d_scores, const std::uint8_t* d_labels, const std::uint8_t* d_include,
               std::int64_t rows, int cols, const RowCurveScoresDevice& out, cudaStream_t stream) {
  if (cols <= 128) {
    launch_block_rows<S, 128, 1>(d_scores, d_labels, d_include, rows, cols, out, stream);
  } else if (cols <= 256) {
    launch_block_rows<S, 128, 2>(d_scores, d_labels, d_include, rows, cols, out, stream);
  } else if (cols <= 512) {
    launch_block_rows<S, 128, 4>(d_scores, d_labels, d_include, rows, cols, out, stream);
  } else {
    launch_block_rows<S, 256, 4>(d_scores, d_labels, d_include, rows, cols, out, stream);
  }
}

// ---- segmented path -----------------------------------------------------------------------

struct SegInfo {
  std::int64_t n;       // included entries
  std::int64_t gbase;   // first group (global index)
  std::int64_t m;       // groups
  std::int64_t tpbase;  // positives before the segment (global scan)
  std::int64_t npos;
  std::int64_t kbase;  // first kept ROC point (global index)
};

template <typename S, typename Key>
__global__ void seg_prep_kernel(const S* __restrict__ scores,
                                const std::uint8_t* __restrict__ labels,
                                const std::uint8_t* __restrict__ include, std::int64_t items,
                                std::int64_t seg_len, Key* __restrict__ keys,
                                std::uint8_t* __restrict__ invalid) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    Key key = 0;
    if (include == nullptr || include[i] != 0) {
      const S s = scores[i];
      if (!isfinite(s) || labels[i] > 1) {
        invalid[i / seg_len] = 1;  // every writer writes 1
        key = sort_key(S(0));
      } else {
        key = sort_key(s);
      }
    }
    keys[i] = key;
  }
}

__global__ void seg_offsets_kernel(std::int64_t segments, std::int64_t seg_len,
                                   std::int64_t* __restrict__ offsets) {
  for (std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       s <= segments; s += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    offsets[s] = s * seg_len;
  }
}

// n = the number of non-zero keys at the head of each (descending) segment.
template <typename Key>
__global__ void seg_count_kernel(const Key* __restrict__ keys, std::int64_t segments,
                                 std::int64_t seg_len, SegInfo* __restrict__ info) {
  for (std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       s < segments; s += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const Key* k = keys + s * seg_len;
    std::int64_t lo = 0, hi = seg_len;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (k[mid] != 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    info[s].n = lo;
  }
}

// (group end << 32) | label of every entry; 0 for the excluded tail.
template <typename Key>
__global__ void seg_pack_kernel(const Key* __restrict__ keys,
                                const std::uint8_t* __restrict__ labels,
                                const SegInfo* __restrict__ info, std::int64_t items,
                                std::int64_t seg_len, std::uint64_t* __restrict__ packed) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t s = i / seg_len, c = i - s * seg_len;
    const std::int64_t n = info[s].n;
    std::uint64_t v = 0;
    if (c < n) {
      const bool end = c == n - 1 || keys[i] != keys[i + 1];
      v = (end ? (std::uint64_t{1} << 32) : 0) | (labels[i] != 0 ? 1u : 0u);
    }
    packed[i] = v;
  }
}

__global__ void seg_info_kernel(const std::uint64_t* __restrict__ scan, std::int64_t segments,
                                std::int64_t seg_len, SegInfo* __restrict__ info) {
  constexpr std::uint64_t kLow = 0xffffffffu;
  for (std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       s < segments; s += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t start = s * seg_len;
    const std::uint64_t prev = start == 0 ? 0 : scan[start - 1];
    const std::uint64_t last = scan[start + seg_len - 1];
    SegInfo& f = info[s];
    f.gbase = static_cast<std::int64_t>(prev >> 32);
    f.m = static_cast<std::int64_t>((last >> 32) - (prev >> 32));
    f.tpbase = static_cast<std::int64_t>(prev & kLow);
    f.npos = static_cast<std::int64_t>((last & kLow) - (prev & kLow));
  }
}

// Cumulative (tp, fp) at every group end, and the group's segment.
__global__ void seg_groups_kernel(const std::uint64_t* __restrict__ scan,
                                  const SegInfo* __restrict__ info, std::int64_t items,
                                  std::int64_t seg_len, std::uint32_t* __restrict__ tp,
                                  std::uint32_t* __restrict__ fp,
                                  std::uint32_t* __restrict__ gseg) {
  constexpr std::uint64_t kLow = 0xffffffffu;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t s = i / seg_len, c = i - s * seg_len;
    const SegInfo& f = info[s];
    const std::int64_t groups_here = static_cast<std::int64_t>(scan[i] >> 32);
    const std::int64_t groups_before =
        c == 0 ? f.gbase : static_cast<std::int64_t>(scan[i - 1] >> 32);
    if (groups_here == groups_before) continue;  // not a group end
    const std::int64_t g = groups_here - 1;
    const std::int64_t t = static_cast<std::int64_t>(scan[i] & kLow) - f.tpbase;
    tp[g] = static_cast<std::uint32_t>(t);
    fp[g] = static_cast<std::uint32_t>(c + 1 - t);
    gseg[g] = static_cast<std::uint32_t>(s);
  }
}

__device__ __forceinline__ CurveGroups<std::uint32_t> segment_groups(const SegInfo& f,
                                                                     const std::uint32_t* tp,
                                                                     const std::uint32_t* fp) {
  return CurveGroups<std::uint32_t>{tp + f.gbase, fp + f.gbase, f.m, static_cast<double>(f.npos),
                                    static_cast<double>(f.n - f.npos)};
}

__global__ void seg_keep_kernel(const std::uint32_t* __restrict__ tp,
                                const std::uint32_t* __restrict__ fp,
                                const std::uint32_t* __restrict__ gseg,
                                const SegInfo* __restrict__ info, std::int64_t groups,
                                std::uint32_t* __restrict__ keep) {
  for (std::int64_t g = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       g < groups; g += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const SegInfo& f = info[gseg[g]];
    keep[g] = segment_groups(f, tp, fp).roc_keep(g - f.gbase) ? 1u : 0u;
  }
}

// After the keep scan: each segment's first kept point and the three sums' lengths.
__global__ void seg_jobs_kernel(const std::uint32_t* __restrict__ keep_scan, std::int64_t segments,
                                SegInfo* __restrict__ info, std::int64_t* __restrict__ job_len) {
  for (std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       s < segments; s += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    SegInfo& f = info[s];
    std::int64_t kept = 0;
    f.kbase = 0;
    if (f.m > 0) {
      f.kbase = f.gbase == 0 ? 0 : keep_scan[f.gbase - 1];
      kept = static_cast<std::int64_t>(keep_scan[f.gbase + f.m - 1]) - f.kbase;
    }
    const bool one_class = f.npos == 0 || f.n - f.npos == 0;
    job_len[3 * s + 0] = f.m;
    job_len[3 * s + 1] = f.m;
    job_len[3 * s + 2] = one_class ? 0 : kept;
  }
}

__global__ void seg_kept_kernel(const std::uint32_t* __restrict__ keep_scan,
                                const std::uint32_t* __restrict__ gseg,
                                const SegInfo* __restrict__ info, std::int64_t groups,
                                std::uint32_t* __restrict__ kept) {
  for (std::int64_t g = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       g < groups; g += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::uint32_t before = g == 0 ? 0u : keep_scan[g - 1];
    if (keep_scan[g] == before) continue;
    kept[before] = static_cast<std::uint32_t>(g - info[gseg[g]].gbase);
  }
}

struct SegApTerm {
  CurveGroups<std::uint32_t> g;
  __device__ double operator()(std::int64_t k) const { return g.ap_term(k); }
};
struct SegPrTerm {
  CurveGroups<std::uint32_t> g;
  __device__ double operator()(std::int64_t k) const { return g.pr_term(k); }
};
struct SegRocTerm {
  CurveGroups<std::uint32_t> g;
  const std::uint32_t* kept;
  __device__ double operator()(std::int64_t t) const { return g.roc_term(kept, t); }
};

// One warp per slot of every job's top frontier (chunks of <= kPairwiseChunk terms).
__global__ void seg_chunk_kernel(const std::int64_t* __restrict__ job_slot,
                                 const std::int64_t* __restrict__ job_len, std::int64_t jobs,
                                 std::int64_t total_slots, const SegInfo* __restrict__ info,
                                 const std::uint32_t* __restrict__ tp,
                                 const std::uint32_t* __restrict__ fp,
                                 const std::uint32_t* __restrict__ kept,
                                 double* __restrict__ slot_val) {
  __shared__ double s_slots[kWarpsPerBlock][32];
  const int warp = static_cast<int>(threadIdx.x / 32);
  for (std::int64_t u = blockIdx.x * static_cast<std::int64_t>(kWarpsPerBlock) + warp;
       u < total_slots; u += static_cast<std::int64_t>(gridDim.x) * kWarpsPerBlock) {
    // The job whose slots hold u: the last with job_slot[job] <= u.
    std::int64_t lo = 0, hi = jobs;
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (job_slot[mid] <= u) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    const std::int64_t job = lo, len = job_len[job];
    const int d_top = pairwise_slots_log2(len, kPairwiseChunk);
    const auto slot = static_cast<std::uint64_t>(u - job_slot[job]);
    const PairwiseNode node = pairwise_node(len, kPairwiseChunk, d_top, slot);
    double sum = 0.0;
    if (pairwise_owner(node, d_top, slot)) {  // warp-uniform
      const SegInfo& f = info[job / 3];
      const CurveGroups<std::uint32_t> g = segment_groups(f, tp, fp);
      switch (job % 3) {
        case 0:
          sum = warp_pairwise_sum(SegApTerm{g}, node.off, node.len, s_slots[warp]);
          break;
        case 1:
          sum = warp_pairwise_sum(SegPrTerm{g}, node.off, node.len, s_slots[warp]);
          break;
        default:
          sum = warp_pairwise_sum(SegRocTerm{g, kept + f.kbase}, node.off, node.len, s_slots[warp]);
          break;
      }
    }
    if (threadIdx.x % 32 == 0) slot_val[u] = sum;
  }
}

// One block per job: the tree above the chunks, bottom-up; the sum lands in the job's slot 0.
__global__ void seg_combine_kernel(const std::int64_t* __restrict__ job_slot,
                                   const std::int64_t* __restrict__ job_len, std::int64_t jobs,
                                   double* __restrict__ slot_val, double* __restrict__ job_sum) {
  for (std::int64_t job = blockIdx.x; job < jobs; job += gridDim.x) {
    const std::int64_t len = job_len[job];
    if (len == 0) {  // block-uniform
      if (threadIdx.x == 0) job_sum[job] = 0.0;
      continue;
    }
    double* slots = slot_val + job_slot[job];
    const int d_top = pairwise_slots_log2(len, kPairwiseChunk);
    for (int d = d_top - 1; d >= 0; --d) {
      for (std::uint64_t p = threadIdx.x; p < (std::uint64_t{1} << d); p += blockDim.x) {
        pairwise_combine(slots, d_top, d, p, len, kPairwiseChunk);
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) job_sum[job] = slots[0];
    __syncthreads();  // before the next job of this block reads job_len (no shared state; tidy)
  }
}

__global__ void seg_finalize_kernel(const SegInfo* __restrict__ info,
                                    const std::uint8_t* __restrict__ invalid,
                                    const double* __restrict__ job_sum, std::int64_t segments,
                                    RowCurveScoresDevice out) {
  for (std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       s < segments; s += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const SegInfo& f = info[s];
    if (f.n == 0 || invalid[s] != 0) {
      write_row(out, s, nan_value(), nan_value(), nan_value(),
                f.n == 0 ? kAuprcEmpty : kAuprcInvalid);
      continue;
    }
    const std::int64_t npos = f.npos, nneg = f.n - f.npos;
    const bool one_class = npos == 0 || nneg == 0;
    write_row(out, s, finish_average_precision(job_sum[3 * s]), finish_auprc(job_sum[3 * s + 1]),
              one_class ? nan_value() : finish_auroc(job_sum[3 * s + 2]),
              degenerate_status(npos, nneg));
  }
}

__global__ void fill_empty_kernel(std::int64_t rows, RowCurveScoresDevice out) {
  for (std::int64_t r = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    write_row(out, r, nan_value(), nan_value(), nan_value(), kAuprcEmpty);
  }
}

// CUB's two-call pattern with the workspace's scratch.
template <typename Call>
void cub_call(Workspace& ws, Call&& call) {
  std::size_t bytes = 0;
  MINT_CUDA_CHECK(call(nullptr, bytes));
  void* temp = ws.get<unsigned char>(Workspace::kCubTemp, bytes);
  MINT_CUDA_CHECK(call(temp, bytes));
}

template <typename T>
T read_one(const T* d_ptr, cudaStream_t stream) {
  T v{};
  MINT_CUDA_CHECK(cudaMemcpyAsync(&v, d_ptr, sizeof(T), cudaMemcpyDeviceToHost, stream));
  MINT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return v;
}

// One batch: `segments` segments of seg_len (>= 1) entries, segments·seg_len < 2^32.
template <typename S>
void run_segmented_batch(const S* d_scores, const std::uint8_t* d_labels,
                         const std::uint8_t* d_include, std::int64_t segments, std::int64_t seg_len,
                         const RowCurveScoresDevice& out, Workspace& ws, cudaStream_t stream) {
  using Key = typename KeyOf<S>::type;
  const std::int64_t items = segments * seg_len;
  Key* keys_in = ws.get<Key>(Workspace::kKeysIn, items);
  Key* keys = ws.get<Key>(Workspace::kKeysOut, items);
  std::uint8_t* labels = ws.get<std::uint8_t>(Workspace::kLabelsOut, items);
  std::uint8_t* invalid = ws.get<std::uint8_t>(Workspace::kInvalid, segments);
  SegInfo* info = ws.get<SegInfo>(Workspace::kSegInfo, segments);
  std::uint64_t* packed = ws.get<std::uint64_t>(Workspace::kPacked, items);

  MINT_CUDA_CHECK(cudaMemsetAsync(invalid, 0, segments, stream));
  seg_prep_kernel<<<grid_for(items, kThreads), kThreads, 0, stream>>>(
      d_scores, d_labels, d_include, items, seg_len, keys_in, invalid);
  MINT_CUDA_CHECK_LAUNCH();

  if (segments == 1) {
    cub_call(ws, [&](void* temp, std::size_t& bytes) {
      return cub::DeviceRadixSort::SortPairsDescending(temp, bytes, keys_in, keys, d_labels, labels,
                                                       items, 0, static_cast<int>(sizeof(Key) * 8),
                                                       stream);
    });
  } else {
    std::int64_t* offsets = ws.get<std::int64_t>(Workspace::kOffsets, segments + 1);
    seg_offsets_kernel<<<grid_for(segments + 1, kThreads), kThreads, 0, stream>>>(segments, seg_len,
                                                                                  offsets);
    MINT_CUDA_CHECK_LAUNCH();
    cub_call(ws, [&](void* temp, std::size_t& bytes) {
      return cub::DeviceSegmentedSort::SortPairsDescending(temp, bytes, keys_in, keys, d_labels,
                                                           labels, items, segments, offsets,
                                                           offsets + 1, stream);
    });
  }

  seg_count_kernel<<<grid_for(segments, kThreads), kThreads, 0, stream>>>(keys, segments, seg_len,
                                                                          info);
  MINT_CUDA_CHECK_LAUNCH();
  seg_pack_kernel<<<grid_for(items, kThreads), kThreads, 0, stream>>>(keys, labels, info, items,
                                                                      seg_len, packed);
  MINT_CUDA_CHECK_LAUNCH();
  cub_call(ws, [&](void* temp, std::size_t& bytes) {
    return cub::DeviceScan::InclusiveSum(temp, bytes, packed, packed, items, stream);
  });
  seg_info_kernel<<<grid_for(segments, kThreads), kThreads, 0, stream>>>(packed, segments, seg_len,
                                                                         info);
  MINT_CUDA_CHECK_LAUNCH();
  const auto groups = static_cast<std::int64_t>(read_one(packed + items - 1, stream) >> 32);

  const std::int64_t jobs = 3 * segments;
  std::int64_t* job_len = ws.get<std::int64_t>(Workspace::kJobLen, jobs);
  std::uint32_t* tp = ws.get<std::uint32_t>(Workspace::kGroupTp, groups);
  std::uint32_t* fp = ws.get<std::uint32_t>(Workspace::kGroupFp, groups);
  std::uint32_t* kept = ws.get<std::uint32_t>(Workspace::kKept, groups);
  if (groups > 0) {
    std::uint32_t* gseg = ws.get<std::uint32_t>(Workspace::kGroupSeg, groups);
    std::uint32_t* keep = ws.get<std::uint32_t>(Workspace::kKeepScan, groups);
    seg_groups_kernel<<<grid_for(items, kThreads), kThreads, 0, stream>>>(packed, info, items,
                                                                          seg_len, tp, fp, gseg);
    MINT_CUDA_CHECK_LAUNCH();
    seg_keep_kernel<<<grid_for(groups, kThreads), kThreads, 0, stream>>>(tp, fp, gseg, info, groups,
                                                                         keep);
    MINT_CUDA_CHECK_LAUNCH();
    cub_call(ws, [&](void* temp, std::size_t& bytes) {
      return cub::DeviceScan::InclusiveSum(temp, bytes, keep, keep, groups, stream);
    });
    seg_kept_kernel<<<grid_for(groups, kThreads), kThreads, 0, stream>>>(keep, gseg, info, groups,
                                                                         kept);
    MINT_CUDA_CHECK_LAUNCH();
    seg_jobs_kernel<<<grid_for(segments, kThreads), kThreads, 0, stream>>>(keep, segments, info,
                                                                           job_len);
    MINT_CUDA_CHECK_LAUNCH();
  } else {  // every segment empty
    MINT_CUDA_CHECK(cudaMemsetAsync(job_len, 0, jobs * sizeof(std::int64_t), stream));
  }

  // Plan the slots: job j owns [job_slot[j], job_slot[j + 1]), 2^D of them (none if empty).
  std::vector<std::int64_t> h_len(static_cast<std::size_t>(jobs));
  MINT_CUDA_CHECK(cudaMemcpyAsync(h_len.data(), job_len, jobs * sizeof(std::int64_t),
                                  cudaMemcpyDeviceToHost, stream));
  MINT_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<std::int64_t> h_slot(static_cast<std::size_t>(jobs) + 1, 0);
  for (std::size_t j = 0; j < h_len.size(); ++j) {
    const std::int64_t n =
        h_len[j] == 0 ? 0 : std::int64_t{1} << pairwise_slots_log2(h_len[j], kPairwiseChunk);
    h_slot[j + 1] = h_slot[j] + n;
  }
  const std::int64_t total_slots = h_slot.back();
  std::int64_t* job_slot = ws.get<std::int64_t>(Workspace::kJobSlot, h_slot.size());
  double* slot_val = ws.get<double>(Workspace::kSlotVal, total_slots);
  double* job_sum = ws.get<double>(Workspace::kJobSum, jobs);
  MINT_CUDA_CHECK(cudaMemcpyAsync(job_slot, h_slot.data(), h_slot.size() * sizeof(std::int64_t),
                                  cudaMemcpyHostToDevice, stream));
  if (total_slots > 0) {
    const auto grid = static_cast<int>(
        std::min<std::int64_t>((total_slots + kWarpsPerBlock - 1) / kWarpsPerBlock, kMaxGrid));
    seg_chunk_kernel<<<grid, kThreads, 0, stream>>>(job_slot, job_len, jobs, total_slots, info, tp,
                                                    fp, kept, slot_val);
    MINT_CUDA_CHECK_LAUNCH();
  }
  seg_combine_kernel<<<static_cast<int>(std::min<std::int64_t>(jobs, kMaxGrid)), kThreads, 0,
                       stream>>>(job_slot, job_len, jobs, slot_val, job_sum);
  MINT_CUDA_CHECK_LAUNCH();
  seg_finalize_kernel<<<grid_for(segments, kThreads), kThreads, 0, stream>>>(info, invalid, job_sum,
                                                                             segments, out);
  MINT_CUDA_CHECK_LAUNCH();
  // h_slot is read by the H2D copy above: it must outlive it.
  MINT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

RowCurveScoresDevice offset(const RowCurveScoresDevice& out, std::int64_t r) {
  return RowCurveScoresDevice{out.d_auprc + r, out.d_average_precision + r, out.d_auroc + r,
                              out.d_status + r};
}

void require_gpu() {
  if (cuda_device_count() == 0) throw Error("CUDA AUPRC: " + cuda_unavailable_reason());
}

bool use_block_path(AuprcCudaPath path, std::size_t cols) {
  if (path == AuprcCudaPath::block && cols > kAuprcBlockMaxCols) {
    throw Error("CUDA AUPRC: the block path takes at most " + std::to_string(kAuprcBlockMaxCols) +
                " columns, got " + std::to_string(cols));
  }
  return path == AuprcCudaPath::block ||
         (path == AuprcCudaPath::automatic && cols <= kAuprcBlockMaxCols);
}

std::int64_t checked_items(std::size_t rows, std::size_t cols) {
  if (cols != 0 &&
      rows > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()) / cols) {
    throw Error("CUDA AUPRC: rows × cols overflows");
  }
  return static_cast<std::int64_t>(rows * cols);
}

template <typename S>
void rows_device_impl(const S* d_scores, const std::uint8_t* d_labels,
                      const std::uint8_t* d_include, std::size_t rows_, std::size_t cols_,
                      const RowCurveScoresDevice& out, AuprcCudaWorkspace& workspace,
                      AuprcCudaPath path, cudaStream_t stream) {
  require_gpu();
  checked_items(rows_, cols_);
  const bool block = use_block_path(path, cols_);
  const auto rows = static_cast<std::int64_t>(rows_), cols = static_cast<std::int64_t>(cols_);
  if (rows == 0) return;
  if (cols == 0) {
    fill_empty_kernel<<<grid_for(rows, kThreads), kThreads, 0, stream>>>(rows, out);
    MINT_CUDA_CHECK_LAUNCH();
    return;
  }
  if (block) {
    run_block(d_scores, d_labels, d_include, rows, static_cast<int>(cols), out, stream);
    return;
  }
  if (cols >= (std::int64_t{1} << 32)) {
    throw Error("CUDA AUPRC: rows of 2^32 or more entries are not supported");
  }
  const std::int64_t batch = std::max<std::int64_t>(1, kSegmentedBatchItems / cols);
  for (std::int64_t r = 0; r < rows; r += batch) {
    const std::int64_t count = std::min(batch, rows - r);
    run_segmented_batch(d_scores + r * cols, d_labels + r * cols,
                        d_include == nullptr ? nullptr : d_include + r * cols, count, cols,
                        offset(out, r), workspace.impl(), stream);
  }
}

CurveScores curve_from(double ap, double pr, double roc, std::uint8_t status) {
  CurveScores s;
  s.average_precision = ap;
  s.auprc = pr;
  s.auroc = roc;
  if ((status & kAuprcNoPositives) != 0) s.warnings.emplace_back(kNoPositiveWarning);
  if ((status & kAuprcOneClass) != 0) s.warnings.emplace_back(kOneClassWarning);
  return s;
}

// The pooled curve's results and status (errors not yet turned into messages).
template <typename S>
std::uint8_t pooled_device_impl(const S* d_scores, const std::uint8_t* d_labels,
                                const std::uint8_t* d_include, std::int64_t items,
                                AuprcCudaWorkspace& workspace, cudaStream_t stream,
                                CurveScores* result) {
  if (items == 0) return kAuprcEmpty;
  if (items >= (std::int64_t{1} << 32)) {
    throw Error("CUDA AUPRC: the pooled curve takes fewer than 2^32 entries, got " +
                std::to_string(items));
  }
  Workspace& ws = workspace.impl();
  double* d_out = ws.get<double>(Workspace::kPooledOut, 4);
  const RowCurveScoresDevice out{d_out, d_out + 1, d_out + 2,
                                 reinterpret_cast<std::uint8_t*>(d_out + 3)};
  run_segmented_batch(d_scores, d_labels, d_include, 1, items, out, ws, stream);
  double h[4];
  MINT_CUDA_CHECK(cudaMemcpyAsync(h, d_out, sizeof(h), cudaMemcpyDeviceToHost, stream));
  MINT_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::uint8_t status = 0;
  std::memcpy(&status, &h[3], 1);
  *result = curve_from(h[1], h[0], h[2], status);
  return status;
}

template <typename S>
CurveScores pooled_device_api(const S* d_scores, const std::uint8_t* d_labels,
                              const std::uint8_t* d_include, std::size_t rows, std::size_t cols,
                              AuprcCudaWorkspace& workspace, cudaStream_t stream) {
  require_gpu();
  const std::int64_t items = checked_items(rows, cols);
  CurveScores result;
  const std::uint8_t status =
      pooled_device_impl(d_scores, d_labels, d_include, items, workspace, stream, &result);
  if ((status & (kAuprcEmpty | kAuprcInvalid)) != 0) {
    // Rare: bring the inputs back for score_curve's exact message.
    std::vector<S> h_scores(static_cast<std::size_t>(items));
    std::vector<std::uint8_t> h_labels(h_scores.size()), h_include;
    if (items > 0) {
      MINT_CUDA_CHECK(
          cudaMemcpy(h_scores.data(), d_scores, items * sizeof(S), cudaMemcpyDeviceToHost));
      MINT_CUDA_CHECK(cudaMemcpy(h_labels.data(), d_labels, items, cudaMemcpyDeviceToHost));
      if (d_include != nullptr) {
        h_include.resize(h_scores.size());
        MINT_CUDA_CHECK(cudaMemcpy(h_include.data(), d_include, items, cudaMemcpyDeviceToHost));
      }
    }
    throw Error(first_error(h_scores.data(), h_labels.data(),
                            d_include == nullptr ? nullptr : h_include.data(),
                            static_cast<std::size_t>(items)));
  }
  return result;
}

template <typename S>
RowCurveScores rows_host_impl(const S* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t rows, std::size_t cols,
                              AuprcCudaPath path) {
  require_gpu();
  checked_items(rows, cols);
  use_block_path(path, cols);  // the path's error before any data error
  RowCurveScores res;
  res.auprc.resize(rows);
  res.average_precision.resize(rows);
  res.auroc.resize(rows);
  res.status.resize(rows);
  if (rows == 0) return res;
  if (cols == 0) throw Error("row 0: " + first_error<S>(nullptr, nullptr, nullptr, 0));
  const std::size_t batch =
      std::max<std::size_t>(1, static_cast<std::size_t>(kHostBatchItems) / cols);
  const std::size_t cap_rows = std::min(batch, rows), cap = cap_rows * cols;
  cuda::DeviceBuffer<S> d_scores(cap);
  cuda::DeviceBuffer<std::uint8_t> d_labels(cap), d_include(include == nullptr ? 0 : cap);
  cuda::DeviceBuffer<double> d_auprc(cap_rows), d_ap(cap_rows), d_auroc(cap_rows);
  cuda::DeviceBuffer<std::uint8_t> d_status(cap_rows);
  const RowCurveScoresDevice out{d_auprc.get(), d_ap.get(), d_auroc.get(), d_status.get()};
  AuprcCudaWorkspace workspace;
  for (std::size_t r = 0; r < rows; r += batch) {
    const std::size_t count = std::min(batch, rows - r), n = count * cols;
    d_scores.upload(scores + r * cols, n);
    d_labels.upload(labels + r * cols, n);
    if (include != nullptr) d_include.upload(include + r * cols, n);
    rows_device_impl(d_scores.get(), d_labels.get(), include == nullptr ? nullptr : d_include.get(),
                     count, cols, out, workspace, path, nullptr);
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
    d_auprc.download(res.auprc.data() + r, count);
    d_ap.download(res.average_precision.data() + r, count);
    d_auroc.download(res.auroc.data() + r, count);
    d_status.download(res.status.data() + r, count);
    for (std::size_t i = r; i < r + count; ++i) {
      if ((res.status[i] & (kAuprcEmpty | kAuprcInvalid)) != 0) {
        const std::size_t at = i * cols;
        const std::string what = first_error(scores + at, labels + at,
                                             include == nullptr ? nullptr : include + at, cols);
        throw Error("row " + std::to_string(i) + ": " +
                    (what.empty() ? "invalid input (reported by the GPU)" : what));
      }
    }
  }
  for (const std::uint8_t s : res.status) {
    res.no_positive_rows += (s & kAuprcNoPositives) != 0 ? 1 : 0;
    res.one_class_rows += (s & kAuprcOneClass) != 0 ? 1 : 0;
  }
  return res;
}

template <typename S>
CurveScores pooled_host_impl(const S* scores, const std::uint8_t* labels,
                             const std::uint8_t* include, std::size_t rows, std::size_t cols) {
  require_gpu();
  const std::int64_t items = checked_items(rows, cols);
  const auto n = static_cast<std::size_t>(items);
  CurveScores result;
  std::uint8_t status = kAuprcEmpty;
  if (items > 0) {
    const cuda::DeviceBuffer<S> d_scores = cuda::to_device(scores, n);
    const cuda::DeviceBuffer<std::uint8_t> d_labels = cuda::to_device(labels, n);
    const cuda::DeviceBuffer<std::uint8_t> d_include =
        include == nullptr ? cuda::DeviceBuffer<std::uint8_t>() : cuda::to_device(include, n);
    AuprcCudaWorkspace workspace;
    status = pooled_device_impl(d_scores.get(), d_labels.get(),
                                include == nullptr ? nullptr : d_include.get(), items, workspace,
                                nullptr, &result);
  }
  if ((status & (kAuprcEmpty | kAuprcInvalid)) != 0) {
    throw Error(first_error(scores, labels, include, n));
  }
  return result;
}

}  // namespace

RowCurveScores score_rows_cuda(const float* scores, const std::uint8_t* labels,
                               const std::uint8_t* include, std::size_t rows, std::size_t cols,
                               AuprcCudaPath path) {
  return rows_host_impl(scores, labels, include, rows, cols, path);
}
RowCurveScores score_rows_cuda(const double* scores, const std::uint8_t* labels,
                               const std::uint8_t* include, std::size_t rows, std::size_t cols,
                               AuprcCudaPath path) {
  return rows_host_impl(scores, labels, include, rows, cols, path);
}
CurveScores score_pooled_cuda(const float* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t rows, std::size_t cols) {
  return pooled_host_impl(scores, labels, include, rows, cols);
}
CurveScores score_pooled_cuda(const double* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t rows, std::size_t cols) {
  return pooled_host_impl(scores, labels, include, rows, cols);
}
void score_rows_cuda_device(const float* d_scores, const std::uint8_t* d_labels,
                            const std::uint8_t* d_include, std::size_t rows, std::size_t cols,
                            const RowCurveScoresDevice& out, AuprcCudaWorkspace& workspace,
                            AuprcCudaPath path, CUstream_st* stream) {
  rows_device_impl(d_scores, d_labels, d_include, rows, cols, out, workspace, path, stream);
}
void score_rows_cuda_device(const double* d_scores, const std::uint8_t* d_labels,
                            const std::uint8_t* d_include, std::size_t rows, std::size_t cols,
                            const RowCurveScoresDevice& out, AuprcCudaWorkspace& workspace,
                            AuprcCudaPath path, CUstream_st* stream) {
  rows_device_impl(d_scores, d_labels, d_include, rows, cols, out, workspace, path, stream);
}
CurveScores score_pooled_cuda_device(const float* d_scores, const std::uint8_t* d_labels,
                                     const std::uint8_t* d_include, std::size_t rows,
                                     std::size_t cols, AuprcCudaWorkspace& workspace,
                                     CUstream_st* stream) {
  return pooled_device_api(d_scores, d_labels, d_include, rows, cols, workspace, stream);
}
CurveScores score_pooled_cuda_device(const double* d_scores, const std::uint8_t* d_labels,
                                     const std::uint8_t* d_include, std::size_t rows,
                                     std::size_t cols, AuprcCudaWorkspace& workspace,
                                     CUstream_st* stream) {
  return pooled_device_api(d_scores, d_labels, d_include, rows, cols, workspace, stream);
}

}  // namespace mint

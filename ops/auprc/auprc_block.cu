// The device-side AUPRC's block path (auprc.cuh: run_block), cols <= 1024, one block per row
// (grid-stride):
//   load (striped, coalesced; the sort does not care about input order) → BlockRadixSort
//   descending (blocked result: thread t holds ranks t·kItems …) → tail flags of tie groups →
//   one BlockScan of (end flag << 16 | label) counts groups and positives together → tp, fp per
//   group in shared → ROC keep flags, BlockScan → kept list → all AP / PR / ROC terms by the
//   whole block into shared (aliasing the sort/scan scratch) → warps 0, 1, 2 sum AP, PR, ROC
//   in NumPy's pairwise order (auprc_detail: 32 slots, leaves of <= 128 terms).
//   Shared memory at 1024 columns: 24 KiB terms + 12 KiB groups + ~3 KiB: under 48 KiB static.
#include <cub/block/block_radix_sort.cuh>
#include <cub/block/block_scan.cuh>

#include "ops/auprc/auprc.cuh"

namespace mint {

namespace {

// Row r's entries, striped (column j·kBlock + tid in keys[j], labs[j]): sort keys (0 when
// excluded), labels, how many this thread holds included, and whether one of them is bad.
template <typename S, int kBlock, int kItems, typename Key>
__device__ __forceinline__ void load_row(const S* __restrict__ scores,
                                         const std::uint8_t* __restrict__ labels,
                                         const std::uint8_t* __restrict__ include,
                                         std::int64_t base, int cols, int tid, Key (&keys)[kItems],
                                         std::uint8_t (&labs)[kItems], int& count, bool& bad) {
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
}

// The three sums of row r from its m groups and `kept` kept ROC points (s_kept), written to
// `out`: every thread computes terms into ap / pr / roc (shared), then warps 0, 1, 2 add AP, PR
// and ROC in NumPy's pairwise order.
template <int kBlock, typename Groups>
__device__ __forceinline__ void finish_row(const Groups& groups, int m, const int* s_kept,
                                           std::uint32_t kept, int npos, int nneg, bool one_class,
                                           double* ap, double* pr, double* roc,
                                           double (*s_slots)[32], std::int64_t r,
                                           const RowCurveScoresDevice& out, int tid) {
  for (int k = tid; k < m; k += kBlock) {
    ap[k] = groups.ap_term(k);
    pr[k] = groups.pr_term(k);
  }
  const int roc_len = one_class ? 0 : static_cast<int>(kept);
  for (int t = tid; t < roc_len; t += kBlock) roc[t] = groups.roc_term(s_kept, t);
  __syncthreads();

  const int warp = tid / 32;
  if (warp < 3) {  // warp-uniform
    const double* a = warp == 0 ? ap : warp == 1 ? pr : roc;
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
    load_row<S, kBlock, kItems>(scores, labels, include, base, cols, tid, keys, labs, count, bad);
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

    finish_row<kBlock>(groups, m, s_kept, kept, npos, nneg, one_class, scratch.terms.ap,
                       scratch.terms.pr, scratch.terms.roc, s_slots, r, out, tid);
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

}  // namespace

namespace auprc_kernels {

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

template void run_block<float>(const float*, const std::uint8_t*, const std::uint8_t*, std::int64_t,
                               int, const RowCurveScoresDevice&, cudaStream_t);
template void run_block<double>(const double*, const std::uint8_t*, const std::uint8_t*,
                                std::int64_t, int, const RowCurveScoresDevice&, cudaStream_t);

}  // namespace auprc_kernels

}  // namespace mint

// The device-side AUPRC's segmented path (auprc.cuh: run_segmented_batch), any cols; pooled =
// one segment of rows·cols:
//   prep (keys, invalid flags) → cub::DeviceSegmentedSort / DeviceRadixSort (descending) →
//   n per segment (binary search for key 0) → packed (end << 32 | label) per entry, one
//   device-wide inclusive scan (so < 2^32 entries per batch) → per-segment group base, m, npos
//   → groups (tp, fp, segment) → ROC keep flags, scan, kept list → per (segment, sum) job the
//   pairwise tree cut at chunks of <= 2048 terms (host plans the slots from the lengths),
//   one warp per chunk computing terms on the fly, one block per job combining → finalize.
//   Rows are processed in batches of <= 2^27 entries (auprc.cu) to bound the scratch (~40 B
//   per entry).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_sort.cuh>
#include <vector>

#include "ops/auprc/auprc.cuh"

namespace mint {

namespace {

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

}  // namespace

namespace auprc_kernels {

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

template void run_segmented_batch<float>(const float*, const std::uint8_t*, const std::uint8_t*,
                                         std::int64_t, std::int64_t, const RowCurveScoresDevice&,
                                         Workspace&, cudaStream_t);
template void run_segmented_batch<double>(const double*, const std::uint8_t*, const std::uint8_t*,
                                          std::int64_t, std::int64_t, const RowCurveScoresDevice&,
                                          Workspace&, cudaStream_t);

}  // namespace auprc_kernels

}  // namespace mint

// Device-side AUPRC, average precision and ROC AUC (auprc.cu): the numbers score_rows
// and score_curve (auprc.hpp) return — current scikit-learn's — computed on the GPU, bit for bit.
//
//   score_rows_cuda     one curve per row of (rows, cols) C-order arrays, include mask optional
//                       (null: keep all), exactly score_rows' values, warnings and errors
//   score_pooled_cuda   one curve over every included entry of every row (score_curve on the
//                       concatenation), through one global sort
//   *_device            the same on device pointers, for the attribution pipeline; a reusable
//                       AuprcCudaWorkspace holds the scratch (grown, never shrunk), stream last
//
// How (auprc_block.cu, auprc_segmented.cu; auprc.cu has the host entry points):
//   block path (cols <= kAuprcBlockMaxCols = 1024; a sequence is ~250): one thread block per
//     row loads it once, sorts (score, label) descending with cub::BlockRadixSort on an
//     order-preserving integer image of the score (-0.0 made +0.0, so equal scores are equal
//     keys; excluded entries get key 0, below every finite score, and sort last), flags the
//     last entry of each tie group, one BlockScan counts groups and positives at once, the
//     groups' cumulative (tp, fp) go to shared memory, a second scan keeps roc_curve's
//     drop_intermediate points, the terms of the three sums are computed by the whole block
//     and one warp per sum adds them in NumPy's pairwise order.
//   segmented path (longer rows, or AuprcCudaPath::segmented; pooled = one segment):
//     cub::DeviceSegmentedSort (cub::DeviceRadixSort for one segment), a device-wide scan of
//     packed (group end, label) counts, group and kept-ROC-point compaction, then the pairwise
//     sums: split into chunks of <= 2048 terms at NumPy's own split points, one warp per chunk,
//     the chunks combined up the same tree. Synchronises the stream (sizes are read back).
//     Scratch ~40 B per entry; rows go in batches of <= 2^27 entries; pooled < 2^32 entries.
// Exactness: tie groups by exact equality in the score's own type; counts are integers; every
// floating-point step is the CPU's (one IEEE double op each, __dadd_rn/__dmul_rn/__ddiv_rn so
// nvcc cannot contract to FMA) in the CPU's order, and the sums follow NumPy's pairwise tree
// exactly (auprc_detail in auprc_core.hpp, shared by the kernels and tests). So results equal
// score_rows' bit for bit, NaN for NaN. (Scores compare as the CPU does: denormals are distinct
// values.) Verified on the host (tests/ops/test_auprc_cuda.cpp, no GPU needed): this arithmetic
// reproduces score_rows bit for bit; the kernels' plumbing is checked against score_rows on a GPU.
// Degenerate rows are not errors: `status` has kAuprcNoPositives / kAuprcOneClass, and
// RowCurveScores::row() gives the CPU's warnings. Errors (host entry points) are mint::Error
// with score_rows' messages ("row 3: Input contains NaN."); the device row entry point reports
// them as kAuprcEmpty / kAuprcInvalid in d_status instead (values then NaN).
// Without a GPU (or without CUDA) every entry point throws mint::Error saying why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ops/auprc/auprc.hpp"

struct CUstream_st;  // = cudaStream_t, without the CUDA headers (public headers compile without)

namespace mint {

// Per-row status bits.
enum AuprcStatus : std::uint8_t {
  kAuprcNoPositives = 1,  // no positive: AP 0, auprc 0.5; kNoPositiveWarning + kOneClassWarning
  kAuprcOneClass = 2,     // one class only (also set with kAuprcNoPositives): auroc NaN
  kAuprcEmpty = 4,        // error: no included entry
  kAuprcInvalid = 8,  // error: NaN or ±inf score, or a label other than 0/1, among the included
};

inline constexpr std::size_t kAuprcBlockMaxCols = 1024;

enum class AuprcCudaPath {
  automatic,  // block path up to kAuprcBlockMaxCols columns, segmented beyond
  block,      // one block per row (cols <= kAuprcBlockMaxCols, else mint::Error)
  segmented,  // device-wide segmented sort and scans, any cols
};

// Per-row results, structure of arrays (a million rows of CurveScores would be a million
// string vectors): status holds kAuprcNoPositives | kAuprcOneClass only (errors throw).
struct RowCurveScores {
  std::vector<double> auprc, average_precision, auroc;
  std::vector<std::uint8_t> status;
  std::size_t no_positive_rows = 0;  // rows that carry kNoPositiveWarning
  std::size_t one_class_rows = 0;    // rows that carry kOneClassWarning (includes the above)

  std::size_t size() const { return auprc.size(); }
  // Row r as score_rows returns it, warnings included.
  CurveScores row(std::size_t r) const {
    CurveScores s;
    s.auprc = auprc[r];
    s.average_precision = average_precision[r];
    s.auroc = auroc[r];
    if ((status[r] & kAuprcNoPositives) != 0) s.warnings.emplace_back(kNoPositiveWarning);
    if ((status[r] & kAuprcOneClass) != 0) s.warnings.emplace_back(kOneClassWarning);
    return s;
  }
  std::vector<CurveScores> to_curve_scores() const {
    std::vector<CurveScores> out(size());
    for (std::size_t r = 0; r < size(); ++r) out[r] = row(r);
    return out;
  }
};

// Host arrays in, host results out; same inputs and errors as score_rows.
RowCurveScores score_rows_cuda(const float* scores, const std::uint8_t* labels,
                               const std::uint8_t* include, std::size_t rows, std::size_t cols,
                               AuprcCudaPath path = AuprcCudaPath::automatic);
RowCurveScores score_rows_cuda(const double* scores, const std::uint8_t* labels,
                               const std::uint8_t* include, std::size_t rows, std::size_t cols,
                               AuprcCudaPath path = AuprcCudaPath::automatic);
// score_curve over the included entries of all rows, in row-major order (errors without a
// "row r: " prefix, as score_curve's).
CurveScores score_pooled_cuda(const float* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t rows, std::size_t cols);
CurveScores score_pooled_cuda(const double* scores, const std::uint8_t* labels,
                              const std::uint8_t* include, std::size_t rows, std::size_t cols);

// Scratch device memory for the *_device entry points; reuse one across calls (it grows to
// the largest call and keeps that). Not for concurrent use by two streams.
class AuprcCudaWorkspace {
 public:
  AuprcCudaWorkspace();
  ~AuprcCudaWorkspace();
  AuprcCudaWorkspace(AuprcCudaWorkspace&&) noexcept;
  AuprcCudaWorkspace& operator=(AuprcCudaWorkspace&&) noexcept;
  AuprcCudaWorkspace(const AuprcCudaWorkspace&) = delete;
  AuprcCudaWorkspace& operator=(const AuprcCudaWorkspace&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Device outputs, one element per row.
struct RowCurveScoresDevice {
  double* d_auprc = nullptr;
  double* d_average_precision = nullptr;
  double* d_auroc = nullptr;
  std::uint8_t* d_status = nullptr;  // AuprcStatus bits, errors included
};

// Device arrays in and out. The block path is asynchronous on `stream`; the segmented path
// synchronises it. Bad rows are reported in d_status, not thrown.
void score_rows_cuda_device(const float* d_scores, const std::uint8_t* d_labels,
                            const std::uint8_t* d_include, std::size_t rows, std::size_t cols,
                            const RowCurveScoresDevice& out, AuprcCudaWorkspace& workspace,
                            AuprcCudaPath path, CUstream_st* stream);
void score_rows_cuda_device(const double* d_scores, const std::uint8_t* d_labels,
                            const std::uint8_t* d_include, std::size_t rows, std::size_t cols,
                            const RowCurveScoresDevice& out, AuprcCudaWorkspace& workspace,
                            AuprcCudaPath path, CUstream_st* stream);
// Pooled curve of device arrays; synchronises `stream`; throws score_curve's errors.
CurveScores score_pooled_cuda_device(const float* d_scores, const std::uint8_t* d_labels,
                                     const std::uint8_t* d_include, std::size_t rows,
                                     std::size_t cols, AuprcCudaWorkspace& workspace,
                                     CUstream_st* stream);
CurveScores score_pooled_cuda_device(const double* d_scores, const std::uint8_t* d_labels,
                                     const std::uint8_t* d_include, std::size_t rows,
                                     std::size_t cols, AuprcCudaWorkspace& workspace,
                                     CUstream_st* stream);

}  // namespace mint

// Device-side AUPRC / average precision / ROC AUC (auprc_cuda.hpp has the manual): the host
// entry points — argument checks, the choice of path, batching (rows in batches of <= 2^27
// entries, host arrays through device buffers) and score_rows' error messages, recovered on the
// host for the rare bad row. The kernels: auprc_block.cu and auprc_segmented.cu (auprc.cuh).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/auprc/auprc.cuh"

namespace mint {

AuprcCudaWorkspace::AuprcCudaWorkspace() : impl_(std::make_unique<Impl>()) {}
AuprcCudaWorkspace::~AuprcCudaWorkspace() = default;
AuprcCudaWorkspace::AuprcCudaWorkspace(AuprcCudaWorkspace&&) noexcept = default;
AuprcCudaWorkspace& AuprcCudaWorkspace::operator=(AuprcCudaWorkspace&&) noexcept = default;

namespace {

using auprc_kernels::run_block;
using auprc_kernels::run_segmented_batch;

constexpr std::int64_t kSegmentedBatchItems = std::int64_t{1} << 27;
constexpr std::int64_t kHostBatchItems = std::int64_t{1} << 27;

__global__ void fill_empty_kernel(std::int64_t rows, RowCurveScoresDevice out) {
  for (std::int64_t r = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    write_row(out, r, nan_value(), nan_value(), nan_value(), kAuprcEmpty);
  }
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

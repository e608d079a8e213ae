// The device-resident chunk runner of `mint stream --device cuda` (stream_device.hpp): its
// kernels (labels, position scores, the ensemble's mean, the gather of each row's scores and the
// pooled histograms) and the host side that strings them with the ops' device entry points on
// one stream. Buffers are grown to the largest chunk and kept.
#include <cuda_runtime.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/auprc/auprc_cuda.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"
#include "pipeline/ensemble_device.cuh"
#include "pipeline/predict.hpp"
#include "pipeline/score_core.hpp"
#include "pipeline/stream/pooled_bins.hpp"
#include "pipeline/stream/stream_device.hpp"

namespace mint::stream {

namespace {

constexpr int kThreads = 256;

// (rows, L) labels and include bytes of every row, and each row's (positives, kept) counts
// (zeroed before the launch).
__global__ void label_rows_kernel(LabelPlanView plan, const std::int32_t* __restrict__ row_seq,
                                  const std::int32_t* __restrict__ row_motif,
                                  const std::uint32_t* __restrict__ masks,
                                  const std::int32_t* __restrict__ offsets, std::size_t rows,
                                  int length, std::uint8_t* __restrict__ labels,
                                  std::uint8_t* __restrict__ include, int* __restrict__ counts) {
  const std::size_t items = rows * static_cast<std::size_t>(length);
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t r = i / static_cast<std::size_t>(length);
    const int p = static_cast<int>(i - r * static_cast<std::size_t>(length));
    const int s = row_seq[r];
    const int t = truth_at(plan, masks[s], offsets[s], length, p);
    const unsigned bits = motif_label(plan, t, row_motif[r], offsets[s], p);
    labels[i] = (bits & kLabelPositive) != 0 ? 1 : 0;
    include[i] = (bits & kLabelInclude) != 0 ? 1 : 0;
    if ((bits & kLabelPositive) != 0) atomicAdd(&counts[2 * r], 1);
    if ((bits & kLabelInclude) != 0) atomicAdd(&counts[2 * r + 1], 1);
  }
}

// sum (+)= x over `size` doubles (first: =), in model order as attribute_models.
// (n, L) position scores of (n, 4, L) attributions.
__global__ void position_scores_kernel(const float* __restrict__ attr,
                                       const std::uint8_t* __restrict__ codes, std::size_t n,
                                       int length, bool ism, bool signed_scores,
                                       float* __restrict__ out) {
  const std::size_t L = static_cast<std::size_t>(length), items = n * L;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t s = i / L;
    out[i] = position_score(attr + s * 4 * L, codes + s * L, length, static_cast<int>(i - s * L),
                            ism, signed_scores);
  }
}

// Each row's copy of its sequence's scores, and the included positions counted into the row's
// pooled histogram: pooled[(slot · kPooledBins + bin) · 2 + (negative ? 1 : 0)].
__global__ void gather_pool_kernel(const float* __restrict__ scores,
                                   const std::int32_t* __restrict__ row_seq,
                                   const std::int32_t* __restrict__ row_slot,
                                   const std::uint8_t* __restrict__ labels,
                                   const std::uint8_t* __restrict__ include, std::size_t rows,
                                   int length, float* __restrict__ row_scores,
                                   unsigned long long* __restrict__ pooled) {
  const std::size_t L = static_cast<std::size_t>(length), items = rows * L;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t r = i / L, p = i - r * L;
    const float v = scores[static_cast<std::size_t>(row_seq[r]) * L + p];
    row_scores[i] = v;
    // A non-finite score is not counted: the row's status reports it, and the run stops.
    if (include[i] == 0 || !isfinite(v)) continue;
    const std::size_t bin = static_cast<std::size_t>(row_slot[r]) * kPooledBins + pooled_bin(v);
    atomicAdd(&pooled[2 * bin + (labels[i] != 0 ? 0 : 1)], 1ull);
  }
}

// A device buffer of at least n elements, grown (contents dropped) when smaller.
template <typename T>
T* reserve(cuda::DeviceBuffer<T>& b, std::size_t n) {
  if (b.size() < n) b = cuda::DeviceBuffer<T>(std::max(n, b.size() + b.size() / 2));
  return b.get();
}

template <typename T>
void upload(cuda::DeviceBuffer<T>& b, const std::vector<T>& h, cudaStream_t stream) {
  reserve(b, h.size());
  if (h.empty()) return;
  MINT_CUDA_CHECK(
      cudaMemcpyAsync(b.get(), h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, stream));
}

template <typename T>
void download(std::vector<T>& h, const T* d, std::size_t n, cudaStream_t stream) {
  h.resize(n);
  if (n == 0) return;
  MINT_CUDA_CHECK(cudaMemcpyAsync(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
}

const SamplerTables& require_gpu(const SamplerTables& tables) {
  if (cuda_device_count() == 0) {
    throw Error("mint stream --device cuda: " + cuda_unavailable_reason());
  }
  return tables;
}

}  // namespace

// One ensemble member: its forward backend and its attribution objects (made at first use).
struct Member {
  std::unique_ptr<CnnBackend> backend;
  std::unique_ptr<IntegratedGradientsCuda> ig;
  std::unique_ptr<DeepLiftCuda> deeplift;
};

struct DeviceStream::Impl {
  Impl(const StreamOptions& o, const Simulation& s, const SamplerTables& t)
      : options(o), sim(s), sampler(require_gpu(t)), length(t.length()) {}

  const StreamOptions& options;
  const Simulation& sim;
  SamplerCuda sampler;
  int length;
  cuda::Stream stream;
  std::vector<std::vector<Member>> members;  // [model][file]
  Quadrature quadrature;
  // The plan (device copies of a LabelPlan's arrays) and its view.
  cuda::DeviceBuffer<int> plan_start, plan_length, plan_at;
  cuda::DeviceBuffer<std::uint8_t> plan_informative;
  LabelPlanView plan;
  // The chunk: sequences, rows (chunk-local sequence indices), and their labels.
  std::int64_t first = 0, count = 0;
  std::vector<MotifScore> rows;
  cuda::DeviceBuffer<std::uint8_t> codes, labels, include;
  cuda::DeviceBuffer<std::uint32_t> masks;
  cuda::DeviceBuffer<std::int32_t> offsets, row_seq, row_motif, row_slot;
  cuda::DeviceBuffer<int> counts;
  // One model × method: attributions, their float64 sum, scores, each row's scores, results.
  cuda::DeviceBuffer<float> attr, member_attr, positions, row_scores;
  cuda::DeviceBuffer<double> sum, auprc, ap, auroc;
  cuda::DeviceBuffer<std::uint8_t> status;
  AuprcCudaWorkspace workspace;
  // The pooled histograms: slot → group, (slots, kPooledBins, 2) counts.
  std::map<GroupKey, int> slot_of;
  std::vector<GroupKey> slot_key;
  cuda::DeviceBuffer<unsigned long long> pooled;

  cudaStream_t s() const { return stream.get(); }
  void sync() const { MINT_CUDA_CHECK(cudaStreamSynchronize(s())); }
  void upload_plan();
  void label_rows(const std::vector<std::uint32_t>& h_masks,
                  const std::vector<std::int32_t>& h_offsets);
  int slot(const GroupKey& key);
  void attribute(int model, Method method);
  std::vector<MotifScore> curves(int model, int method);
  [[noreturn]] void row_error(int model, int method, std::size_t r,
                              const std::vector<std::uint8_t>& h_status);
  void save_samples(int model, int method, ShardState& state);
};

void DeviceStream::Impl::upload_plan() {
  const LabelPlan p = make_label_plan(sim.grammar, sim.motifs, options.score.positives);
  upload(plan_start, p.start, s());
  upload(plan_length, p.length, s());
  upload(plan_at, p.informative_at, s());
  upload(plan_informative, p.informative, s());
  plan.n_motifs = static_cast<int>(p.start.size());
  plan.start = plan_start.get();
  plan.length = plan_length.get();
  plan.informative_at = plan_at.get();
  plan.informative = p.informative.empty() ? nullptr : plan_informative.get();
  sync();  // p's arrays go out of scope
}

void DeviceStream::Impl::label_rows(const std::vector<std::uint32_t>& h_masks,
                                    const std::vector<std::int32_t>& h_offsets) {
  rows = motif_rows(h_masks.data(), h_masks.size(), plan.n_motifs);
  std::vector<std::int32_t> seq(rows.size()), motif(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    seq[i] = static_cast<std::int32_t>(rows[i].sequence);
    motif[i] = rows[i].motif;
  }
  upload(masks, h_masks, s());
  upload(offsets, h_offsets, s());
  upload(row_seq, seq, s());
  upload(row_motif, motif, s());
  const std::size_t n = rows.size(), cells = n * static_cast<std::size_t>(length);
  reserve(labels, cells);
  reserve(include, cells);
  reserve(counts, 2 * n);
  if (n == 0) return;
  MINT_CUDA_CHECK(cudaMemsetAsync(counts.get(), 0, 2 * n * sizeof(int), s()));
  label_rows_kernel<<<cuda::elementwise_grid(cells, kThreads), kThreads, 0, s()>>>(
      plan, row_seq.get(), row_motif.get(), masks.get(), offsets.get(), n, length, labels.get(),
      include.get(), counts.get());
  MINT_CUDA_CHECK_LAUNCH();
  std::vector<int> h_counts;
  download(h_counts, counts.get(), 2 * n, s());
  sync();
  for (std::size_t i = 0; i < n; ++i) {
    rows[i].positives = h_counts[2 * i];
    rows[i].negatives = h_counts[2 * i + 1] - h_counts[2 * i];
  }
}

// The group's slot in `pooled`, added (the buffer grown, its counts kept) at its first row.
int DeviceStream::Impl::slot(const GroupKey& key) {
  const auto it = slot_of.find(key);
  if (it != slot_of.end()) return it->second;
  const auto index = static_cast<int>(slot_key.size());
  constexpr std::size_t per = 2 * std::size_t{kPooledBins};
  if (pooled.size() < (slot_key.size() + 1) * per) {
    cuda::DeviceBuffer<unsigned long long> grown(std::max<std::size_t>(2 * slot_key.size(), 4) *
                                                 per);
    MINT_CUDA_CHECK(
        cudaMemsetAsync(grown.get(), 0, grown.size() * sizeof(unsigned long long), s()));
    if (!slot_key.empty()) {
      MINT_CUDA_CHECK(cudaMemcpyAsync(grown.get(), pooled.get(),
                                      slot_key.size() * per * sizeof(unsigned long long),
                                      cudaMemcpyDeviceToDevice, s()));
    }
    sync();  // the old buffer is freed next
    pooled = std::move(grown);
  }
  slot_of.emplace(key, index);
  slot_key.push_back(key);
  return index;
}

// `model`'s attribution of the chunk into attr: one file's, or the files' float64 mean.
void DeviceStream::Impl::attribute(int model, Method method) {
  const AttributeOptions& a = options.attribute;
  std::vector<Member>& files = members[static_cast<std::size_t>(model)];
  const std::size_t size = static_cast<std::size_t>(count) * 4 * static_cast<std::size_t>(length);
  float* out = reserve(attr, size);
  float* one = files.size() > 1 ? reserve(member_attr, size) : out;
  if (files.size() > 1) reserve(sum, size);
  const int n = static_cast<int>(count);
  for (std::size_t j = 0; j < files.size(); ++j) {
    Member& f = files[j];
    const Model& m = options.models[static_cast<std::size_t>(model)].models[j];
    if (method == Method::ig) {
      if (!f.ig) f.ig = std::make_unique<IntegratedGradientsCuda>(m.config, m.params);
      f.ig->integrated_gradients(codes.get(), nullptr, n, quadrature, a.target, one, s());
    } else {
      if (!f.deeplift) f.deeplift = std::make_unique<DeepLiftCuda>(m.config, m.params);
      f.deeplift->deeplift(codes.get(), nullptr, n, a.compat, a.target, one, s());
    }
    if (files.size() > 1) {
      device_ensemble::add_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads, 0, s()>>>(
          one, size, j == 0, sum.get());
      MINT_CUDA_CHECK_LAUNCH();
    }
  }
  if (files.size() > 1) {
    device_ensemble::mean_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads, 0, s()>>>(
        sum.get(), size, static_cast<double>(files.size()), out);
    MINT_CUDA_CHECK_LAUNCH();
  }
}

// Row r's error as the CPU's (score_labelled_rows: "row r: " + score_curve's message on the
// row's included entries), named as the host stream names it.
void DeviceStream::Impl::row_error(int model, int method, std::size_t r,
                                   const std::vector<std::uint8_t>& h_status) {
  const std::size_t L = static_cast<std::size_t>(length), at = r * L;
  std::vector<float> h_scores;
  std::vector<std::uint8_t> h_labels, h_include;
  download(h_scores, row_scores.get() + at, L, s());
  download(h_labels, labels.get() + at, L, s());
  download(h_include, include.get() + at, L, s());
  sync();
  std::vector<float> kept;
  std::vector<std::uint8_t> kept_labels;
  for (std::size_t p = 0; p < L; ++p) {
    if (h_include[p] == 0) continue;
    kept.push_back(h_scores[p]);
    kept_labels.push_back(h_labels[p]);
  }
  std::string what = "invalid input (reported by the GPU, status " +
                     std::to_string(static_cast<int>(h_status[r])) + ")";
  try {
    score_curve(kept.data(), kept_labels.data(), kept.size());
  } catch (const std::exception& e) {
    what = e.what();
  }
  const std::int64_t first_seq = first;
  throw Error("model " + options.models[static_cast<std::size_t>(model)].name + ", " +
              to_string(options.methods[static_cast<std::size_t>(method)]) + ", sequences " +
              std::to_string(first_seq) + " to " + std::to_string(first_seq + count - 1) +
              ": row " + std::to_string(r) + ": " + what);
}

// The rows' curves of the scores in row_scores; the results come back, errors throw.
std::vector<MotifScore> DeviceStream::Impl::curves(int model, int method) {
  const std::size_t n = rows.size(), L = static_cast<std::size_t>(length);
  const RowCurveScoresDevice out{reserve(auprc, n), reserve(ap, n), reserve(auroc, n),
                                 reserve(status, n)};
  score_rows_cuda_device(row_scores.get(), labels.get(), include.get(), n, L, out, workspace,
                         AuprcCudaPath::automatic, s());
  RowCurveScores h;
  download(h.auprc, out.d_auprc, n, s());
  download(h.average_precision, out.d_average_precision, n, s());
  download(h.auroc, out.d_auroc, n, s());
  download(h.status, out.d_status, n, s());
  sync();
  std::vector<MotifScore> scored = rows;
  for (std::size_t r = 0; r < n; ++r) {
    if ((h.status[r] & (kAuprcEmpty | kAuprcInvalid)) != 0) row_error(model, method, r, h.status);
    scored[r].scores = h.row(r);
  }
  return scored;
}

// The sampled sequences' attributions of this chunk: slot [K][model][method][4][L].
void DeviceStream::Impl::save_samples(int model, int method, ShardState& state) {
  const std::size_t row = 4 * static_cast<std::size_t>(length);
  const std::size_t per = options.models.size() * options.methods.size() * row;
  const std::size_t at = (static_cast<std::size_t>(model) * options.methods.size() +
                          static_cast<std::size_t>(method)) *
                         row;
  bool any = false;
  for (std::size_t k = 0; k < state.sample_index.size(); ++k) {
    const std::int64_t seq = state.sample_index[k] - first;
    if (seq < 0 || seq >= count) continue;
    MINT_CUDA_CHECK(cudaMemcpyAsync(state.sample.data() + k * per + at,
                                    attr.get() + static_cast<std::size_t>(seq) * row,
                                    row * sizeof(float), cudaMemcpyDeviceToHost, s()));
    any = true;
  }
  if (any) sync();
}

DeviceStream::DeviceStream(const StreamOptions& options, const Simulation& sim,
                           const SamplerTables& tables)
    : impl_(std::make_unique<Impl>(options, sim, tables)) {
  Impl& d = *impl_;
  d.quadrature = ig_quadrature(options.attribute.ig_method, options.attribute.ig_steps);
  for (const StreamModel& m : options.models) {
    d.members.emplace_back();
    for (const Model& file : m.models) {
      Member member;
      member.backend = make_cuda_backend(file.config, kPredictBatch);
      member.backend->set_params(file.params);
      d.members.back().push_back(std::move(member));
    }
  }
  d.upload_plan();
}

DeviceStream::~DeviceStream() = default;

bool DeviceStream::needs_host_codes() const {
  const std::vector<Method>& m = impl_->options.methods;
  return std::any_of(m.begin(), m.end(), [](Method x) { return !attributes(x); });
}

void DeviceStream::sample(std::int64_t first, std::int64_t count,
                          const std::vector<std::uint32_t>& masks,
                          const std::vector<std::int32_t>& offsets, std::uint8_t* codes) {
  Impl& d = *impl_;
  if (masks.size() != static_cast<std::size_t>(count) || offsets.size() != masks.size()) {
    throw Error("DeviceStream::sample: masks and offsets must have one value per sequence");
  }
  d.first = first;
  d.count = count;
  const std::size_t bytes = static_cast<std::size_t>(count) * static_cast<std::size_t>(d.length);
  d.sampler.sample(first, count, reserve(d.codes, bytes), d.s());
  MINT_CUDA_CHECK_LAUNCH();
  d.label_rows(masks, offsets);
  if (codes != nullptr && bytes > 0) {
    MINT_CUDA_CHECK(cudaMemcpyAsync(codes, d.codes.get(), bytes, cudaMemcpyDeviceToHost, d.s()));
  }
  d.sync();  // the backends' forward runs on their own streams
}

std::vector<std::vector<float>> DeviceStream::predict_each(int model) {
  Impl& d = *impl_;
  std::vector<std::vector<float>> out;
  for (Member& m : d.members[static_cast<std::size_t>(model)]) {
    std::vector<float> logits(static_cast<std::size_t>(d.count));
    for (std::int64_t at = 0; at < d.count; at += kPredictBatch) {
      const int n = static_cast<int>(std::min<std::int64_t>(kPredictBatch, d.count - at));
      m.backend->forward_device_codes(
          d.codes.get() + static_cast<std::size_t>(at) * static_cast<std::size_t>(d.length), n,
          logits.data() + at);
    }
    out.push_back(std::move(logits));
  }
  return out;
}

std::vector<MotifScore> DeviceStream::score(int model, int method, ShardState& state) {
  Impl& d = *impl_;
  const Method which = d.options.methods[static_cast<std::size_t>(method)];
  if (!attributes(which)) {
    throw Error(std::string("DeviceStream: ") + to_string(which) + " is attributed on the host");
  }
  if (d.count == 0) return {};
  d.attribute(model, which);
  const std::size_t L = static_cast<std::size_t>(d.length), n = d.rows.size();
  float* positions = reserve(d.positions, static_cast<std::size_t>(d.count) * L);
  position_scores_kernel<<<cuda::elementwise_grid(static_cast<std::size_t>(d.count) * L, kThreads),
                           kThreads, 0, d.s()>>>(d.attr.get(), d.codes.get(),
                                                 static_cast<std::size_t>(d.count), d.length, false,
                                                 d.options.score.signed_scores, positions);
  MINT_CUDA_CHECK_LAUNCH();
  std::vector<std::int32_t> slots(n);
  for (std::size_t i = 0; i < n; ++i) {
    slots[i] = d.slot(GroupKey{model, method, d.rows[i].motif, d.rows[i].n_present});
  }
  upload(d.row_slot, slots, d.s());
  if (n > 0) {
    gather_pool_kernel<<<cuda::elementwise_grid(n * L, kThreads), kThreads, 0, d.s()>>>(
        positions, d.row_seq.get(), d.row_slot.get(), d.labels.get(), d.include.get(), n, d.length,
        reserve(d.row_scores, n * L), d.pooled.get());
    MINT_CUDA_CHECK_LAUNCH();
  }
  std::vector<MotifScore> scored = n > 0 ? d.curves(model, method) : std::vector<MotifScore>{};
  d.save_samples(model, method, state);
  return scored;
}

void DeviceStream::flush(ShardState& state) {
  Impl& d = *impl_;
  if (d.slot_key.empty()) return;
  constexpr std::size_t per = 2 * std::size_t{kPooledBins};
  std::vector<unsigned long long> h;
  download(h, d.pooled.get(), d.slot_key.size() * per, d.s());
  MINT_CUDA_CHECK(cudaMemsetAsync(d.pooled.get(), 0,
                                  d.slot_key.size() * per * sizeof(unsigned long long), d.s()));
  d.sync();
  std::vector<std::uint64_t> counts(per);
  for (std::size_t i = 0; i < d.slot_key.size(); ++i) {
    std::copy_n(h.begin() + static_cast<std::ptrdiff_t>(i * per), per, counts.begin());
    state.groups[d.slot_key[i]].pooled.add_counts(counts.data());
  }
}

void DeviceStream::discard() {
  Impl& d = *impl_;
  d.sync();
  if (!d.slot_key.empty()) {
    MINT_CUDA_CHECK(cudaMemsetAsync(
        d.pooled.get(), 0,
        d.slot_key.size() * 2 * std::size_t{kPooledBins} * sizeof(unsigned long long), d.s()));
    d.sync();
  }
  d.codes = {};
  d.labels = {};
  d.include = {};
  d.masks = {};
  d.offsets = {};
  d.row_seq = {};
  d.row_motif = {};
  d.row_slot = {};
  d.counts = {};
  d.attr = {};
  d.member_attr = {};
  d.positions = {};
  d.row_scores = {};
  d.sum = {};
  d.auprc = {};
  d.ap = {};
  d.auroc = {};
  d.status = {};
  d.workspace = AuprcCudaWorkspace();
  d.rows.clear();
  d.count = 0;
}

}  // namespace mint::stream

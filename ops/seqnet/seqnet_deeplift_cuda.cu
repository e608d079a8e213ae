// DeepLIFT of a general sequential network on the GPU: seqnet_deeplift.cpp's algorithm (Captum's
// two halves, the rule of every hooked layer, both compat modes) with the sequences of a batch
// side by side. One forward pass (SeqNetCuda::Impl) takes the batch's rows and, after them, the
// zero reference as one more row (its activations are the same for every sequence; in the same
// cuDNN call, so that a reference window equal to an input's gives the same value, and the eps
// fallbacks fire where the CPU's do); the backward pass carries a (2·rows, size) gradient: the
// input half's rows, then the reference half's.
//   * plain layers (Conv1d, Linear, eval-mode BatchNorm, average pooling, Flatten, Dropout):
//     Impl::input_grad on each half (their input gradient does not read activations);
//   * elementwise layers: the rescale rule, max pooling: the max-pool rule
//     (seqnet_attr_kernels.cu), each also keeping the halves' plain gradients, which are the
//     next layer's recorded gradient in DeepLiftCompat::captum_0_8 (issue #1104);
//   * captum_0_8's max-pool fallback (issue #1276) takes sequence 0's plain gradient: the first
//     batch starts at sequence 0, whose row 0 is copied per max-pool layer and kept for the
//     later batches.
// Below the first max pool only the input half is propagated (the reference half's gradient
// reaches the input half only through a max-pool rule). The first-block and one-hot shortcuts of
// the CPU path are not taken: the layer-by-layer path computes the same function.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift_core.hpp"
#include "ops/seqnet/seqnet_attr_kernels.cuh"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_cuda_impl.cuh"
#include "ops/seqnet/seqnet_methods_common.hpp"

namespace mint {
namespace {

namespace k = seqnet::cuda;
using cuda::DeviceBuffer;
using seqnet_detail::check;
using seqnet_detail::sz;
using Impl = SeqNetCuda::Impl;

// Activations of a batch (SeqNet::capacity_for's estimate) plus the four (2·rows, widest layer)
// gradient buffers, which take at most as much again.
constexpr std::size_t kDeviceBytes = std::size_t{256} << 20;
constexpr int kMaxRows = 2048;

class DeepLiftRunner {
 public:
  DeepLiftRunner(const SequentialModel& m, DeepLiftCompat compat, const SeqAttributeOptions& o);
  int capacity() const { return net_->capacity - 1; }
  // Attributions (rows, 4, L) of the dense rows x into out (host); sequence 0 must come first.
  void batch(const float* x, int rows, bool first_batch, float* out);

 private:
  // The output's gradient of both halves into g_: 1, or the final Sigmoid's rule (Target::prob).
  void seed(int rows);
  // Layer i's rule: plain ← each half's plain input gradient (from g), next ← the rule's
  // multipliers (from rec, the recorded output gradient).
  void hooked(std::size_t i, int rows, bool first_batch, const float* g, const float* rec,
              float* plain, float* next);
  // Row `rows` (the reference) of layer i's input or, with argmax, of its argmaxes.
  const float* ref_act(std::size_t i, int rows) const {
    return net_->act[i].get() +
           sz(rows) * sz(i < m_.arch.layers.size() ? m_.arch.size_before(i) : m_.arch.outputs());
  }
  const std::int32_t* ref_argmax(std::size_t i, int rows) const {
    return net_->layers[i].argmax.get() + sz(rows) * sz(m_.arch.layers[i].size_after());
  }

  const SequentialModel& m_;
  DeepLiftCompat compat_;
  SeqAttributeOptions o_;
  std::unique_ptr<Impl> net_;  // capacity() rows and the reference
  std::size_t first_pool_;     // the first max pool (layers().size() when none)
  DeviceBuffer<float> g_, next_, plain_, stale_;
  std::vector<DeviceBuffer<float>> row0_;  // captum_0_8: sequence 0's plain max-pool gradients
  std::vector<float> out_, host_;          // the outputs of the rows and the reference; the seeds
};

DeepLiftRunner::DeepLiftRunner(const SequentialModel& m, DeepLiftCompat compat,
                               const SeqAttributeOptions& o)
    : m_(m), compat_(compat), o_(o) {
  const SequentialArchitecture& a = m.arch;
  const std::size_t L = a.layers.size();
  net_ = Impl::make(a, SeqNet::capacity_for(a, kDeviceBytes, kMaxRows) + 1);
  net_->upload_params(m.params);
  first_pool_ = L;
  std::size_t most = sz(a.outputs());
  row0_.resize(L);
  for (std::size_t i = 0; i < L; ++i) {
    most = std::max(most, sz(a.size_before(i)));
    if (is_max_pool(a.layers[i].type)) {
      first_pool_ = std::min(first_pool_, i);
      if (compat == DeepLiftCompat::captum_0_8)
        row0_[i] = DeviceBuffer<float>(sz(a.size_before(i)));
    }
  }
  const std::size_t cells = 2 * sz(capacity()) * most;
  for (DeviceBuffer<float>* b : {&g_, &next_, &plain_, &stale_}) *b = DeviceBuffer<float>(cells);
}

void DeepLiftRunner::seed(int rows) {
  const std::size_t outs = sz(m_.arch.outputs()), o = sz(o_.output);
  host_.assign(2 * sz(rows) * outs, 0.0f);
  for (int r = 0; r < rows; ++r) {
    const float fx = out_[sz(r) * outs + o], fr = out_[sz(rows) * outs + o];
    float tx = 1.0f, tr = 1.0f;
    if (o_.target == Target::prob) {  // as seqnet_deeplift.cpp's attribute_one
      const double d = static_cast<double>(fx) - fr;
      tx = static_cast<float>(deeplift_core::sigmoid_factor(fr, d, kDeepLiftEps));
      tr = std::fabs(d) < kDeepLiftEps
               ? static_cast<float>(deeplift_core::sigmoid(fr) * (1 - deeplift_core::sigmoid(fr)))
               : tx;
    }
    host_[sz(r) * outs + o] = tx;
    host_[(sz(rows) + sz(r)) * outs + o] = tr;
  }
  MINT_CUDA_CHECK(cudaMemcpyAsync(g_.get(), host_.data(), host_.size() * sizeof(float),
                                  cudaMemcpyHostToDevice, net_->s()));
  // host_ is pageable: the copy is staged before the call returns, but wait to be exact.
  MINT_CUDA_CHECK(cudaStreamSynchronize(net_->s()));
}

void DeepLiftRunner::hooked(std::size_t i, int rows, bool first_batch, const float* g,
                            const float* rec, float* plain, float* next) {
  const SequentialArchitecture& a = m_.arch;
  const SequentialLayer& l = a.layers[i];
  Impl& x = *net_;
  const float eps = static_cast<float>(kDeepLiftEps);
  const cudaStream_t s = x.s();
  if (!is_max_pool(l.type)) {
    const int halves = i >= first_pool_ ? 2 : 1;
    k::deeplift_rescale(seqnet::act_params(l), x.act[i].get(), x.act[i + 1].get(), ref_act(i, rows),
                        ref_act(i + 1, rows), g, rec, rows, halves, a.size_before(i), eps, plain,
                        next, s);
    return;
  }
  const bool global = l.type == LayerType::global_maxpool1d;
  const int C = a.channels_before(i), lin = a.length_before(i);
  const int kernel = global ? lin : l.kernel, stride = global ? lin : l.stride;
  const int lout = std::max(l.length_after, 1);
  k::deeplift_maxpool_plain(g, x.layers[i].argmax.get(), ref_argmax(i, rows), rows, C, lin, kernel,
                            stride, lout, plain, s);
  const float* row0 = nullptr;
  if (compat_ == DeepLiftCompat::captum_0_8) {
    if (first_batch) {  // row 0 of the plain gradient of the input half: sequence 0's
      MINT_CUDA_CHECK(cudaMemcpyAsync(row0_[i].get(), plain, row0_[i].size() * sizeof(float),
                                      cudaMemcpyDeviceToDevice, s));
    }
    row0 = row0_[i].get();
  }
  k::deeplift_maxpool_rule(x.act[i].get(), ref_act(i, rows), x.act[i + 1].get(),
                           ref_act(i + 1, rows), x.layers[i].argmax.get(), ref_argmax(i, rows), rec,
                           plain, row0, rows, C, lin, kernel, stride, lout, eps, next, s);
}

void DeepLiftRunner::batch(const float* x, int rows, bool first_batch, float* out) {
  const SequentialArchitecture& a = m_.arch;
  const std::size_t L = a.layers.size(), row = sz(a.size_before(0)), outs = sz(a.outputs());
  Impl& net = *net_;
  MINT_CUDA_CHECK(cudaMemcpyAsync(net.act[0].get(), x, sz(rows) * row * sizeof(float),
                                  cudaMemcpyHostToDevice, net.s()));
  MINT_CUDA_CHECK(
      cudaMemsetAsync(net.act[0].get() + sz(rows) * row, 0, row * sizeof(float), net.s()));
  net.forward_range(rows + 1, 0, false);
  out_.resize(sz(rows + 1) * outs);
  MINT_CUDA_CHECK(cudaMemcpyAsync(out_.data(), net.act[L].get(), out_.size() * sizeof(float),
                                  cudaMemcpyDeviceToHost, net.s()));
  MINT_CUDA_CHECK(cudaStreamSynchronize(net.s()));
  seed(rows);
  const bool compat = compat_ == DeepLiftCompat::captum_0_8;
  float* g = g_.get();
  float* next = next_.get();
  float* plain = plain_.get();
  float* stale = stale_.get();
  bool have_stale = false;  // stale: the layer above was hooked; its plain input gradients
  for (std::size_t i = L; i-- > 0;) {
    const SequentialLayer& l = a.layers[i];
    if (is_deeplift_hooked(l.type)) {
      const float* rec = compat && have_stale ? stale : g;
      hooked(i, rows, first_batch, g, rec, plain, next);
      std::swap(stale, plain);
      have_stale = true;
    } else {
      if (l.type == LayerType::conv1d) {  // the forward pass set the plan for rows + 1
        net.convs[i]->prepare(net.cudnn.get(), rows);
        net.reserve_workspace(net.convs[i]->workspace);
      }
      net.input_grad(i, rows, false, g, next);
      if (i > first_pool_) {  // the reference half feeds a max-pool rule above
        const std::size_t in_half = sz(rows) * sz(a.size_before(i));
        net.input_grad(i, rows, false, g + sz(rows) * sz(l.size_after()), next + in_half);
      }
      have_stale = false;
    }
    std::swap(g, next);
  }
  MINT_CUDA_CHECK(
      cudaMemcpyAsync(out, g, sz(rows) * row * sizeof(float), cudaMemcpyDeviceToHost, net.s()));
  MINT_CUDA_CHECK(cudaStreamSynchronize(net.s()));
  for (std::size_t e = 0; e < sz(rows) * row; ++e) out[e] *= x[e];
}

}  // namespace

std::vector<float> seqnet_deeplift_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                        DeepLiftCompat compat, const SeqAttributeOptions& o) {
  check(m, in, n, o, "deeplift");
  const int len = m.arch.length;
  const std::size_t row = 4 * sz(len);
  std::vector<float> out(sz(n) * row);
  DeepLiftRunner run(m, compat, o);
  for (int s0 = 0; s0 < n; s0 += run.capacity()) {
    const int rows = std::min(run.capacity(), n - s0);
    const std::vector<float> x = dense_input(offset(in, s0, len), rows, len);
    run.batch(x.data(), rows, s0 == 0, out.data() + sz(s0) * row);
  }
  return out;
}

}  // namespace mint

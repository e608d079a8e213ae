// ISM and Feature Permutation of a general sequential network on the GPU: seqnet_methods.cpp's
// variants, incremental through the first Conv1d on the device. Per chunk of sequences the base
// rows (the first Conv1d's outputs, bias included; the inputs when layer 0 is not a Conv1d) and
// the sequences' outputs come from one forward pass and stay on the device; each variant (one
// sequence, one column changed by a 4-value delta) is then that base row with the change added
// in the column's receptive field (seqnet_attr_kernels.cu: variant_rows, the CPU's arithmetic),
// and batches of variants run the rest of the network. Only the variants' (sequence, column,
// delta) go up and their outputs come back. FP's permutations are fp_driver.hpp's, the CPU's.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/perturbation/fp_driver.hpp"
#include "ops/seqnet/seqnet_attr_kernels.cuh"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_cuda_impl.cuh"
#include "ops/seqnet/seqnet_methods_common.hpp"

namespace mint {
namespace {

namespace k = seqnet::cuda;
using cuda::DeviceBuffer;
using seqnet_detail::check;
using seqnet_detail::first_is_conv;
using seqnet_detail::g_of;
using seqnet_detail::sz;
using Impl = SeqNetCuda::Impl;

constexpr std::size_t kDeviceBytes = std::size_t{512} << 20;  // activations of a batch
constexpr int kMaxRows = 4096;

// Variants waiting for a batch: sequence (within the chunk), column, delta (4 values).
struct Pending {
  std::vector<std::int32_t> seq, pos;
  std::vector<float> delta;
  std::vector<int> channel;  // ISM: the base the column becomes
  void clear() {
    seq.clear();
    pos.clear();
    delta.clear();
    channel.clear();
  }
  int size() const { return static_cast<int>(seq.size()); }
};

class VariantRunnerCuda {
 public:
  explicit VariantRunnerCuda(const SequentialModel& m)
      : m_(m),
        net_(Impl::make(m.arch, SeqNet::capacity_for(m.arch, kDeviceBytes, kMaxRows))),
        once_(first_is_conv(m)),
        first_(once_ ? 1 : 0),
        s_in_(sz(m.arch.size_before(first_))),
        seq_(sz(capacity())),
        pos_(sz(capacity())),
        delta_(4 * sz(capacity())) {
    net_->upload_params(m.params);
  }

  int capacity() const { return net_->capacity; }

  // The base rows of `count` dense sequences x (count, 4, L) kept on the device, and their
  // output o into base_out (count).
  void set_base(const float* x, int count, int o, float* base_out) {
    Impl& net = *net_;
    if (base_.size() < sz(count) * s_in_) {
      base_ = DeviceBuffer<float>();  // cudaFree synchronises: nothing in flight reads it
      base_ = DeviceBuffer<float>(sz(count) * s_in_);
    }
    const std::size_t row = sz(m_.arch.size_before(0));
    for (int r0 = 0; r0 < count; r0 += capacity()) {
      const int rows = std::min(capacity(), count - r0);
      MINT_CUDA_CHECK(cudaMemcpyAsync(net.act[0].get(), x + sz(r0) * row,
                                      sz(rows) * row * sizeof(float), cudaMemcpyHostToDevice,
                                      net.s()));
      net.forward_range(rows, 0, false);
      MINT_CUDA_CHECK(cudaMemcpyAsync(base_.get() + sz(r0) * s_in_, net.act[first_].get(),
                                      sz(rows) * s_in_ * sizeof(float), cudaMemcpyDeviceToDevice,
                                      net.s()));
      outputs(rows, o, base_out + r0);
    }
  }

  // Output o of the variants in p (at most capacity()) into result.
  void run(const Pending& p, int o, float* result) {
    Impl& net = *net_;
    const int count = p.size();
    if (count == 0) return;
    const cudaStream_t s = net.s();
    MINT_CUDA_CHECK(cudaMemcpyAsync(seq_.get(), p.seq.data(), sz(count) * sizeof(std::int32_t),
                                    cudaMemcpyHostToDevice, s));
    MINT_CUDA_CHECK(cudaMemcpyAsync(pos_.get(), p.pos.data(), sz(count) * sizeof(std::int32_t),
                                    cudaMemcpyHostToDevice, s));
    MINT_CUDA_CHECK(cudaMemcpyAsync(delta_.get(), p.delta.data(), 4 * sz(count) * sizeof(float),
                                    cudaMemcpyHostToDevice, s));
    const SequentialLayer& l0 = m_.arch.layers.front();
    if (once_) {
      k::variant_rows(base_.get(), seq_.get(), pos_.get(), delta_.get(), count, l0.out,
                      l0.length_after, net.layers[0].weight.get(), l0.kernel, l0.dilation,
                      l0.pad_left, net.act[1].get(), s);
    } else {
      k::variant_rows(base_.get(), seq_.get(), pos_.get(), delta_.get(), count, 4, m_.arch.length,
                      nullptr, 1, 1, 0, net.act[0].get(), s);
    }
    net.forward_range(count, first_, false);
    outputs(count, o, result);  // synchronises: p's vectors may change after the return
  }

 private:
  // Output o of the last forward's `rows` rows into result (synchronises).
  void outputs(int rows, int o, float* result) {
    Impl& net = *net_;
    const std::size_t outs = sz(m_.arch.outputs());
    out_.resize(sz(rows) * outs);
    MINT_CUDA_CHECK(cudaMemcpyAsync(out_.data(), net.act[m_.arch.layers.size()].get(),
                                    out_.size() * sizeof(float), cudaMemcpyDeviceToHost, net.s()));
    MINT_CUDA_CHECK(cudaStreamSynchronize(net.s()));
    for (int r = 0; r < rows; ++r) result[r] = out_[sz(r) * outs + sz(o)];
  }

  const SequentialModel& m_;
  std::unique_ptr<Impl> net_;
  bool once_;
  std::size_t first_, s_in_;
  DeviceBuffer<float> base_;
  DeviceBuffer<std::int32_t> seq_, pos_;
  DeviceBuffer<float> delta_;
  std::vector<float> out_;
};

}  // namespace

std::vector<float> seqnet_ism_cuda(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  check(m, in, n, o, "ism");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  std::vector<float> attr(sz(n) * row, 0.0f);
  VariantRunnerCuda run(m);
  const int chunk = run.capacity();
  std::vector<float> base_out(sz(chunk)), values(sz(chunk));
  Pending p;
  for (int c0 = 0; c0 < n; c0 += chunk) {
    const int count = std::min(chunk, n - c0);
    const std::vector<float> x = dense_input(offset(in, c0, len), count, len);
    run.set_base(x.data(), count, o.output, base_out.data());
    auto flush = [&] {
      run.run(p, o.output, values.data());
      for (int v = 0; v < p.size(); ++v) {
        const std::size_t s = sz(p.seq[sz(v)]);
        attr[(sz(c0) + s) * row + sz(p.channel[sz(v)]) * L + sz(p.pos[sz(v)])] =
            static_cast<float>(g_of(values[sz(v)], o.target) - g_of(base_out[s], o.target));
      }
      p.clear();
    };
    for (int s = 0; s < count; ++s) {  // variants in seqnet_ism's order: channel, then column
      const float* xs = x.data() + sz(s) * row;
      for (int c = 0; c < 4; ++c) {
        for (int q = 0; q < len; ++q) {
          bool same = true;  // the column already is one-hot c: exactly 0
          for (int ch = 0; ch < 4; ++ch) same &= xs[sz(ch) * L + sz(q)] == (ch == c ? 1.0f : 0.0f);
          if (same) continue;
          p.seq.push_back(s);
          p.pos.push_back(q);
          p.channel.push_back(c);
          for (int ch = 0; ch < 4; ++ch)
            p.delta.push_back((ch == c ? 1.0f : 0.0f) - xs[sz(ch) * L + sz(q)]);
          if (p.size() == chunk) flush();
        }
      }
    }
    flush();
  }
  return attr;
}

std::vector<float> seqnet_feature_permutation_cuda(const SequentialModel& m, const CnnInput& input,
                                                   int n, const FpOptions& fp,
                                                   const SeqAttributeOptions& o,
                                                   std::vector<std::vector<std::int64_t>>* used) {
  check(m, input, n, o, "feature permutation");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  VariantRunnerCuda run(m);
  const int piece = run.capacity();
  std::vector<float> x, base_out, values(sz(piece));
  Pending p;
  auto eval = [&](const CnnInput& in, int first, int size, const std::vector<std::int32_t>& perms,
                  float* out_all) {
    x = dense_input(offset(in, first, len), size, len);
    base_out.resize(sz(size));
    run.set_base(x.data(), size, o.output, base_out.data());
    auto flush = [&] {
      run.run(p, o.output, values.data());
      for (int v = 0; v < p.size(); ++v) {
        const std::size_t i = sz(p.seq[sz(v)]), q = sz(p.pos[sz(v)]);
        const auto a =
            static_cast<float>(g_of(base_out[i], o.target) - g_of(values[sz(v)], o.target));
        for (std::size_t ch = 0; ch < 4; ++ch) out_all[(sz(first) + i) * row + ch * L + q] = a;
      }
      p.clear();
    };
    for (int i = 0; i < size; ++i) {
      for (int q = 0; q < len; ++q) {
        const int src = perms[sz(q) * sz(size) + sz(i)];
        if (src == i) continue;
        p.seq.push_back(i);
        p.pos.push_back(q);
        for (int ch = 0; ch < 4; ++ch) {
          p.delta.push_back(x[sz(src) * row + sz(ch) * L + sz(q)] -
                            x[sz(i) * row + sz(ch) * L + sz(q)]);
        }
        if (p.size() == piece) flush();
      }
    }
    flush();
  };
  return fp_detail::fp_driver(len, input, n, fp, used, eval);
}

}  // namespace mint

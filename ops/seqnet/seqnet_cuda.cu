// SeqNetCuda: the general sequential network's forward and backward passes on the GPU (cuDNN
// convolutions, cuBLAS dense layers, seqnet_kernels.cu for the rest). See seqnet_cuda.hpp.
#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/seqnet/seqnet_core.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "ops/seqnet/seqnet_cuda_impl.cuh"
#include "ops/seqnet/seqnet_cudnn.cuh"
#include "ops/seqnet/seqnet_kernels.cuh"
#include "ops/seqnet/seqnet_layers.hpp"  // LayerPlan: eval-mode BatchNorm's affine map

namespace mint {

namespace k = seqnet::cuda;
using cuda::DeviceBuffer;
using k::DeviceLayer;

namespace {

constexpr const char* kWho = "sequential network on the GPU";

std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

void upload(float* dst, const std::vector<float>& src, cudaStream_t s) {
  if (src.empty()) return;
  MINT_CUDA_CHECK(
      cudaMemcpyAsync(dst, src.data(), src.size() * sizeof(float), cudaMemcpyHostToDevice, s));
}

void download(std::vector<float>& dst, const float* src, cudaStream_t s) {
  if (dst.empty()) return;
  MINT_CUDA_CHECK(
      cudaMemcpyAsync(dst.data(), src, dst.size() * sizeof(float), cudaMemcpyDeviceToHost, s));
}

}  // namespace

SeqNetCuda::Impl::Impl(const SequentialArchitecture& a, int cap) : arch(a), capacity(cap) {
  cublas = std::make_unique<k::CublasHandle>(stream.get());
  MINT_CUDNN_CHECK(cudnnSetStream(cudnn.get(), stream.get()));
  const std::size_t L = arch.layers.size();
  act.resize(L + 1);
  layers.resize(L);
  convs.resize(L);
  std::size_t most = sz(arch.layers.back().size_after()), most_padded = 0;
  for (std::size_t i = 0; i <= L; ++i) {
    const std::int64_t size = i < L ? arch.size_before(i) : arch.layers.back().size_after();
    act[i] = DeviceBuffer<float>(sz(size) * sz(cap));
    most = std::max(most, sz(size));
  }
  for (std::size_t i = 0; i < L; ++i) {
    const SequentialLayer& l = arch.layers[i];
    DeviceLayer& d = layers[i];
    const std::size_t out = sz(l.size_after()) * sz(cap);
    if (l.type == LayerType::conv1d || l.type == LayerType::linear) {
      const std::size_t w = sz(l.out) * sz(l.in) * sz(l.type == LayerType::conv1d ? l.kernel : 1);
      d.weight = DeviceBuffer<float>(w);
      d.grad_weight = DeviceBuffer<float>(w);
      if (l.bias) {
        d.bias = DeviceBuffer<float>(sz(l.out));
        d.grad_bias = DeviceBuffer<float>(sz(l.out));
      }
    }
    if (l.type == LayerType::conv1d) {
      const int lin = arch.length_before(i);
      convs[i] = std::make_unique<k::ConvPlan>(l.in, l.out, l.kernel, l.dilation, lin, l.pad_left,
                                               l.pad_right, l.length_after);
      if (convs[i]->padded) most_padded = std::max(most_padded, sz(l.in) * sz(convs[i]->lx));
    } else if (l.type == LayerType::batchnorm1d) {
      for (DeviceBuffer<float>* b : {&d.weight, &d.bias, &d.alpha, &d.beta, &d.running_mean,
                                     &d.running_var, &d.grad_weight, &d.grad_bias}) {
        *b = DeviceBuffer<float>(sz(l.in));
      }
      for (DeviceBuffer<double>* b : {&d.mean, &d.var, &d.invstd})
        *b = DeviceBuffer<double>(sz(l.in));
    } else if (is_max_pool(l.type)) {
      d.argmax = DeviceBuffer<std::int32_t>(out);
    } else if (l.type == LayerType::dropout) {
      d.mask = DeviceBuffer<float>(out);
    }
  }
  grad_a = DeviceBuffer<float>(most * sz(cap));
  grad_b = DeviceBuffer<float>(most * sz(cap));
  padded = DeviceBuffer<float>(most_padded * sz(cap));
}

void SeqNetCuda::Impl::upload_params(const SequentialParams& p) {
  check_sequential_params(arch, p, kWho);
  const std::vector<seqnet::LayerPlan> plans = seqnet::LayerPlan::make(arch, p);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const SequentialLayer& l = arch.layers[i];
    const LayerParams& lp = p.layers[i];
    DeviceLayer& d = layers[i];
    if (l.type == LayerType::conv1d || l.type == LayerType::linear) {
      upload(d.weight.get(), lp.weight, s());
      if (l.bias) upload(d.bias.get(), lp.bias, s());
    } else if (l.type == LayerType::batchnorm1d) {
      upload(d.weight.get(), lp.weight, s());
      upload(d.bias.get(), lp.bias, s());
      upload(d.running_mean.get(), lp.running_mean, s());
      upload(d.running_var.get(), lp.running_var, s());
      upload(d.alpha.get(), plans[i].alpha, s());
      upload(d.beta.get(), plans[i].beta, s());
    }
  }
  // The plans' host vectors must outlive the copies (pageable copies are staged, but be exact).
  MINT_CUDA_CHECK(cudaStreamSynchronize(s()));
}

void SeqNetCuda::Impl::reserve_workspace(std::size_t bytes) {
  if (workspace.size() >= bytes) return;
  MINT_CUDA_CHECK(cudaStreamSynchronize(s()));
  workspace = DeviceBuffer<unsigned char>(bytes);
}

void SeqNetCuda::Impl::conv_forward(std::size_t i, int n) {
  const SequentialLayer& l = arch.layers[i];
  k::ConvPlan& c = *convs[i];
  c.prepare(cudnn.get(), n);
  reserve_workspace(c.workspace);
  const float* x = act[i].get();
  if (c.padded) {
    k::pad_rows(x, n, l.in, arch.length_before(i), l.pad_left, c.lx, padded.get(), s());
    x = padded.get();
  }
  const float one = 1.0f, zero = 0.0f;
  MINT_CUDNN_CHECK(cudnnConvolutionForward(
      cudnn.get(), &one, c.x.get(), x, c.w.get(), layers[i].weight.get(), c.conv.get(), c.fwd,
      workspace.get(), c.workspace, &zero, c.y.get(), act[i + 1].get()));
  if (l.bias)
    k::add_channel_bias(act[i + 1].get(), layers[i].bias.get(), n, l.out, l.length_after, s());
}

// y (n, out) = x (n, in) · Wᵀ + b, row-major: in cuBLAS's column-major terms yᵀ = W·xᵀ with W
// seen as the (in × out) matrix Wᵀ.
void SeqNetCuda::Impl::linear_forward(std::size_t i, int n) {
  const SequentialLayer& l = arch.layers[i];
  const float one = 1.0f, zero = 0.0f;
  MINT_SEQ_CUBLAS_CHECK(cublasSgemm(cublas->get(), CUBLAS_OP_T, CUBLAS_OP_N, l.out, n, l.in, &one,
                                    layers[i].weight.get(), l.in, act[i].get(), l.in, &zero,
                                    act[i + 1].get(), l.out));
  if (l.bias) k::add_channel_bias(act[i + 1].get(), layers[i].bias.get(), n, l.out, 1, s());
}

void SeqNetCuda::Impl::forward_range(int n, std::size_t first, bool train) {
  for (std::size_t i = first; i < arch.layers.size(); ++i) forward_layer(i, n, train);
}

void SeqNetCuda::Impl::forward_layer(std::size_t i, int n, bool train) {
  const SequentialLayer& l = arch.layers[i];
  DeviceLayer& d = layers[i];
  const int cin = arch.channels_before(i), lin = std::max(arch.length_before(i), 1);
  const int lout = std::max(l.length_after, 1);
  const std::int64_t count = arch.size_before(i) * n;
  const float* x = act[i].get();
  float* y = act[i + 1].get();
  switch (l.type) {
    case LayerType::conv1d:
      conv_forward(i, n);
      return;
    case LayerType::linear:
      linear_forward(i, n);
      return;
    case LayerType::batchnorm1d:
      if (train) {
        k::bn_train_forward(x, d.weight.get(), d.bias.get(), n, cin, lin, l.eps, y, d.mean.get(),
                            d.var.get(), d.invstd.get(), s());
      } else {
        k::affine_channels(x, d.alpha.get(), d.beta.get(), n, cin, lin, y, s());
      }
      return;
    case LayerType::maxpool1d:
    case LayerType::global_maxpool1d: {
      const bool global = l.type == LayerType::global_maxpool1d;
      k::max_pool_forward(x, n, cin, lin, global ? lin : l.kernel, global ? lin : l.stride, lout, y,
                          d.argmax.get(), s());
      return;
    }
    case LayerType::avgpool1d:
    case LayerType::global_avgpool1d: {
      const bool global = l.type == LayerType::global_avgpool1d;
      k::avg_pool_forward(x, n, cin, lin, global ? lin : l.kernel, global ? lin : l.stride, lout, y,
                          s());
      return;
    }
    case LayerType::dropout:
      if (train) {
        k::dropout_forward(x, n, arch.size_before(i), dropout_seed, dropout_step, i, l.p,
                           d.mask.get(), y, s());
        return;
      }
      [[fallthrough]];
    case LayerType::flatten:
      MINT_CUDA_CHECK(
          cudaMemcpyAsync(y, x, sz(count) * sizeof(float), cudaMemcpyDeviceToDevice, s()));
      return;
    default:  // elementwise
      k::activation_forward(seqnet::act_params(l), x, y, count, s());
      return;
  }
}

void SeqNetCuda::Impl::param_grad(std::size_t i, int n, bool train, const float* g) {
  const SequentialLayer& l = arch.layers[i];
  DeviceLayer& d = layers[i];
  const float one = 1.0f, zero = 0.0f;
  if (l.type == LayerType::conv1d) {
    k::ConvPlan& c = *convs[i];
    const float* x = act[i].get();
    if (c.padded) {
      k::pad_rows(x, n, l.in, arch.length_before(i), l.pad_left, c.lx, padded.get(), s());
      x = padded.get();
    }
    MINT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
        cudnn.get(), &one, c.x.get(), x, c.y.get(), g, c.conv.get(), c.bwd_filter, workspace.get(),
        c.workspace, &zero, c.w.get(), d.grad_weight.get()));
    if (l.bias) k::channel_sum(g, n, l.out, l.length_after, d.grad_bias.get(), s());
  } else if (l.type == LayerType::linear) {
    // dW (out, in) = gᵀ·x: column-major dWᵀ (in × out) = xᵀ (in × n) · g (n × out).
    MINT_SEQ_CUBLAS_CHECK(cublasSgemm(cublas->get(), CUBLAS_OP_N, CUBLAS_OP_T, l.in, l.out, n, &one,
                                      act[i].get(), l.in, g, l.out, &zero, d.grad_weight.get(),
                                      l.in));
    if (l.bias) k::channel_sum(g, n, l.out, 1, d.grad_bias.get(), s());
  } else if (l.type == LayerType::batchnorm1d && !train) {
    k::bn_eval_param_grad(act[i].get(), g, d.running_mean.get(), d.running_var.get(), l.eps, n,
                          l.in, arch.length_before(i), d.grad_weight.get(), d.grad_bias.get(), s());
  }  // train-mode BatchNorm: input_grad computes its parameter gradients too
}

void SeqNetCuda::Impl::conv_input_grad(std::size_t i, int n, const float* g, float* gin) {
  const SequentialLayer& l = arch.layers[i];
  k::ConvPlan& c = *convs[i];
  const float one = 1.0f, zero = 0.0f;
  float* dx = c.padded ? padded.get() : gin;
  MINT_CUDNN_CHECK(cudnnConvolutionBackwardData(
      cudnn.get(), &one, c.w.get(), layers[i].weight.get(), c.y.get(), g, c.conv.get(), c.bwd_data,
      workspace.get(), c.workspace, &zero, c.x.get(), dx));
  if (c.padded) k::crop_rows(dx, n, l.in, c.lx, l.pad_left, arch.length_before(i), gin, s());
}

void SeqNetCuda::Impl::input_grad(std::size_t i, int n, bool train, const float* g, float* gin) {
  const SequentialLayer& l = arch.layers[i];
  DeviceLayer& d = layers[i];
  const int cin = arch.channels_before(i), lin = std::max(arch.length_before(i), 1);
  const int lout = std::max(l.length_after, 1);
  const std::int64_t count = arch.size_before(i) * n;
  const float one = 1.0f, zero = 0.0f;
  switch (l.type) {
    case LayerType::conv1d:
      conv_input_grad(i, n, g, gin);
      return;
    case LayerType::linear:  // din (n, in) = g (n, out) · W: column-major dinᵀ = Wᵀ·gᵀ
      MINT_SEQ_CUBLAS_CHECK(cublasSgemm(cublas->get(), CUBLAS_OP_N, CUBLAS_OP_N, l.in, n, l.out,
                                        &one, d.weight.get(), l.in, g, l.out, &zero, gin, l.in));
      return;
    case LayerType::batchnorm1d:
      if (train) {
        k::bn_train_backward(act[i].get(), g, d.weight.get(), d.mean.get(), d.invstd.get(), n, cin,
                             lin, gin, d.grad_weight.get(), d.grad_bias.get(), s());
      } else {
        k::affine_channels(g, d.alpha.get(), nullptr, n, cin, lin, gin, s());
      }
      return;
    case LayerType::maxpool1d:
    case LayerType::global_maxpool1d: {
      const bool global = l.type == LayerType::global_maxpool1d;
      k::max_pool_backward(g, d.argmax.get(), n, cin, lin, global ? lin : l.kernel,
                           global ? lin : l.stride, lout, gin, s());
      return;
    }
    case LayerType::avgpool1d:
    case LayerType::global_avgpool1d: {
      const bool global = l.type == LayerType::global_avgpool1d;
      k::avg_pool_backward(g, n, cin, lin, global ? lin : l.kernel, global ? lin : l.stride, lout,
                           gin, s());
      return;
    }
    case LayerType::dropout:
      if (train) {
        k::multiply(g, d.mask.get(), gin, count, s());
        return;
      }
      [[fallthrough]];
    case LayerType::flatten:
      MINT_CUDA_CHECK(
          cudaMemcpyAsync(gin, g, sz(count) * sizeof(float), cudaMemcpyDeviceToDevice, s()));
      return;
    default:  // elementwise
      k::activation_backward(seqnet::act_params(l), act[i].get(), act[i + 1].get(), g, gin, count,
                             s());
      return;
  }
}

// ---- the public class ------------------------------------------------------------------------

std::unique_ptr<SeqNetCuda::Impl> SeqNetCuda::Impl::make(const SequentialArchitecture& arch,
                                                         int capacity) {
  if (cuda_device_count() == 0) throw Error(std::string(kWho) + ": " + cuda_unavailable_reason());
  if (capacity < 1) throw Error(std::string(kWho) + ": capacity must be positive");
  if (arch.layers.empty()) throw Error(std::string(kWho) + ": no layers");
  return std::make_unique<Impl>(arch, capacity);
}

SeqNetCuda::SeqNetCuda(const SequentialArchitecture& arch, int capacity)
    : impl_(Impl::make(arch, capacity)) {}

SeqNetCuda::~SeqNetCuda() = default;

const SequentialArchitecture& SeqNetCuda::arch() const { return impl_->arch; }
int SeqNetCuda::capacity() const { return impl_->capacity; }

void SeqNetCuda::set_dropout_stream(std::uint64_t seed, std::uint64_t step) {
  impl_->dropout_seed = seed;
  impl_->dropout_step = step;
}

void SeqNetCuda::forward(const SequentialParams& p, const float* in, int n, Mode mode, float* out,
                         int first) {
  Impl& m = *impl_;
  const std::size_t L = m.arch.layers.size();
  if (n < 0 || n > m.capacity) {
    throw Error(std::string(kWho) + ": batch of " + std::to_string(n) + " rows, capacity " +
                std::to_string(m.capacity));
  }
  if (first < 0 || sz(first) >= L)
    throw Error(std::string(kWho) + ": no layer " + std::to_string(first));
  m.upload_params(p);
  m.last_n = n;
  m.last_first = first;
  m.last_mode = mode;
  if (n == 0) return;
  const std::size_t s_in = sz(m.arch.size_before(sz(first))) * sz(n);
  MINT_CUDA_CHECK(cudaMemcpyAsync(m.act[sz(first)].get(), in, s_in * sizeof(float),
                                  cudaMemcpyHostToDevice, m.s()));
  m.forward_range(n, sz(first), mode == Mode::train);
  const std::size_t outs = sz(m.arch.outputs()) * sz(n);
  MINT_CUDA_CHECK(
      cudaMemcpyAsync(out, m.act[L].get(), outs * sizeof(float), cudaMemcpyDeviceToHost, m.s()));
  MINT_CUDA_CHECK(cudaStreamSynchronize(m.s()));
}

void SeqNetCuda::update_running_stats(SequentialParams& p) const {
  const Impl& m = *impl_;
  if (m.last_mode != Mode::train) return;
  for (std::size_t i = sz(m.last_first); i < m.arch.layers.size(); ++i) {
    const SequentialLayer& l = m.arch.layers[i];
    if (l.type != LayerType::batchnorm1d) continue;
    LayerParams& lp = p.layers[i];
    std::vector<double> mean(sz(l.in)), var(sz(l.in));
    if (m.last_n > 0) {
      m.layers[i].mean.download(mean.data(), mean.size());
      m.layers[i].var.download(var.data(), var.size());
    }
    const double M = static_cast<double>(m.last_n) * m.arch.length_before(i);
    const double f = l.bn_factor(lp.num_batches_tracked + 1);
    for (std::size_t c = 0; c < lp.running_mean.size(); ++c) {
      const double unbiased = M > 1 ? var[c] * M / (M - 1) : var[c];
      lp.running_mean[c] = static_cast<float>(f * mean[c] + (1 - f) * lp.running_mean[c]);
      lp.running_var[c] = static_cast<float>(f * unbiased + (1 - f) * lp.running_var[c]);
    }
    ++lp.num_batches_tracked;
  }
}

void SeqNetCuda::backward(const SequentialParams& p, const float* dout, SequentialParams* grads,
                          float* din) {
  Impl& m = *impl_;
  const std::size_t L = m.arch.layers.size(), first = sz(m.last_first);
  const int n = m.last_n;
  const bool train = m.last_mode == Mode::train;
  check_sequential_params(m.arch, p, kWho);
  if (grads != nullptr) *grads = SequentialParams::zeros(m.arch);
  if (n == 0) return;
  float* g = m.grad_a.get();
  float* gin = m.grad_b.get();
  MINT_CUDA_CHECK(cudaMemcpyAsync(g, dout, sz(m.arch.outputs()) * sz(n) * sizeof(float),
                                  cudaMemcpyHostToDevice, m.s()));
  for (std::size_t i = L; i-- > first;) {
    const LayerType type = m.arch.layers[i].type;
    if (type == LayerType::conv1d) {
      m.convs[i]->prepare(m.cudnn.get(), n);  // set by forward for this n: a no-op
      m.reserve_workspace(m.convs[i]->workspace);
    }
    if (grads != nullptr) m.param_grad(i, n, train, g);
    const bool bn_train = type == LayerType::batchnorm1d && train;
    if (i > first || din != nullptr || (bn_train && grads != nullptr)) {
      m.input_grad(i, n, train, g, gin);
      std::swap(g, gin);
    }
  }
  if (grads != nullptr) {
    for (std::size_t i = first; i < L; ++i) {
      LayerParams& lp = grads->layers[i];
      download(lp.weight, m.layers[i].grad_weight.get(), m.s());
      download(lp.bias, m.layers[i].grad_bias.get(), m.s());
    }
  }
  if (din != nullptr) {
    MINT_CUDA_CHECK(cudaMemcpyAsync(din, g, sz(m.arch.size_before(first)) * sz(n) * sizeof(float),
                                    cudaMemcpyDeviceToHost, m.s()));
  }
  MINT_CUDA_CHECK(cudaStreamSynchronize(m.s()));
}

}  // namespace mint

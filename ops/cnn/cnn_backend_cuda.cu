// The CUDA implementation of CnnBackend (cnn_backend.hpp): the launchers of cnn.cuh and
// ops/adam/adam.cuh strung into forward / backward / Adam, with the same semantics as the CPU
// backend (cnn_backend_cpu.cpp) — the tests compare the two (tests/ops/test_cnn_cuda.cpp).
//
// Resident on the device: the trainable parameters, their gradients and Adam's moments, each
// one flat buffer in ModelParams::trainable() order (so Adam is one launch), and the BatchNorm
// running statistics. num_batches_tracked is a host counter. Per call, only the batch's input
// (codes + scale, or dense), dlogits, logits and the optional input gradient cross the bus;
// every workspace is allocated once, for `capacity` sequences. All work runs on one stream of
// the backend's own; each public call ends synchronised, so errors surface at the call that
// caused them and host buffers can be reused at once.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/adam/adam.cuh"
#include "ops/cnn/cnn.cuh"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

namespace {

// Owns a cuBLAS handle bound to a stream; float32 math (no TF32), for parity with the CPU.
class Cublas {
 public:
  explicit Cublas(cudaStream_t stream) {
    MINT_CUBLAS_CHECK(cublasCreate(&handle_));
    MINT_CUBLAS_CHECK(cublasSetStream(handle_, stream));
    MINT_CUBLAS_CHECK(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH));
  }
  ~Cublas() {
    const cublasStatus_t status = cublasDestroy(handle_);
    if (status != CUBLAS_STATUS_SUCCESS) {
      std::fprintf(stderr, "cublasDestroy: %s\n", cublasGetStatusString(status));
    }
  }
  Cublas(const Cublas&) = delete;
  Cublas& operator=(const Cublas&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_{};
};

// Throws before any CUDA call when there is no GPU to run on.
const ModelConfig& require_gpu(const ModelConfig& config, int capacity) {
  if (cuda_device_count() == 0) throw Error("--device cuda: " + cuda_unavailable_reason());
  config.validate();
  if (capacity <= 0) throw Error("CudaBackend: batch capacity must be positive");
  return config;
}

// Offsets of the trainable tensors in the flat buffers, ModelParams::trainable() order.
struct FlatLayout {
  std::vector<std::size_t> offset, size;
  std::size_t total = 0;
  explicit FlatLayout(const ModelConfig& c) {
    const ModelParams zeros = ModelParams::zeros(c);
    for (const std::vector<float>* t : zeros.trainable()) {
      offset.push_back(total);
      size.push_back(t->size());
      total += t->size();
    }
  }
};

class CudaBackend final : public CnnBackend {
 public:
  CudaBackend(const ModelConfig& config, int capacity)
      : config_(require_gpu(config, capacity)),
        capacity_(capacity),
        shape_(cuda::ConvShape::of(config)),
        head_{config.fc1_inputs(), config.hidden1, config.hidden2},
        layout_(config),
        cublas_(stream_.get()) {
    const std::size_t cap = capacity, f = config.filters, lc = config.conv_length();
    const std::size_t length = config.length, fw = config.fc1_inputs();
    params_ = cuda::DeviceBuffer<float>(layout_.total);
    grads_ = cuda::DeviceBuffer<float>(layout_.total);
    m_ = cuda::DeviceBuffer<float>(layout_.total);
    v_ = cuda::DeviceBuffer<float>(layout_.total);
    if (config.batchnorm) {
      running_mean_ = cuda::DeviceBuffer<float>(f);
      running_var_ = cuda::DeviceBuffer<float>(f);
      conv_ = cuda::DeviceBuffer<float>(cap * f * lc);
    }
    bn_affine_ = cuda::DeviceBuffer<float>(cuda::kBnAffineRows * f);
    bn_backward_ = cuda::DeviceBuffer<float>(cuda::kBnBackwardRows * f);
    bn_mean_ = cuda::DeviceBuffer<double>(f);
    bn_invstd_ = cuda::DeviceBuffer<double>(f);
    codes_ = cuda::DeviceBuffer<std::uint8_t>(cap * length);
    scale_ = cuda::DeviceBuffer<float>(cap);
    dense_ = cuda::DeviceBuffer<float>(cap * 4 * length);
    pooled_ = cuda::DeviceBuffer<float>(cap * fw);
    pooled_conv_ = cuda::DeviceBuffer<float>(cap * fw);
    dpooled_ = cuda::DeviceBuffer<float>(cap * fw);
    argmax_ = cuda::DeviceBuffer<std::int32_t>(cap * fw);
    h1_ = cuda::DeviceBuffer<float>(cap * config.hidden1);
    a1_ = cuda::DeviceBuffer<float>(cap * config.hidden1);
    dh1_ = cuda::DeviceBuffer<float>(cap * config.hidden1);
    h2_ = cuda::DeviceBuffer<float>(cap * config.hidden2);
    a2_ = cuda::DeviceBuffer<float>(cap * config.hidden2);
    dh2_ = cuda::DeviceBuffer<float>(cap * config.hidden2);
    logits_ = cuda::DeviceBuffer<float>(cap);
    dlogits_ = cuda::DeviceBuffer<float>(cap);
    dconv_ = cuda::DeviceBuffer<float>(cap * f * lc);
    dinput_ = cuda::DeviceBuffer<float>(cap * 4 * length);
    scratch_ = cuda::DeviceBuffer<double>(
        std::max<std::size_t>(cuda::conv_block_scratch_doubles(shape_, capacity), 1));
    if (!config.batchnorm) {
      // Constant: b = c in the forward, dc = dy in the backward.
      const std::vector<float> identity = [&] {
        std::vector<float> a(cuda::kBnAffineRows * f, 0.0f);
        std::fill(a.begin() + static_cast<std::ptrdiff_t>(f),
                  a.begin() + static_cast<std::ptrdiff_t>(2 * f), 1.0f);
        return a;
      }();
      upload(bn_affine_, identity.data(), identity.size());
      cuda::launch_fill_identity_bn_backward(config.filters, bn_backward_.get(), stream());
    }
    const ModelParams zeros = ModelParams::zeros(config);
    set_params(zeros);
    upload(grads_, flatten(zeros).data(), layout_.total);  // as the CPU backend's gradients
    synchronize();
  }

  void set_params(const ModelParams& params) override {
    upload(params_, flatten(params).data(), layout_.total);
    if (config_.batchnorm) {
      check_size(params.bn_running_mean, config_.filters, "bn.running_mean");
      check_size(params.bn_running_var, config_.filters, "bn.running_var");
      upload(running_mean_, params.bn_running_mean.data(), config_.filters);
      upload(running_var_, params.bn_running_var.data(), config_.filters);
    }
    num_batches_tracked_ = params.bn_num_batches_tracked;
    MINT_CUDA_CHECK(cudaMemsetAsync(m_.get(), 0, layout_.total * sizeof(float), stream()));
    MINT_CUDA_CHECK(cudaMemsetAsync(v_.get(), 0, layout_.total * sizeof(float), stream()));
    synchronize();
  }

  ModelParams params() const override {
    ModelParams p = unflatten(params_);
    if (config_.batchnorm) {
      download(running_mean_, p.bn_running_mean.data(), config_.filters);
      download(running_var_, p.bn_running_var.data(), config_.filters);
    }
    p.bn_num_batches_tracked = num_batches_tracked_;
    return p;
  }

  void forward(const CnnInput& input, int n, Mode mode, float* logits) override {
    if (n <= 0 || n > capacity_) {
      throw Error("CudaBackend: batch of " + std::to_string(n) + " outside 1.." +
                  std::to_string(capacity_));
    }
    if ((input.codes == nullptr) == (input.dense == nullptr)) {
      throw Error("CudaBackend: give exactly one of codes and dense input");
    }
    const std::size_t rows = static_cast<std::size_t>(n);
    cuda::DeviceInput in;
    if (input.codes != nullptr) {
      upload(codes_, input.codes, rows * config_.length);
      in.codes = codes_.get();
    } else {
      upload(dense_, input.dense, rows * 4 * config_.length);
      in.dense = dense_.get();
    }
    if (input.scale != nullptr) {
      upload(scale_, input.scale, rows);
      in.scale = scale_.get();
    }
    last_n_ = 0;  // until this forward has succeeded
    const bool batch_statistics = config_.batchnorm && mode == Mode::train;
    if (batch_statistics) {
      cuda::launch_conv(shape_, in, n, tensor(params_, kConvWeight), tensor(params_, kConvBias),
                        conv_.get(), stream());
      cuda::launch_bn_batch_statistics(
          shape_, conv_.get(), n, config_.bn_momentum, config_.bn_eps, tensor(params_, kBnWeight),
          tensor(params_, kBnBias), running_mean_.get(), running_var_.get(), scratch_.get(),
          bn_mean_.get(), bn_invstd_.get(), bn_affine_.get(), stream());
      cuda::launch_bn_act_pool(shape_, conv_.get(), n, bn_affine_.get(), pooled_.get(),
                               argmax_.get(), pooled_conv_.get(), stream());
      ++num_batches_tracked_;
    } else {
      pool_with_running_statistics(in, n);
    }
    head_and_download(n, logits);
    last_n_ = n;
    last_train_ = mode == Mode::train;
    last_input_ = in;
  }

  void forward_device_codes(const std::uint8_t* d_codes, int n, float* logits) override {
    if (n <= 0 || n > capacity_) {
      throw Error("CudaBackend: batch of " + std::to_string(n) + " outside 1.." +
                  std::to_string(capacity_));
    }
    cuda::DeviceInput in;
    in.codes = d_codes;
    last_n_ = 0;  // nothing for backward(): the input is not the backend's
    pool_with_running_statistics(in, n);
    head_and_download(n, logits);
  }

  // Inference's conv block: eval BatchNorm from the running statistics, fused with the conv,
  // activation and pooling.
  void pool_with_running_statistics(const cuda::DeviceInput& in, int n) {
    if (config_.batchnorm) {
      cuda::launch_bn_running_affine(config_.filters, config_.bn_eps, tensor(params_, kBnWeight),
                                     tensor(params_, kBnBias), running_mean_.get(),
                                     running_var_.get(), bn_mean_.get(), bn_invstd_.get(),
                                     bn_affine_.get(), stream());
    }
    cuda::launch_conv_bn_act_pool(shape_, in, n, tensor(params_, kConvWeight),
                                  tensor(params_, kConvBias), bn_affine_.get(), pooled_.get(),
                                  argmax_.get(), pooled_conv_.get(), stream());
  }

  // The dense head on the pooled block, its logits copied to the host.
  void head_and_download(int n, float* logits) {
    cuda::head_forward(cublas_.get(), head_, head_params(), pooled_.get(), n, activations(),
                       logits_.get(), stream());
    download_async(logits_, logits, static_cast<std::size_t>(n));
    synchronize();
  }

  void backward(const float* dlogits, float* dinput) override {
    const int n = last_n_;
    if (n == 0) throw Error("CudaBackend::backward before forward");
    upload(dlogits_, dlogits, static_cast<std::size_t>(n));
    const cuda::HeadGrads g{tensor(grads_, kFc1Weight), tensor(grads_, kFc1Bias),
                            tensor(grads_, kFc2Weight), tensor(grads_, kFc2Bias),
                            tensor(grads_, kFc3Weight), tensor(grads_, kFc3Bias)};
    cuda::head_backward(cublas_.get(), head_, head_params(), pooled_.get(), n, activations(),
                        dlogits_.get(), g, dh1_.get(), dh2_.get(), dpooled_.get(), stream());
    const bool batch_statistics = config_.batchnorm && last_train_;
    if (config_.batchnorm) {
      cuda::launch_bn_backward(shape_, n, batch_statistics, dpooled_.get(), pooled_.get(),
                               pooled_conv_.get(), bn_mean_.get(), bn_invstd_.get(),
                               tensor(params_, kBnWeight), tensor(grads_, kBnWeight),
                               tensor(grads_, kBnBias), bn_backward_.get(), stream());
    }
    cuda::launch_conv_output_grad(shape_, n, dpooled_.get(), pooled_.get(), argmax_.get(),
                                  batch_statistics ? conv_.get() : nullptr, bn_backward_.get(),
                                  dconv_.get(), stream());
    cuda::launch_conv_param_grad(shape_, last_input_, n, dconv_.get(), scratch_.get(),
                                 tensor(grads_, kConvWeight), tensor(grads_, kConvBias), stream());
    if (dinput != nullptr) {
      cuda::launch_input_grad(shape_, n, tensor(params_, kConvWeight), dconv_.get(), dinput_.get(),
                              stream());
      download_async(dinput_, dinput, static_cast<std::size_t>(n) * 4 * config_.length);
    }
    synchronize();
  }

  ModelParams gradients() const override { return unflatten(grads_); }

  void adam_step(const AdamOptions& options, long step) override {
    cuda::launch_adam(adam_step_constants(options, step), layout_.total, grads_.get(),
                      params_.get(), m_.get(), v_.get(), stream());
    synchronize();
  }

  int capacity() const override { return capacity_; }
  const ModelConfig& config() const override { return config_; }
  const char* name() const override { return "cuda"; }

 private:
  // Indices into layout_ (ModelParams::trainable() order; without BatchNorm its two tensors are
  // absent and the fc tensors move up by two).
  enum Tensor {
    kConvWeight,
    kConvBias,
    kBnWeight,
    kBnBias,
    kFc1Weight,
    kFc1Bias,
    kFc2Weight,
    kFc2Bias,
    kFc3Weight,
    kFc3Bias
  };

  cudaStream_t stream() const { return stream_.get(); }
  void synchronize() const { MINT_CUDA_CHECK(cudaStreamSynchronize(stream())); }

  float* tensor(const cuda::DeviceBuffer<float>& flat, Tensor t) const {
    int index = t;
    if (!config_.batchnorm) {
      if (t == kBnWeight || t == kBnBias) return nullptr;
      if (t > kBnBias) index -= 2;
    }
    return flat.get() + layout_.offset[static_cast<std::size_t>(index)];
  }

  cuda::HeadParams head_params() const {
    return {tensor(params_, kFc1Weight), tensor(params_, kFc1Bias),   tensor(params_, kFc2Weight),
            tensor(params_, kFc2Bias),   tensor(params_, kFc3Weight), tensor(params_, kFc3Bias)};
  }
  cuda::HeadActivations activations() const { return {h1_.get(), a1_.get(), h2_.get(), a2_.get()}; }

  static void check_size(const std::vector<float>& v, std::size_t expected, const char* name) {
    if (v.size() != expected) {
      throw Error(std::string("CudaBackend: ") + name + " has " + std::to_string(v.size()) +
                  " values, the model expects " + std::to_string(expected));
    }
  }

  std::vector<float> flatten(const ModelParams& p) const {
    const auto tensors = p.trainable();
    if (tensors.size() != layout_.size.size()) {
      throw Error(
          "CudaBackend: the parameters do not match the model configuration (BatchNorm "
          "tensors present in one and not the other)");
    }
    const auto names = ModelParams::trainable_names(config_.batchnorm);
    std::vector<float> flat(layout_.total);
    for (std::size_t t = 0; t < tensors.size(); ++t) {
      check_size(*tensors[t], layout_.size[t], names[t].c_str());
      std::copy(tensors[t]->begin(), tensors[t]->end(),
                flat.begin() + static_cast<std::ptrdiff_t>(layout_.offset[t]));
    }
    return flat;
  }

  ModelParams unflatten(const cuda::DeviceBuffer<float>& flat) const {
    std::vector<float> host(layout_.total);
    download(flat, host.data(), layout_.total);
    ModelParams p = ModelParams::zeros(config_);
    auto tensors = p.trainable();
    for (std::size_t t = 0; t < tensors.size(); ++t) {
      const auto first = host.begin() + static_cast<std::ptrdiff_t>(layout_.offset[t]);
      std::copy(first, first + static_cast<std::ptrdiff_t>(layout_.size[t]), tensors[t]->begin());
    }
    return p;
  }

  template <typename T>
  void upload(cuda::DeviceBuffer<T>& d, const T* h, std::size_t count) {
    MINT_CUDA_CHECK(
        cudaMemcpyAsync(d.get(), h, count * sizeof(T), cudaMemcpyHostToDevice, stream()));
  }
  template <typename T>
  void download_async(const cuda::DeviceBuffer<T>& d, T* h, std::size_t count) const {
    MINT_CUDA_CHECK(
        cudaMemcpyAsync(h, d.get(), count * sizeof(T), cudaMemcpyDeviceToHost, stream()));
  }
  template <typename T>
  void download(const cuda::DeviceBuffer<T>& d, T* h, std::size_t count) const {
    download_async(d, h, count);
    synchronize();
  }

  ModelConfig config_;
  int capacity_;
  cuda::ConvShape shape_;
  cuda::HeadShape head_;
  FlatLayout layout_;
  cuda::Stream stream_;  // blocking: events on the legacy default stream bracket its work
  Cublas cublas_;        // after stream_: destroyed first
  // Flat, ModelParams::trainable() order.
  cuda::DeviceBuffer<float> params_, grads_, m_, v_;
  cuda::DeviceBuffer<float> running_mean_, running_var_;  // (F), with BatchNorm
  std::int64_t num_batches_tracked_ = 0;
  // BatchNorm of the last forward: affine (3, F), backward coefficients (5, F), mean/invstd.
  cuda::DeviceBuffer<float> bn_affine_, bn_backward_;
  cuda::DeviceBuffer<double> bn_mean_, bn_invstd_;
  // The batch (input of the last forward, kept for backward) and the workspaces.
  cuda::DeviceBuffer<std::uint8_t> codes_;  // (cap, L)
  cuda::DeviceBuffer<float> scale_;         // (cap)
  cuda::DeviceBuffer<float> dense_;         // (cap, 4, L)
  cuda::DeviceBuffer<float> conv_;          // (cap, F, Lc), train-mode BatchNorm only
  cuda::DeviceBuffer<float> pooled_, pooled_conv_, dpooled_;  // (cap, F·W)
  cuda::DeviceBuffer<std::int32_t> argmax_;                   // (cap, F·W)
  cuda::DeviceBuffer<float> h1_, a1_, dh1_;                   // (cap, H1)
  cuda::DeviceBuffer<float> h2_, a2_, dh2_;                   // (cap, H2)
  cuda::DeviceBuffer<float> logits_, dlogits_;                // (cap)
  cuda::DeviceBuffer<float> dconv_;                           // (cap, F, Lc)
  cuda::DeviceBuffer<float> dinput_;                          // (cap, 4, L)
  cuda::DeviceBuffer<double> scratch_;                        // the reductions' per-chunk partials
  int last_n_ = 0;
  bool last_train_ = false;
  cuda::DeviceInput last_input_{};
};

}  // namespace

std::unique_ptr<CnnBackend> make_cuda_backend(const ModelConfig& config, int capacity) {
  return std::make_unique<CudaBackend>(config, capacity);
}

}  // namespace mint

// See attribute_device.hpp.
#include <cuda_runtime.h>

#include <algorithm>
#include <memory>

#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/common/cuda_check.cuh"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"
#include "pipeline/attribute_device.hpp"
#include "pipeline/ensemble_device.cuh"
#include "pipeline/predict.hpp"

namespace mint {
namespace {

constexpr int kThreads = 256;

// codes[i, p] = the channel at 1; bad = 1 when some column is not exactly one-hot.
__global__ void onehot_codes_kernel(const float* __restrict__ x, std::size_t n, std::size_t L,
                                    std::uint8_t* __restrict__ codes, int* __restrict__ bad) {
  for (std::size_t j = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; j < n * L;
       j += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t i = j / L, p = j % L;
    int hot = 0, ones = 0, others = 0;
    for (int c = 0; c < 4; ++c) {
      const float v = x[(i * 4 + static_cast<std::size_t>(c)) * L + p];
      if (v == 1.0f) {
        hot = c;
        ++ones;
      } else if (!(v == 0.0f)) {
        ++others;
      }
    }
    if (ones != 1 || others != 0) *bad = 1;
    codes[j] = static_cast<std::uint8_t>(hot);
  }
}

__global__ void codes_valid_kernel(const std::uint8_t* __restrict__ codes, std::size_t size,
                                   int* __restrict__ bad) {
  for (std::size_t j = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; j < size;
       j += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    if (codes[j] > 3) *bad = 1;
  }
}

int read_flag(const cuda::DeviceBuffer<int>& flag) {
  int h = 0;
  MINT_CUDA_CHECK(cudaMemcpy(&h, flag.get(), sizeof h, cudaMemcpyDeviceToHost));
  return h;
}

void require_gpu() {
  if (cuda_device_count() == 0) throw Error("a GPU array, but " + cuda_unavailable_reason());
}

}  // namespace

void set_cuda_device(int device) {
  require_gpu();
  MINT_CUDA_CHECK(cudaSetDevice(device));
}

void free_device(void* d) noexcept { cudaFree(d); }

std::uint8_t* onehot_codes_device(const float* d_x, std::int64_t n, int length) {
  require_gpu();
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  const std::size_t size = static_cast<std::size_t>(n) * static_cast<std::size_t>(length);
  cuda::DeviceBuffer<int> bad(1);
  MINT_CUDA_CHECK(cudaMemset(bad.get(), 0, sizeof(int)));
  std::uint8_t* codes = nullptr;
  MINT_CUDA_CHECK(cudaMalloc(&codes, std::max<std::size_t>(size, 1)));
  onehot_codes_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads>>>(
      d_x, static_cast<std::size_t>(n), static_cast<std::size_t>(length), codes, bad.get());
  MINT_CUDA_CHECK_LAUNCH();
  if (read_flag(bad) != 0) {
    cudaFree(codes);
    return nullptr;
  }
  return codes;
}

bool codes_valid_device(const std::uint8_t* d_codes, std::size_t size) {
  require_gpu();
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  cuda::DeviceBuffer<int> bad(1);
  MINT_CUDA_CHECK(cudaMemset(bad.get(), 0, sizeof(int)));
  codes_valid_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads>>>(d_codes, size,
                                                                           bad.get());
  MINT_CUDA_CHECK_LAUNCH();
  return read_flag(bad) == 0;
}

float* attribute_models_device(const std::vector<Model>& models, const std::uint8_t* d_codes,
                               std::int64_t n, int length, const AttributeOptions& options) {
  require_gpu();
  if (models.empty()) throw Error("attribute_models: no models");
  if (options.method != Method::ig && options.method != Method::deeplift) {
    throw Error(std::string("method ") + to_string(options.method) +
                " reads host arrays: pass the sequences on the CPU (GPU arrays: ig, deeplift)");
  }
  if (n <= 0 || n > 0x7fffffff) throw Error("too many sequences for one attribution call");
  check_lengths(models, length, "sequences");
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  const std::size_t size = static_cast<std::size_t>(n) * 4 * static_cast<std::size_t>(length);
  const Quadrature quadrature = options.method == Method::ig
                                    ? ig_quadrature(options.ig_method, options.ig_steps)
                                    : Quadrature{};
  float* out = nullptr;
  MINT_CUDA_CHECK(cudaMalloc(&out, size * sizeof(float)));
  try {
    cuda::DeviceBuffer<float> one(models.size() > 1 ? size : 0);
    cuda::DeviceBuffer<double> sum(models.size() > 1 ? size : 0);
    float* target = models.size() > 1 ? one.get() : out;
    for (std::size_t j = 0; j < models.size(); ++j) {
      const Model& m = models[j];
      if (options.method == Method::ig) {
        IntegratedGradientsCuda(m.config, m.params)
            .integrated_gradients(d_codes, nullptr, static_cast<int>(n), quadrature, options.target,
                                  target);
      } else {
        DeepLiftCuda(m.config, m.params)
            .deeplift(d_codes, nullptr, static_cast<int>(n), options.compat, options.target,
                      target);
      }
      if (models.size() > 1) {
        device_ensemble::add_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads>>>(
            target, size, j == 0, sum.get());
        MINT_CUDA_CHECK_LAUNCH();
      }
    }
    if (models.size() > 1) {
      device_ensemble::mean_kernel<<<cuda::elementwise_grid(size, kThreads), kThreads>>>(
          sum.get(), size, static_cast<double>(models.size()), out);
      MINT_CUDA_CHECK_LAUNCH();
    }
    MINT_CUDA_CHECK(cudaDeviceSynchronize());
  } catch (...) {
    cudaFree(out);
    throw;
  }
  return out;
}

std::vector<std::vector<float>> predict_each_device(const std::vector<Model>& models,
                                                    const std::uint8_t* d_codes, std::int64_t n,
                                                    int length) {
  require_gpu();
  check_lengths(models, length, "sequences");
  MINT_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<std::vector<float>> out;
  for (const Model& m : models) {
    auto backend = make_cuda_backend(m.config, kPredictBatch);
    backend->set_params(m.params);
    std::vector<float> logits(static_cast<std::size_t>(n));
    for (std::int64_t first = 0; first < n; first += kPredictBatch) {
      const int count = static_cast<int>(std::min<std::int64_t>(kPredictBatch, n - first));
      backend->forward_device_codes(d_codes + first * length, count, logits.data() + first);
    }
    out.push_back(std::move(logits));
  }
  return out;
}

}  // namespace mint

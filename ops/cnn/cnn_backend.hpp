// What training and inference need from a backend, so the loop in pipeline/train.cpp is written
// once: the CPU backend (CpuCnn, cnn_backend_cpu.cpp) and the CUDA backend (cnn_backend_cuda.cu)
// both implement it.
// A backend owns the parameters, their gradients and Adam's moments between calls.
#pragma once

#include <memory>
#include <string>

#include "core/device.hpp"
#include "core/error.hpp"
#include "ops/adam/adam_core.hpp"  // AdamOptions
#include "ops/cnn/cnn.hpp"

namespace mint {

class CnnBackend {
 public:
  virtual ~CnnBackend() = default;
  virtual void set_params(const ModelParams& params) = 0;  // resets Adam's moments
  virtual ModelParams params() const = 0;                  // incl. BN running statistics
  // Logits of a batch (host input, host output). Train mode: batch statistics, running
  // statistics updated, activations kept for backward().
  virtual void forward(const CnnInput& input, int n, Mode mode, float* logits) = 0;
  // Infer-mode logits (Mode::infer) of n byte-coded sequences (n, L) already in device memory
  // (d_codes), into host `logits` (n): the same bits as forward() of the same codes, without
  // their upload. The CUDA backend only (the device stream); the others throw mint::Error.
  // Ends synchronised; a backward() after it is an error.
  virtual void forward_device_codes(const std::uint8_t* d_codes, int n, float* logits) {
    (void)d_codes;
    (void)n;
    (void)logits;
    throw Error(std::string("the ") + name() + " backend takes no device input");
  }
  // Parameter gradients of Σ dlogits·logits for the last forward batch (kept inside);
  // the input gradient (N, 4, L) too when dinput is not null.
  virtual void backward(const float* dlogits, float* dinput) = 0;
  virtual ModelParams gradients() const = 0;
  // One Adam step with the last gradients (step counts from 1).
  virtual void adam_step(const AdamOptions& options, long step) = 0;
  virtual int capacity() const = 0;
  virtual const ModelConfig& config() const = 0;
  virtual const char* name() const = 0;
};

// threads <= 0: all cores.
std::unique_ptr<CnnBackend> make_cpu_backend(const ModelConfig& config, int capacity,
                                             int threads = 0);
// Throws mint::Error when mint was built without CUDA or no GPU is present.
std::unique_ptr<CnnBackend> make_cuda_backend(const ModelConfig& config, int capacity);

// The backend of a resolved device (core/device.hpp: Compute::backend()); threads: CPU only.
inline std::unique_ptr<CnnBackend> make_backend(Backend backend, const ModelConfig& config,
                                                int capacity, int threads = 0) {
  return backend == Backend::cuda ? make_cuda_backend(config, capacity)
                                  : make_cpu_backend(config, capacity, threads);
}

}  // namespace mint

// CUDA error checking and RAII for CUDA resources, for the .cu files only (public headers
// compile without CUDA). MINT_CUDA_CHECK throws mint::Error naming the expression, file and
// line (mint::DeviceOutOfMemory when the device ran out of memory, with the error state cleared,
// so the caller may retry with less); MINT_CUDA_CHECK_LAUNCH checks the last kernel launch.
// DeviceBuffer owns device memory, counted by core/device_memory (MINT_DEVICE_MEMORY_LIMIT),
// Stream and Event own a stream and an event (destructors print failures, never throw);
// elementwise_grid sizes a grid-stride loop.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "core/device_memory.hpp"
#include "core/error.hpp"

namespace mint::cuda {

inline void check(cudaError_t status, const char* expr, const char* file, int line) {
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // not sticky: clear it, the device stays usable
    throw DeviceOutOfMemory(std::string("CUDA error: ") + cudaGetErrorString(status) + " in " +
                            expr + " (" + file + ":" + std::to_string(line) + ")");
  }
  if (status != cudaSuccess) {
    throw Error(std::string("CUDA error: ") + cudaGetErrorString(status) + " in " + expr + " (" +
                file + ":" + std::to_string(line) + ")");
  }
}

// Owns n elements of device memory; moves, never copies.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) {
    if (n == 0) return;
    if (n > SIZE_MAX / sizeof(T)) throw DeviceOutOfMemory("cudaMalloc: size overflows");
    reserve_device_memory(n * sizeof(T), "cudaMalloc");
    const cudaError_t status = cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T));
    if (status != cudaSuccess) {
      ptr_ = nullptr;
      release_device_memory(n * sizeof(T));
      check(status, "cudaMalloc", __FILE__, __LINE__);
    }
    n_ = n;
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(n_, o.n_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ != nullptr) {
      const cudaError_t status = cudaFree(ptr_);
      if (status != cudaSuccess) std::fprintf(stderr, "cudaFree: %s\n", cudaGetErrorString(status));
      release_device_memory(n_ * sizeof(T));
    }
  }
  T* get() const { return ptr_; }
  std::size_t size() const { return n_; }

  void upload(const T* host, std::size_t n) {
    check(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D", __FILE__,
          __LINE__);
  }
  void download(T* host, std::size_t n) const {
    check(cudaMemcpy(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H", __FILE__,
          __LINE__);
  }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

template <typename T>
DeviceBuffer<T> to_device(const T* host, std::size_t n) {
  DeviceBuffer<T> buffer(n);
  if (n > 0) buffer.upload(host, n);
  return buffer;
}

// Owns one CUDA runtime handle of the kind Traits describes (created by the constructor, which
// throws on failure; destroyed by the destructor). Neither copied nor moved.
template <typename Traits>
class OwnedHandle {
 public:
  using Handle = typename Traits::Handle;
  OwnedHandle() { check(Traits::create(&handle_), Traits::kCreate, __FILE__, __LINE__); }
  ~OwnedHandle() {
    const cudaError_t status = Traits::destroy(handle_);
    if (status != cudaSuccess) {
      std::fprintf(stderr, "%s: %s\n", Traits::kDestroy, cudaGetErrorString(status));
    }
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_{};
};

struct StreamTraits {
  using Handle = cudaStream_t;
  static constexpr const char* kCreate = "cudaStreamCreate";
  static constexpr const char* kDestroy = "cudaStreamDestroy";
  static cudaError_t create(Handle* h) { return cudaStreamCreate(h); }
  static cudaError_t destroy(Handle h) { return cudaStreamDestroy(h); }
};
struct EventTraits {
  using Handle = cudaEvent_t;
  static constexpr const char* kCreate = "cudaEventCreate";
  static constexpr const char* kDestroy = "cudaEventDestroy";
  static cudaError_t create(Handle* h) { return cudaEventCreate(h); }
  static cudaError_t destroy(Handle h) { return cudaEventDestroy(h); }
};

// A blocking stream (cudaStreamCreate), so events on the legacy default stream bracket its work.
using Stream = OwnedHandle<StreamTraits>;
using Event = OwnedHandle<EventTraits>;

// Blocks for a grid-stride loop over `items` elements, `threads` per block: one element per
// thread, at least 1 block, at most 2^20 (the loop strides over the rest).
inline unsigned elementwise_grid(std::size_t items, int threads) {
  const std::size_t blocks = (items + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, 1u << 20));
}

}  // namespace mint::cuda

#define MINT_CUDA_CHECK(expr) ::mint::cuda::check((expr), #expr, __FILE__, __LINE__)
#define MINT_CUDA_CHECK_LAUNCH() MINT_CUDA_CHECK(cudaGetLastError())

// --device parsing and resolution; the CUDA queries live in core/device_cuda.cu (or
// core/device_stub.cpp when mint is built without CUDA).
#include "core/device.hpp"

#include "core/error.hpp"

namespace mint {

DeviceChoice parse_device(const std::string& s) {
  if (s == "auto") return DeviceChoice::auto_select;
  if (s == "cpu") return DeviceChoice::cpu;
  if (s == "cuda") return DeviceChoice::cuda;
  throw Error("--device: unknown device '" + s + "' (expected auto, cpu or cuda)");
}

const char* to_string(DeviceChoice choice) {
  static const char* const names[] = {"auto", "cpu", "cuda"};
  return names[static_cast<int>(choice)];
}

const char* to_string(Backend backend) { return backend == Backend::cuda ? "cuda" : "cpu"; }

Backend resolve_backend(DeviceChoice choice) {
  return use_cuda(choice) ? Backend::cuda : Backend::cpu;
}

bool use_cuda(DeviceChoice choice) {
  if (choice == DeviceChoice::cpu) return false;
  const bool available = cuda_device_count() > 0;
  if (choice == DeviceChoice::cuda && !available) {
    throw Error("--device cuda: " + cuda_unavailable_reason());
  }
  return available;
}

void check_threads(int threads, const std::string& option) {
  if (threads < 0 || threads > kMaxThreads) {
    throw Error(option + " must be in [0, " + std::to_string(kMaxThreads) +
                "] (0: all cores), got " + std::to_string(threads));
  }
}

}  // namespace mint

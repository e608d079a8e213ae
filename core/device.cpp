// --device parsing and resolution; the CUDA queries live in src/cuda_runtime.cu (or
// src/cuda_stub.cpp when mint is built without CUDA).
#include "core/device.hpp"

#include "core/error.hpp"

namespace mint {

DeviceChoice parse_device(const std::string& s) {
  if (s == "auto") return DeviceChoice::auto_select;
  if (s == "cpu") return DeviceChoice::cpu;
  if (s == "cuda") return DeviceChoice::cuda;
  throw Error("--device: unknown device '" + s + "' (expected auto, cpu or cuda)");
}

bool use_cuda(DeviceChoice choice) {
  if (choice == DeviceChoice::cpu) return false;
  const bool available = cuda_device_count() > 0;
  if (choice == DeviceChoice::cuda && !available) {
    throw Error("--device cuda: " + cuda_unavailable_reason());
  }
  return available;
}

}  // namespace mint

// Which compute device runs the work: `--device auto|cpu|cuda` (auto = cuda when a GPU is
// present). cuda_device_count() is 0 when mint was built without CUDA or no GPU is usable;
// cuda_unavailable_reason() then says why, in words a user can act on.
#pragma once

#include <string>

namespace mint {

bool built_with_cuda();
int cuda_device_count();
std::string cuda_unavailable_reason();  // empty when a GPU is usable
std::string cuda_device_name(int device = 0);

// What the user asks for, and what runs.
enum class DeviceChoice { auto_select, cpu, cuda };
enum class Backend { cpu, cuda };

DeviceChoice parse_device(const std::string& s);  // "auto" | "cpu" | "cuda"
const char* to_string(DeviceChoice choice);
// Resolves auto; fails with "--device cuda: <reason>" when cuda is asked for and absent.
bool use_cuda(DeviceChoice choice);
Backend resolve_backend(DeviceChoice choice);
const char* to_string(Backend backend);  // "cpu" | "cuda"

// CPU threads a caller may ask for: 0 (all cores) to kMaxThreads; check_threads throws
// mint::Error naming `option` otherwise (OpenMP itself crashes on absurd counts).
inline constexpr int kMaxThreads = 1024;
void check_threads(int threads, const std::string& option);

// Where a pipeline step computes: the device asked for and the CPU threads (<= 0: all cores).
struct Compute {
  DeviceChoice device = DeviceChoice::auto_select;
  int threads = 0;
  Backend backend() const { return resolve_backend(device); }
};

}  // namespace mint

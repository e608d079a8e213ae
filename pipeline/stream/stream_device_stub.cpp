// Built instead of pipeline/stream/stream_device.cu without CUDA: the device stream reports that
// it is unavailable (the stream with --device cuda stops at its first chunk's set-up).
#include "core/device.hpp"
#include "core/error.hpp"
#include "pipeline/stream/stream_device.hpp"

namespace mint::stream {
namespace {

[[noreturn]] void unavailable() {
  throw Error("mint stream --device cuda: " + cuda_unavailable_reason());
}

}  // namespace

struct DeviceStream::Impl {};

DeviceStream::DeviceStream(const StreamOptions&, const Simulation&, const SamplerTables&) {
  unavailable();
}
DeviceStream::~DeviceStream() = default;
bool DeviceStream::needs_host_codes() const { unavailable(); }
void DeviceStream::sample(std::int64_t, std::int64_t, const std::vector<std::uint32_t>&,
                          const std::vector<std::int32_t>&, std::uint8_t*) {
  unavailable();
}
std::vector<std::vector<float>> DeviceStream::predict_each(int) { unavailable(); }
std::vector<MotifScore> DeviceStream::score(int, int, ShardState&) { unavailable(); }
void DeviceStream::flush(ShardState&) { unavailable(); }
void DeviceStream::discard() { unavailable(); }

}  // namespace mint::stream

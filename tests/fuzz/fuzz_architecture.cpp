// libFuzzer harness of the general sequential model's architecture JSON (io/sequential_io:
// parse_architecture, what --arch FILE.json and the metadata key mint.architecture hold).
// Invariant: an accepted architecture's normalised JSON (architecture_json) reads back to the
// same JSON, and its parameter shapes (SequentialParams::zeros) agree with its layer sizes.
#include <cstdint>
#include <string>

#include "io/sequential_io.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mint::SequentialArchitecture a;
  if (!mf::accepts([&] { a = mint::parse_architecture(text, "fuzz.json"); })) return 0;
  const std::string once = mint::architecture_json(a);
  mint::SequentialArchitecture b;
  mf::require(mf::accepts([&] { b = mint::parse_architecture(once, "architecture_json"); }),
              "architecture_json of an accepted architecture is rejected");
  mf::require(mint::architecture_json(b) == once, "architecture_json does not round-trip");
  mf::require(a.outputs() >= 1, "an accepted architecture has no outputs");
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    mf::require(a.size_before(i) >= 1, "an accepted layer has an empty input");
  }
  (void)mint::first_conv_channels(a);
  return 0;
}

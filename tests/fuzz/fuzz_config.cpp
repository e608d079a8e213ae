// libFuzzer harness of the experiment configuration (pipeline/experiment_config:
// apply_config_json, what `mint experiment --config FILE` and `mint merge` read), on the
// defaults of both sizes. Invariant: an accepted configuration's config.json (config_to_json)
// reads back to the same config.json.
#include <cstdint>
#include <string>

#include "pipeline/experiment.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the defaults the keys apply to, as --quick / --full and the experiment.
  const auto kind = static_cast<mint::ExperimentKind>(data[0] % 3);
  const auto sz = data[0] & 4 ? mint::ExperimentSize::full : mint::ExperimentSize::quick;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  mint::ExperimentConfig c;
  if (!mf::accepts([&] {
        c = mint::apply_config_json(mint::default_config(kind, sz), text, "fuzz.json");
      })) {
    return 0;
  }
  const std::string once = mint::config_to_json(c);
  mint::ExperimentConfig again;
  mf::require(mf::accepts([&] {
                again = mint::apply_config_json(mint::ExperimentConfig{}, once, "config.json");
              }),
              "config_to_json of an accepted configuration is rejected");
  mf::require(mint::config_to_json(again) == once, "config_to_json does not round-trip");
  return 0;
}

// libFuzzer harness of the MEME minimal reader (core/motif: parse_meme), with the invariants of
// motif_checks.hpp on every accepted set.
#include <cstdint>

#include "core/motif.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/fuzz/motif_checks.hpp"

namespace mf = mint::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mint::MotifSet set;
  if (mf::accepts([&] { set = mint::parse_meme(mf::as_text(data, size), "fuzz.meme"); })) {
    mf::check_motifs(set);
  }
  return 0;
}

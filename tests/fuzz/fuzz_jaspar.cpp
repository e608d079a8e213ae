// libFuzzer harness of the JASPAR reader (core/motif: parse_jaspar), with the invariants of
// motif_checks.hpp on every accepted set, and the data set writer's JASPAR text read back.
#include <cstdint>

#include "core/motif.hpp"
#include "io/dataset_io.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/fuzz/motif_checks.hpp"

namespace mf = mint::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mint::MotifSet set;
  if (!mf::accepts([&] { set = mint::parse_jaspar(mf::as_text(data, size), "fuzz.jaspar"); })) {
    return 0;
  }
  mf::check_motifs(set);
  // A data set stores its motifs as format_jaspar writes them: they must read back.
  const mint::MotifSet again = mint::parse_jaspar(mint::format_jaspar(set), "format_jaspar");
  mf::require(again.size() == set.size(), "format_jaspar does not read back");
  return 0;
}

// libFuzzer harness of model files: the safetensors reader (io/safetensors) and the model built
// from its tensors and metadata (io/model_io: the paper's CNN; io/sequential_io: a general
// sequential model from the metadata's mint.architecture) — load_model's path without the file.
// Invariants: an accepted file is written back byte for byte the same tensors and metadata, and
// an accepted model saves (model_to_safetensors / sequential_to_safetensors) without an error.
#include <cstdint>
#include <string>

#include "io/model_io.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mf = mint::fuzz;

namespace {

bool same(const mint::SafeTensors& a, const mint::SafeTensors& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (const auto& [name, t] : a.tensors) {
    const auto it = b.tensors.find(name);
    if (it == b.tensors.end() || it->second.dtype != t.dtype || it->second.shape != t.shape ||
        it->second.data != t.data) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  mint::SafeTensors st;
  if (!mf::accepts([&] { st = mint::parse_safetensors(bytes, "fuzz.safetensors"); })) return 0;
  std::string written;
  if (mf::accepts([&] { written = mint::safetensors_bytes(st); })) {
    mf::require(same(st, mint::parse_safetensors(written, "rewritten")),
                "a rewritten safetensors file reads back different");
  }
  if (st.metadata.count(mint::kArchitectureKey)) {
    mint::SequentialModel m;
    if (mf::accepts([&] { m = mint::sequential_from_safetensors(st, "fuzz.safetensors"); })) {
      mf::require(mf::accepts([&] { (void)mint::sequential_to_safetensors(m); }),
                  "an accepted sequential model does not save");
    }
    return 0;
  }
  mint::Model m;
  if (mf::accepts([&] { m = mint::model_from_safetensors(st, "fuzz.safetensors"); })) {
    mf::require(mf::accepts([&] { (void)mint::model_to_safetensors(m); }),
                "an accepted model does not save");
  }
  return 0;
}

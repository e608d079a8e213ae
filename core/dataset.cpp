// Split lookup (core/dataset.hpp).
#include "core/dataset.hpp"

#include "core/error.hpp"

namespace mint {

const SplitData& find_split(const Simulation& sim, const std::string& name) {
  for (const SplitData& s : sim.splits) {
    if (s.name == name) return s;
  }
  throw Error("data set has no " + name + " split");
}

}  // namespace mint

// Target's names (target.hpp).
#include "ops/common/target.hpp"

#include "core/error.hpp"

namespace mint {

Target parse_target(const std::string& name) {
  if (name == "logit") return Target::logit;
  if (name == "prob") return Target::prob;
  throw Error("unknown attribution target '" + name + "' (choose logit or prob)");
}

const char* target_name(Target target) { return target == Target::prob ? "prob" : "logit"; }

}  // namespace mint

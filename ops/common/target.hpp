// What an attribution method attributes: the CNN's logit (Captum's target 0 of the model as
// trained, the default) or the probability sigmoid(logit). Every attribution op takes it
// (gradient, ig, deeplift, perturbation); docs/reference-semantics.md says how each method's
// rule changes under Target::prob.
#pragma once

#include <string>

namespace mint {

enum class Target { logit, prob };

// "logit" | "prob"; throws mint::Error naming the choices otherwise.
Target parse_target(const std::string& name);
// The name parse_target() reads back.
const char* target_name(Target target);

}  // namespace mint

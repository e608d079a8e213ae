// The check both CPU entry points (deeplift.cpp, deeplift_reference.cpp) run first: a valid
// configuration, ReLU activations (Captum's DeepLift has no rule for exp) and parameter shapes.
#pragma once

#include "core/error.hpp"
#include "core/model.hpp"

namespace mint {

inline void check_deeplift_model(const ModelConfig& c, const ModelParams& p) {
  c.validate();
  if (c.activation != Activation::relu) {
    throw Error("deeplift: the rescale rule here supports ReLU models only (this model uses the " +
                to_string(c.activation) + " activation)");
  }
  check_params(c, p, "deeplift");
}

}  // namespace mint

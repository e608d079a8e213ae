// Helpers shared by the perturbation tests (tests/ops/test_perturbation.cpp, test_ism.cpp): a
// spread of model architectures that exercise the incremental evaluator's special cases, a
// one-line description of one, and a CnnInput over byte codes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "model_test_util.hpp"
#include "ops/cnn/cnn.hpp"

namespace mint::perturbation_test {

// A spread of architectures: the test util's small 'valid' model, and variants of it.
inline std::vector<ModelConfig> configs() {
  std::vector<ModelConfig> out;
  ModelConfig c = test::small_config();  // valid, BN, relu: Lc 20, P 3, conv 18 and 19 never pooled
  out.push_back(c);
  c.padding = Padding::same;  // Lc 23: conv 21 and 22 never pooled
  out.push_back(c);
  c.batchnorm = false;
  out.push_back(c);
  c.activation = Activation::exp;
  c.batchnorm = true;
  out.push_back(c);
  ModelConfig d =
      test::small_config();  // F, H1, H2 past one vector of 8; K > P (3 windows touched)
  d.length = 41;
  d.filters = 11;
  d.width = 9;
  d.pool = 4;
  d.hidden1 = 19;
  d.hidden2 = 13;
  d.padding = Padding::same;
  out.push_back(d);
  d.hidden1 = 70;  // H1p = 72: more than 8 vectors, the memory-loop kernels
  d.hidden2 = 66;
  d.width = 8;  // even K: 'same' pads 3 left, 4 right
  out.push_back(d);
  return out;
}

// (Starts from a std::string, not "L" + ...: GCC 12 warns falsely (-Wrestrict, bug 105329)
// about const char* + std::string&& once this is inlined.)
inline std::string describe(const ModelConfig& c) {
  return std::string("L") + std::to_string(c.length) + " F" + std::to_string(c.filters) + " K" +
         std::to_string(c.width) + " P" + std::to_string(c.pool) + " H" +
         std::to_string(c.hidden1) + "/" + std::to_string(c.hidden2) + " " + to_string(c.padding) +
         (c.batchnorm ? " bn " : " nobn ") + to_string(c.activation);
}

inline CnnInput codes_input(const std::vector<std::uint8_t>& codes) {
  CnnInput in;
  in.codes = codes.data();
  return in;
}

}  // namespace mint::perturbation_test

// Internal to ops/seqnet: what the attribution methods (seqnet_methods.cpp, seqnet_ig.cpp)
// share: argument checks, the output's seed, layer 0 of a dense row. Not a public header.
#pragma once

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_layers.hpp"

namespace mint::seqnet_detail {

inline std::size_t sz(std::int64_t v) { return static_cast<std::size_t>(v); }

inline double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

inline void check(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                  const SeqAttributeOptions& o, const char* what) {
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error(std::string(what) + ": give exactly one of codes and dense input");
  }
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (o.output < 0 || o.output >= m.arch.outputs()) {
    throw Error(std::string(what) + ": target index " + std::to_string(o.output) +
                " is out of range: the model has " + std::to_string(m.arch.outputs()) +
                " output(s)");
  }
}

// g of the chosen output: the value itself or its sigmoid.
inline double g_of(float z, Target t) { return t == Target::logit ? z : sigmoid(z); }

// dg/dz at the output, as the gradient methods seed the backward pass.
inline float seed_of(float z, Target t) {
  if (t == Target::logit) return 1.0f;
  const double p = sigmoid(z);
  return static_cast<float>(p * (1 - p));
}

inline bool first_is_conv(const SequentialModel& m) {
  return m.arch.layers.front().type == LayerType::conv1d;
}

// Layer 0's output (a Conv1d's, bias included) of one dense row.
inline void conv0_row(const SequentialModel& m, const float* x, float* out, bool bias,
                      seqnet::Scratch& s) {
  const SequentialLayer& l = m.arch.layers.front();
  const LayerParams& p = m.params.layers.front();
  seqnet::conv1d_row(x, 4, m.arch.length, p.weight.data(), bias && l.bias ? p.bias.data() : nullptr,
                     l.out, l.kernel, l.dilation, l.pad_left, l.length_after, out, s);
}

// Rows per block of the row-parallel methods (predict, gradient): each thread runs whole
// blocks through every layer on its own serial SeqNet (no barrier per layer; activations stay

}  // namespace mint::seqnet_detail

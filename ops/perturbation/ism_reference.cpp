// Brute-force in-silico mutagenesis (perturbation.hpp, ism): every mutant of a sequence
// through a full forward pass of a CpuCnn or any CnnBackend, in batches of its capacity — the
// reference the incremental ism_incremental (perturbation.cpp) is tested against.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ops/gradient/gradient_net.hpp"
#include "ops/perturbation/perturbation.hpp"

namespace mint {
namespace {

using namespace gradient_net;  // the Net adapters and their helpers

template <typename Net>
std::vector<float> ism_impl(Net& net, const CnnInput& input, int n, Target target) {
  check_call("ism", net.capacity(), input, n);
  const int length = net.config().length, cap = net.capacity();
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> out(static_cast<std::size_t>(n) * row, 0.0f);
  if (n == 0) return out;
  // A scaled one-hot input mutates to a column that is not a scaled code: go dense.
  std::vector<float> dense_copy;
  CnnInput in = input;
  if (input.codes != nullptr && input.scale != nullptr) {
    dense_copy.resize(out.size());
    for (std::int64_t s = 0; s < n; ++s) {
      for (int ch = 0; ch < 4; ++ch) {
        for (int p = 0; p < length; ++p) {
          dense_copy[static_cast<std::size_t>((s * 4 + ch) * length + p)] =
              input_at(input, s, ch, p, length);
        }
      }
    }
    in = CnnInput{};
    in.dense = dense_copy.data();
  }
  const std::vector<float> base = outputs_of(net, in, n, target);
  const bool codes = in.codes != nullptr;

  // The mutations (sequence, base, position) that differ from the input.
  struct Mutation {
    std::int64_t s;
    int b, p;
  };
  std::vector<Mutation> todo;
  todo.reserve(static_cast<std::size_t>(n) * (codes ? 3 : 4) * length);
  for (std::int64_t s = 0; s < n; ++s) {
    for (int p = 0; p < length; ++p) {
      for (int b = 0; b < 4; ++b) {
        bool same = true;
        for (int ch = 0; ch < 4; ++ch) {
          same = same && input_at(in, s, ch, p, length) == (ch == b ? 1.0f : 0.0f);
        }
        if (!same) todo.push_back({s, b, p});
      }
    }
  }
  std::vector<std::uint8_t> mut_codes(codes ? static_cast<std::size_t>(cap) * length : 0);
  std::vector<float> mut_dense(codes ? 0 : static_cast<std::size_t>(cap) * row);
  std::vector<float> logits(static_cast<std::size_t>(cap));
  for (std::size_t m0 = 0; m0 < todo.size(); m0 += static_cast<std::size_t>(cap)) {
    const int rows = static_cast<int>(std::min(todo.size() - m0, static_cast<std::size_t>(cap)));
    CnnInput batch;
    for (int j = 0; j < rows; ++j) {
      const Mutation& m = todo[m0 + static_cast<std::size_t>(j)];
      if (codes) {
        std::uint8_t* c = mut_codes.data() + static_cast<std::size_t>(j) * length;
        std::copy_n(in.codes + m.s * length, length, c);
        c[m.p] = static_cast<std::uint8_t>(m.b);
      } else {
        float* d = mut_dense.data() + static_cast<std::size_t>(j) * row;
        std::copy_n(in.dense + static_cast<std::size_t>(m.s) * row, row, d);
        for (int ch = 0; ch < 4; ++ch) d[ch * length + m.p] = ch == m.b ? 1.0f : 0.0f;
      }
    }
    if (codes)
      batch.codes = mut_codes.data();
    else
      batch.dense = mut_dense.data();
    net.predict(batch, rows, logits.data());
    for (int j = 0; j < rows; ++j) {
      const Mutation& m = todo[m0 + static_cast<std::size_t>(j)];
      out[static_cast<std::size_t>((m.s * 4 + m.b) * length + m.p)] =
          output_of(logits[static_cast<std::size_t>(j)], target) -
          base[static_cast<std::size_t>(m.s)];
    }
  }
  return out;
}

}  // namespace

std::vector<float> ism(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                       Target target) {
  CpuNet net{cnn, params};
  return ism_impl(net, input, n, target);
}

std::vector<float> ism(CnnBackend& backend, const CnnInput& input, int n, Target target) {
  BackendNet net{backend};
  return ism_impl(net, input, n, target);
}

}  // namespace mint

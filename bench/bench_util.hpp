// Inputs shared by the CPU benchmarks: random one-hot codes and the paper's model.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/model.hpp"

namespace mint::bench {

// The paper's model (ModelConfig defaults: L 250, F 32, K 12, P 10, H1 64, H2 32, 'same',
// BatchNorm), PyTorch-initialised with seed 1.
inline Model paper_model() { return init_model(ModelConfig{}, 1); }

// n uniformly random sequences of byte codes 0..3 (fixed seed: every run times the same input).
inline std::vector<std::uint8_t> random_codes(int n, int length) {
  std::mt19937 rng(1);
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * length);
  for (auto& c : codes) c = static_cast<std::uint8_t>(rng() % 4);
  return codes;
}

}  // namespace mint::bench

// Inputs shared by the CPU benchmarks.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace mint::bench {

// n uniformly random sequences of byte codes 0..3 (fixed seed: every run times the same input).
inline std::vector<std::uint8_t> random_codes(int n, int length) {
  std::mt19937 rng(1);
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n) * length);
  for (auto& c : codes) c = static_cast<std::uint8_t>(rng() % 4);
  return codes;
}

}  // namespace mint::bench

// Invariants of a motif set a reader accepted (tests/fuzz/fuzz_jaspar.cpp, fuzz_meme.cpp): every
// motif has columns, and every column's probabilities — what the sampler draws bases from — are
// finite, in [0, 1] and sum to 1; information content is finite.
#pragma once

#include <cmath>

#include "core/motif.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace mint::fuzz {

inline void check_motifs(const MotifSet& set) {
  require(set.size() > 0, "an accepted motif set is empty");
  for (const Motif& m : set.motifs) {
    require(m.length() > 0, "an accepted motif has no columns");
    for (std::size_t j = 0; j < m.length(); ++j) {
      double sum = 0;
      for (int b = 0; b < 4; ++b) {
        const double p = m.probability(b, j);
        require(std::isfinite(p) && p >= 0 && p <= 1, "a PWM probability outside [0, 1]");
        sum += p;
      }
      require(std::fabs(sum - 1) < 1e-9, "a PWM column does not sum to 1");
    }
    require(std::isfinite(m.information_content()), "non-finite information content");
    (void)m.consensus();
  }
  (void)set.labels();
}

}  // namespace mint::fuzz

// The motif grammar of a data set (SPEC §3): a fixed order of the n motifs and fixed
// background gaps between consecutive motifs, drawn once per data set from the seed.
// Each sequence places the whole grammar at a uniformly random offset (sampler_core.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/motif.hpp"

namespace mint {

struct GrammarOptions {
  int filter_width = 0;       // K; 0 = the longest motif of the set
  bool random_order = false;  // false: file order
  std::vector<int> order;     // explicit order (motif indices), overrides random_order
  std::vector<int> gaps;      // explicit n-1 gaps, each must be > K
};

struct Grammar {
  int filter_width = 0;     // K the gaps were drawn for
  std::vector<int> order;   // motif indices in placement order
  std::vector<int> gaps;    // gaps[i]: background bases between order[i] and order[i+1]
  std::vector<int> start;   // start[m]: offset of motif m from the grammar start
  std::vector<int> length;  // length[m]: motif m's length
  int span = 0;             // from the first motif's start to the last motif's end
};

// Gaps are drawn uniformly from [K+1, 2K] (no filter spans two motifs); errors name the
// option at fault (an order that is not a permutation, a gap <= K, ...).
Grammar make_grammar(const MotifSet& motifs, const GrammarOptions& options, std::uint64_t seed);

// Fails with a clear message when the grammar does not fit a sequence of length L.
void check_grammar_fits(const Grammar& grammar, int length);

// Ground truth per position of one sequence: motif index (file order) or -1 (background).
void ground_truth(const Grammar& grammar, std::uint32_t mask, int offset, int length,
                  std::int8_t* out);

}  // namespace mint

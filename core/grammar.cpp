// Drawing a data set's grammar: motif order and gaps (SPEC §3). See grammar.hpp.
#include "core/grammar.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/philox.hpp"
#include "ops/sampler/sampler_core.hpp"

namespace mint {

namespace {

// The grammar's random stream: counter {i, 0, 0, kPurposeGrammar}, word `lane`.
std::uint32_t grammar_word(std::uint64_t seed, std::uint32_t i, int lane) {
  const Philox4x32 r = philox4x32({{i, 0u, 0u, kPurposeGrammar}}, static_cast<std::uint32_t>(seed),
                                  static_cast<std::uint32_t>(seed >> 32));
  return r.v[lane];
}

}  // namespace

Grammar make_grammar(const MotifSet& motifs, const GrammarOptions& options, std::uint64_t seed) {
  const int n = static_cast<int>(motifs.size());
  if (n == 0) throw Error("motif set '" + motifs.name + "' has no motifs");
  if (n > kMaxMotifs) {
    throw Error("motif set '" + motifs.name + "' has " + std::to_string(n) + " motifs; at most " +
                std::to_string(kMaxMotifs) + " are supported");
  }
  Grammar g;
  g.filter_width =
      options.filter_width > 0 ? options.filter_width : static_cast<int>(motifs.max_length());
  if (options.filter_width < 0) throw Error("--filter-width must be positive");

  // Order: explicit, random (Fisher-Yates on the grammar stream, lane 0), or file order.
  if (!options.order.empty()) {
    g.order = options.order;
    std::vector<int> sorted = g.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> expected(n);
    std::iota(expected.begin(), expected.end(), 0);
    if (sorted != expected) {
      throw Error("--order must be a permutation of the motif indices 0.." + std::to_string(n - 1));
    }
  } else {
    g.order.resize(n);
    std::iota(g.order.begin(), g.order.end(), 0);
    if (options.random_order) {
      for (int i = n - 1; i > 0; --i) {
        const auto j = uniform_below(grammar_word(seed, static_cast<std::uint32_t>(i), 0),
                                     static_cast<std::uint32_t>(i + 1));
        std::swap(g.order[i], g.order[j]);
      }
    }
  }

  // Gaps: explicit (each > K), or uniform in [K+1, 2K] (lane 1 of the grammar stream).
  const int k = g.filter_width;
  if (!options.gaps.empty()) {
    if (static_cast<int>(options.gaps.size()) != n - 1) {
      throw Error("--gaps needs " + std::to_string(n - 1) + " values (one between each pair of " +
                  "consecutive motifs), got " + std::to_string(options.gaps.size()));
    }
    for (int gap : options.gaps) {
      if (gap <= k) {
        throw Error("--gaps: gap " + std::to_string(gap) + " is not longer than the filter width " +
                    std::to_string(k) + ", so a filter could span two motifs");
      }
    }
    g.gaps = options.gaps;
  } else {
    for (int i = 0; i + 1 < n; ++i) {
      g.gaps.push_back(
          k + 1 +
          static_cast<int>(uniform_below(grammar_word(seed, static_cast<std::uint32_t>(i), 1),
                                         static_cast<std::uint32_t>(k))));
    }
  }

  g.start.assign(n, 0);
  g.length.assign(n, 0);
  int pos = 0;
  for (int i = 0; i < n; ++i) {
    const int m = g.order[i];
    g.start[m] = pos;
    g.length[m] = static_cast<int>(motifs.motifs[m].length());
    pos += g.length[m];
    if (i + 1 < n) pos += g.gaps[i];
  }
  g.span = pos;
  return g;
}

void check_grammar_fits(const Grammar& grammar, int length) {
  if (grammar.filter_width > length) {
    throw Error("filter width K = " + std::to_string(grammar.filter_width) +
                " is longer than the sequence length L = " + std::to_string(length));
  }
  if (grammar.span > length) {
    throw Error("the grammar spans " + std::to_string(grammar.span) +
                " bases (motifs plus gaps) but --length is " + std::to_string(length) +
                "; use a longer --length, a smaller --filter-width or shorter --gaps");
  }
}

void ground_truth(const Grammar& grammar, std::uint32_t mask, int offset, int length,
                  std::int8_t* out) {
  std::fill(out, out + length, std::int8_t{-1});
  for (std::size_t m = 0; m < grammar.start.size(); ++m) {
    if (!((mask >> m) & 1u)) continue;
    const int begin = offset + grammar.start[m];
    for (int p = begin; p < begin + grammar.length[m] && p < length; ++p) {
      out[p] = static_cast<std::int8_t>(m);
    }
  }
}

}  // namespace mint

// A simulated data set in memory: the options it was simulated with, and its splits (train,
// valid, test), everything the data set directory holds (io/dataset_io.hpp). Sequences are
// byte-coded: codes[i * L + p] in {0,1,2,3} = A,C,G,T, shape (N, L); the sequences of a split
// are stored group by group in canonical subset order (core/design.hpp). pipeline/simulate.hpp
// makes one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/design.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"

namespace mint {

struct SimulationOptions {
  int length = 250;  // L
  double gc = 0.5;   // background GC content
  double pseudocount = kDefaultPseudocount;
  // Minimum instance score F in [0, 1], off when empty: every sampled motif instance is
  // re-drawn until its log-odds score against the background is at least F times the
  // consensus's (sampler_core.hpp). Off is SPEC §3; docs/model-defaults.md has what it does.
  std::optional<double> min_instance_score;
  std::uint64_t seed = 1;
  GrammarOptions grammar;
  DesignOptions design;
};

// One simulated split, everything the files hold.
struct SplitData {
  std::string name;
  int length = 0;
  int n_motifs = 0;
  std::vector<std::uint8_t> codes;    // (N, L)
  std::vector<std::uint32_t> masks;   // (N) presence masks
  std::vector<std::int32_t> offsets;  // (N) grammar start
  std::vector<float> labels;          // (N)
  std::int64_t size() const { return static_cast<std::int64_t>(masks.size()); }
};

struct Simulation {
  MotifSet motifs;
  Grammar grammar;
  SimulationOptions options;
  std::vector<SplitPlan> plans;
  std::vector<SplitData> splits;
  // Share of each motif's first draws the minimum-score filter keeps (instance_acceptance);
  // empty when the filter is off or the simulation was loaded from disk.
  std::vector<double> first_draws_kept;
};

// The split called `name` ("train", "valid", "test"); mint::Error naming it when absent.
const SplitData& find_split(const Simulation& sim, const std::string& name);

}  // namespace mint

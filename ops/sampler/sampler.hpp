// Simulating a data set: tables for the sampler, the CPU and CUDA samplers, and the
// simulate() driver that produces every split.
//
// Sequences are byte-coded: codes[i * L + p] ∈ {0,1,2,3} = A,C,G,T, shape (N, L).
// Sequences of one split are stored group by group in canonical subset order (design.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/design.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "ops/sampler/sampler_core.hpp"

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

// Owns the arrays a SamplerView points into, for one split.
class SamplerTables {
 public:
  SamplerTables(const MotifSet& motifs, const Grammar& grammar, const SimulationOptions& options,
                const SplitPlan& split);
  SamplerView view() const;  // host pointers
  std::int64_t sequences() const { return group_start_.back(); }
  int length() const { return length_; }

  std::vector<std::uint32_t> group_mask_;
  std::vector<std::int64_t> group_start_;
  std::vector<int> slot_start_, slot_length_, column_index_;
  std::vector<ColumnThresholds> columns_;
  ColumnThresholds background_{};
  std::vector<std::int64_t> base_scores_, min_score_;  // empty when the filter is off
  std::uint64_t seed_ = 0;
  std::uint32_t split_ = 0;
  int length_ = 0, grammar_length_ = 0, n_motifs_ = 0;
};

// Thresholds of a distribution over A,C,G,T (probabilities summing to 1).
ColumnThresholds column_thresholds(const double p[4]);

// Fraction of draws of each motif (file order) that the minimum-score filter of `options`
// accepts at the first attempt, estimated from 65,536 draws of a fixed Philox stream (the same
// fixed-point scores the sampler compares). All ones when the filter is off.
std::vector<double> instance_acceptance(const MotifSet& motifs, const SimulationOptions& options);

// CPU sampler: sequences [first, first + count) of the split into codes (count * L bytes).
// threads <= 0: all hardware threads. The result does not depend on `threads`.
void sample_codes_cpu(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                      std::uint8_t* codes, int threads = 0);
// Grammar offset of each sequence [first, first + count).
void sample_offsets(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                    std::int32_t* offsets);

// CUDA sampler (kernels/sampler.cu): same bytes as sample_codes_cpu. Copies the tables to the
// device, samples there and copies the codes back. Throws mint::Error when mint was built
// without CUDA or no GPU is present.
void sample_codes_cuda(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                       std::uint8_t* codes);

enum class Backend { cpu, cuda };

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

// Validates the options (grammar fits L, K <= L, GC in [0,1], sizes), draws the grammar and
// samples every split.
Simulation simulate(const MotifSet& motifs, const SimulationOptions& options,
                    Backend backend = Backend::cpu, int threads = 0);

// Ground truth per position of one sequence: motif index (file order) or -1 (background).
void ground_truth(const Grammar& grammar, std::uint32_t mask, int offset, int length,
                  std::int8_t* out);

}  // namespace mint

// The PWM sequence sampler: the tables a split is sampled from, the CPU and CUDA samplers
// (the same bytes for the same seed), and the minimum-instance-score estimate. The driver
// that samples every split of a data set is pipeline/simulate.hpp.
//
// Sequences are byte-coded: codes[i * L + p] ∈ {0,1,2,3} = A,C,G,T, shape (N, L).
// Sequences of one split are stored group by group in canonical subset order (design.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset.hpp"
#include "core/design.hpp"
#include "core/grammar.hpp"
#include "core/motif.hpp"
#include "ops/sampler/sampler_core.hpp"

struct CUstream_st;  // = cudaStream_t, without the CUDA headers (public headers compile without)

namespace mint {

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

// CUDA sampler (ops/sampler/sampler.cu): same bytes as sample_codes_cpu. Copies the tables to the
// device, samples there and copies the codes back. Throws mint::Error when mint was built
// without CUDA or no GPU is present.
void sample_codes_cuda(const SamplerTables& tables, std::int64_t first, std::int64_t count,
                       std::uint8_t* codes);

// The device-output sampler for pipelines that keep sequences on the GPU (the device stream):
// the tables are uploaded once by the constructor (mint::Error without a GPU or without CUDA),
// each call samples sequences [first, first + count) into d_codes (count * L bytes, device),
// asynchronously on `stream` (null: the legacy default stream). The same bytes as
// sample_codes_cpu.
class SamplerCuda {
 public:
  explicit SamplerCuda(const SamplerTables& tables);
  ~SamplerCuda();
  SamplerCuda(SamplerCuda&&) noexcept;
  SamplerCuda& operator=(SamplerCuda&&) noexcept;
  SamplerCuda(const SamplerCuda&) = delete;
  SamplerCuda& operator=(const SamplerCuda&) = delete;

  void sample(std::int64_t first, std::int64_t count, std::uint8_t* d_codes,
              CUstream_st* stream = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mint

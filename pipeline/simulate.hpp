// Simulating a data set (SPEC §3): the grammar drawn once from the seed, the splits planned by
// the design, every split sampled (ops/sampler: the CPU or the CUDA sampler, the same bytes),
// labels and presence filled in. `mint simulate` and `mint experiment` both call simulate().
//
// Progress (core/progress.hpp): simulate() reports (sequences sampled, sequences of all splits)
// once at 0 and after every kSimulateChunk sequences of a split (and its end); the hook may
// throw to stop the call. The sampler draws each sequence from its own counter, so the bytes
// are the same with or without it.
#pragma once

#include <cstdint>

#include "core/dataset.hpp"
#include "core/device.hpp"
#include "core/motif.hpp"
#include "core/progress.hpp"

namespace mint {

// Everything of simulate() but the sampling: the options validated, the grammar drawn, the
// splits planned (splits stays empty). The streaming benchmark samples from it chunk by chunk.
Simulation plan_simulation(const MotifSet& motifs, const SimulationOptions& options);

// Validates the options (grammar fits L, K <= L, GC in [0,1], sizes), draws the grammar and
// samples every split.
// The simulation's and its writing's memory (an upper bound) against core/limits.hpp's limit;
// simulate checks it before sampling, the experiment before anything is written.
void check_simulation_memory(const Simulation& planned);
Simulation simulate(const MotifSet& motifs, const SimulationOptions& options,
                    Backend backend = Backend::cpu, int threads = 0,
                    const ProgressFn& progress = {});

// Sequences per sampler call when simulate() reports progress.
inline constexpr std::int64_t kSimulateChunk = 65536;

}  // namespace mint

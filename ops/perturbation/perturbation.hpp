// Perturbation attributions on the CPU: in-silico mutagenesis (ISM) computed incrementally,
// and Captum's FeaturePermutation with positions as features (reference-semantics.md §5, §6).
// Both return (N, 4, L) float32, channels A,C,G,T, for the logit (Captum's target 0) or, with
// Target::prob, for sigmoid(logit).
//
// Both change one column of a sequence at a time, and a column touches only the K conv
// positions whose window covers it, the few pool windows holding those positions (at most
// (K − 1)/P + 2; 2–3 at the defaults) and the fc1 inputs of those windows. IncrementalEvaluator
// caches one sequence's forward pass and evaluates such single-column variants from the cache:
//   conv   c'[j] = c[j] + Σ_ch (x'[ch,p] − x[ch,p])·W[:,ch,p+pad−j] at the K positions j
//   BN/act the same eval-mode BatchNorm and activation as the full pass
//   pool   each touched window's maximum = max(prefix max before the changed positions,
//          the changed positions, suffix max after them); positions past ⌊Lc/P⌋·P are never
//          pooled, so changes there leave the logit unchanged (exactly)
//   fc1    Δh1 = Σ over changed pooled entries Δ·fc1.weight[:, f·W + w]
//   head   Δa1 = relu(h1 + Δh1) − relu(h1), Δh2 = fc2·Δa1, Δa2 = relu(h2 + Δh2) − relu(h2),
//          Δlogit = fc3·Δa2 (exactly Δh where both sides of a ReLU are positive)
// The max-pool's first-maximum rule only picks an index; the pooled value, which is all a
// forward pass needs, is the same whichever tied position wins. The head propagates the
// change instead of subtracting two float32 logits, so its rounding error is relative to the
// change rather than to the logit: closer to float64 (and Captum) than the brute-force ism()
// below (ism_reference.cpp), which stays the reference (they agree to ~1e-5 relative, the size of
// one float32 ulp of the logits). A variant that changes no pooled value, or whose column
// equals the original, gives exactly 0.
//
// Threads: both functions run parallel over sequences with OpenMP (threads <= 0: all cores),
// one IncrementalEvaluator per thread; every sequence's result depends on nothing else, so
// the output is bit-identical for any thread count.
//
// Files: incremental.cpp (IncrementalModel, IncrementalEvaluator), perturbation.cpp
// (ism_incremental, feature_permutation, fp_permutation), ism_reference.cpp (the brute-force
// ism, below).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn.hpp"          // CnnInput, CpuCnn
#include "ops/cnn/cnn_backend.hpp"  // CnnBackend
#include "ops/common/target.hpp"

namespace mint {

// The model's weights rearranged for incremental evaluation (read-only, shared by every
// thread's evaluator). Throws mint::Error when the parameters do not fit the config.
class IncrementalModel {
 public:
  IncrementalModel(const ModelConfig& config, const ModelParams& params);
  const ModelConfig& config() const { return config_; }

 private:
  friend class IncrementalEvaluator;
  ModelConfig config_;
  int fp_, h1p_, h2p_;  // F, H1, H2 rounded up to multiples of 8 (zero lanes)
  bool bn_;
  std::vector<float> conv_wt_;                        // (K, 4, Fp) conv.weight transposed
  std::vector<float> conv_bias_;                      // (Fp)
  std::vector<float> bn_mean_, bn_scale_, bn_shift_;  // (Fp) eval BatchNorm as an affine map
  std::vector<float> fc1_wr_;    // (W, F, H1p) fc1.weight[o, f·W + w] at [(w·F + f)·H1p + o]
  std::vector<float> fc1_bias_;  // (H1p)
  std::vector<float> fc2_wt_;    // (H1, H2p) fc2.weight transposed
  std::vector<float> fc2_bias_;  // (H2p)
  std::vector<float> fc3_w_;     // (H2p)
  float fc3_bias_ = 0.0f;
};

// One changed column: x[:, position] := column (channels A,C,G,T).
struct ColumnChange {
  int position = 0;
  std::array<float, 4> column{};
};

// One sequence's cached forward pass plus scratch; one per thread. Keeps a reference to the
// model, which must outlive it. No allocation after construction.
class IncrementalEvaluator {
 public:
  explicit IncrementalEvaluator(const IncrementalModel& model);

  // Full forward pass of one sequence, cached; returns its logit (CpuCnn::predict's up to
  // float32 rounding). codes: (L) values 0..3 (not checked here); dense: (4, L).
  float set_codes(const std::uint8_t* codes);
  float set_dense(const float* x);
  float logit() const { return logit_; }
  // The current column p of the cached sequence.
  std::array<float, 4> column(int p) const;

  // deltas[v] = logit(variant v) − logit() for `count` variants of the cached sequence, each
  // with one column changed. Exactly 0 for a variant whose column equals the cached one or
  // that changes no pooled value.
  void evaluate(int count, const ColumnChange* changes, float* deltas);

 private:
  // One variant's Δlogit into *out; false (and *out untouched) when no pooled value changes.
  bool variant_delta(const ColumnChange& change, float* out);
  void finish_forward();

  const IncrementalModel& m_;
  int lc_, w_count_, pooled_end_;       // Lc, W, W·P
  std::vector<float> x_;                // (4, L) the cached sequence
  std::vector<float> conv_;             // (Lc, Fp) conv outputs c (bias included, before BN)
  std::vector<float> prefix_, suffix_;  // (W·P, Fp) running max of BN outputs within each
                                        // window, from its start / from its end
  std::vector<float> pooled_;           // (W, Fp) activated window maxima
  std::vector<float> h1_;               // (H1p) fc1 pre-activations
  std::vector<float> h2_;               // (H2p) fc2 pre-activations
  float logit_ = 0.0f;
  // Scratch.
  std::vector<float> scratch_;   // (2·H1p + H2p) a variant's Δh1, Δa1 (and Δh2, H2 > 64)
  std::vector<float> deltas_;    // non-zero pooled values (full pass) or their Δ (variant)
  std::vector<int> delta_rows_;  // their fc1_wr_ row indices (w·F + f)
};

// ism[n,b,p] = g(x_n with column p set to one-hot b) − g(x_n), g = logit or sigmoid(logit).
// Exactly 0.0 at the observed base of a one-hot input; for dense input every b is computed
// (0.0 where the column already is one-hot b). A scaled codes input (CnnInput::scale) is
// treated as the dense x = scale·onehot, as ism() does.
std::vector<float> ism_incremental(const ModelConfig& config, const ModelParams& params,
                                   const CnnInput& input, int n, Target target = Target::logit,
                                   int threads = 0);

// Brute force (ism_reference.cpp): every mutant through a full forward pass of the CpuCnn (the
// workspace, its config the model's; any N) or of any backend holding the model's parameters,
// in batches of its capacity — all 3L mutants of a one-hot sequence, all 4L of a dense one.
// Same semantics as ism_incremental (a scaled one-hot input mutates to dense columns); the
// reference ism_incremental is tested against. Inputs and outputs are host arrays.
std::vector<float> ism(CpuCnn& cnn, const ModelParams& params, const CnnInput& input, int n,
                       Target target = Target::logit);
std::vector<float> ism(CnnBackend& backend, const CnnInput& input, int n,
                       Target target = Target::logit);

// FeaturePermutation (Captum, features = positions). The N sequences are split into
// consecutive batches of batch_size (the last one may be smaller); each batch gets its own L
// permutations, one per position, taken in order p = 0..L−1. For position p with
// permutation perm, sequence i's column p (all 4 channels) is replaced by sequence perm[i]'s
// column p (both in the batch), and attr[i, c, p] = g(x_i) − g(x_i permuted at p), the same
// value on all 4 channels (0 exactly where perm[i] = i or the columns are equal).
//
// Permutations:
//   replay   rows consumed in order (batch 0 positions 0..L−1, then batch 1, ...); a row
//            equal to the identity is a rejected draw (Captum redraws it) and is skipped, as
//            in fixtures' fp_perms.npy. Every row must be a permutation of 0..B−1 for its
//            batch's size B; too few rows, or rows left over, is an error.
//   seeded   otherwise: Fisher–Yates on Philox4x32 keyed by the seed, counter
//            {word block, position, batch, 5 | attempt << 8}, redrawn with the next attempt
//            while it is the identity; deterministic for any thread count.
// A batch of one sequence cannot be permuted: N = 1, or a trailing batch of one
// (N mod batch_size = 1), is an error suggesting another batch size. N = 0 gives an empty
// result. `used`, when given, receives the permutations applied, one row per (batch,
// position) in that order (identities never appear); replaying it reproduces the output.
struct FpOptions {
  int batch_size = 128;
  std::uint64_t seed = 0;
  // Index of the first batch in the seeded stream: a call on sequences [first_batch ·
  // batch_size, …) of a larger set draws that set's permutations (the streaming benchmark).
  int first_batch = 0;
  const std::vector<std::vector<std::int64_t>>* replay = nullptr;
  Target target = Target::logit;
  int threads = 0;
};

std::vector<float> feature_permutation(const ModelConfig& config, const ModelParams& params,
                                       const CnnInput& input, int n, const FpOptions& options,
                                       std::vector<std::vector<std::int64_t>>* used = nullptr);

// The same on any CnnBackend holding the model's parameters (CPU or CUDA): every permuted
// sequence goes through a full forward pass, in batches of the backend's capacity — Captum's
// own method, used for --device cuda. Same permutations, same results up to float32 rounding.
std::vector<float> feature_permutation(CnnBackend& backend, const CnnInput& input, int n,
                                       const FpOptions& options,
                                       std::vector<std::vector<std::int64_t>>* used = nullptr);

// The seeded permutation of batch `batch`, position `position` for a batch of `size` ≥ 2.
std::vector<std::int64_t> fp_permutation(std::uint64_t seed, int batch, int position, int size);

}  // namespace mint

// A general sequential CNN (core/sequential.hpp) on the CPU: the forward and backward passes
// (training, prediction) and every attribution method, for any supported architecture — the
// paper's model included (core/sequential.hpp: paper_architecture), where it gives the numbers of
// ops/cnn's fused path up to float32 rounding.
//
// Rows are sequences, (channels, length) per row in PyTorch's layout, parallel over rows with
// OpenMP. A row's result depends only on that row (except train-mode BatchNorm, which couples
// the batch as PyTorch's does), and parameter gradients are summed over fixed blocks of rows
// and then over blocks in order: the same bits for any thread count.
//
// Files: seqnet_layers.{hpp,cpp} (one row through one layer), seqnet.cpp (SeqNet),
// seqnet_deeplift.cpp (DeepLIFT), seqnet_methods.cpp (gradient, IG, ISM, Feature Permutation).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sequential.hpp"
#include "ops/cnn/cnn.hpp"  // Mode, CnnInput
#include "ops/common/target.hpp"
#include "ops/deeplift/deeplift.hpp"          // DeepLiftCompat
#include "ops/ig/ig.hpp"                      // IgMethod
#include "ops/perturbation/perturbation.hpp"  // FpOptions

namespace mint {

namespace seqnet {
struct LayerPlan;
}

class SeqNet {
 public:
  // A workspace for batches of up to `capacity` rows; threads <= 0: all cores.
  SeqNet(const SequentialArchitecture& arch, int capacity, int threads = 0);
  ~SeqNet();
  SeqNet(const SeqNet&) = delete;
  SeqNet& operator=(const SeqNet&) = delete;

  // Rows `in` (n, arch.size_before(first)) — the input of layer `first` — through layers
  // [first, end): the outputs (n, outputs) into `out`. Activations are kept for backward().
  // Mode::train: BatchNorm uses the batch's statistics and Dropout draws its masks from
  // (dropout_seed, dropout_step) (set_dropout_stream); eval and infer: running statistics,
  // Dropout the identity.
  void forward(const SequentialParams& p, const float* in, int n, Mode mode, float* out,
               int first = 0);
  // After a train-mode forward: PyTorch's running-statistics update of every BatchNorm
  // (momentum, unbiased variance, num_batches_tracked + 1) into p.
  void update_running_stats(SequentialParams& p) const;
  // Gradients of Σ dout·out for the batch of the last forward(): the parameter gradients into
  // grads when not null (overwritten, SequentialParams::zeros' shapes), and the gradient w.r.t.
  // that forward's input (n, size_before(first)) into din when not null.
  void backward(const SequentialParams& p, const float* dout, SequentialParams* grads, float* din);
  // For many eval-mode calls with parameters that do not change (the attribution methods):
  // what forward() derives from the parameters (LayerPlan) is derived from *p once, here, and
  // reused by every forward() given p itself until keep_plans(nullptr). p must not change
  // meanwhile.
  void keep_plans(const SequentialParams* p);
  // Dropout masks in train mode: Philox keyed by seed, counter (step, row, element).
  void set_dropout_stream(std::uint64_t seed, std::uint64_t step) {
    dropout_seed_ = seed;
    dropout_step_ = step;
  }

  const SequentialArchitecture& arch() const { return arch_; }
  int capacity() const { return capacity_; }
  int threads() const { return threads_; }
  int outputs() const { return arch_.outputs(); }
  // A capacity whose activations take about `bytes` (at least 1, at most `most`).
  static int capacity_for(const SequentialArchitecture& arch, std::size_t bytes, int most);

 private:
  void bn_train_forward(std::size_t i, const SequentialParams& p, int n);
  void bn_train_backward(std::size_t i, const SequentialParams& p, int n,
                         const std::vector<float>& dout, std::vector<float>& din,
                         SequentialParams* grads);

  SequentialArchitecture arch_;
  int capacity_, threads_;
  int last_n_ = 0, last_first_ = 0;
  Mode last_mode_ = Mode::eval;
  std::vector<std::vector<float>> act_;         // act_[i]: input of layer i; act_[L]: output
  std::vector<std::vector<std::int32_t>> arg_;  // max-pool argmax (output i's size)
  std::vector<std::vector<float>> mask_;        // Dropout masks (train)
  std::vector<std::vector<double>> bn_mean_, bn_invstd_, bn_var_;  // train-mode batch stats
  std::vector<seqnet::LayerPlan> plans_;
  std::vector<float> grad_, grad_in_;       // backward's gradients, kept between calls
  const SequentialParams* kept_ = nullptr;  // keep_plans
  std::uint64_t dropout_seed_ = 0, dropout_step_ = 0;
};

// The input as dense (n, 4, L) floats (codes expanded, scaled when CnnInput::scale is set).
std::vector<float> dense_input(const CnnInput& input, std::int64_t n, int length);

struct SeqAttributeOptions {
  Target target = Target::logit;  // the logit, or its sigmoid
  int output = 0;                 // which output (multi-task heads)
  int threads = 0;
};

// Output `output` (or its sigmoid) of n sequences.
std::vector<float> seqnet_predict(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                                  int threads = 0);  // (n, outputs), every output

// (N, 4, L) attributions, channels A,C,G,T, as Captum computes them for this model
// (docs/reference-semantics.md; the methods of ops/gradient, ops/ig, ops/deeplift and
// ops/perturbation on the paper's model).
std::vector<float> seqnet_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o);
std::vector<float> seqnet_saliency(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o);
std::vector<float> seqnet_input_x_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                           const SeqAttributeOptions& o);
// Zero baseline; the first Conv1d is evaluated once per sequence (it is linear in the input).
std::vector<float> seqnet_integrated_gradients(const SequentialModel& m, const CnnInput& in, int n,
                                               IgMethod method, int steps,
                                               const SeqAttributeOptions& o);
// Captum's DeepLift (rescale rule, zero baseline) with PR #1843 and #1847 (compat none), or as
// released Captum computes it (captum_0_8): the rule of every elementwise nonlinearity is the
// rescale rule, max pooling (global too) gets the max-pool rule (reference-semantics.md §4.3).
std::vector<float> seqnet_deeplift(const SequentialModel& m, const CnnInput& in, int n,
                                   DeepLiftCompat compat, const SeqAttributeOptions& o);
// ISM and Feature Permutation: each variant changes one column, so the first Conv1d's output is
// updated in its receptive field only, then the rest of the network runs.
std::vector<float> seqnet_ism(const SequentialModel& m, const CnnInput& in, int n,
                              const SeqAttributeOptions& o);
std::vector<float> seqnet_feature_permutation(
    const SequentialModel& m, const CnnInput& in, int n, const FpOptions& fp,
    const SeqAttributeOptions& o, std::vector<std::vector<std::int64_t>>* used = nullptr);

}  // namespace mint

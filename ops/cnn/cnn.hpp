// The CNN's forward and backward passes on the CPU backend (the reference; the CUDA twin is
// cnn_forward.cu, cnn_head.cu and cnn_backward.cu, strung together by cnn_backend_cuda.cu).
// One object holds the workspace for batches of up to `capacity` sequences, so nothing is
// allocated per batch.
//
// Inputs are either byte codes (N, L) with values 0..3 = A,C,G,T — the one-hot fast path: the
// convolution of a one-hot column is a gather of filter columns — optionally scaled per row
// (x = scale[n]·onehot, the straight path of Integrated Gradients), or dense float (N, 4, L).
//
// Internally activations are position-major, (N, Lc, F), so the conv, BN and their gradients
// vectorise over filters. Parallel over sequences with OpenMP. Every sum over the batch
// (BatchNorm's statistics and its backward sums, the parameter gradients) is taken over fixed
// blocks of sequences and then over the blocks in order, so results are bit-identical for any
// thread count (and any capacity).
#pragma once

#include <cstdint>
#include <vector>

#include "core/model.hpp"

namespace mint {

// BatchNorm: running statistics (eval, infer) vs batch statistics (train). infer is eval
// without keeping the activations backward() needs: conv, BatchNorm, activation and
// max-pool fused per window, for prediction only.
enum class Mode { eval, train, infer };

struct CnnInput {
  const std::uint8_t* codes = nullptr;  // (N, L) one-hot codes, or
  const float* scale = nullptr;         //   with x = scale[n] · onehot(codes[n]) (optional)
  const float* dense = nullptr;         // (N, 4, L) any real input
};

// Sequences [first, …) of an input of sequences of `length`.
inline CnnInput offset(const CnnInput& in, std::int64_t first, int length) {
  CnnInput out;
  if (in.codes != nullptr) {
    out.codes = in.codes + first * length;
    if (in.scale != nullptr) out.scale = in.scale + first;
  } else {
    out.dense = in.dense + first * 4 * length;
  }
  return out;
}

class CpuCnn {
 public:
  // Sums over the batch: blocks of kSumBlock sequences (fixed, so the order of every sum is
  // independent of the thread count), kSumRound blocks' buffers live at once (bounds the
  // memory for large capacities without changing the order).
  static constexpr int kSumBlock = 8;
  static constexpr int kSumRound = 16;

  CpuCnn(const ModelConfig& config, int capacity, int threads = 0);

  // Logits (n) of the batch. In train mode uses batch statistics and updates the running
  // statistics in `params` as PyTorch does (momentum, unbiased variance); caches what
  // backward() needs.
  void forward(ModelParams& params, const CnnInput& input, int n, Mode mode, float* logits);
  // Inference only (const parameters, Mode::infer: nothing kept for backward()).
  void predict(const ModelParams& params, const CnnInput& input, int n, float* logits);

  // Gradients of Σ_n dlogits[n]·logit[n] for the batch of the last forward() call:
  // parameter gradients into `grads` (overwritten; shapes as ModelParams::zeros) when grads is
  // not null (the attribution methods skip them), and, when dinput is not null, the gradient
  // w.r.t. the input, (N, 4, L) at every channel.
  void backward(const ModelParams& params, const float* dlogits, ModelParams* grads, float* dinput);

  const ModelConfig& config() const { return config_; }
  int capacity() const { return capacity_; }
  int threads() const { return threads_; }

 private:
  // conv_ for the batch; with bn_* also norm_ (eval-mode BatchNorm fused).
  void conv_forward(const ModelParams& p, const CnnInput& in, int n, const float* bn_mean,
                    const float* bn_scale, const float* bn_shift);
  // Fills conv_weight_t_ from the parameters and returns it.
  const float* transpose_conv_weight(const ModelParams& p);
  // Pools norm_ into pooled_ (unless pooled_ready) and runs the dense head.
  void head_forward(const ModelParams& p, int n, float* logits, bool pooled_ready = false);
  // Mode::infer: pooled_ straight from the input, no conv_/norm_ stored.
  void infer_pooled(const ModelParams& p, const CnnInput& in, int n, const float* bn_mean,
                    const float* bn_scale, const float* bn_shift);

  // backward(), phase by phase. BatchNorm's backward for the last batch: x̂ = (c − mean)·scale
  // (scale = invstd), Σdy and Σdy·x̂ per filter, and dc = k_dy·dy − k_mean − x̂·k_xhat.
  struct BnBackward {
    bool train = false;  // batch statistics (the Σ terms couple the batch)
    std::vector<float> scale, mean, k_dy, k_mean, k_xhat;  // (F)
    std::vector<double> sum_dy, sum_dy_xhat;               // (F)
  };
  // The dense head and the unpooling per sequence: dh1_, dh2_, dpooled_, dnorm_ (dy at the
  // BN output), and the BatchNorm sums Σdy, Σdy·x̂ (2, F) into bn_total_ (ordered_sums).
  void head_and_pool_backward(const ModelParams& p, const float* dlogits, int n);
  // The dense layers' parameter gradients into grad_total_, each element summed over the
  // batch in sequence order (parallel over output rows).
  void head_param_grads(const float* dlogits, int n);
  // dc's coefficients from those sums.
  BnBackward batchnorm_backward_terms(const ModelParams& p, int n) const;
  // dnorm_ → dc in place, the conv's (and eval-mode BatchNorm's) gradients into grad_total_
  // when param_grads, and dinput when not null.
  void conv_backward(const BnBackward& bn, int n, bool param_grads, float* dinput);
  // grad_total_ into grads (train-mode BatchNorm's from bn).
  void reduce_gradients(const BnBackward& bn, ModelParams* grads) const;
  // Train mode: batch_mean_ of conv_ and Σ(c − mean)² per filter into bn_total_[0, F)
  // (double, two passes, ordered_sums).
  void batch_statistics(int n);
  // The one way this class sums over a batch, in an order fixed by n alone: body(i, fsum,
  // dsum, scratch) adds sequence i's terms into its block's sums — fsum[lo, hi) of a float
  // buffer laid out like grad_total_ (hi ≤ GradLayout::fc1_w: the conv's part), dsum[0, nd) in
  // double — for blocks of kSumBlock sequences, kSumRound blocks at a time; each round's blocks are
  // then added into grad_total_[lo, hi) and dtotal[0, nd) in block order. make_scratch() gives each
  // thread its scratch once.
  template <typename MakeScratch, typename Body>
  void ordered_sums(int n, std::size_t lo, std::size_t hi, std::size_t nd, double* dtotal,
                    MakeScratch make_scratch, Body body);

  ModelConfig config_;
  int capacity_, threads_;
  int last_n_ = 0;
  Mode last_mode_ = Mode::eval;
  CnnInput last_input_{};
  // Activations, position-major.
  std::vector<float> conv_;     // (N, Lc, F) conv outputs c
  std::vector<float> norm_;     // (N, Lc, F) BN outputs b (= c without BN)
  std::vector<float> pooled_;   // (N, F·W), PyTorch flatten order f·W + w
  std::vector<float> h1_, h2_;  // (N, H1), (N, H2) pre-activations
  // Batch statistics of the last train-mode forward.
  std::vector<double> batch_mean_, batch_invstd_;
  std::vector<float> conv_weight_t_;  // (K, 4, Fp) transposed conv weight, Fp = F rounded to 8
  std::vector<float> fc1_weight_t_;   // (F·W, H1) transposed fc1 weight
  // Backward scratch.
  std::vector<float> dnorm_;        // (N, Lc, F)
  std::vector<float> dpooled_;      // (N, F·W)
  std::vector<float> dh1_, dh2_;    // (N, H1), (N, H2) at fc1's, fc2's pre-activations
  std::vector<float> grad_total_;   // flat parameter gradients (GradLayout in cnn.cpp)
  std::vector<double> bn_total_;    // (2, F) Σdy, Σdy·x̂ of the last backward
  std::vector<float> block_grads_;  // (kSumRound, fc1_w) one round's block sums
  std::vector<double> block_sums_;  // (kSumRound, 2F) their double sums
};

// Float64 reference of the same network for tests: straightforward loops over the PyTorch
// layout. Parameters in ModelParams::trainable() order, plus the BN running statistics.
struct ReferenceParams {
  std::vector<std::vector<double>> trainable;
  std::vector<double> running_mean, running_var;
};
ReferenceParams to_reference(const ModelParams& p);

// Logits of x (N, 4, L); with dlogits, also the gradients of Σ dlogits·logits w.r.t. every
// trainable tensor (into grads, same order) and w.r.t. x (into dinput, when not null).
// Train mode uses batch statistics (biased variance), as PyTorch's BatchNorm1d.
std::vector<double> reference_forward_backward(const ModelConfig& c, const ReferenceParams& p,
                                               const std::vector<double>& x, int n, Mode mode,
                                               const std::vector<double>* dlogits,
                                               std::vector<std::vector<double>>* grads,
                                               std::vector<double>* dinput);

}  // namespace mint

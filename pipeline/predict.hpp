// Prediction: the logits of sequences under one model, each model of a set, or an ensemble's
// mean, on the device a Compute resolves to (the CPU backend or the CUDA backend, eval mode with
// the running BatchNorm statistics, Mode::infer). `mint predict`, `mint evaluate` and the
// experiment's tables all call these, so the backend is chosen in one place.
//
// General sequential models (Model::sequential) run on the CPU (ops/seqnet), with --device auto
// on a GPU machine too; only an explicit --device cuda runs them on the GPU
// (ops/seqnet/seqnet_cuda.hpp: cuDNN and cuBLAS, not yet run on a GPU — docs/models.md). `output`
// picks which of a multi-output model's outputs is returned (the paper's model has one).
//
// Input: a CnnInput of n sequences (byte codes (N, L), or dense (N, 4, L)), all of `length`;
// every model must take that length (mint::Error naming the model's file otherwise).
// Ensembles average in float64, in model order: mean[i] = Σ_m logit_m[i] / M.
//
// Progress (core/progress.hpp): predict_each reports (predictions done, models × n) once at 0
// and after every kPredictBatch sequences of each model, model after model; the hook may throw
// to stop the call. The logits are the same bits with or without it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/device.hpp"
#include "core/model.hpp"
#include "core/progress.hpp"
#include "ops/cnn/cnn.hpp"

namespace mint {

// Sequences per backend call.
inline constexpr int kPredictBatch = 512;

std::vector<float> predict(const Model& model, const CnnInput& input, std::int64_t n,
                           const Compute& compute, int output = 0);

// One logit vector per model.
std::vector<std::vector<float>> predict_each(const std::vector<Model>& models,
                                             const CnnInput& input, std::int64_t n, int length,
                                             const Compute& compute,
                                             const ProgressFn& progress = {}, int output = 0);

class CnnBackend;

// The backends of a set of models, kept from call to call (the streaming benchmark predicts
// chunk after chunk): the same logits as predict_each, without setting a backend up each time.
class Predictor {
 public:
  Predictor(const std::vector<Model>& models, const Compute& compute, int output = 0);
  ~Predictor();
  std::vector<std::vector<float>> predict_each(const CnnInput& input, std::int64_t n,
                                               const ProgressFn& progress = {});

 private:
  std::vector<const Model*> models_;
  std::vector<std::unique_ptr<CnnBackend>> backends_;  // null for a general model
  Compute compute_;
  int output_ = 0;
};

// The mean over the models of per-model predictions, float64.
std::vector<double> ensemble_mean(const std::vector<std::vector<float>>& predictions);

// Throws mint::Error when a model takes another length than the sequences (`source` names
// them: a file or a data set directory).
void check_lengths(const std::vector<Model>& models, int length, const std::string& source);

// Throws mint::Error when the models of an ensemble differ in shape — input length L, filters
// F, outputs — from its first (`option` names the ensemble: "--model", "--model M_w"): an
// ensemble is seed models of one architecture, and its tables record one F.
void check_ensemble(const std::vector<Model>& models, const std::string& option);

// Throws mint::Error when `output` is not an output of every model (`option` names it:
// --target-index, target_index).
void check_outputs(const std::vector<Model>& models, int output, const std::string& option);
// Whether general models run on the GPU: only with an explicit --device cuda (which must be
// usable: mint::Error saying why not otherwise).
bool general_on_gpu(const Compute& compute);

}  // namespace mint

// Prediction on the resolved backend (pipeline/predict.hpp).
#include "pipeline/predict.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"

namespace mint {

void check_lengths(const std::vector<Model>& models, int length, const std::string& source) {
  if (models.empty()) throw Error("no model given");
  for (std::size_t i = 0; i < models.size(); ++i) {
    const Model& m = models[i];
    if (m.config.length != length) {
      const std::string which = m.source.empty() ? "model " + std::to_string(i + 1) + " of " +
                                                       std::to_string(models.size())
                                                 : m.source;
      throw Error(source + ": sequences have length " + std::to_string(length) + " but " + which +
                  " expects L = " + std::to_string(m.config.length));
    }
  }
}

void check_ensemble(const std::vector<Model>& models, const std::string& option) {
  const auto name = [&](std::size_t i) {
    return models[i].source.empty() ? "model " + std::to_string(i + 1) : models[i].source;
  };
  for (std::size_t i = 1; i < models.size(); ++i) {
    const Model &a = models.front(), &b = models[i];
    const std::pair<const char*, std::pair<int, int>> shapes[] = {
        {"input length L", {b.config.length, a.config.length}},
        {"filters F", {b.filters(), a.filters()}},
        {"outputs", {b.outputs(), a.outputs()}}};
    for (const auto& [what, v] : shapes) {
      if (v.first == v.second) continue;
      throw Error(option + " " + name(i) + ": " + what + " " + std::to_string(v.first) +
                  ", but the ensemble's first model " + name(0) + " has " +
                  std::to_string(v.second) + " (an ensemble's models must have the same shape)");
    }
  }
}

void check_outputs(const std::vector<Model>& models, int output, const std::string& option) {
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (output < 0 || output >= models[i].outputs()) {
      const std::string which =
          models[i].source.empty() ? "model " + std::to_string(i + 1) : models[i].source;
      throw Error(option + " " + std::to_string(output) + " is out of range: " + which + " has " +
                  std::to_string(models[i].outputs()) + " output(s)");
    }
  }
}

bool general_on_gpu(const Compute& compute) {
  return compute.device == DeviceChoice::cuda && compute.backend() == Backend::cuda;
}

namespace {

// A general model's output `output` of n sequences, in batches (progress as predict_with).
std::vector<float> predict_general(const Model& model, const CnnInput& input, std::int64_t n,
                                   const Compute& compute, int output,
                                   const ProgressFn& progress = {}, std::size_t index = 0,
                                   std::size_t models = 1) {
  const bool gpu = general_on_gpu(compute);
  std::vector<float> out(static_cast<std::size_t>(n));
  const int outs = model.outputs();
  const std::int64_t done = static_cast<std::int64_t>(index) * n;
  const std::int64_t total = static_cast<std::int64_t>(models) * n;
  for (std::int64_t first = 0; first < n; first += kPredictBatch) {
    const std::int64_t count = std::min<std::int64_t>(kPredictBatch, n - first);
    const CnnInput part = offset(input, first, model.config.length);
    const std::vector<float> all =
        gpu ? seqnet_predict_cuda(*model.sequential, part, count)
            : seqnet_predict(*model.sequential, part, count, compute.threads);
    for (std::int64_t i = 0; i < count; ++i) {
      out[static_cast<std::size_t>(first + i)] = all[static_cast<std::size_t>(i * outs + output)];
    }
    report_progress(progress, done + first + count, total);
  }
  return out;
}

// Model `index` of `models` (its predictions are [index·n, (index + 1)·n) of the progress).
std::vector<float> predict_with(CnnBackend& backend, const Model& model, const CnnInput& input,
                                std::int64_t n, const ProgressFn& progress = {},
                                std::size_t index = 0, std::size_t models = 1) {
  std::vector<float> logits(static_cast<std::size_t>(n));
  const std::int64_t done = static_cast<std::int64_t>(index) * n;
  const std::int64_t total = static_cast<std::int64_t>(models) * n;
  for (std::int64_t first = 0; first < n; first += kPredictBatch) {
    const int count = static_cast<int>(std::min<std::int64_t>(kPredictBatch, n - first));
    backend.forward(offset(input, first, model.config.length), count, Mode::infer,
                    logits.data() + first);
    report_progress(progress, done + first + count, total);
  }
  return logits;
}

}  // namespace

std::vector<float> predict(const Model& model, const CnnInput& input, std::int64_t n,
                           const Compute& compute, int output) {
  check_outputs({model}, output, "output");
  if (model.is_sequential()) return predict_general(model, input, n, compute, output);
  auto backend = make_backend(compute.backend(), model.config, kPredictBatch, compute.threads);
  backend->set_params(model.params);
  return predict_with(*backend, model, input, n);
}

Predictor::Predictor(const std::vector<Model>& models, const Compute& compute, int output)
    : compute_(compute), output_(output) {
  check_outputs(models, output, "output");
  for (const Model& m : models) {
    models_.push_back(&m);
    if (m.is_sequential()) {
      backends_.push_back(nullptr);
      continue;
    }
    backends_.push_back(make_backend(compute.backend(), m.config, kPredictBatch, compute.threads));
    backends_.back()->set_params(m.params);
  }
}

Predictor::~Predictor() = default;

std::vector<std::vector<float>> Predictor::predict_each(const CnnInput& input, std::int64_t n,
                                                        const ProgressFn& progress) {
  report_progress(progress, 0, static_cast<std::int64_t>(models_.size()) * n);
  std::vector<std::vector<float>> out;
  for (std::size_t i = 0; i < models_.size(); ++i) {
    out.push_back(
        backends_[i] == nullptr
            ? predict_general(*models_[i], input, n, compute_, output_, progress, i, models_.size())
            : predict_with(*backends_[i], *models_[i], input, n, progress, i, models_.size()));
  }
  return out;
}

std::vector<std::vector<float>> predict_each(const std::vector<Model>& models,
                                             const CnnInput& input, std::int64_t n, int length,
                                             const Compute& compute, const ProgressFn& progress,
                                             int output) {
  check_lengths(models, length, "sequences");
  check_outputs(models, output, "output");
  report_progress(progress, 0, static_cast<std::int64_t>(models.size()) * n);
  std::vector<std::vector<float>> out;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const Model& m = models[i];
    if (m.is_sequential()) {
      out.push_back(predict_general(m, input, n, compute, output, progress, i, models.size()));
      continue;
    }
    auto backend = make_backend(compute.backend(), m.config, kPredictBatch, compute.threads);
    backend->set_params(m.params);
    out.push_back(predict_with(*backend, m, input, n, progress, i, models.size()));
  }
  return out;
}

std::vector<double> ensemble_mean(const std::vector<std::vector<float>>& predictions) {
  if (predictions.empty()) return {};
  const double k = static_cast<double>(predictions.size());
  std::vector<double> mean(predictions.front().size(), 0.0);
  for (const std::vector<float>& p : predictions) {
    if (p.size() != mean.size()) throw Error("ensemble_mean: predictions of different lengths");
    for (std::size_t i = 0; i < p.size(); ++i) mean[i] += p[i] / k;
  }
  return mean;
}

}  // namespace mint

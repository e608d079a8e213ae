// The CPU implementation of CnnBackend: CpuCnn plus the parameters, gradients and Adam
// moments it works on (Adam: adam_update_cpu, ops/adam/adam.hpp).
#include "ops/adam/adam.hpp"
#include "ops/cnn/cnn_backend.hpp"

namespace mint {

namespace {

class CpuBackend final : public CnnBackend {
 public:
  CpuBackend(const ModelConfig& config, int capacity, int threads)
      : cnn_(config, capacity, threads),
        params_(ModelParams::zeros(config)),
        grads_(ModelParams::zeros(config)),
        m_(ModelParams::zeros(config)),
        v_(ModelParams::zeros(config)) {}

  void set_params(const ModelParams& params) override {
    params_ = params;
    m_ = v_ = ModelParams::zeros(cnn_.config());
    for (auto* t : m_.trainable()) std::fill(t->begin(), t->end(), 0.0f);
    for (auto* t : v_.trainable()) std::fill(t->begin(), t->end(), 0.0f);
  }
  ModelParams params() const override { return params_; }
  void forward(const CnnInput& input, int n, Mode mode, float* logits) override {
    cnn_.forward(params_, input, n, mode, logits);
  }
  void backward(const float* dlogits, float* dinput) override {
    cnn_.backward(params_, dlogits, &grads_, dinput);
  }
  ModelParams gradients() const override { return grads_; }
  void adam_step(const AdamOptions& options, long step) override {
    const AdamStep s = adam_step_constants(options, step);
    auto p = params_.trainable();
    auto g = grads_.trainable();
    auto m = m_.trainable();
    auto v = v_.trainable();
    for (std::size_t t = 0; t < p.size(); ++t) {
      adam_update_cpu(s, p[t]->size(), g[t]->data(), p[t]->data(), m[t]->data(), v[t]->data(),
                      cnn_.threads());
    }
  }
  int capacity() const override { return cnn_.capacity(); }
  const ModelConfig& config() const override { return cnn_.config(); }
  const char* name() const override { return "cpu"; }

 private:
  CpuCnn cnn_;
  ModelParams params_, grads_, m_, v_;
};

}  // namespace

std::unique_ptr<CnnBackend> make_cpu_backend(const ModelConfig& config, int capacity, int threads) {
  return std::make_unique<CpuBackend>(config, capacity, threads);
}

}  // namespace mint

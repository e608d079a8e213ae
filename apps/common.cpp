// Shared CLI pieces. See common.hpp.
#include "common.hpp"

#include "core/device.hpp"
#include "core/error.hpp"

namespace mint::cli {

void ModelFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--length", length, "Sequence length L, if the model file does not record it");
  cmd->add_option("--pool-width", pool, "Max-pool width P, if the model file does not record it");
  cmd->add_option("--padding", padding, "Conv padding: same or valid (settles an ambiguity)");
  cmd->add_option("--activation", activation, "First-layer activation: relu or exp");
}

ModelHints ModelFlags::hints() const {
  ModelHints h;
  if (length > 0) h.length = length;
  if (pool > 0) h.pool = pool;
  if (!padding.empty()) h.padding = parse_padding(padding);
  if (!activation.empty()) h.activation = parse_activation(activation);
  return h;
}

void DeviceFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--device", device, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", threads, "CPU threads (default: all)");
}

std::unique_ptr<CnnBackend> DeviceFlags::backend(const ModelConfig& config, int capacity) const {
  if (use_cuda(parse_device(device))) return make_cuda_backend(config, capacity);
  return make_cpu_backend(config, capacity, threads);
}

std::vector<Model> load_models(const std::vector<std::string>& paths, const ModelHints& hints) {
  std::vector<Model> models;
  for (const std::string& p : paths) models.push_back(load_model(p, hints));
  return models;
}

std::vector<float> predict_ensemble(const std::vector<Model>& models, const SequenceInput& input,
                                    const DeviceFlags& device) {
  if (models.empty()) throw Error("--model: give at least one model file");
  std::vector<float> mean(input.n, 0.0f), logits(input.n);
  for (const Model& m : models) {
    if (m.config.length != input.length) {
      throw Error(input.source + ": sequences have length " + std::to_string(input.length) +
                  " but the model expects L = " + std::to_string(m.config.length));
    }
    auto backend = device.backend(m.config, 512);
    backend->set_params(m.params);
    for (std::int64_t first = 0; first < input.n; first += 512) {
      const int count = static_cast<int>(std::min<std::int64_t>(512, input.n - first));
      backend->forward(input.slice(first), count, Mode::infer, logits.data() + first);
    }
    for (std::int64_t i = 0; i < input.n; ++i)
      mean[i] += logits[i] / static_cast<float>(models.size());
  }
  return mean;
}

}  // namespace mint::cli

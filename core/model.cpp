// Model configuration checks, parameter shapes and PyTorch's default initialisation.
#include "core/model.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/philox.hpp"

namespace mint {

std::string to_string(Padding p) { return p == Padding::same ? "same" : "valid"; }
std::string to_string(Activation a) { return a == Activation::relu ? "relu" : "exp"; }

Padding parse_padding(const std::string& s) {
  if (s == "same") return Padding::same;
  if (s == "valid") return Padding::valid;
  throw Error("--padding: unknown padding '" + s + "' (expected same or valid)");
}

Activation parse_activation(const std::string& s) {
  if (s == "relu") return Activation::relu;
  if (s == "exp") return Activation::exp;
  throw Error("--activation: unknown activation '" + s + "' (expected relu or exp)");
}

void ModelConfig::validate() const {
  auto positive = [](const char* what, int v) {
    if (v <= 0) throw Error(std::string(what) + " must be positive, got " + std::to_string(v));
  };
  positive("the sequence length L", length);
  positive("the number of filters F", filters);
  positive("the filter width K", width);
  positive("the pool width P", pool);
  positive("the hidden width H1", hidden1);
  positive("the hidden width H2", hidden2);
  if (width > length) {
    throw Error("the filter width K = " + std::to_string(width) +
                " is longer than the sequence length L = " + std::to_string(length));
  }
  if (pooled_length() == 0) {
    throw Error("the pool width P = " + std::to_string(pool) + " is longer than the " +
                std::to_string(conv_length()) + " conv outputs: nothing reaches fc1");
  }
  if (!(bn_eps > 0)) throw Error("bn_eps must be positive");
  // Caps that keep every count an int and fail before allocating (core/limits.hpp).
  const std::int64_t conv = std::int64_t{filters} * conv_length();
  if (conv > kMaxActivationFloats) {
    throw Error("F = " + std::to_string(filters) + " filters x " + std::to_string(conv_length()) +
                " conv outputs = " + std::to_string(conv) + " floats per sequence, more than " +
                std::to_string(kMaxActivationFloats) + " (2^28); use fewer --filters");
  }
  const std::int64_t fc1 = std::int64_t{hidden1} * filters * pooled_length();
  if (fc1 > kMaxActivationFloats || std::int64_t{hidden1} * hidden2 > kMaxActivationFloats) {
    throw Error("fc1 (H1 " + std::to_string(hidden1) + " x F " + std::to_string(filters) +
                " x pooled " + std::to_string(pooled_length()) + ") or fc2 (H1 x H2 " +
                std::to_string(hidden2) +
                ") has more than 2^28 weights; use smaller "
                "--hidden1/--hidden2 or a wider --pool-width");
  }
}

void check_params(const ModelConfig& c, const ModelParams& p, const std::string& who) {
  const std::size_t f = c.filters;
  auto need = [&](const std::vector<float>& v, std::size_t size, const char* name) {
    if (v.size() != size) {
      throw Error(who + ": parameter " + name + " has " + std::to_string(v.size()) +
                  " values, expected " + std::to_string(size));
    }
  };
  need(p.conv_weight, f * 4 * c.width, "conv.weight");
  need(p.conv_bias, f, "conv.bias");
  if (c.batchnorm) {
    need(p.bn_weight, f, "bn.weight");
    need(p.bn_bias, f, "bn.bias");
    need(p.bn_running_mean, f, "bn.running_mean");
    need(p.bn_running_var, f, "bn.running_var");
  }
  need(p.fc1_weight, static_cast<std::size_t>(c.hidden1) * c.fc1_inputs(), "fc1.weight");
  need(p.fc1_bias, c.hidden1, "fc1.bias");
  need(p.fc2_weight, static_cast<std::size_t>(c.hidden2) * c.hidden1, "fc2.weight");
  need(p.fc2_bias, c.hidden2, "fc2.bias");
  need(p.fc3_weight, c.hidden2, "fc3.weight");
  need(p.fc3_bias, 1, "fc3.bias");
}

ModelParams ModelParams::zeros(const ModelConfig& c) {
  ModelParams p;
  const auto f = static_cast<std::size_t>(c.filters);
  p.conv_weight.assign(f * 4 * c.width, 0.0f);
  p.conv_bias.assign(f, 0.0f);
  if (c.batchnorm) {
    p.bn_weight.assign(f, 1.0f);
    p.bn_bias.assign(f, 0.0f);
    p.bn_running_mean.assign(f, 0.0f);
    p.bn_running_var.assign(f, 1.0f);
  }
  p.fc1_weight.assign(static_cast<std::size_t>(c.hidden1) * c.fc1_inputs(), 0.0f);
  p.fc1_bias.assign(c.hidden1, 0.0f);
  p.fc2_weight.assign(static_cast<std::size_t>(c.hidden2) * c.hidden1, 0.0f);
  p.fc2_bias.assign(c.hidden2, 0.0f);
  p.fc3_weight.assign(c.hidden2, 0.0f);
  p.fc3_bias.assign(1, 0.0f);
  return p;
}

std::vector<std::vector<float>*> ModelParams::trainable() {
  std::vector<std::vector<float>*> t = {&conv_weight, &conv_bias};
  if (!bn_weight.empty()) {
    t.push_back(&bn_weight);
    t.push_back(&bn_bias);
  }
  for (auto* v : {&fc1_weight, &fc1_bias, &fc2_weight, &fc2_bias, &fc3_weight, &fc3_bias}) {
    t.push_back(v);
  }
  return t;
}

std::vector<const std::vector<float>*> ModelParams::trainable() const {
  std::vector<const std::vector<float>*> out;
  for (auto* v : const_cast<ModelParams*>(this)->trainable()) out.push_back(v);
  return out;
}

std::vector<std::string> ModelParams::trainable_names(bool batchnorm) {
  std::vector<std::string> names = {"conv.weight", "conv.bias"};
  if (batchnorm) {
    names.push_back("bn.weight");
    names.push_back("bn.bias");
  }
  for (const char* n :
       {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"}) {
    names.push_back(n);
  }
  return names;
}

void fill_init_uniform(std::vector<float>& v, double bound, std::uint64_t seed,
                       std::uint32_t tensor) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Philox4x32 r =
        philox4x32({{static_cast<std::uint32_t>(i), tensor, 0u, 3u}},
                   static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
    const double u = static_cast<double>(r.v[0] >> 8) * 0x1p-24;  // [0, 1)
    v[i] = static_cast<float>((2 * u - 1) * bound);
  }
}

Model init_model(const ModelConfig& config, std::uint64_t seed) {
  config.validate();
  Model m{config, ModelParams::zeros(config), "", nullptr};
  ModelParams& p = m.params;
  const double conv_bound = 1 / std::sqrt(4.0 * config.width);
  fill_init_uniform(p.conv_weight, conv_bound, seed, 0);
  fill_init_uniform(p.conv_bias, conv_bound, seed, 1);
  const double b1 = 1 / std::sqrt(static_cast<double>(config.fc1_inputs()));
  fill_init_uniform(p.fc1_weight, b1, seed, 2);
  fill_init_uniform(p.fc1_bias, b1, seed, 3);
  const double b2 = 1 / std::sqrt(static_cast<double>(config.hidden1));
  fill_init_uniform(p.fc2_weight, b2, seed, 4);
  fill_init_uniform(p.fc2_bias, b2, seed, 5);
  const double b3 = 1 / std::sqrt(static_cast<double>(config.hidden2));
  fill_init_uniform(p.fc3_weight, b3, seed, 6);
  fill_init_uniform(p.fc3_bias, b3, seed, 7);
  return m;
}

int Model::filters() const {
  if (!sequential) return config.filters;
  for (const SequentialLayer& l : sequential->arch.layers) {
    if (l.type == LayerType::conv1d) return l.out;
  }
  return 0;
}

Model Model::general(SequentialModel m, std::string source) {
  Model out;
  out.config.length = m.arch.length;
  out.source = std::move(source);
  out.sequential = std::make_shared<const SequentialModel>(std::move(m));
  return out;
}

}  // namespace mint

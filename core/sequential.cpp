// The general sequential CNN's types. See sequential.hpp.
#include "core/sequential.hpp"

#include <cmath>
#include <utility>

#include "core/error.hpp"
#include "core/model.hpp"

namespace mint {

const char* to_string(LayerType type) {
  switch (type) {
    case LayerType::conv1d:
      return "Conv1d";
    case LayerType::batchnorm1d:
      return "BatchNorm1d";
    case LayerType::relu:
      return "ReLU";
    case LayerType::exp:
      return "Exp";
    case LayerType::gelu:
      return "GELU";
    case LayerType::softplus:
      return "Softplus";
    case LayerType::sigmoid:
      return "Sigmoid";
    case LayerType::tanh:
      return "Tanh";
    case LayerType::maxpool1d:
      return "MaxPool1d";
    case LayerType::avgpool1d:
      return "AvgPool1d";
    case LayerType::global_maxpool1d:
      return "GlobalMaxPool1d";
    case LayerType::global_avgpool1d:
      return "GlobalAvgPool1d";
    case LayerType::flatten:
      return "Flatten";
    case LayerType::linear:
      return "Linear";
    case LayerType::dropout:
      return "Dropout";
  }
  return "?";
}

bool is_elementwise(LayerType type) {
  switch (type) {
    case LayerType::relu:
    case LayerType::exp:
    case LayerType::gelu:
    case LayerType::softplus:
    case LayerType::sigmoid:
    case LayerType::tanh:
      return true;
    default:
      return false;
  }
}

bool is_max_pool(LayerType type) {
  return type == LayerType::maxpool1d || type == LayerType::global_maxpool1d;
}

int SequentialArchitecture::outputs() const {
  return layers.empty() ? 0 : layers.back().channels_after;
}

int SequentialArchitecture::channels_before(std::size_t i) const {
  return i == 0 ? channels : layers[i - 1].channels_after;
}

int SequentialArchitecture::length_before(std::size_t i) const {
  return i == 0 ? length : layers[i - 1].length_after;
}

std::int64_t SequentialArchitecture::size_before(std::size_t i) const {
  return i == 0 ? static_cast<std::int64_t>(channels) * length : layers[i - 1].size_after();
}

namespace {

// (weight size, bias size) of a layer with parameters; (0, 0) otherwise.
std::pair<std::size_t, std::size_t> param_sizes(const SequentialLayer& l) {
  const auto in = static_cast<std::size_t>(l.in), out = static_cast<std::size_t>(l.out);
  switch (l.type) {
    case LayerType::conv1d:
      return {out * in * static_cast<std::size_t>(l.kernel), l.bias ? out : 0};
    case LayerType::linear:
      return {out * in, l.bias ? out : 0};
    case LayerType::batchnorm1d:
      return {in, in};
    default:
      return {0, 0};
  }
}

std::string layer_who(const SequentialArchitecture& arch, std::size_t i) {
  return "layer " + std::to_string(i) + " ('" + arch.layers[i].name + "', " +
         to_string(arch.layers[i].type) + ")";
}

}  // namespace

SequentialParams SequentialParams::zeros(const SequentialArchitecture& arch) {
  SequentialParams p;
  p.layers.resize(arch.layers.size());
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const auto [w, b] = param_sizes(arch.layers[i]);
    LayerParams& lp = p.layers[i];
    lp.weight.assign(w, 0.0f);
    lp.bias.assign(b, 0.0f);
    if (arch.layers[i].type == LayerType::batchnorm1d) {
      std::fill(lp.weight.begin(), lp.weight.end(), 1.0f);
      lp.running_mean.assign(w, 0.0f);
      lp.running_var.assign(w, 1.0f);
    }
  }
  return p;
}

std::vector<std::vector<float>*> SequentialParams::trainable() {
  std::vector<std::vector<float>*> out;
  for (LayerParams& l : layers) {
    if (!l.weight.empty()) out.push_back(&l.weight);
    if (!l.bias.empty()) out.push_back(&l.bias);
  }
  return out;
}

std::vector<const std::vector<float>*> SequentialParams::trainable() const {
  std::vector<const std::vector<float>*> out;
  for (auto* v : const_cast<SequentialParams*>(this)->trainable()) out.push_back(v);
  return out;
}

std::vector<std::string> SequentialParams::trainable_names(const SequentialArchitecture& arch) {
  std::vector<std::string> names;
  for (const SequentialLayer& l : arch.layers) {
    const auto [w, b] = param_sizes(l);
    if (w > 0) names.push_back(l.name + ".weight");
    if (b > 0) names.push_back(l.name + ".bias");
  }
  return names;
}

void check_sequential_params(const SequentialArchitecture& arch, const SequentialParams& params,
                             const std::string& who) {
  if (params.layers.size() != arch.layers.size()) {
    throw Error(who + ": parameters for " + std::to_string(params.layers.size()) +
                " layers, the architecture has " + std::to_string(arch.layers.size()));
  }
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const auto [w, b] = param_sizes(arch.layers[i]);
    const LayerParams& lp = params.layers[i];
    auto check = [&](const std::vector<float>& v, std::size_t want, const char* what) {
      if (v.size() != want) {
        throw Error(who + ": " + layer_who(arch, i) + ": " + what + " has " +
                    std::to_string(v.size()) + " values, expected " + std::to_string(want));
      }
    };
    check(lp.weight, w, "weight");
    check(lp.bias, b, "bias");
    const bool bn = arch.layers[i].type == LayerType::batchnorm1d;
    check(lp.running_mean, bn ? w : 0, "running_mean");
    check(lp.running_var, bn ? w : 0, "running_var");
  }
}

SequentialParams init_sequential(const SequentialArchitecture& arch, std::uint64_t seed) {
  SequentialParams p = SequentialParams::zeros(arch);
  std::uint32_t tensor = 0;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const SequentialLayer& l = arch.layers[i];
    if (l.type != LayerType::conv1d && l.type != LayerType::linear) continue;
    const double fan_in = static_cast<double>(l.in) * (l.type == LayerType::conv1d ? l.kernel : 1);
    const double bound = 1 / std::sqrt(fan_in);
    fill_init_uniform(p.layers[i].weight, bound, seed, tensor++);
    if (l.bias) fill_init_uniform(p.layers[i].bias, bound, seed, tensor);
    ++tensor;  // the bias's index, used or not (the paper model's numbering)
  }
  return p;
}

namespace {

// Appends l with its output shape (channels, length; length 0 once flat).
void append_layer(SequentialArchitecture& a, SequentialLayer l, int channels, int length) {
  l.channels_after = channels;
  l.length_after = length;
  a.layers.push_back(std::move(l));
}

}  // namespace

SequentialArchitecture paper_architecture(const ModelConfig& c) {
  c.validate();
  SequentialArchitecture a;
  a.channels = 4;
  a.length = c.length;
  const int lc = c.conv_length(), w = c.pooled_length();
  auto add = [&](SequentialLayer l, int ch, int len) { append_layer(a, std::move(l), ch, len); };
  SequentialLayer conv;
  conv.type = LayerType::conv1d;
  conv.name = "conv";
  conv.in = 4;
  conv.out = c.filters;
  conv.kernel = c.width;
  conv.pad_left = c.pad_left();
  conv.pad_right = c.padding == Padding::same ? c.width - 1 - c.pad_left() : 0;
  add(conv, c.filters, lc);
  if (c.batchnorm) {
    SequentialLayer bn;
    bn.type = LayerType::batchnorm1d;
    bn.name = "bn";
    bn.in = bn.out = c.filters;
    bn.eps = c.bn_eps;
    bn.momentum = c.bn_momentum;
    add(bn, c.filters, lc);
  }
  SequentialLayer act;
  act.type = c.activation == Activation::exp ? LayerType::exp : LayerType::relu;
  act.name = "act";
  add(act, c.filters, lc);
  SequentialLayer pool;
  pool.type = LayerType::maxpool1d;
  pool.name = "pool";
  pool.kernel = pool.stride = c.pool;
  add(pool, c.filters, w);
  SequentialLayer flat;
  flat.type = LayerType::flatten;
  flat.name = "flatten";
  add(flat, c.filters * w, 0);
  const int widths[4] = {c.filters * w, c.hidden1, c.hidden2, 1};
  for (int k = 0; k < 3; ++k) {
    SequentialLayer fc;
    fc.type = LayerType::linear;
    fc.name = "fc" + std::to_string(k + 1);
    fc.in = widths[k];
    fc.out = widths[k + 1];
    add(fc, fc.out, 0);
    if (k < 2) {
      SequentialLayer relu;
      relu.type = LayerType::relu;
      relu.name = "relu" + std::to_string(k + 1);
      add(relu, fc.out, 0);
    }
  }
  return a;
}

SequentialArchitecture pooled_conv_architecture(const ModelConfig& c, int conv2_width) {
  if (conv2_width < 1) throw Error("conv2_width must be positive");
  const SequentialArchitecture paper = paper_architecture(c);
  SequentialArchitecture a;
  a.channels = paper.channels;
  a.length = paper.length;
  for (const SequentialLayer& l : paper.layers) {  // conv [bn] act pool
    a.layers.push_back(l);
    if (l.name == "pool") break;
  }
  const int F = c.filters, w = c.pooled_length();
  auto add = [&](SequentialLayer l, int ch, int len) { append_layer(a, std::move(l), ch, len); };
  SequentialLayer conv2;
  conv2.type = LayerType::conv1d;
  conv2.name = "conv2";
  conv2.in = conv2.out = F;
  conv2.kernel = conv2_width;
  conv2.pad_left = (conv2_width - 1) / 2;  // PyTorch's padding='same'
  conv2.pad_right = conv2_width - 1 - conv2.pad_left;
  add(conv2, F, w);
  SequentialLayer act2;
  act2.type = LayerType::relu;
  act2.name = "act2";
  add(act2, F, w);
  SequentialLayer gmp;
  gmp.type = LayerType::global_maxpool1d;
  gmp.name = "gmp";
  add(gmp, F, 1);
  bool head = false;
  for (const SequentialLayer& l : paper.layers) {  // flatten fc1 relu1 fc2 relu2 fc3
    head = head || l.type == LayerType::flatten;
    if (!head) continue;
    SequentialLayer h = l;
    if (h.type == LayerType::flatten) h.channels_after = F;
    if (h.name == "fc1") h.in = F;
    a.layers.push_back(h);
  }
  return a;
}

SequentialParams paper_params(const ModelConfig& c, const ModelParams& m) {
  const SequentialArchitecture a = paper_architecture(c);
  SequentialParams p = SequentialParams::zeros(a);
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const std::string& name = a.layers[i].name;
    LayerParams& lp = p.layers[i];
    if (name == "conv") {
      lp.weight = m.conv_weight;
      lp.bias = m.conv_bias;
    } else if (name == "bn") {
      lp.weight = m.bn_weight;
      lp.bias = m.bn_bias;
      lp.running_mean = m.bn_running_mean;
      lp.running_var = m.bn_running_var;
      lp.num_batches_tracked = m.bn_num_batches_tracked;
    } else if (name == "fc1") {
      lp.weight = m.fc1_weight;
      lp.bias = m.fc1_bias;
    } else if (name == "fc2") {
      lp.weight = m.fc2_weight;
      lp.bias = m.fc2_bias;
    } else if (name == "fc3") {
      lp.weight = m.fc3_weight;
      lp.bias = m.fc3_bias;
    }
  }
  check_sequential_params(a, p, "the paper model");
  return p;
}

}  // namespace mint

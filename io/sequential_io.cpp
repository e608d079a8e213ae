// Parsing and checking a sequential architecture. See sequential_io.hpp.
#include "io/sequential_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint {
namespace {

using json = nlohmann::json;

const std::map<std::string, LayerType>& layer_types() {
  static const std::map<std::string, LayerType> types = {
      {"Conv1d", LayerType::conv1d},
      {"BatchNorm1d", LayerType::batchnorm1d},
      {"ReLU", LayerType::relu},
      {"Exp", LayerType::exp},
      {"GELU", LayerType::gelu},
      {"Softplus", LayerType::softplus},
      {"Sigmoid", LayerType::sigmoid},
      {"Tanh", LayerType::tanh},
      {"MaxPool1d", LayerType::maxpool1d},
      {"AvgPool1d", LayerType::avgpool1d},
      {"GlobalMaxPool1d", LayerType::global_maxpool1d},
      {"GlobalAvgPool1d", LayerType::global_avgpool1d},
      {"AdaptiveMaxPool1d", LayerType::global_maxpool1d},
      {"AdaptiveAvgPool1d", LayerType::global_avgpool1d},
      {"Flatten", LayerType::flatten},
      {"Linear", LayerType::linear},
      {"Dropout", LayerType::dropout}};
  return types;
}

// Errors of one layer: "<source>: layer 2 ('0', Conv1d): <what>".
struct LayerContext {
  std::string where;
  [[noreturn]] void fail(const std::string& what) const { throw Error(where + ": " + what); }

  // An integer key (a one-element list, as PyTorch stores kernel_size, is accepted).
  int integer(const json& j, const char* key, long lo, long hi,
              std::optional<int> fallback = {}) const {
    if (!j.contains(key) || j[key].is_null()) {
      if (fallback) return *fallback;
      fail(std::string("missing '") + key + "'");
    }
    json v = j[key];
    if (v.is_array() && v.size() == 1) v = v[0];
    if (!v.is_number_integer()) fail(std::string("'") + key + "' must be an integer");
    if (v.is_number_unsigned() &&
        v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
      fail(std::string("'") + key + "' is " + std::to_string(v.get<unsigned long long>()) +
           ", expected " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    const long long x = v.get<long long>();
    if (x < lo || x > hi) {
      fail(std::string("'") + key + "' is " + std::to_string(x) + ", expected " +
           std::to_string(lo) + ".." + std::to_string(hi));
    }
    return static_cast<int>(x);
  }
  bool boolean(const json& j, const char* key) const {  // absent: true (PyTorch's default)
    if (!j.contains(key)) return true;
    if (!j[key].is_boolean()) fail(std::string("'") + key + "' must be true or false");
    return j[key].get<bool>();
  }
  double real(const json& j, const char* key, double fallback) const {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number()) fail(std::string("'") + key + "' must be a number");
    const double x = j[key].get<double>();
    if (!std::isfinite(x)) fail(std::string("'") + key + "' must be finite");
    return x;
  }
};

constexpr long kMaxDim = std::numeric_limits<int>::max();
constexpr long kMaxLayerFloats = 1L << 28;

void conv_padding(const json& j, const LayerContext& c, SequentialLayer& l) {
  // dilation·(K−1) in 64 bits: both may be 2^20, whose product does not fit an int.
  const long span = static_cast<long>(l.dilation) * (l.kernel - 1);
  if (span > (1L << 20)) {
    c.fail("its receptive field dilation*(kernel_size-1)+1 = " + std::to_string(span + 1) +
           " is above the limit of " + std::to_string((1L << 20) + 1));
  }
  const json p = j.contains("padding") ? j["padding"] : json("valid");
  if (p.is_string() && p == "same") {
    l.pad_left = static_cast<int>(span / 2);
    l.pad_right = static_cast<int>(span - l.pad_left);
  } else if (p.is_string() && p == "valid") {
    l.pad_left = l.pad_right = 0;
  } else if (p.is_number_integer() || (p.is_array() && p.size() == 1)) {
    l.pad_left = l.pad_right = c.integer(j, "padding", 0, 1 << 20);
  } else {
    c.fail("padding must be \"same\", \"valid\" or an integer");
  }
}

// The keys each layer type takes (beyond "type" and "name"): its constructor's arguments that
// mint reads. PyTorch arguments mint runs only at their defaults are accepted at those values
// (checked in default_only); any other key is an error, so that a setting mint would ignore
// (padding_mode "circular", ceil_mode true, ...) never gives silently different numbers.
const std::set<std::string>& known_keys(LayerType type) {
  static const std::map<LayerType, std::set<std::string>> keys = {
      {LayerType::conv1d,
       {"in_channels", "out_channels", "kernel_size", "padding", "dilation", "bias", "stride",
        "groups", "padding_mode"}},
      {LayerType::batchnorm1d,
       {"num_features", "eps", "momentum", "affine", "track_running_stats"}},
      {LayerType::maxpool1d,
       {"kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"}},
      {LayerType::avgpool1d,
       {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}},
      {LayerType::global_maxpool1d, {"output_size", "return_indices"}},
      {LayerType::global_avgpool1d, {"output_size"}},
      {LayerType::flatten, {"start_dim", "end_dim"}},
      {LayerType::linear, {"in_features", "out_features", "bias"}},
      {LayerType::softplus, {"beta", "threshold"}},
      {LayerType::gelu, {"approximate"}},
      {LayerType::dropout, {"p", "inplace"}},
      {LayerType::relu, {"inplace"}},
  };
  static const std::set<std::string> none;
  const auto it = keys.find(type);
  return it == keys.end() ? none : it->second;
}

// Unknown keys, and PyTorch settings mint supports only at their default values.
void check_keys(const json& j, const LayerContext& c, LayerType type) {
  const std::set<std::string>& known = known_keys(type);
  for (const auto& [key, value] : j.items()) {
    if (key == "type" || key == "name") continue;
    if (!known.count(key)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      c.fail("unknown key '" + key + "' (" + to_string(type) +
             (list.empty() ? " takes no keys)" : " takes: " + list + ")"));
    }
  }
  auto only = [&](const char* key, const json& fallback, const char* what) {
    if (j.contains(key) && !j[key].is_null() && j[key] != fallback) {
      c.fail(std::string("unsupported setting ") + key + " = " + j[key].dump() + " (" + what + ")");
    }
  };
  only("padding_mode", "zeros", "only \"zeros\"");
  only("ceil_mode", false, "only false");
  only("return_indices", false, "only false");
  only("affine", true, "only true");
  only("track_running_stats", true, "only true");
  if (type == LayerType::maxpool1d) c.integer(j, "dilation", 1, 1, 1);
  if (type == LayerType::avgpool1d && j.contains("divisor_override") &&
      !j["divisor_override"].is_null()) {
    c.fail("unsupported setting divisor_override (only null)");
  }
  if (j.contains("inplace") && !j["inplace"].is_boolean()) {
    c.fail("'inplace' must be true or false");
  }
  if (j.contains("count_include_pad") && !j["count_include_pad"].is_boolean()) {
    c.fail("'count_include_pad' must be true or false");  // no padding: either gives the same
  }
}

// Reads one layer's keys and walks the shape (channels, length) — length 0 once flat.
void read_layer(const json& j, const LayerContext& c, SequentialLayer& l, int& ch, int& len) {
  const bool flat = len == 0;
  auto need_map = [&] {
    if (flat) c.fail("needs (channels, length) input, but the activations are already flat");
  };
  check_keys(j, c, l.type);
  switch (l.type) {
    case LayerType::conv1d: {
      need_map();
      l.in = c.integer(j, "in_channels", 1, kMaxDim);
      l.out = c.integer(j, "out_channels", 1, kMaxDim);
      l.kernel = c.integer(j, "kernel_size", 1, 1 << 20);
      l.dilation = c.integer(j, "dilation", 1, 1 << 20, 1);
      if (c.integer(j, "stride", 1, 1 << 20, 1) != 1) c.fail("stride must be 1");
      if (c.integer(j, "groups", 1, kMaxDim, 1) != 1) c.fail("groups must be 1");
      l.bias = c.boolean(j, "bias");
      if (l.in != ch) {
        c.fail("in_channels " + std::to_string(l.in) + " but its input has " + std::to_string(ch) +
               " channels");
      }
      conv_padding(j, c, l);
      const long out_len = static_cast<long>(len) + l.pad_left + l.pad_right -
                           static_cast<long>(l.dilation) * (l.kernel - 1);
      if (out_len < 1) {
        c.fail("its receptive field (" +
               std::to_string(static_cast<long>(l.dilation) * (l.kernel - 1) + 1) +
               ") is longer than its padded input (" + std::to_string(len) + ")");
      }
      ch = l.out;
      len = static_cast<int>(out_len);
      break;
    }
    case LayerType::batchnorm1d:
      need_map();
      l.in = l.out = c.integer(j, "num_features", 1, kMaxDim);
      l.eps = c.real(j, "eps", 1e-5);
      l.momentum = j.contains("momentum") && j["momentum"].is_null()
                       ? -1.0  // PyTorch's None: the cumulative moving average
                       : c.real(j, "momentum", 0.1);
      if (l.momentum > 1) c.fail("momentum must be in [0, 1] or null");
      if (!(l.eps > 0)) c.fail("eps must be positive");
      if (l.in != ch) {
        c.fail("num_features " + std::to_string(l.in) + " but its input has " + std::to_string(ch) +
               " channels");
      }
      break;
    case LayerType::maxpool1d:
    case LayerType::avgpool1d:
      need_map();
      l.kernel = c.integer(j, "kernel_size", 1, 1 << 20);
      l.stride = c.integer(j, "stride", 1, 1 << 20, l.kernel);
      if (c.integer(j, "padding", 0, 0, 0) != 0) c.fail("padding must be 0");
      if (l.kernel > len) {
        c.fail("kernel_size " + std::to_string(l.kernel) + " is longer than its input (" +
               std::to_string(len) + ")");
      }
      len = (len - l.kernel) / l.stride + 1;
      break;
    case LayerType::global_maxpool1d:
    case LayerType::global_avgpool1d:
      need_map();
      if (j.contains("output_size") && c.integer(j, "output_size", 1, 1) != 1) {
        c.fail("output_size must be 1");
      }
      len = 1;
      break;
    case LayerType::flatten:
      need_map();
      if (c.integer(j, "start_dim", 1, 1, 1) != 1 || c.integer(j, "end_dim", -1, -1, -1) != -1) {
        c.fail("only Flatten(start_dim=1, end_dim=-1) is supported");
      }
      ch = static_cast<int>(static_cast<long>(ch) * len);  // ≤ kMaxLayerFloats: checked before
      len = 0;
      break;
    case LayerType::linear:
      if (!flat) c.fail("needs flat input: put a Flatten before it");
      l.in = c.integer(j, "in_features", 1, kMaxDim);
      l.out = c.integer(j, "out_features", 1, kMaxDim);
      l.bias = c.boolean(j, "bias");
      if (l.in != ch) {
        c.fail("in_features " + std::to_string(l.in) + " but its input has " + std::to_string(ch) +
               " features");
      }
      ch = l.out;
      break;
    case LayerType::softplus:
      l.beta = c.real(j, "beta", 1.0);
      l.threshold = c.real(j, "threshold", 20.0);
      if (l.beta == 0) c.fail("beta must be non-zero (Softplus divides by it)");
      break;
    case LayerType::gelu:
      l.approximate = j.value("approximate", std::string("none"));
      if (l.approximate != "none" && l.approximate != "tanh") {
        c.fail("approximate must be \"none\" or \"tanh\"");
      }
      break;
    case LayerType::dropout:
      l.p = c.real(j, "p", 0.5);
      if (l.p < 0 || l.p > 1) c.fail("p is " + std::to_string(l.p) + ", expected 0..1");
      break;
    default:
      break;  // elementwise, no keys
  }
  l.channels_after = ch;
  l.length_after = len;
  // Sizes checked before anything is allocated: a layer's weights, and the activations of one
  // sequence, each at most kMaxLayerFloats (1 GiB of float32).
  const double weights = l.type == LayerType::conv1d   ? 1.0 * l.out * l.in * l.kernel
                         : l.type == LayerType::linear ? 1.0 * l.out * l.in
                                                       : 0.0;
  if (weights > kMaxLayerFloats) {
    c.fail("its weights would hold " + std::to_string(static_cast<long long>(weights)) +
           " values (at most " + std::to_string(kMaxLayerFloats) + ")");
  }
  if (1.0 * ch * std::max(len, 1) > kMaxLayerFloats) {
    c.fail("its output would hold " + std::to_string(static_cast<long long>(1.0 * ch * len)) +
           " values per sequence (at most " + std::to_string(kMaxLayerFloats) + ")");
  }
}

// One expected tensor: its name, shape and dtype.
struct Expected {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype = "F32";
  bool optional = false;
  std::string layer;
};

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::vector<Expected> expected_tensors(const SequentialArchitecture& arch) {
  std::vector<Expected> out;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const SequentialLayer& l = arch.layers[i];
    const std::string who =
        "layer " + std::to_string(i) + " ('" + l.name + "', " + to_string(l.type) + ")";
    const std::string p = l.name + ".";
    if (l.type == LayerType::conv1d) {
      out.push_back({p + "weight", {l.out, l.in, l.kernel}, "F32", false, who});
      if (l.bias) out.push_back({p + "bias", {l.out}, "F32", false, who});
    } else if (l.type == LayerType::linear) {
      out.push_back({p + "weight", {l.out, l.in}, "F32", false, who});
      if (l.bias) out.push_back({p + "bias", {l.out}, "F32", false, who});
    } else if (l.type == LayerType::batchnorm1d) {
      for (const char* t : {"weight", "bias", "running_mean", "running_var"}) {
        out.push_back({p + t, {l.in}, "F32", false, who});
      }
      out.push_back({p + "num_batches_tracked", {}, "I64", true, who});
    }
  }
  return out;
}

}  // namespace

SequentialArchitecture parse_architecture(const std::string& json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(source + ": the architecture is not valid JSON: " + e.what());
  }
  if (!doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array() ||
      doc["layers"].empty()) {
    throw Error(source + ": the architecture needs a non-empty \"layers\" list");
  }
  SequentialArchitecture arch;
  const LayerContext top{source + ": input"};
  const json input = doc.value("input", json::object());
  if (!input.is_object()) top.fail("must be an object {\"channels\": 4, \"length\": L}");
  arch.channels = top.integer(input, "channels", 4, 4, 4);
  arch.length = top.integer(input, "length", 1, kMaxDim);
  if (4L * arch.length > kMaxLayerFloats) {
    top.fail("'length' " + std::to_string(arch.length) + " would hold " +
             std::to_string(4L * arch.length) + " values per sequence (at most " +
             std::to_string(kMaxLayerFloats) + ")");
  }
  int ch = arch.channels, len = arch.length;
  std::set<std::string> names;
  for (std::size_t i = 0; i < doc["layers"].size(); ++i) {
    const json& j = doc["layers"][i];
    if (!j.is_object()) {
      throw Error(source + ": layer " + std::to_string(i) + ": must be a JSON object, not " +
                  j.type_name());
    }
    for (const char* key : {"type", "name"}) {
      if (j.contains(key) && !j[key].is_string()) {
        throw Error(source + ": layer " + std::to_string(i) + ": '" + key +
                    "' must be a string, not " + j[key].type_name());
      }
    }
    const std::string type = j.value("type", std::string());
    SequentialLayer l;
    l.name = j.value("name", std::to_string(i));
    const LayerContext c{source + ": layer " + std::to_string(i) + " ('" + l.name + "', " +
                         (type.empty() ? "no type" : type) + ")"};
    if (l.name.empty()) c.fail("'name' must not be empty (it prefixes the layer's tensors)");
    const auto it = layer_types().find(type);
    if (it == layer_types().end()) {
      c.fail(
          "unsupported layer type (supported: Conv1d, BatchNorm1d, ReLU, Exp, GELU, "
          "Softplus, Sigmoid, Tanh, MaxPool1d, AvgPool1d, GlobalMaxPool1d, GlobalAvgPool1d, "
          "Flatten, Linear, Dropout)");
    }
    l.type = it->second;
    const bool has_params = l.type == LayerType::conv1d || l.type == LayerType::linear ||
                            l.type == LayerType::batchnorm1d;
    if (has_params && !names.insert(l.name).second) c.fail("a second layer with this name");
    try {
      read_layer(j, c, l, ch, len);
    } catch (const json::exception& e) {
      c.fail(std::string("a key of the wrong type: ") + e.what());
    }
    arch.layers.push_back(l);
  }
  double total = 4.0 * arch.length;  // one sequence's activations over every layer
  for (const SequentialLayer& l : arch.layers) total += static_cast<double>(l.size_after());
  if (total > kMaxLayerFloats) {
    throw Error(source + ": the activations of one sequence would hold " +
                std::to_string(static_cast<long long>(total)) + " values over the " +
                std::to_string(arch.layers.size()) + " layers (at most " +
                std::to_string(kMaxLayerFloats) + ")");
  }
  if (len != 0) {
    throw Error(source + ": the last layer's output is (channels, length) = (" +
                std::to_string(ch) + ", " + std::to_string(len) +
                "); end with Flatten or Linear so each output is one number");
  }
  return arch;
}

void check_sequential_weights(const SequentialArchitecture& arch, const SafeTensors& weights,
                              const std::string& source) {
  std::set<std::string> used;
  for (const Expected& e : expected_tensors(arch)) {
    const auto it = weights.tensors.find(e.name);
    if (it == weights.tensors.end()) {
      if (e.optional) continue;
      throw Error(source + ": " + e.layer + ": missing tensor '" + e.name + "' " +
                  shape_text(e.shape));
    }
    const SafeTensor& t = it->second;
    if (t.dtype != e.dtype) {
      throw Error(source + ": " + e.layer + ": tensor '" + e.name + "' is " + t.dtype +
                  ", expected " + e.dtype);
    }
    if (t.shape != e.shape) {
      throw Error(source + ": " + e.layer + ": tensor '" + e.name + "' has shape " +
                  shape_text(t.shape) + ", expected " + shape_text(e.shape));
    }
    used.insert(e.name);
  }
  for (const auto& [name, t] : weights.tensors) {
    if (!used.count(name)) {
      throw Error(source + ": tensor '" + name + "' belongs to no layer of the architecture");
    }
  }
}

}  // namespace mint

namespace mint {
namespace {

using json = nlohmann::json;

std::vector<float> f32_values(const SafeTensor& t) {
  std::vector<float> v(static_cast<std::size_t>(t.elements()));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

SafeTensor f32_tensor(const std::vector<float>& v, std::vector<std::int64_t> shape) {
  SafeTensor t;
  t.dtype = "F32";
  t.shape = std::move(shape);
  t.data.resize(v.size() * sizeof(float));
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

}  // namespace

std::string architecture_json(const SequentialArchitecture& arch) {
  json layers = json::array();
  for (const SequentialLayer& l : arch.layers) {
    json j = {{"type", to_string(l.type)}, {"name", l.name}};
    switch (l.type) {
      case LayerType::conv1d:
        j["in_channels"] = l.in;
        j["out_channels"] = l.out;
        j["kernel_size"] = l.kernel;
        j["dilation"] = l.dilation;
        j["bias"] = l.bias;
        if (l.pad_left == l.pad_right) {
          j["padding"] = l.pad_left;
        } else {
          j["padding"] = "same";
        }
        break;
      case LayerType::batchnorm1d:
        j["num_features"] = l.in;
        j["eps"] = l.eps;
        j["momentum"] = l.momentum < 0 ? json(nullptr) : json(l.momentum);
        break;
      case LayerType::maxpool1d:
      case LayerType::avgpool1d:
        j["kernel_size"] = l.kernel;
        j["stride"] = l.stride;
        break;
      case LayerType::linear:
        j["in_features"] = l.in;
        j["out_features"] = l.out;
        j["bias"] = l.bias;
        break;
      case LayerType::softplus:
        j["beta"] = l.beta;
        j["threshold"] = l.threshold;
        break;
      case LayerType::gelu:
        j["approximate"] = l.approximate;
        break;
      case LayerType::dropout:
        j["p"] = l.p;
        break;
      default:
        break;
    }
    layers.push_back(j);
  }
  return json{{"input", {{"channels", arch.channels}, {"length", arch.length}}}, {"layers", layers}}
      .dump();
}

SequentialModel sequential_from_safetensors(const SafeTensors& st, const std::string& source,
                                            const std::string& arch_json,
                                            const std::string& arch_source) {
  SequentialModel m;
  if (!arch_json.empty()) {
    m.arch = parse_architecture(arch_json, arch_source.empty() ? source : arch_source);
  } else {
    const auto it = st.metadata.find(kArchitectureKey);
    if (it == st.metadata.end()) {
      throw Error(source + ": no architecture: the metadata has no '" +
                  std::string(kArchitectureKey) + "' (give one with --arch FILE.json)");
    }
    m.arch = parse_architecture(it->second,
                                source + " (metadata '" + std::string(kArchitectureKey) + "')");
  }
  check_sequential_weights(m.arch, st, source);
  m.params = SequentialParams::zeros(m.arch);
  for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
    const SequentialLayer& l = m.arch.layers[i];
    LayerParams& lp = m.params.layers[i];
    auto get = [&](const char* what, std::vector<float>& dst) {
      const auto it = st.tensors.find(l.name + "." + what);
      if (it == st.tensors.end()) return;
      dst = f32_values(it->second);
      for (std::size_t k = 0; k < dst.size(); ++k) {
        if (!std::isfinite(dst[k]) || (std::string(what) == "running_var" && dst[k] < 0.0f)) {
          throw Error(source + ": tensor '" + l.name + "." + what + "' has a " +
                      (std::isfinite(dst[k]) ? "negative" : "non-finite") + " value at index " +
                      std::to_string(k));
        }
      }
    };
    if (l.type == LayerType::conv1d || l.type == LayerType::linear ||
        l.type == LayerType::batchnorm1d) {
      get("weight", lp.weight);
      if (l.bias || l.type == LayerType::batchnorm1d) get("bias", lp.bias);
    }
    if (l.type == LayerType::batchnorm1d) {
      get("running_mean", lp.running_mean);
      get("running_var", lp.running_var);
      const auto it = st.tensors.find(l.name + ".num_batches_tracked");
      if (it != st.tensors.end()) {
        std::memcpy(&lp.num_batches_tracked, it->second.data.data(), sizeof(std::int64_t));
      }
    }
  }
  return m;
}

SafeTensors sequential_to_safetensors(const SequentialModel& m) {
  SafeTensors st;
  st.metadata["format"] = "pt";
  st.metadata[kArchitectureKey] = architecture_json(m.arch);
  for (std::size_t i = 0; i < m.arch.layers.size(); ++i) {
    const SequentialLayer& l = m.arch.layers[i];
    const LayerParams& lp = m.params.layers[i];
    const std::string p = l.name + ".";
    if (l.type == LayerType::conv1d) {
      st.tensors[p + "weight"] = f32_tensor(lp.weight, {l.out, l.in, l.kernel});
      if (l.bias) st.tensors[p + "bias"] = f32_tensor(lp.bias, {l.out});
    } else if (l.type == LayerType::linear) {
      st.tensors[p + "weight"] = f32_tensor(lp.weight, {l.out, l.in});
      if (l.bias) st.tensors[p + "bias"] = f32_tensor(lp.bias, {l.out});
    } else if (l.type == LayerType::batchnorm1d) {
      st.tensors[p + "weight"] = f32_tensor(lp.weight, {l.in});
      st.tensors[p + "bias"] = f32_tensor(lp.bias, {l.in});
      st.tensors[p + "running_mean"] = f32_tensor(lp.running_mean, {l.in});
      st.tensors[p + "running_var"] = f32_tensor(lp.running_var, {l.in});
      SafeTensor t;
      t.dtype = "I64";
      t.data.resize(sizeof(std::int64_t));
      std::memcpy(t.data.data(), &lp.num_batches_tracked, sizeof(std::int64_t));
      st.tensors[p + "num_batches_tracked"] = t;
    }
  }
  return st;
}

SequentialArchitecture read_architecture(const std::string& path, int length) {
  SequentialArchitecture a = parse_architecture(read_file(path), path);
  if (length > 0 && a.length != length) {
    throw Error(path + ": the architecture's input length is " + std::to_string(a.length) +
                " but the sequences have length " + std::to_string(length));
  }
  return a;
}

int first_conv_channels(const SequentialArchitecture& arch) {
  for (const SequentialLayer& l : arch.layers) {
    if (l.type == LayerType::conv1d) return l.out;
  }
  return 0;
}

}  // namespace mint

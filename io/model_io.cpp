// Model files ↔ Model. See model_io.hpp for the layout and the rules that resolve L, P and the
// padding from shapes, metadata and hints.
#include "io/model_io.hpp"

#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace mint {

namespace {

constexpr const char* kMintVersion = "0.1.0";
constexpr const char* kBnNames[] = {"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                                    "bn.num_batches_tracked"};
constexpr const char* kOtherNames[] = {"conv.weight", "conv.bias", "fc1.weight", "fc1.bias",
                                       "fc2.weight",  "fc2.bias",  "fc3.weight", "fc3.bias"};

using Shape = std::vector<std::int64_t>;

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The multi-index of flat element i of a C-order tensor, as "[1, 0, 3]".
std::string index_string(const Shape& shape, std::size_t i) {
  Shape index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    const auto extent = static_cast<std::size_t>(shape[d]);
    index[d] = static_cast<std::int64_t>(i % extent);
    i /= extent;
  }
  return shape_string(index);
}

// Shortest decimal that reads back as exactly v ("1e-05", "0.1").
std::string format_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The first non-finite element, as "nan at [1, 0, 3]"; empty when all are finite.
std::string first_non_finite(const std::vector<float>& v, const Shape& shape) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return std::string(std::isnan(v[i]) ? "nan"
                         : v[i] > 0       ? "inf"
                                          : "-inf") +
             " at " + index_string(shape, i);
    }
  }
  return {};
}

SafeTensor f32_tensor(const std::vector<float>& v, Shape shape) {
  SafeTensor t{"F32", std::move(shape), {}};
  t.data.resize(v.size() * sizeof(float));
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

// The expected shape of every float tensor of a config, in file order.
std::vector<std::pair<std::string, Shape>> float_shapes(const ModelConfig& c) {
  const std::int64_t f = c.filters, h1 = c.hidden1, h2 = c.hidden2;
  std::vector<std::pair<std::string, Shape>> s = {{"conv.weight", {f, 4, c.width}},
                                                  {"conv.bias", {f}}};
  if (c.batchnorm) {
    for (const char* name : {"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}) {
      s.push_back({name, {f}});
    }
  }
  s.push_back({"fc1.weight", {h1, c.fc1_inputs()}});
  s.push_back({"fc1.bias", {h1}});
  s.push_back({"fc2.weight", {h2, h1}});
  s.push_back({"fc2.bias", {h2}});
  s.push_back({"fc3.weight", {1, h2}});
  s.push_back({"fc3.bias", {1}});
  return s;
}

// The parameter vector that holds tensor `name`.
template <typename Params>
auto& param(Params& p, const std::string& name) {
  if (name == "conv.weight") return p.conv_weight;
  if (name == "conv.bias") return p.conv_bias;
  if (name == "bn.weight") return p.bn_weight;
  if (name == "bn.bias") return p.bn_bias;
  if (name == "bn.running_mean") return p.bn_running_mean;
  if (name == "bn.running_var") return p.bn_running_var;
  if (name == "fc1.weight") return p.fc1_weight;
  if (name == "fc1.bias") return p.fc1_bias;
  if (name == "fc2.weight") return p.fc2_weight;
  if (name == "fc2.bias") return p.fc2_bias;
  if (name == "fc3.weight") return p.fc3_weight;
  return p.fc3_bias;
}

// Reads one file's tensors and metadata; every error starts with the source.
class Reader {
 public:
  Reader(const SafeTensors& st, const std::string& source) : st_(st), source_(source) {}

  [[noreturn]] void fail(const std::string& what) const { throw Error(source_ + ": " + what); }

  bool has(const std::string& name) const { return st_.tensors.count(name) != 0; }

  const SafeTensor& tensor(const std::string& name) const {
    const auto it = st_.tensors.find(name);
    if (it == st_.tensors.end()) fail("missing tensor '" + name + "'");
    return it->second;
  }

  // The dimensions of a float tensor of the given rank, each ≥ 1 and within int.
  std::vector<int> dims(const std::string& name, std::size_t rank, const char* layout) const {
    const SafeTensor& t = check_dtype(name, "F32");
    if (t.shape.size() != rank) {
      fail("tensor '" + name + "' has shape " + shape_string(t.shape) + ", expected " + layout);
    }
    std::vector<int> out;
    for (std::int64_t d : t.shape) {
      if (d < 1 || d > INT_MAX) {
        fail("tensor '" + name + "' has shape " + shape_string(t.shape) + ", expected " + layout +
             " with every dimension in [1, " + std::to_string(INT_MAX) + "]");
      }
      out.push_back(static_cast<int>(d));
    }
    return out;
  }

  // A float32 tensor checked for dtype, shape and finiteness.
  std::vector<float> floats(const std::string& name, const Shape& shape) const {
    const SafeTensor& t = check_dtype(name, "F32");
    if (t.shape != shape) {
      fail("tensor '" + name + "' has shape " + shape_string(t.shape) + ", expected " +
           shape_string(shape));
    }
    std::vector<float> v(t.data.size() / sizeof(float));
    std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
    const std::string bad = first_non_finite(v, shape);
    if (!bad.empty()) fail("tensor '" + name + "' has a non-finite value: " + bad);
    return v;
  }

  std::int64_t int64_scalar(const std::string& name) const {
    const SafeTensor& t = check_dtype(name, "I64");
    if (!t.shape.empty()) {
      fail("tensor '" + name + "' has shape " + shape_string(t.shape) + ", expected [] (a scalar)");
    }
    std::int64_t v = 0;
    std::memcpy(&v, t.data.data(), sizeof v);
    return v;
  }

  const std::string* meta(const std::string& key) const {
    const auto it = st_.metadata.find(key);
    return it == st_.metadata.end() ? nullptr : &it->second;
  }

  std::optional<int> meta_int(const std::string& key) const {
    const std::string* s = meta(key);
    if (!s) return std::nullopt;
    int v = 0;
    const auto r = std::from_chars(s->data(), s->data() + s->size(), v);
    if (s->empty() || r.ec != std::errc() || r.ptr != s->data() + s->size()) {
      fail("metadata '" + key + "' is '" + *s + "', not an integer");
    }
    return v;
  }

  std::optional<double> meta_double(const std::string& key) const {
    const std::string* s = meta(key);
    if (!s) return std::nullopt;
    double v = 0;
    const auto r = std::from_chars(s->data(), s->data() + s->size(), v);
    if (s->empty() || r.ec != std::errc() || r.ptr != s->data() + s->size() || !std::isfinite(v)) {
      fail("metadata '" + key + "' is '" + *s + "', not a finite number");
    }
    return v;
  }

 private:
  const SafeTensor& check_dtype(const std::string& name, const char* dtype) const {
    const SafeTensor& t = tensor(name);
    if (t.dtype != dtype) {
      fail("tensor '" + name + "' has dtype " + t.dtype + ", expected " + dtype +
           (std::strcmp(dtype, "F32") == 0 ? " (mint model weights are float32)" : ""));
    }
    // Parsed files are consistent already; this guards SafeTensors built in memory.
    const auto need = static_cast<std::size_t>(t.elements()) * safetensors_dtype_size(t.dtype);
    if (t.data.size() != need) {
      fail("tensor '" + name + "' has " + std::to_string(t.data.size()) +
           " data bytes, its shape " + shape_string(t.shape) + " needs " + std::to_string(need));
    }
    return t;
  }

  const SafeTensors& st_;
  const std::string& source_;
};

// A metadata value for F, K, H1 or H2 must agree with what the shapes say.
void check_agrees(const Reader& r, const char* key, int from_shape, const std::string& tensor) {
  const std::optional<int> v = r.meta_int(key);
  if (v && *v != from_shape) {
    r.fail("metadata " + std::string(key) + " = " + std::to_string(*v) +
           " disagrees with tensor '" + tensor + "', which gives " + key + " = " +
           std::to_string(from_shape));
  }
}

// L or P: the hint, else the metadata; both must be positive.
int resolve_size(const Reader& r, std::optional<int> hint, const char* key, const char* flag,
                 const char* what) {
  const std::optional<int> recorded = r.meta_int(key);
  if (!hint && !recorded) {
    r.fail(std::string("the ") + what + " is not in the file's metadata; pass " + flag);
  }
  const int v = hint ? *hint : *recorded;
  if (v < 1) {
    r.fail(std::string("the ") + what + " " + key + " = " + std::to_string(v) + " (from " +
           (hint ? std::string(flag) : "the metadata") + ") must be positive");
  }
  return v;
}

}  // namespace

SafeTensors model_to_safetensors(const Model& model) {
  const ModelConfig& c = model.config;
  c.validate();
  SafeTensors st;
  for (const auto& [name, shape] : float_shapes(c)) {
    const std::vector<float>& v = param(model.params, name);
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    if (static_cast<std::int64_t>(v.size()) != n) {
      throw Error("model tensor '" + name + "' has " + std::to_string(v.size()) +
                  " values, its shape " + shape_string(shape) + " needs " + std::to_string(n));
    }
    const std::string bad = first_non_finite(v, shape);
    if (!bad.empty()) {
      throw Error("model tensor '" + name + "' has a non-finite value (" + bad +
                  "); a diverged model is not saved");
    }
    st.tensors[name] = f32_tensor(v, shape);
  }
  if (c.batchnorm) {
    SafeTensor t{"I64", {}, std::vector<char>(sizeof(std::int64_t))};
    std::memcpy(t.data.data(), &model.params.bn_num_batches_tracked, sizeof(std::int64_t));
    st.tensors["bn.num_batches_tracked"] = std::move(t);
  }
  st.metadata = {{"format", "pt"},
                 {"arch", "mint-cnn"},
                 {"mint_version", kMintVersion},
                 {"L", std::to_string(c.length)},
                 {"F", std::to_string(c.filters)},
                 {"K", std::to_string(c.width)},
                 {"P", std::to_string(c.pool)},
                 {"H1", std::to_string(c.hidden1)},
                 {"H2", std::to_string(c.hidden2)},
                 {"padding", to_string(c.padding)},
                 {"activation", to_string(c.activation)},
                 {"batchnorm", c.batchnorm ? "true" : "false"},
                 {"bn_eps", format_double(c.bn_eps)},
                 {"bn_momentum", format_double(c.bn_momentum)}};
  return st;
}

namespace {

// Names: nothing unknown, BatchNorm all or nothing (num_batches_tracked may be absent).
// Returns whether the model has BatchNorm.
bool check_names(const Reader& r, const SafeTensors& st) {
  std::set<std::string> known(std::begin(kOtherNames), std::end(kOtherNames));
  known.insert(std::begin(kBnNames), std::end(kBnNames));
  for (const auto& [name, t] : st.tensors) {
    if (!known.count(name)) {
      r.fail("unexpected tensor '" + name +
             "' (a mint model has only conv.*, bn.*, fc1.*, fc2.* and fc3.* tensors; a "
             "general sequential model needs its architecture: --arch FILE.json)");
    }
  }
  std::string present, missing;
  for (const char* name : kBnNames) {
    std::string& list = r.has(name) ? present : missing;
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  const bool batchnorm = !present.empty();
  if (batchnorm && !missing.empty() && missing != "bn.num_batches_tracked") {
    r.fail("incomplete BatchNorm: the file has " + present + " but not " + missing +
           " (a model has all bn.* tensors or none)");
  }
  for (const char* name : kOtherNames) r.tensor(name);  // "missing tensor '...'"

  if (const std::string* s = r.meta("batchnorm")) {
    if (*s != "true" && *s != "false") {
      r.fail("metadata 'batchnorm' is '" + *s + "', expected true or false");
    }
    if ((*s == "true") != batchnorm) {
      r.fail("metadata says batchnorm = " + *s + " but the file has " +
             (batchnorm ? "bn.* tensors" : "no bn.* tensors"));
    }
  }

  return batchnorm;
}

// F, K, H1, H2 from the shapes (the metadata must agree); returns W, fc1's inputs per filter.
int shape_sizes(const Reader& r, ModelConfig& c) {
  const std::vector<int> conv = r.dims("conv.weight", 3, "(F, 4, K)");
  if (conv[1] != 4) {
    r.fail("tensor 'conv.weight' has shape " + shape_string(r.tensor("conv.weight").shape) +
           ", expected (F, 4, K): the input has 4 channels (A, C, G, T)");
  }
  const std::vector<int> fc1 = r.dims("fc1.weight", 2, "(H1, F*W)");
  const std::vector<int> fc2 = r.dims("fc2.weight", 2, "(H2, H1)");
  c.filters = conv[0];
  c.width = conv[2];
  c.hidden1 = fc1[0];
  c.hidden2 = fc2[0];
  check_agrees(r, "F", c.filters, "conv.weight");
  check_agrees(r, "K", c.width, "conv.weight");
  check_agrees(r, "H1", c.hidden1, "fc1.weight");
  check_agrees(r, "H2", c.hidden2, "fc2.weight");
  if (fc1[1] % c.filters != 0) {
    r.fail("tensor 'fc1.weight' has " + std::to_string(fc1[1]) +
           " inputs, not a multiple of the F = " + std::to_string(c.filters) + " filters");
  }
  return fc1[1] / c.filters;
}

// L, P from hints or metadata; the padding from the width W that fc1 implies.
void resolve_geometry(const Reader& r, const ModelHints& hints, int w, ModelConfig& c) {
  c.length = resolve_size(r, hints.length, "L", "--length", "sequence length");
  c.pool = resolve_size(r, hints.pool, "P", "--pool-width", "pool width");
  std::optional<Padding> recorded_padding;
  if (const std::string* s = r.meta("padding")) {
    if (*s != "same" && *s != "valid") {
      r.fail("metadata 'padding' is '" + *s + "', expected same or valid");
    }
    recorded_padding = parse_padding(*s);
  }
  const std::optional<Padding> fixed = hints.padding ? hints.padding : recorded_padding;
  auto pooled = [&](Padding p) {
    const int lc = p == Padding::same ? c.length : c.length - c.width + 1;
    return lc > 0 ? lc / c.pool : 0;
  };
  std::vector<Padding> fits;
  for (Padding p : {Padding::same, Padding::valid}) {
    if ((!fixed || *fixed == p) && pooled(p) == w) fits.push_back(p);
  }
  if (fits.empty()) {
    std::string origin;
    auto note = [&](const std::string& what) { origin += "; " + what; };
    const std::optional<int> meta_l = r.meta_int("L"), meta_p = r.meta_int("P");
    if (hints.length) {
      note("L from --length" +
           (meta_l ? " (the metadata says " + std::to_string(*meta_l) + ")" : std::string()));
    }
    if (hints.pool) {
      note("P from --pool-width" +
           (meta_p ? " (the metadata says " + std::to_string(*meta_p) + ")" : std::string()));
    }
    if (fixed) {
      note("padding '" + to_string(*fixed) + "' from " +
           (hints.padding ? "--padding" : "the metadata"));
    }
    r.fail("tensor 'fc1.weight' has " + std::to_string(c.filters * w) +
           " inputs = F*W with F = " + std::to_string(c.filters) + ", W = " + std::to_string(w) +
           ", but L = " + std::to_string(c.length) + ", K = " + std::to_string(c.width) + ", P = " +
           std::to_string(c.pool) + " give W = " + std::to_string(pooled(Padding::same)) +
           " with 'same' padding and W = " + std::to_string(pooled(Padding::valid)) +
           " with 'valid'" + origin);
  }
  if (fits.size() == 2) {
    r.fail("both 'same' and 'valid' padding give fc1's W = " + std::to_string(w) +
           " with L = " + std::to_string(c.length) + ", K = " + std::to_string(c.width) + ", P = " +
           std::to_string(c.pool) + " and the metadata records no padding; pass --padding");
  }
  c.padding = fits[0];
}

}  // namespace

Model model_from_safetensors(const SafeTensors& st, const std::string& source,
                             const ModelHints& hints) {
  const Reader r(st, source);
  ModelConfig c;
  c.batchnorm = check_names(r, st);
  const bool batchnorm = c.batchnorm;
  const int w = shape_sizes(r, c);
  resolve_geometry(r, hints, w, c);
  c.activation = Activation::relu;
  if (const std::string* s = r.meta("activation")) {
    if (*s != "relu" && *s != "exp") {
      r.fail("metadata 'activation' is '" + *s + "', expected relu or exp");
    }
    c.activation = parse_activation(*s);
  }
  if (hints.activation) c.activation = *hints.activation;
  if (const auto eps = r.meta_double("bn_eps")) c.bn_eps = *eps;
  if (const auto momentum = r.meta_double("bn_momentum")) c.bn_momentum = *momentum;
  try {
    c.validate();
  } catch (const Error& e) {
    r.fail(e.what());
  }

  // Every tensor: dtype, shape, finite values.
  Model m;
  m.config = c;
  for (const auto& [name, shape] : float_shapes(c)) param(m.params, name) = r.floats(name, shape);
  if (batchnorm) {
    for (std::size_t i = 0; i < m.params.bn_running_var.size(); ++i) {
      if (m.params.bn_running_var[i] < 0) {
        r.fail("tensor 'bn.running_var' has a negative variance " +
               format_double(m.params.bn_running_var[i]) + " at [" + std::to_string(i) + "]");
      }
    }
    if (r.has("bn.num_batches_tracked")) {
      m.params.bn_num_batches_tracked = r.int64_scalar("bn.num_batches_tracked");
    }
  }
  return m;
}

void save_model(const std::string& path, const Model& model) {
  SafeTensors st;
  try {
    st = model.is_sequential() ? sequential_to_safetensors(*model.sequential)
                               : model_to_safetensors(model);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  write_safetensors(path, st);
}

Model load_model(const std::string& path, const ModelHints& hints) {
  const SafeTensors st = read_safetensors(path);
  if (!hints.arch.empty() || st.metadata.count(kArchitectureKey)) {
    if (hints.pool || hints.padding || hints.activation) {
      throw Error(path +
                  ": --pool-width, --padding and --activation describe the paper's model; "
                  "a general sequential model's architecture is its JSON");
    }
    const std::string json = hints.arch.empty() ? "" : read_file(hints.arch);
    Model m = Model::general(sequential_from_safetensors(st, path, json, hints.arch), path);
    if (hints.length && *hints.length != m.config.length) {
      throw Error(path + ": --length " + std::to_string(*hints.length) +
                  " but the architecture's input length is " + std::to_string(m.config.length));
    }
    return m;
  }
  Model m = model_from_safetensors(st, path, hints);
  m.source = path;
  return m;
}

std::vector<Model> load_models(const std::vector<std::string>& paths, const ModelHints& hints) {
  std::vector<Model> models;
  for (const std::string& p : paths) models.push_back(load_model(p, hints));
  return models;
}

}  // namespace mint

// Model files: the PyTorch-written Captum fixtures load (F, K, H1, H2 from the shapes, L and P
// from the metadata, 'valid' padding resolved from fc1's width) with the values an independent
// NumPy reading found (tests/data/captum_weights_sums.json, make_captum_weights_sums.py);
// save → load is bitwise exact; files without mint's metadata load with hints and fail clearly
// without them; every corrupt, truncated, mis-shaped or non-finite file fails with one line
// that starts with its path and names the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/model_io.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

const std::string kCaptum = MINT_TEST_DATA_DIR "/captum/";
const char* const kCases[] = {"small", "paper4", "paper32", "maxpool_ties"};

std::string fixture(const std::string& name) { return kCaptum + name + "/weights.safetensors"; }

// Every parameter vector of a model with its state-dict name.
std::vector<std::pair<std::string, const std::vector<float>*>> named(const ModelParams& p) {
  return {{"conv.weight", &p.conv_weight},
          {"conv.bias", &p.conv_bias},
          {"bn.weight", &p.bn_weight},
          {"bn.bias", &p.bn_bias},
          {"bn.running_mean", &p.bn_running_mean},
          {"bn.running_var", &p.bn_running_var},
          {"fc1.weight", &p.fc1_weight},
          {"fc1.bias", &p.fc1_bias},
          {"fc2.weight", &p.fc2_weight},
          {"fc2.bias", &p.fc2_bias},
          {"fc3.weight", &p.fc3_weight},
          {"fc3.bias", &p.fc3_bias}};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expect_same_config(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.length, b.length);
  EXPECT_EQ(a.filters, b.filters);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.pool, b.pool);
  EXPECT_EQ(a.hidden1, b.hidden1);
  EXPECT_EQ(a.hidden2, b.hidden2);
  EXPECT_EQ(a.padding, b.padding);
  EXPECT_EQ(a.batchnorm, b.batchnorm);
  EXPECT_EQ(a.activation, b.activation);
  EXPECT_EQ(a.bn_eps, b.bn_eps);
  EXPECT_EQ(a.bn_momentum, b.bn_momentum);
}

void expect_same_model(const Model& a, const Model& b) {
  expect_same_config(a.config, b.config);
  for (std::size_t i = 0; i < named(a.params).size(); ++i) {
    EXPECT_TRUE(same_bits(*named(a.params)[i].second, *named(b.params)[i].second))
        << named(a.params)[i].first;
  }
  EXPECT_EQ(a.params.bn_num_batches_tracked, b.params.bn_num_batches_tracked);
}

// Expects fn to throw one line that starts with "<path>: " and contains reason.
void expect_error(const std::function<void()>& fn, const std::string& path,
                  const std::string& reason, const std::string& label) {
  try {
    fn();
    ADD_FAILURE() << label << ": accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << label << ": " << what;
    EXPECT_NE(what.find(reason), std::string::npos) << label << ": " << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << label << ": " << what;
  }
}

// Random values in every tensor (N(0, 3)), including -0, a denormal and extremes of float32,
// and (with BatchNorm) a random batch counter: what save → load must keep bit for bit.
Model extreme_value_model(const ModelConfig& c, std::uint64_t seed) {
  Model m = init_model(c, seed);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (auto* v : m.params.trainable()) {
    for (float& x : *v) x = normal(rng);
  }
  for (float& x : m.params.bn_running_mean) x = normal(rng);
  for (float& x : m.params.bn_running_var) x = std::abs(normal(rng));
  m.params.conv_weight[0] = -0.0f;
  m.params.fc1_weight.back() = std::numeric_limits<float>::denorm_min();
  m.params.fc2_bias[0] = std::numeric_limits<float>::max();
  m.params.fc3_bias[0] = -std::numeric_limits<float>::min();
  if (c.batchnorm) m.params.bn_num_batches_tracked = static_cast<std::int64_t>(rng() >> 1);
  return m;
}

TEST(ModelIo, LoadsThePyTorchFixtures) {
  std::ifstream in(MINT_TEST_DATA_DIR "/captum_weights_sums.json");
  ASSERT_TRUE(in) << "tests/data/captum_weights_sums.json";
  const auto sums = nlohmann::json::parse(in);
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const Model m = load_model(fixture(name));
    const auto& expected = sums.at(name);
    const auto& meta = expected.at("metadata");
    const ModelConfig& c = m.config;
    EXPECT_EQ(std::to_string(c.length), meta.at("L").get<std::string>());
    EXPECT_EQ(std::to_string(c.filters), meta.at("F").get<std::string>());
    EXPECT_EQ(std::to_string(c.width), meta.at("K").get<std::string>());
    EXPECT_EQ(std::to_string(c.pool), meta.at("P").get<std::string>());
    EXPECT_EQ(std::to_string(c.hidden1), meta.at("H1").get<std::string>());
    EXPECT_EQ(std::to_string(c.hidden2), meta.at("H2").get<std::string>());
    EXPECT_EQ(c.padding, Padding::valid);  // not in the metadata: resolved from fc1's width
    EXPECT_TRUE(c.batchnorm);
    EXPECT_EQ(c.activation, Activation::relu);
    EXPECT_EQ(c.bn_eps, 1e-5);
    EXPECT_EQ(c.bn_momentum, 0.1);
    EXPECT_EQ(m.params.bn_num_batches_tracked, 100);

    const auto& tensors = expected.at("tensors");
    EXPECT_EQ(tensors.size(), 13u);
    for (const auto& [tensor, values] : named(m.params)) {
      SCOPED_TRACE(tensor);
      const auto& t = tensors.at(tensor);
      std::int64_t n = 1;
      for (const auto& d : t.at("shape")) n *= d.get<std::int64_t>();
      ASSERT_EQ(static_cast<std::int64_t>(values->size()), n);
      const auto first = t.at("first").get<std::vector<double>>();
      for (std::size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(static_cast<double>((*values)[i]), first[i]);
      }
      EXPECT_EQ(static_cast<double>(values->back()), t.at("last").get<double>());
      double sum = 0, abs_sum = 0;
      for (float v : *values) {
        sum += v;
        abs_sum += std::abs(v);
      }
      // float64 sums of the same float32 values in different orders: rounding only.
      EXPECT_NEAR(sum, t.at("sum").get<double>(), 1e-12 * abs_sum);
      EXPECT_NEAR(abs_sum, t.at("abs_sum").get<double>(), 1e-12 * abs_sum);
    }
  }
}

TEST(ModelIo, SaveLoadRoundTripIsBitwiseExact) {
  const std::string dir = test::scratch_dir("model_io");
  std::vector<ModelConfig> configs;
  ModelConfig c;  // the defaults: L 250, F 32, K 12, P 10, same, BN, relu
  configs.push_back(c);
  c = {};
  c.length = 61, c.filters = 1, c.width = 7, c.pool = 4, c.hidden1 = 3, c.hidden2 = 1;
  c.padding = Padding::valid, c.batchnorm = false, c.activation = Activation::exp;
  configs.push_back(c);
  c = {};
  c.length = 33, c.filters = 7, c.width = 8, c.pool = 3, c.hidden1 = 65, c.hidden2 = 2;
  c.bn_eps = 1e-3, c.bn_momentum = 0.01, c.activation = Activation::exp;  // even K, 'same'
  configs.push_back(c);
  c = {};
  c.length = 1, c.filters = 2, c.width = 1, c.pool = 1, c.hidden1 = 1, c.hidden2 = 1;
  c.bn_eps = 0.1 + 0.2, c.bn_momentum = 1.0 / 3;  // decimals that need 17 digits
  configs.push_back(c);
  for (std::size_t i = 0; i < configs.size(); ++i) {
    for (std::uint64_t seed : test::kSeeds) {
      SCOPED_TRACE("config " + std::to_string(i) + ", seed " + std::to_string(seed));
      const Model m = extreme_value_model(configs[i], seed);
      const std::string path = dir + "/m" + std::to_string(i) + ".safetensors";
      save_model(path, m);
      const Model back = load_model(path);
      expect_same_model(m, back);
      // Saving again gives the same bytes.
      const std::string again = dir + "/again.safetensors";
      save_model(again, back);
      EXPECT_EQ(read_file(again), read_file(path));
    }
  }
}

TEST(ModelIo, WritesPyTorchNamesAndMintMetadata) {
  ModelConfig c;
  c.length = 100, c.filters = 4, c.width = 5, c.pool = 10;
  const SafeTensors st = model_to_safetensors(init_model(c, 1));
  std::vector<std::string> names;
  for (const auto& [name, t] : st.tensors) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"bn.bias", "bn.num_batches_tracked", "bn.running_mean",
                                             "bn.running_var", "bn.weight", "conv.bias",
                                             "conv.weight", "fc1.bias", "fc1.weight", "fc2.bias",
                                             "fc2.weight", "fc3.bias", "fc3.weight"}));
  EXPECT_EQ(st.tensors.at("bn.num_batches_tracked").dtype, "I64");
  EXPECT_TRUE(st.tensors.at("bn.num_batches_tracked").shape.empty());
  EXPECT_EQ(st.tensors.at("conv.weight").shape, (std::vector<std::int64_t>{4, 4, 5}));
  EXPECT_EQ(st.tensors.at("fc1.weight").shape, (std::vector<std::int64_t>{64, 40}));
  EXPECT_EQ(st.tensors.at("fc3.weight").shape, (std::vector<std::int64_t>{1, 32}));
  EXPECT_EQ(st.tensors.at("fc3.bias").shape, (std::vector<std::int64_t>{1}));
  const std::map<std::string, std::string> meta = {{"format", "pt"},
                                                   {"arch", "mint-cnn"},
                                                   {"mint_version", "0.1.0"},
                                                   {"L", "100"},
                                                   {"F", "4"},
                                                   {"K", "5"},
                                                   {"P", "10"},
                                                   {"H1", "64"},
                                                   {"H2", "32"},
                                                   {"padding", "same"},
                                                   {"activation", "relu"},
                                                   {"batchnorm", "true"},
                                                   {"bn_eps", "1e-05"},
                                                   {"bn_momentum", "0.1"}};
  EXPECT_EQ(st.metadata, meta);

  c.batchnorm = false;
  const SafeTensors plain = model_to_safetensors(init_model(c, 1));
  EXPECT_EQ(plain.tensors.size(), 8u);
  EXPECT_EQ(plain.metadata.at("batchnorm"), "false");
}

TEST(ModelIo, FilesWithoutMetadataNeedHints) {
  const std::string dir = test::scratch_dir("model_io_hints");
  const std::string bare = dir + "/bare.safetensors";
  SafeTensors st = read_safetensors(fixture("small"));
  st.metadata.clear();
  write_safetensors(bare, st);
  const Model full = load_model(fixture("small"));

  // The whole message, as the CLI prints it after "mint: error: ".
  auto message = [](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message([&] { load_model(bare); }),
            bare + ": the sequence length is not in the file's metadata; pass --length");
  ModelHints h;
  h.length = 60;
  EXPECT_EQ(message([&] { load_model(bare, h); }),
            bare + ": the pool width is not in the file's metadata; pass --pool-width");
  h.pool = 4;
  expect_same_model(load_model(bare, h), full);  // 'valid' is the only padding that fits
  h.padding = Padding::same;
  expect_error([&] { load_model(bare, h); }, bare,
               "give W = 15 with 'same' padding and W = 13 with 'valid'; L from --length; P from "
               "--pool-width; padding 'same' from --padding",
               "wrong --padding");
  h.padding.reset();
  h.length = 62;
  expect_error([&] { load_model(bare, h); }, bare,
               "has 52 inputs = F*W with F = 4, W = 13, but L = 62, K = 7, P = 4 give W = 15 "
               "with 'same' padding and W = 14 with 'valid'; L from --length",
               "wrong --length");
  h.length = 61;  // (61 − 7 + 1) // 4 = 13 as well: fits, and the hint is all there is
  EXPECT_EQ(load_model(bare, h).config.length, 61);

  // L = 61, K = 2, P = 4: 'same' and 'valid' both give W = 15.
  ModelConfig c;
  c.length = 61, c.filters = 3, c.width = 2, c.pool = 4, c.hidden1 = 5, c.hidden2 = 4;
  const Model twofold = extreme_value_model(c, 3);
  SafeTensors amb = model_to_safetensors(twofold);
  amb.metadata.erase("padding");
  const std::string ambiguous = dir + "/ambiguous.safetensors";
  write_safetensors(ambiguous, amb);
  expect_error([&] { load_model(ambiguous); }, ambiguous,
               "both 'same' and 'valid' padding give fc1's W = 15 with L = 61, K = 2, P = 4 and "
               "the metadata records no padding; pass --padding",
               "ambiguous padding");
  ModelHints p;
  p.padding = Padding::same;
  expect_same_model(load_model(ambiguous, p), twofold);
  p.padding = Padding::valid;
  EXPECT_EQ(load_model(ambiguous, p).config.padding, Padding::valid);
}

TEST(ModelIo, HintsOverrideTheMetadataOnlyWhenTheShapesAgree) {
  const std::string path = fixture("small");
  ModelHints h;
  h.length = 61;  // the metadata says 60; 61 gives the same W with 'valid'
  EXPECT_EQ(load_model(path, h).config.length, 61);
  h.length = 64;
  expect_error([&] { load_model(path, h); }, path, "L from --length (the metadata says 60)",
               "--length against the metadata");
  h = {};
  h.pool = 5;
  expect_error([&] { load_model(path, h); }, path, "P from --pool-width (the metadata says 4)",
               "--pool-width against the metadata");
  h = {};
  h.padding = Padding::same;
  expect_error([&] { load_model(path, h); }, path, "padding 'same' from --padding",
               "--padding against the shapes");
  h = {};
  h.activation = Activation::exp;  // cannot be checked against shapes: the flag wins
  EXPECT_EQ(load_model(path, h).config.activation, Activation::exp);
  h = {};
  h.length = 0;
  expect_error([&] { load_model(path, h); }, path,
               "the sequence length L = 0 (from --length) must be positive", "--length 0");

  // A mint file records its padding; a --padding that contradicts the shapes is refused.
  const std::string dir = test::scratch_dir("model_io_override");
  ModelConfig c;
  c.length = 60, c.filters = 4, c.width = 7, c.pool = 4, c.hidden1 = 16, c.hidden2 = 8;
  const std::string saved = dir + "/same.safetensors";
  save_model(saved, init_model(c, 5));
  h.length.reset();
  h.padding = Padding::valid;
  expect_error([&] { load_model(saved, h); }, saved, "padding 'valid' from --padding",
               "--padding against a mint file");
  h.padding = Padding::same;
  EXPECT_EQ(load_model(saved, h).config.padding, Padding::same);
}

// One way to damage a model file.
struct Damage {
  const char* label;
  std::function<void(SafeTensors&)> edit;
  const char* reason;
};

void set_float(SafeTensors& st, const std::string& name, std::size_t i, float v) {
  std::memcpy(st.tensors.at(name).data.data() + i * sizeof(float), &v, sizeof v);
}

// (insert_or_assign of std::strings: GCC 12 warns falsely, -Wrestrict, on map[k] = "literal".)
void set_meta(SafeTensors& st, const std::string& key, const std::string& value) {
  st.metadata.insert_or_assign(key, value);
}

void reshape(SafeTensors& st, const std::string& name, std::vector<std::int64_t> shape) {
  SafeTensor& t = st.tensors.at(name);
  t.shape = std::move(shape);
  t.data.resize(static_cast<std::size_t>(t.elements()) * 4);
}

TEST(ModelIo, DamagedModelsFailWithTheirReason) {
  const std::string dir = test::scratch_dir("model_io_damaged");
  const SafeTensors good = read_safetensors(fixture("small"));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Damage cases[] = {
      {"nan_conv_weight",
       [&](SafeTensors& st) { set_float(st, "conv.weight", 1 * 28 + 2 * 7 + 3, nan); },
       "tensor 'conv.weight' has a non-finite value: nan at [1, 2, 3]"},
      {"inf_fc2_bias", [&](SafeTensors& st) { set_float(st, "fc2.bias", 5, inf); },
       "tensor 'fc2.bias' has a non-finite value: inf at [5]"},
      {"minus_inf_bn_mean", [&](SafeTensors& st) { set_float(st, "bn.running_mean", 0, -inf); },
       "tensor 'bn.running_mean' has a non-finite value: -inf at [0]"},
      {"negative_running_var", [&](SafeTensors& st) { set_float(st, "bn.running_var", 2, -0.5f); },
       "tensor 'bn.running_var' has a negative variance -0.5 at [2]"},
      {"missing_fc3_bias", [](SafeTensors& st) { st.tensors.erase("fc3.bias"); },
       "missing tensor 'fc3.bias'"},
      {"missing_conv_weight", [](SafeTensors& st) { st.tensors.erase("conv.weight"); },
       "missing tensor 'conv.weight'"},
      {"extra_tensor",
       [](SafeTensors& st) { st.tensors["fc4.weight"] = st.tensors.at("fc3.weight"); },
       "unexpected tensor 'fc4.weight'"},
      {"partial_bn", [](SafeTensors& st) { st.tensors.erase("bn.running_var"); },
       "incomplete BatchNorm: the file has bn.weight, bn.bias, bn.running_mean, "
       "bn.num_batches_tracked but not bn.running_var"},
      {"only_num_batches_tracked",
       [](SafeTensors& st) {
         for (const char* n : {"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}) {
           st.tensors.erase(n);
         }
       },
       "incomplete BatchNorm"},
      {"f64_conv_weight",
       [](SafeTensors& st) {
         SafeTensor& t = st.tensors.at("conv.weight");
         t.dtype = "F64";
         t.data.resize(t.data.size() * 2);
       },
       "tensor 'conv.weight' has dtype F64, expected F32 (mint model weights are float32)"},
      {"f16_fc1_bias",
       [](SafeTensors& st) {
         SafeTensor& t = st.tensors.at("fc1.bias");
         t.dtype = "F16";
         t.data.resize(t.data.size() / 2);
       },
       "tensor 'fc1.bias' has dtype F16, expected F32"},
      {"f32_num_batches_tracked",
       [](SafeTensors& st) {
         SafeTensor& t = st.tensors.at("bn.num_batches_tracked");
         t.dtype = "F32";
         t.data.resize(4);
       },
       "tensor 'bn.num_batches_tracked' has dtype F32, expected I64"},
      {"fc1_wrong_width",
       [](SafeTensors& st) {
         reshape(st, "fc1.weight", {16, 48});
       },
       "tensor 'fc1.weight' has 48 inputs = F*W with F = 4, W = 12, but L = 60, K = 7, P = 4 "
       "give W = 15 with 'same' padding and W = 13 with 'valid'"},
      {"fc1_not_multiple_of_f",
       [](SafeTensors& st) {
         reshape(st, "fc1.weight", {16, 50});
       },
       "tensor 'fc1.weight' has 50 inputs, not a multiple of the F = 4 filters"},
      {"fc1_rank_3",
       [](SafeTensors& st) {
         reshape(st, "fc1.weight", {16, 4, 13});
       },
       "tensor 'fc1.weight' has shape [16, 4, 13], expected (H1, F*W)"},
      {"fc2_wrong_inputs",
       [](SafeTensors& st) {
         reshape(st, "fc2.weight", {8, 15});
       },
       "tensor 'fc2.weight' has shape [8, 15], expected [8, 16]"},
      {"fc3_transposed",
       [](SafeTensors& st) {
         reshape(st, "fc3.weight", {8, 1});
       },
       "tensor 'fc3.weight' has shape [8, 1], expected [1, 8]"},
      {"conv_3_channels",
       [](SafeTensors& st) {
         reshape(st, "conv.weight", {4, 3, 7});
       },
       "tensor 'conv.weight' has shape [4, 3, 7], expected (F, 4, K)"},
      {"conv_zero_filters",
       [](SafeTensors& st) {
         reshape(st, "conv.weight", {0, 4, 7});
       },
       "tensor 'conv.weight' has shape [0, 4, 7], expected (F, 4, K) with every dimension"},
      {"conv_bias_too_long", [](SafeTensors& st) { reshape(st, "conv.bias", {5}); },
       "tensor 'conv.bias' has shape [5], expected [4]"},
      {"bn_weight_scalar", [](SafeTensors& st) { reshape(st, "bn.weight", {}); },
       "tensor 'bn.weight' has shape [], expected [4]"},
      {"num_batches_tracked_vector",
       [](SafeTensors& st) {
         SafeTensor& t = st.tensors.at("bn.num_batches_tracked");
         t.shape = {1};
       },
       "tensor 'bn.num_batches_tracked' has shape [1], expected [] (a scalar)"},
      {"metadata_f_disagrees", [](SafeTensors& st) { set_meta(st, "F", "8"); },
       "metadata F = 8 disagrees with tensor 'conv.weight', which gives F = 4"},
      {"metadata_h2_disagrees", [](SafeTensors& st) { set_meta(st, "H2", "9"); },
       "metadata H2 = 9 disagrees with tensor 'fc2.weight', which gives H2 = 8"},
      {"metadata_l_not_integer", [](SafeTensors& st) { set_meta(st, "L", "60.0"); },
       "metadata 'L' is '60.0', not an integer"},
      {"metadata_p_empty", [](SafeTensors& st) { set_meta(st, "P", ""); },
       "metadata 'P' is '', not an integer"},
      {"metadata_k_overflow", [](SafeTensors& st) { set_meta(st, "K", "99999999999"); },
       "metadata 'K' is '99999999999', not an integer"},
      {"metadata_eps_text", [](SafeTensors& st) { set_meta(st, "bn_eps", "small"); },
       "metadata 'bn_eps' is 'small', not a finite number"},
      {"metadata_eps_nan", [](SafeTensors& st) { set_meta(st, "bn_eps", "nan"); },
       "metadata 'bn_eps' is 'nan', not a finite number"},
      {"metadata_eps_zero", [](SafeTensors& st) { set_meta(st, "bn_eps", "0"); },
       "bn_eps must be positive"},
      {"metadata_padding", [](SafeTensors& st) { set_meta(st, "padding", "full"); },
       "metadata 'padding' is 'full', expected same or valid"},
      {"metadata_padding_wrong", [](SafeTensors& st) { set_meta(st, "padding", "same"); },
       "padding 'same' from the metadata"},
      {"metadata_activation", [](SafeTensors& st) { set_meta(st, "activation", "tanh"); },
       "metadata 'activation' is 'tanh', expected relu or exp"},
      {"metadata_batchnorm_word", [](SafeTensors& st) { set_meta(st, "batchnorm", "yes"); },
       "metadata 'batchnorm' is 'yes', expected true or false"},
      {"metadata_batchnorm_false", [](SafeTensors& st) { set_meta(st, "batchnorm", "false"); },
       "metadata says batchnorm = false but the file has bn.* tensors"},
  };
  for (const Damage& d : cases) {
    SafeTensors st = good;
    d.edit(st);
    const std::string path = dir + "/" + d.label + ".safetensors";
    write_safetensors(path, st);
    expect_error([&] { load_model(path); }, path, d.reason, d.label);
  }
}

TEST(ModelIo, CorruptFilesFailWithTheirReason) {
  const std::string dir = test::scratch_dir("model_io_corrupt");
  const std::string raw = read_file(fixture("paper4"));
  std::uint64_t n = 0;
  std::memcpy(&n, raw.data(), 8);
  const std::string header = raw.substr(8, n), data = raw.substr(8 + n);
  // The same data under an edited header text (re-padded, length prefix recomputed).
  auto with_header = [&](std::string text, const std::string& payload) {
    text.append((8 - text.size() % 8) % 8, ' ');
    std::string out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
    return out + text + payload;
  };
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string h = header;
    const auto at = h.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return with_header(h.replace(at, from.size(), to), data);
  };
  // The same data with one tensor's header entry dropped.
  auto without_entry = [&](const std::string& name) {
    auto h = nlohmann::ordered_json::parse(header);
    h.erase(name);
    return with_header(h.dump(), data);
  };
  std::string big_length = raw;
  big_length[3] = 1;  // 2^24 + n
  const std::pair<std::string, std::string> cases[] = {
      {raw.substr(0, 0), "shorter than the 8-byte header length"},
      {raw.substr(0, 5), "shorter than the 8-byte header length"},
      {raw.substr(0, 8), "header length 1056 is larger than the 0 bytes"},
      {raw.substr(0, 100), "header length 1056 is larger than the 92 bytes"},
      {raw.substr(0, 8 + n), "run past the 0-byte data region"},
      {raw.substr(0, 8 + n + 100), "run past the 100-byte data region"},
      {raw.substr(0, raw.size() - 1), "run past the 33115-byte data region"},
      {big_length, "is larger than the"},
      {edit("\"fc3.bias\"", "\"fc3.bias"), "not valid JSON"},
      {edit("[32984,33112]", "[32980,33112]"),
       "hold 132 bytes, but shape [1, 32] of F32 needs 128"},
      {edit("[32984,33112]", "[32980,33108]"),
       "tensor 'fc3.weight' (bytes [32980, 33108)) overlaps tensor 'fc2.bias'"},
      {edit("[33112,33116]", "[33116,33120]"), "run past the 33116-byte data region"},
      {with_header(header, data + "junk"), "4 trailing bytes after the last tensor"},
      {edit("[0,768]", "[4,772]"), "a gap of 4 unused bytes before tensor 'conv.weight'"},
      {without_entry("fc3.weight"), "a gap of 128 unused bytes before tensor 'fc3.bias'"},
      {edit("\"F32\",\"shape\":[64,92]", "\"F31\",\"shape\":[64,92]"),
       "tensor 'fc1.weight': unknown dtype 'F31'"},
      {edit("\"bn_eps\":\"1e-05\"", "\"bn_eps\":1e-05"),
       "metadata value of 'bn_eps' is not a string"},
  };
  int i = 0;
  for (const auto& [bytes, reason] : cases) {
    const std::string path = dir + "/corrupt" + std::to_string(i++) + ".safetensors";
    write_file_atomic(path, bytes);
    expect_error([&] { load_model(path); }, path + ": not a valid safetensors file", reason, path);
  }
}

TEST(ModelIo, OptionalPiecesOfAPyTorchStateDict) {
  const std::string dir = test::scratch_dir("model_io_optional");
  const Model full = load_model(fixture("paper32"));
  // Without bn.num_batches_tracked (as PyTorch accepts): it becomes 0.
  SafeTensors st = read_safetensors(fixture("paper32"));
  st.tensors.erase("bn.num_batches_tracked");
  write_safetensors(dir + "/no_tracked.safetensors", st);
  Model m = load_model(dir + "/no_tracked.safetensors");
  EXPECT_EQ(m.params.bn_num_batches_tracked, 0);
  EXPECT_TRUE(same_bits(m.params.bn_running_var, full.params.bn_running_var));
  // Without any bn.*: a model without BatchNorm.
  for (const char* n : {"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"}) {
    st.tensors.erase(n);
  }
  write_safetensors(dir + "/no_bn.safetensors", st);
  m = load_model(dir + "/no_bn.safetensors");
  EXPECT_FALSE(m.config.batchnorm);
  EXPECT_TRUE(m.params.bn_weight.empty());
  EXPECT_TRUE(same_bits(m.params.fc1_weight, full.params.fc1_weight));
  // Without activation and bn_eps: the PyTorch defaults.
  st.metadata.erase("activation");
  st.metadata.erase("bn_eps");
  write_safetensors(dir + "/defaults.safetensors", st);
  m = load_model(dir + "/defaults.safetensors");
  EXPECT_EQ(m.config.activation, Activation::relu);
  EXPECT_EQ(m.config.bn_eps, 1e-5);
}

TEST(ModelIo, InMemoryTensorsWithTooFewBytesAreRefused) {
  SafeTensors st = read_safetensors(fixture("small"));
  st.tensors.at("fc1.bias").data.resize(60);
  expect_error([&] { model_from_safetensors(st, "memory", {}); }, "memory",
               "tensor 'fc1.bias' has 60 data bytes, its shape [16] needs 64", "short data");
  st = read_safetensors(fixture("small"));
  st.tensors.at("bn.num_batches_tracked").data.clear();
  expect_error([&] { model_from_safetensors(st, "memory", {}); }, "memory",
               "tensor 'bn.num_batches_tracked' has 0 data bytes, its shape [] needs 8",
               "empty scalar");
}

TEST(ModelIo, SaveRefusesBrokenModels) {
  const std::string dir = test::scratch_dir("model_io_save");
  ModelConfig c;
  c.length = 60, c.filters = 4, c.width = 7, c.pool = 4, c.hidden1 = 16, c.hidden2 = 8;
  Model m = init_model(c, 1);
  m.params.fc1_weight.pop_back();
  const std::string path = dir + "/m.safetensors";
  expect_error([&] { save_model(path, m); }, path,
               "model tensor 'fc1.weight' has 959 values, its shape [16, 60] needs 960",
               "short fc1");
  m = init_model(c, 1);
  m.params.fc2_weight[17] = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { save_model(path, m); }, path,
               "model tensor 'fc2.weight' has a non-finite value (nan at [1, 1])", "nan");
  m = init_model(c, 1);
  m.config.width = 61;
  expect_error([&] { save_model(path, m); }, path, "longer than the sequence length", "K > L");
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace mint

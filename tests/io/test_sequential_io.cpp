// The sequential architecture format (io/sequential_io.hpp): the three fixture architectures of
// tests/data/sequential (written by mint.torch.export_sequential) parse, walk to their outputs and
// match their weights; every malformed architecture or mismatched weight is one error naming the
// layer.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "core/error.hpp"
#include "core/model.hpp"
#include "io/npy.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"

namespace mint {
namespace {

const std::string kDir = std::string(MINT_TEST_DATA_DIR) + "/sequential/";
const char* kCases[] = {"dilated_conv_maxpool", "exp_global_avgpool", "two_output_head"};

SafeTensors fixture(const std::string& name) {
  return read_safetensors(kDir + name + "/model.safetensors");
}

// The error message of parse (and, with weights, check) or "" when it passes.
std::string error_of(const std::string& json_text, const SafeTensors* weights = nullptr) {
  try {
    const SequentialArchitecture a = parse_architecture(json_text, "arch.json");
    if (weights != nullptr) check_sequential_weights(a, *weights, "arch.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SequentialArchitecture, FixturesParseAndMatchTheirWeights) {
  for (const char* name : kCases) {
    const SafeTensors st = fixture(name);
    ASSERT_TRUE(st.metadata.count("mint.architecture")) << name;
    const SequentialArchitecture a = parse_architecture(st.metadata.at("mint.architecture"), name);
    EXPECT_NO_THROW(check_sequential_weights(a, st, name)) << name;
    const NpyArray logits = read_npy(kDir + name + "/logits.npy");
    ASSERT_EQ(logits.shape.size(), 2u) << name;
    EXPECT_EQ(a.outputs(), logits.shape[1]) << name;
    EXPECT_EQ(a.length, 100) << name;
  }
}

TEST(SequentialArchitecture, ShapesAreWalked) {
  const SequentialArchitecture a =
      parse_architecture(fixture("dilated_conv_maxpool").metadata.at("mint.architecture"), "d");
  ASSERT_EQ(a.layers.size(), 7u);
  EXPECT_EQ(a.layers[2].dilation, 2);
  EXPECT_EQ(a.layers[2].pad_left + a.layers[2].pad_right, 8);  // 'same': dilation·(K−1)
  EXPECT_EQ(a.layers[2].length_after, 100);
  EXPECT_EQ(a.layers[4].length_after, 25);     // MaxPool1d(4)
  EXPECT_EQ(a.layers[5].channels_after, 400);  // Flatten
  const SequentialArchitecture b =
      parse_architecture(fixture("two_output_head").metadata.at("mint.architecture"), "h");
  EXPECT_EQ(b.layers[0].length_after, 94);  // 'valid', K = 7
  EXPECT_EQ(b.layers[3].length_after, 23);
  EXPECT_EQ(b.outputs(), 2);
}

const char* kGood = R"({"input": {"channels": 4, "length": 50}, "layers": [
  {"type": "Conv1d", "name": "0", "in_channels": 4, "out_channels": 3, "kernel_size": 5,
   "padding": "same"},
  {"type": "ReLU", "name": "1"},
  {"type": "AdaptiveMaxPool1d", "name": "2", "output_size": 1},
  {"type": "Flatten", "name": "3"},
  {"type": "Linear", "name": "4", "in_features": 3, "out_features": 1}]})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(SequentialArchitecture, MalformedArchitecturesNameTheLayer) {
  EXPECT_EQ(error_of(kGood), "");
  const struct {
    std::string from, to, message;
  } cases[] = {
      {"\"ReLU\"", "\"LSTM\"", "layer 1 ('1', LSTM): unsupported layer type"},
      {"\"in_channels\": 4", "\"in_channels\": 5", "layer 0 ('0', Conv1d): in_channels 5 but"},
      {"\"in_features\": 3", "\"in_features\": 4", "layer 4 ('4', Linear): in_features 4 but"},
      {"\"padding\": \"same\"", "\"padding\": \"same\", \"stride\": 2", "stride must be 1"},
      {"\"padding\": \"same\"", "\"padding\": \"valid\", \"kernel_size\": 80", "receptive field"},
      {"\"output_size\": 1", "\"output_size\": 2", "output_size"},
      {"{\"type\": \"Flatten\", \"name\": \"3\"},", "", "needs flat input"},
      {"\"kernel_size\": 5", "\"kernel_size\": \"five\"", "'kernel_size' must be an integer"},
      {"\"length\": 50", "\"length\": 0", "input: 'length' is 0"},
      {"\"out_features\": 1}", "\"out_features\": 1, \"bias\": \"yes\"}", "'bias' must be true"},
  };
  for (const auto& c : cases) {
    const std::string got = error_of(replaced(kGood, c.from, c.to));
    EXPECT_NE(got.find(c.message), std::string::npos) << c.to << " → " << got;
    EXPECT_EQ(got.rfind("arch.json: ", 0), 0u) << got;
  }
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"layers": []})").find("non-empty"), std::string::npos);
  const std::string no_flat = R"({"input": {"length": 10}, "layers": [{"type": "ReLU"}]})";
  EXPECT_NE(error_of(no_flat).find("end with Flatten or Linear"), std::string::npos);
}

TEST(SequentialArchitecture, MismatchedWeightsNameTheTensor) {
  const SafeTensors st = fixture("two_output_head");
  const std::string arch = st.metadata.at("mint.architecture");
  EXPECT_EQ(error_of(arch, &st), "");
  SafeTensors missing = st;
  missing.tensors.erase("5.bias");
  EXPECT_NE(error_of(arch, &missing).find("layer 5 ('5', Linear): missing tensor '5.bias'"),
            std::string::npos);
  SafeTensors extra = st;
  extra.tensors["9.weight"] = st.tensors.at("5.bias");
  EXPECT_NE(error_of(arch, &extra).find("'9.weight' belongs to no layer"), std::string::npos);
  SafeTensors shaped = st;
  shaped.tensors.at("0.weight").shape = {8, 4, 6};
  EXPECT_NE(error_of(arch, &shaped).find("'0.weight' has shape [8, 4, 6], expected [8, 4, 7]"),
            std::string::npos);
  SafeTensors typed = st;
  typed.tensors.at("1.running_var").dtype = "F64";
  EXPECT_NE(error_of(arch, &typed).find("'1.running_var' is F64, expected F32"), std::string::npos);
  SafeTensors untracked = st;
  untracked.tensors.erase("1.num_batches_tracked");  // optional, as PyTorch loads it
  EXPECT_EQ(error_of(arch, &untracked), "");
}

// Hostile inputs: settings mint would ignore, non-string names, values out of range and
// integer overflows are each one error naming the layer — never a silently different model.
TEST(SequentialArchitecture, UnsupportedSettingsAndBadValuesAreErrors) {
  const struct {
    std::string from, to, message;
  } cases[] = {
      {"\"padding\": \"same\"", "\"padding\": \"same\", \"padding_mode\": \"circular\"",
       "layer 0 ('0', Conv1d): unsupported setting padding_mode = \"circular\""},
      {"\"padding\": \"same\"", "\"padding\": \"same\", \"padding_mod\": \"zeros\"",
       "layer 0 ('0', Conv1d): unknown key 'padding_mod' (Conv1d takes: bias, "},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}",
       "{\"type\": \"MaxPool1d\", \"name\": \"1\", \"kernel_size\": 2, \"ceil_mode\": true}",
       "layer 1 ('1', MaxPool1d): unsupported setting ceil_mode = true"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}",
       "{\"type\": \"MaxPool1d\", \"name\": \"1\", \"kernel_size\": 2, \"dilation\": 2}",
       "layer 1 ('1', MaxPool1d): 'dilation' is 2, expected 1..1"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}", "{\"type\": \"ReLU\", \"name\": 1}",
       "layer 1: 'name' must be a string, not number"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}", "{\"type\": 5, \"name\": \"1\"}",
       "layer 1: 'type' must be a string, not number"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}", "7", "layer 1: must be a JSON object, not number"},
      {"\"name\": \"0\"", "\"name\": \"\"", "layer 0 ('', Conv1d): 'name' must not be empty"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}", "{\"type\": \"Dropout\", \"p\": 1.5}",
       "layer 1 ('1', Dropout): p is 1.500000, expected 0..1"},
      {"{\"type\": \"ReLU\", \"name\": \"1\"}", "{\"type\": \"Softplus\", \"beta\": 0}",
       "layer 1 ('1', Softplus): beta must be non-zero"},
      {"\"kernel_size\": 5", "\"kernel_size\": 2049, \"dilation\": 1048576",
       "its receptive field dilation*(kernel_size-1)+1 = 2147483649 is above the limit"},
      {"\"length\": 50", "\"length\": 18446744073709551615",
       "input: 'length' is 18446744073709551615, expected 1..2147483647"},
      {"\"length\": 50", "\"length\": 2147483647",
       "input: 'length' 2147483647 would hold 8589934588 values per sequence"},
      {"{\"channels\": 4, \"length\": 50}", "[4, 50]", "input: must be an object"},
  };
  for (const auto& c : cases) {
    const std::string got = error_of(replaced(kGood, c.from, c.to));
    EXPECT_NE(got.find(c.message), std::string::npos) << c.to << " → " << got;
    EXPECT_EQ(got.rfind("arch.json: ", 0), 0u) << got;
  }
  // PyTorch's defaults, as a full export may spell them, are accepted.
  EXPECT_EQ(error_of(replaced(kGood, "\"padding\": \"same\"",
                              "\"padding\": \"same\", \"padding_mode\": \"zeros\", "
                              "\"stride\": 1, \"groups\": 1")),
            "");
  EXPECT_EQ(error_of(replaced(kGood, "{\"type\": \"ReLU\", \"name\": \"1\"}",
                              "{\"type\": \"ReLU\", \"name\": \"1\", \"inplace\": true}")),
            "");
}

// Sizes are checked before anything is allocated: a layer's weights and one sequence's
// activations are each at most 2^28 floats, in the error naming the layer.
TEST(SequentialArchitecture, HugeLayersAreRefusedBeforeAllocating) {
  const std::string conv =
      R"({"input": {"channels": 4, "length": 250}, "layers": [{"type": "Conv1d", "name": "c",
      "in_channels": 4, "out_channels": 4096, "kernel_size": 1000000, "padding": "same"},
      {"type": "GlobalMaxPool1d"}, {"type": "Flatten"}, {"type": "Linear", "name": "fc",
      "in_features": 4096, "out_features": 1}]})";
  EXPECT_EQ(error_of(conv),
            "arch.json: layer 0 ('c', Conv1d): its weights would hold 16384000000 values (at most "
            "268435456)");
  const std::string wide =
      R"({"input": {"channels": 4, "length": 250}, "layers": [{"type": "Conv1d", "name": "c",
      "in_channels": 4, "out_channels": 2000000, "kernel_size": 1, "padding": "valid"},
      {"type": "Flatten"}, {"type": "Linear", "name": "fc", "in_features": 500000000,
      "out_features": 1}]})";
  EXPECT_EQ(error_of(wide),
            "arch.json: layer 0 ('c', Conv1d): its output would hold 500000000 values per "
            "sequence (at most 268435456)");
}

// The architectures shipped in data/architectures (docs/model-defaults.md's candidates) parse and
// take the experiments' L = 250 with one output.
TEST(SequentialArchitecture, ShippedArchitecturesParse) {
  const std::filesystem::path dir = std::filesystem::path(MINT_SOURCE_DIR) / "data/architectures";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const SequentialArchitecture a = read_architecture(entry.path().string(), 250);
    EXPECT_EQ(a.outputs(), 1) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 2);
}

// The experiments' default model (core/sequential.hpp: pooled_conv_architecture) is the
// architecture the MEF2A evidence was measured with, data/architectures/mp10_conv13_gmp.json:
// the same layers with the same settings and shapes, only named as the paper model's tensors.
TEST(SequentialArchitecture, PooledConvArchitectureIsTheShippedOne) {
  const std::filesystem::path file =
      std::filesystem::path(MINT_SOURCE_DIR) / "data/architectures/mp10_conv13_gmp.json";
  const SequentialArchitecture want = read_architecture(file.string(), 250);
  ModelConfig c;
  c.length = 250;
  c.filters = 32;
  c.width = 15;
  c.pool = 10;
  const SequentialArchitecture got = pooled_conv_architecture(c, 13);
  ASSERT_EQ(got.layers.size(), want.layers.size());
  EXPECT_EQ(got.length, want.length);
  for (std::size_t i = 0; i < got.layers.size(); ++i) {
    const SequentialLayer &g = got.layers[i], &w = want.layers[i];
    EXPECT_EQ(g.type, w.type) << i;
    EXPECT_EQ(std::make_tuple(g.in, g.out, g.kernel, g.stride, g.dilation, g.pad_left, g.pad_right,
                              g.bias, g.channels_after, g.length_after),
              std::make_tuple(w.in, w.out, w.kernel, w.stride, w.dilation, w.pad_left, w.pad_right,
                              w.bias, w.channels_after, w.length_after))
        << i;
    EXPECT_EQ(g.eps, w.eps) << i;
    EXPECT_EQ(g.momentum, w.momentum) << i;
  }
  // and it round-trips through the JSON format, so its model files load anywhere
  const SequentialArchitecture back = parse_architecture(architecture_json(got), "json");
  EXPECT_EQ(architecture_json(back), architecture_json(got));
  c.pool = 300;  // no pooled position left
  EXPECT_THROW(pooled_conv_architecture(c, 13), Error);
  c.pool = 10;
  EXPECT_THROW(pooled_conv_architecture(c, 0), Error);
}

}  // namespace
}  // namespace mint

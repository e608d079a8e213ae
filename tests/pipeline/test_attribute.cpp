// attribute_models, the dispatch behind `mint attribute` and `mint experiment`: every method on
// every Captum fixture case matches the fixture (one-hot codes and dense input), with the
// fixture's options (target, IG quadrature, DeepLIFT compat, replayed FP permutations); an
// ensemble is the float64 mean of its members; bad requests fail with one clear error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "pipeline/attribute.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

using test::case_dir;
using test::kCases;
using test::kFixtureTol;
using test::rel_norm;

struct Request {
  const char* file;
  const char* method;
  IgMethod ig_method = IgMethod::gausslegendre;
  int ig_steps = 50;
  DeepLiftCompat compat = DeepLiftCompat::none;
};

TEST(AttributeModels, EveryMethodMatchesTheFixtures) {
  const Request requests[] = {
      {"gradient.npy", "grad"},
      {"saliency_abs.npy", "saliency"},
      {"input_x_gradient.npy", "ixg"},
      {"ig_gausslegendre_50.npy", "ig"},
      {"ig_riemann_right_20.npy", "ig", IgMethod::riemann_right, 20},
      {"deeplift.npy", "deeplift"},
      {"ism.npy", "ism"},
      {"feature_permutation.npy", "fp"},
  };
  for (const char* name : kCases) {
    const std::string dir = case_dir(name);
    const Model model = load_model(dir + "weights.safetensors");
    const SequenceInput input = read_sequences(dir + "inputs.npy");
    ASSERT_TRUE(input.one_hot) << name;
    const std::vector<float> dense = read_npy(dir + "inputs.npy").to_vector<float>();
    const auto perms = read_permutations(dir + "fp_perms.npy");
    for (const Request& q : requests) {
      AttributeOptions o;
      o.method = parse_method(q.method);
      o.ig_method = q.ig_method;
      o.ig_steps = q.ig_steps;
      o.compat = q.compat;
      o.fp_replay = &perms;
      o.compute.device = DeviceChoice::cpu;
      o.compute.threads = 2;
      const auto ref = read_npy(dir + q.file).to_vector<double>();
      for (int path = 0; path < 2; ++path) {
        CnnInput in;
        if (path == 0)
          in.codes = input.codes.data();
        else
          in.dense = dense.data();
        const AttributeResult r = attribute_models({model}, in, input.n, input.length, o);
        EXPECT_EQ(r.where, "cpu");
        ASSERT_EQ(r.values.size(), ref.size()) << name << " " << q.file;
        EXPECT_LT(rel_norm(ref, r.values), kFixtureTol)
            << name << " " << q.file << (path ? " dense" : " one-hot");
      }
    }
  }
}

TEST(AttributeModels, EnsembleIsTheMeanOfItsMembers) {
  const ModelConfig config = test::small_config();
  const std::vector<Model> models = {test::random_model(config, 1), test::random_model(config, 2),
                                     test::random_model(config, 3)};
  const int n = 9;
  const std::vector<std::uint8_t> codes = test::random_codes(n, config.length, 7);
  CnnInput in;
  in.codes = codes.data();
  for (const char* method : {"ig", "deeplift", "fp", "ism", "saliency"}) {
    AttributeOptions o;
    o.method = parse_method(method);
    o.fp_batch = 3;
    o.fp_seed = 11;
    o.compute.device = DeviceChoice::cpu;
    o.compute.threads = 1;
    std::vector<double> mean(static_cast<std::size_t>(n) * 4 * config.length, 0.0);
    for (const Model& m : models) {
      const AttributeResult one = attribute_models({m}, in, n, config.length, o);
      for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += one.values[i];
    }
    std::vector<float> expected(mean.size());
    for (std::size_t i = 0; i < mean.size(); ++i) expected[i] = static_cast<float>(mean[i] / 3);
    const AttributeResult all = attribute_models(models, in, n, config.length, o);
    EXPECT_EQ(all.values, expected) << method;
    if (std::string(method) == "fp") {
      // One permutation per feature (a position: its four channels move together) and batch.
      EXPECT_EQ(all.permutations.size(), static_cast<std::size_t>(config.length) * 3);
    }
  }
}

TEST(AttributeModels, BadRequestsFail) {
  const ModelConfig config = test::small_config();
  const Model model = test::random_model(config, 1);
  const std::vector<std::uint8_t> codes = test::random_codes(2, config.length, 3);
  CnnInput in;
  in.codes = codes.data();
  AttributeOptions o;
  o.compute.device = DeviceChoice::cpu;
  EXPECT_NE(test::error_of([&] {
              o.method = parse_method("shap");
              attribute_models({model}, in, 2, config.length, o);
            }).find("unknown attribution method 'shap'"),
            std::string::npos);
  o.method = Method::ig;
  EXPECT_NE(test::error_of([&] {
              attribute_models({model}, in, 2, config.length + 1, o);
            }).find("expects L = " + std::to_string(config.length)),
            std::string::npos);
  EXPECT_NE(
      test::error_of([&] { attribute_models({}, in, 2, config.length, o); }).find("no models"),
      std::string::npos);
}

}  // namespace
}  // namespace mint

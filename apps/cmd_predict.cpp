// `mint predict --model M [--model M2 …] --data D --out logits.npy`: the logits (N,) float32
// of a data set split or an (N, 4, L) .npy, averaged over the models when several are given
// (pipeline/predict.hpp: the mean in float64, then rounded to float32).
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "io/inputs.hpp"
#include "io/npy.hpp"
#include "options.hpp"
#include "pipeline/predict.hpp"

namespace mint::cli {

void add_predict_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> models;
    std::string data, split = "test", out;
    ModelFlags model;
    DeviceFlags device;
    int target_index = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("predict", "Logits of sequences under one model or an ensemble");
  cmd->add_option("--model", a->models, "Model file(s) (safetensors; mint or PyTorch)")->required();
  cmd->add_option("--data", a->data, "A mint data set directory or an (N,4,L) .npy")->required();
  cmd->add_option("--split", a->split, "Split of a data set: train, valid or test")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output .npy, float32 (N,)")->required();
  cmd->add_option("--target-index", a->target_index,
                  "Which output of a multi-output model (0-based)")
      ->capture_default_str()
      ->transform(integer(0, kInt32Max));
  a->model.add_to(cmd);
  a->device.add_to(cmd);
  cmd->callback([a] {
    require_value("--out", a->out);
    const Compute compute = a->device.compute();
    const SequenceInput input = read_sequences(a->data, a->split);
    const std::vector<Model> models = load_models(a->models, a->model.hints());
    check_lengths(models, input.length, input.source);
    check_outputs(models, a->target_index, "--target-index");
    const std::vector<double> mean = ensemble_mean(
        predict_each(models, input.slice(0), input.n, input.length, compute, {}, a->target_index));
    const std::vector<float> logits(mean.begin(), mean.end());
    write_npy<float>(a->out, {input.n}, logits.data());
    std::printf("mint predict: %lld sequences, %zu model(s) → %s\n",
                static_cast<long long>(input.n), models.size(), a->out.c_str());
  });
}

}  // namespace mint::cli

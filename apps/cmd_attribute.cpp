// `mint attribute --model M --data D --method grad|saliency|ixg|ig|ism --out A.npy`: per-base
// attributions (N, 4, L) float32 of the model's logit, on the CPU backend (see
// include/mint/attribution.hpp). IG uses baseline 0 with --steps nodes of --ig-method
// (Captum's default gausslegendre, 50); ISM is f(mutant) − f(x), 0 at the observed base.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "mint/attribution.hpp"
#include "mint/error.hpp"
#include "mint/npy.hpp"

namespace mint::cli {

void add_attribute_command(CLI::App& app) {
  struct Args {
    std::string model, data, split = "test", out, method, ig_method = "gausslegendre";
    int steps = 50, threads = 0;
    ModelFlags flags;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("attribute", "Per-base attributions (N,4,L) of a model's logit");
  cmd->add_option("--model", a->model, "Model file (safetensors; mint or PyTorch)")->required();
  cmd->add_option("--data", a->data, "A mint data set directory or an (N,4,L) .npy")->required();
  cmd->add_option("--split", a->split, "Split of a data set: train, valid or test")->capture_default_str();
  cmd->add_option("--method", a->method, "grad, saliency, ixg, ig or ism")
      ->required()
      ->check(CLI::IsMember({"grad", "saliency", "ixg", "ig", "ism"}));
  cmd->add_option("--steps", a->steps, "Integrated Gradients: number of steps")->capture_default_str();
  cmd->add_option("--ig-method", a->ig_method,
                  "gausslegendre, riemann_right, riemann_left, riemann_middle or riemann_trapezoid")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--out", a->out, "Output .npy, float32 (N,4,L)")->required();
  a->flags.add_to(cmd);
  cmd->callback([a] {
    const IgMethod ig_method = parse_ig_method(a->ig_method);
    if (a->method == "ig") ig_quadrature(ig_method, a->steps);  // reject bad --steps early
    const SequenceInput input = read_sequences(a->data, a->split);
    const Model model = load_models({a->model}, a->flags.hints()).front();
    if (model.config.length != input.length) {
      throw Error(input.source + ": sequences have length " + std::to_string(input.length) +
                  " but the model expects L = " + std::to_string(model.config.length));
    }
    if (input.n > 0x7fffffff) throw Error(input.source + ": too many sequences");
    const int n = static_cast<int>(input.n);
    CpuCnn cnn(model.config, 256, a->threads);
    const CnnInput in = input.slice(0);
    std::vector<float> attr;
    if (a->method == "grad") attr = gradient(cnn, model.params, in, n);
    else if (a->method == "saliency") attr = saliency(cnn, model.params, in, n);
    else if (a->method == "ixg") attr = input_x_gradient(cnn, model.params, in, n);
    else if (a->method == "ig") attr = integrated_gradients(cnn, model.params, in, n, ig_method, a->steps);
    else attr = ism(cnn, model.params, in, n);
    write_npy<float>(a->out, {input.n, 4, input.length}, attr.data());
    std::printf("mint attribute: %s of %lld sequences → %s\n", a->method.c_str(),
                static_cast<long long>(input.n), a->out.c_str());
  });
}

}  // namespace mint::cli

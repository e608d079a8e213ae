// `mint attribute --model M [--model M2 ...] --data D --method M --out A.npy`: per-base
// attributions (N, 4, L) float32 of the model's logit (or probability, --target prob).
// Several --model files form an ensemble: their attributions are averaged (SPEC §5).
//
//   grad, saliency, ixg, ig   any backend (--device); IG with --steps nodes of --ig-method;
//                             one-hot input on a GPU runs the fused IG kernel
//   deeplift                  CPU or the fused CUDA kernel; Captum with PR #1843/#1847, or
//                             --deeplift-compat captum-0.8
//   fp                        CPU incremental (on a GPU: full forward passes of the permuted
//                             batches); batches of --batch-size, permutations drawn from
//                             --seed or replayed from --permutations P.npy
//   ism                       CPU incremental (or, with --device cuda, full re-evaluation)
// The dispatch is pipeline/attribute.hpp; the methods are ops/gradient, ops/ig, ops/deeplift and
// ops/perturbation.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/inputs.hpp"
#include "io/model_io.hpp"
#include "io/npy.hpp"
#include "ops/common/target.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/ig/ig.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/predict.hpp"

namespace mint::cli {

void add_attribute_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> models;
    std::string data, split = "test", out, method, permutations, save_permutations;
    AttributeFlags attribute;
    ModelFlags flags;
    DeviceFlags device;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("attribute", "Per-base attributions (N,4,L) of a model's output");
  cmd->add_option("--model", a->models,
                  "Model file (safetensors; mint or PyTorch); repeat for an ensemble (averaged)")
      ->required();
  cmd->add_option("--data", a->data, "A mint data set directory or an (N,4,L) .npy")->required();
  cmd->add_option("--split", a->split, "Split of a data set: train, valid or test")
      ->capture_default_str();
  cmd->add_option("--method", a->method, "grad, saliency, ixg, ig, deeplift, fp or ism")
      ->required()
      ->check(CLI::IsMember({"grad", "saliency", "ixg", "ig", "deeplift", "fp", "ism"}));
  a->attribute.add_to(cmd, "--batch-size", "--seed");
  cmd->add_option("--permutations", a->permutations,
                  "Feature permutation: replay these permutations (.npy, one row per feature, "
                  "identity rows skipped as rejected draws)");
  cmd->add_option("--save-permutations", a->save_permutations,
                  "Feature permutation: write the permutations used (.npy, int64)");
  cmd->add_option("--out", a->out, "Output .npy, float32 (N,4,L)")->required();
  a->flags.add_to(cmd);
  a->device.add_to(cmd);
  cmd->callback([a] {
    require_value("--out", a->out);
    const Method method = parse_method(a->method);
    AttributeOptions o = a->attribute.options({method});
    o.method = method;
    o.compute = a->device.compute();
    const bool fp = o.method == Method::fp;
    if (!fp && !a->permutations.empty()) throw Error("--permutations applies to --method fp only");
    if (!fp && !a->save_permutations.empty()) {
      throw Error("--save-permutations applies to --method fp only");
    }
    std::vector<std::vector<std::int64_t>> replay;
    if (!a->permutations.empty()) replay = read_permutations(a->permutations);
    o.fp_replay = replay.empty() ? nullptr : &replay;
    const SequenceInput input = read_sequences(a->data, a->split);
    const std::vector<Model> models = load_models(a->models, a->flags.hints());
    check_lengths(models, input.length, input.source);
    const AttributeResult r = attribute_models(models, input.slice(0), input.n, input.length, o);
    write_npy<float>(a->out, {input.n, 4, input.length}, r.values.data());
    if (!a->save_permutations.empty()) write_permutations(a->save_permutations, r.permutations);
    const char* where = r.where.c_str();
    std::printf("mint attribute: %s (%s) of %lld sequences, %zu model%s, on the %s → %s\n",
                a->method.c_str(), a->attribute.target.c_str(), static_cast<long long>(input.n),
                models.size(), models.size() > 1 ? "s averaged" : "", where, a->out.c_str());
  });
}

}  // namespace mint::cli

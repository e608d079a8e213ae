// attribute_models: the dispatch behind `mint attribute` and `mint experiment`
// (attribute.hpp).
#include "pipeline/attribute.hpp"

#include <memory>

#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig.hpp"
#include "ops/perturbation/perturbation.hpp"

namespace mint {

namespace {

bool is_gradient_family(const std::string& m) {
  return m == "grad" || m == "saliency" || m == "ixg" || m == "ig";
}

std::vector<float> gradient_method(CpuCnn& cnn, const ModelParams& params, const CnnInput& in,
                                   int n, const AttributeOptions& o) {
  if (o.method == "grad") return gradient(cnn, params, in, n, o.target);
  if (o.method == "saliency") return saliency(cnn, params, in, n, o.target);
  if (o.method == "ixg") return input_x_gradient(cnn, params, in, n, o.target);
  return integrated_gradients(cnn, params, in, n, o.ig_method, o.ig_steps, o.target);
}

std::vector<float> gradient_method(CnnBackend& backend, const CnnInput& in, int n,
                                   const AttributeOptions& o) {
  if (o.method == "grad") return gradient(backend, in, n, o.target);
  if (o.method == "saliency") return saliency(backend, in, n, o.target);
  if (o.method == "ixg") return input_x_gradient(backend, in, n, o.target);
  return integrated_gradients(backend, in, n, o.ig_method, o.ig_steps, o.target);
}

FpOptions fp_options(const AttributeOptions& o) {
  FpOptions f;
  f.batch_size = o.fp_batch;
  f.seed = o.fp_seed;
  f.replay = o.fp_replay;
  f.target = o.target;
  f.threads = o.threads;
  return f;
}

// One model's attribution; sets `where` and, for FP, the permutations used.
std::vector<float> attribute_one(const Model& model, const CnnInput& in, int n,
                                 const AttributeOptions& o, bool on_gpu, AttributeResult& r) {
  const ModelConfig& config = model.config;
  const ModelParams& params = model.params;
  const bool codes = in.codes != nullptr;
  r.where = on_gpu ? "cuda" : "cpu";
  if (on_gpu) {
    if (codes && o.method == "ig") {  // fused kernel (ops/ig/ig.cu)
      return integrated_gradients_cuda(config, params, in.codes, in.scale, n,
                                       ig_quadrature(o.ig_method, o.ig_steps), o.target);
    }
    if (codes && o.method == "deeplift") {
      return deeplift_cuda(config, params, in.codes, n, o.compat, o.target, in.scale);
    }
    if (o.method == "fp") {  // Captum's way: every permuted batch through a full forward pass
      auto backend = make_cuda_backend(config, 1024);
      backend->set_params(params);
      r.permutations.clear();
      return feature_permutation(*backend, in, n, fp_options(o), &r.permutations);
    }
    if (is_gradient_family(o.method) || o.method == "ism") {
      auto backend = make_cuda_backend(config, 256);
      backend->set_params(params);
      return o.method == "ism" ? ism(*backend, in, n, o.target)
                               : gradient_method(*backend, in, n, o);
    }
    r.where = "cpu";  // DeepLIFT of dense input: the CPU implementation
  }
  if (is_gradient_family(o.method)) {
    CpuCnn cnn(config, 256, o.threads);  // IG of codes: the fused one-hot path
    return gradient_method(cnn, params, in, n, o);
  }
  if (o.method == "deeplift") {
    return deeplift(config, params, in, n, o.compat, o.target, o.threads);
  }
  if (o.method == "ism") return ism_incremental(config, params, in, n, o.target, o.threads);
  if (o.method == "fp") {
    r.permutations.clear();
    return feature_permutation(config, params, in, n, fp_options(o), &r.permutations);
  }
  throw Error("unknown attribution method '" + o.method +
              "' (expected grad, saliency, ixg, ig, deeplift, fp or ism)");
}

}  // namespace

AttributeResult attribute_models(const std::vector<Model>& models, const CnnInput& input,
                                 std::int64_t n, int length, const AttributeOptions& options) {
  if (models.empty()) throw Error("attribute_models: no models");
  if (n > 0x7fffffff)
    throw Error("too many sequences for one attribution call: " + std::to_string(n));
  const bool on_gpu = use_cuda(options.device);
  const std::size_t size = static_cast<std::size_t>(n) * 4 * static_cast<std::size_t>(length);
  AttributeResult r;
  std::vector<double> sum(models.size() > 1 ? size : 0, 0.0);
  for (const Model& model : models) {
    if (model.config.length != length) {
      throw Error("sequences have length " + std::to_string(length) +
                  " but a model expects L = " + std::to_string(model.config.length));
    }
    r.values = attribute_one(model, input, static_cast<int>(n), options, on_gpu, r);
    if (r.values.size() != size) throw Error("attribute_models: unexpected attribution size");
    if (models.size() > 1) {
      for (std::size_t i = 0; i < size; ++i) sum[i] += r.values[i];
    }
  }
  if (models.size() > 1) {
    for (std::size_t i = 0; i < size; ++i) {
      r.values[i] = static_cast<float>(sum[i] / static_cast<double>(models.size()));
    }
  }
  return r;
}

}  // namespace mint

// attribute_models: the dispatch behind `mint attribute` and `mint experiment`
// (pipeline/attribute.hpp).
#include "pipeline/attribute.hpp"

#include <memory>

#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "pipeline/predict.hpp"

namespace mint {

namespace {

constexpr const char* kMethodNames[] = {"grad", "saliency", "ixg", "ig", "deeplift", "fp", "ism"};

}  // namespace

Method parse_method(const std::string& name) {
  for (Method m : all_methods()) {
    if (name == to_string(m)) return m;
  }
  throw Error("unknown attribution method '" + name +
              "' (expected grad, saliency, ixg, ig, deeplift, fp or ism)");
}

const char* to_string(Method method) { return kMethodNames[static_cast<int>(method)]; }

const std::vector<Method>& all_methods() {
  static const std::vector<Method> all = {Method::grad, Method::saliency, Method::ixg,
                                          Method::ig,   Method::deeplift, Method::fp,
                                          Method::ism};
  return all;
}

namespace {

bool is_gradient_family(Method m) {
  return m == Method::grad || m == Method::saliency || m == Method::ixg || m == Method::ig;
}

std::vector<float> gradient_method(CpuCnn& cnn, const ModelParams& params, const CnnInput& in,
                                   int n, const AttributeOptions& o) {
  if (o.method == Method::grad) return gradient(cnn, params, in, n, o.target);
  if (o.method == Method::saliency) return saliency(cnn, params, in, n, o.target);
  if (o.method == Method::ixg) return input_x_gradient(cnn, params, in, n, o.target);
  return integrated_gradients(cnn, params, in, n, o.ig_method, o.ig_steps, o.target);
}

std::vector<float> gradient_method(CnnBackend& backend, const CnnInput& in, int n,
                                   const AttributeOptions& o) {
  if (o.method == Method::grad) return gradient(backend, in, n, o.target);
  if (o.method == Method::saliency) return saliency(backend, in, n, o.target);
  if (o.method == Method::ixg) return input_x_gradient(backend, in, n, o.target);
  return integrated_gradients(backend, in, n, o.ig_method, o.ig_steps, o.target);
}

FpOptions fp_options(const AttributeOptions& o) {
  FpOptions f;
  f.batch_size = o.fp_batch;
  f.seed = o.fp_seed;
  f.first_batch = o.fp_first_batch;
  f.replay = o.fp_replay;
  f.target = o.target;
  f.threads = o.compute.threads;
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
    if (codes && o.method == Method::ig) {  // fused kernel (ops/ig/ig.cu)
      return integrated_gradients_cuda(config, params, in.codes, in.scale, n,
                                       ig_quadrature(o.ig_method, o.ig_steps), o.target);
    }
    if (codes && o.method == Method::deeplift) {
      return deeplift_cuda(config, params, in.codes, n, o.compat, o.target, in.scale);
    }
    if (o.method == Method::fp) {  // Captum's way: every permuted batch through a full forward pass
      auto backend = make_cuda_backend(config, 1024);
      backend->set_params(params);
      r.permutations.clear();
      return feature_permutation(*backend, in, n, fp_options(o), &r.permutations);
    }
    if (is_gradient_family(o.method) || o.method == Method::ism) {
      auto backend = make_cuda_backend(config, 256);
      backend->set_params(params);
      return o.method == Method::ism ? ism(*backend, in, n, o.target)
                                     : gradient_method(*backend, in, n, o);
    }
    r.where = "cpu";  // DeepLIFT of dense input: the CPU implementation
  }
  if (is_gradient_family(o.method)) {
    CpuCnn cnn(config, 256, o.compute.threads);  // IG of codes: the fused one-hot path
    return gradient_method(cnn, params, in, n, o);
  }
  if (o.method == Method::deeplift) {
    return deeplift(config, params, in, n, o.compat, o.target, o.compute.threads);
  }
  if (o.method == Method::ism)
    return ism_incremental(config, params, in, n, o.target, o.compute.threads);
  if (o.method == Method::fp) {
    r.permutations.clear();
    return feature_permutation(config, params, in, n, fp_options(o), &r.permutations);
  }
  throw Error(std::string("attribution method ") + to_string(o.method) + " has no path");
}

}  // namespace

AttributeResult attribute_models(const std::vector<Model>& models, const CnnInput& input,
                                 std::int64_t n, int length, const AttributeOptions& options) {
  if (models.empty()) throw Error("attribute_models: no models");
  if (n > 0x7fffffff)
    throw Error("too many sequences for one attribution call: " + std::to_string(n));
  const bool on_gpu = options.compute.backend() == Backend::cuda;
  const std::size_t size = static_cast<std::size_t>(n) * 4 * static_cast<std::size_t>(length);
  AttributeResult r;
  std::vector<double> sum(models.size() > 1 ? size : 0, 0.0);
  check_lengths(models, length, "sequences");
  for (const Model& model : models) {
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

// attribute_models: the dispatch behind `mint attribute` and `mint experiment`
// (pipeline/attribute.hpp).
#include "pipeline/attribute.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>

#include "core/device_memory.hpp"
#include "core/error.hpp"
#include "ops/cnn/cnn_backend.hpp"
#include "ops/deeplift/deeplift.hpp"
#include "ops/gradient/gradient.hpp"
#include "ops/ig/ig.hpp"
#include "ops/perturbation/perturbation.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
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

// A general sequential model's attribution: ops/seqnet on the CPU; with an explicit --device cuda
// every method on the GPU (seqnet_cuda.hpp).
std::vector<float> attribute_general(const SequentialModel& m, const CnnInput& in, int n,
                                     const AttributeOptions& o, AttributeResult& r) {
  SeqAttributeOptions so;
  so.target = o.target;
  so.output = o.output;
  so.threads = o.compute.threads;
  r.where = "cpu";
  if (general_on_gpu(o.compute)) {
    r.where = "cuda";
    switch (o.method) {
      case Method::grad:
        return seqnet_gradient_cuda(m, in, n, so);
      case Method::saliency:
        return seqnet_saliency_cuda(m, in, n, so);
      case Method::ixg:
        return seqnet_input_x_gradient_cuda(m, in, n, so);
      case Method::ig:
        return seqnet_integrated_gradients_cuda(m, in, n, o.ig_method, o.ig_steps, so);
      case Method::deeplift:
        return seqnet_deeplift_cuda(m, in, n, o.compat, so);
      case Method::ism:
        return seqnet_ism_cuda(m, in, n, so);
      case Method::fp:
        r.permutations.clear();
        return seqnet_feature_permutation_cuda(m, in, n, fp_options(o), so, &r.permutations);
    }
    throw Error(std::string("attribution method ") + to_string(o.method) + " has no GPU path");
  }
  switch (o.method) {
    case Method::grad:
      return seqnet_gradient(m, in, n, so);
    case Method::saliency:
      return seqnet_saliency(m, in, n, so);
    case Method::ixg:
      return seqnet_input_x_gradient(m, in, n, so);
    case Method::ig:
      return seqnet_integrated_gradients(m, in, n, o.ig_method, o.ig_steps, so);
    case Method::deeplift:
      return seqnet_deeplift(m, in, n, o.compat, so);
    case Method::ism:
      return seqnet_ism(m, in, n, so);
    case Method::fp:
      r.permutations.clear();
      return seqnet_feature_permutation(m, in, n, fp_options(o), so, &r.permutations);
  }
  throw Error(std::string("attribution method ") + to_string(o.method) + " has no path");
}

// One model's attribution; sets `where` and, for FP, the permutations used.
std::vector<float> attribute_one(const Model& model, const CnnInput& in, int n,
                                 const AttributeOptions& o, bool on_gpu, AttributeResult& r) {
  if (model.is_sequential()) return attribute_general(*model.sequential, in, n, o, r);
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

// Every model on n sequences, one call each; the ensemble's mean in float64.
AttributeResult attribute_all(const std::vector<Model>& models, const CnnInput& input,
                              std::int64_t n, int length, const AttributeOptions& options,
                              bool on_gpu) {
  const std::size_t size = static_cast<std::size_t>(n) * 4 * static_cast<std::size_t>(length);
  AttributeResult r;
  std::vector<double> sum(models.size() > 1 ? size : 0, 0.0);
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

// The CUDA backend's largest batch (FP's): chunks of a multiple of it keep every backend batch.
constexpr std::int64_t kGpuChunkAlign = 1024;

std::int64_t round_up(std::int64_t v, std::int64_t m) { return (v + m - 1) / m * m; }

// Sequences per chunk, and the multiple a chunk must stay when split after running out of device
// memory (0: it may not be split); n (one chunk) where chunking could change a result or an error
// message (attribute.hpp). Without a progress hook, one chunk of n that may still be split.
struct ChunkPlan {
  std::int64_t chunk = 0, align = 0;
};

ChunkPlan chunk_plan(const CnnInput& input, std::int64_t n, int length, const AttributeOptions& o,
                     bool on_gpu) {
  if (o.chunk <= 0) throw Error("attribute_models: chunk must be positive");
  if (n <= 1) return {std::max<std::int64_t>(n, 1), 0};
  if (input.codes != nullptr) {
    const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(length);
    for (std::size_t i = 0; i < total; ++i) {
      if (input.codes[i] > 3) return {n, 0};  // the method's own error, naming the sequence
    }
  }
  std::int64_t align = 1;
  if (o.method == Method::fp) {
    if (o.fp_replay != nullptr || o.fp_batch < 2 || n % o.fp_batch == 1) return {n, 0};
    align = o.fp_batch;
  } else if (on_gpu) {
    const bool plain_codes = input.codes != nullptr && input.scale == nullptr;
    if (o.method == Method::ism && !plain_codes) return {n, 0};
    align = kGpuChunkAlign;
  }
  if (!o.progress) return {n, align};
  return {std::min(round_up(o.chunk, align), n), align};
}

// Sequences [first, first + count) of `input`, with sequence 0 in front for DeepLIFT's
// captum-0.8 mode after the first chunk (its fallback gradient is every sequence's).
struct ChunkInput {
  CnnInput input;
  std::int64_t n = 0;
  std::int64_t skip = 0;  // leading results that are not the chunk's (0 or 1)
  std::vector<std::uint8_t> codes;
  std::vector<float> floats;  // scale or dense
};

void chunk_input(const CnnInput& in, std::int64_t first, std::int64_t count, int length,
                 bool row0_first, ChunkInput& c) {
  c.input = offset(in, first, length);
  c.n = count;
  c.skip = 0;
  if (!row0_first || first == 0) return;
  const auto L = static_cast<std::size_t>(length);
  const auto rows = static_cast<std::size_t>(count);
  const auto at = static_cast<std::size_t>(first);
  c.input = CnnInput{};
  c.n = count + 1;
  c.skip = 1;
  if (in.codes != nullptr) {
    c.codes.assign(in.codes, in.codes + L);
    c.codes.insert(c.codes.end(), in.codes + at * L, in.codes + (at + rows) * L);
    c.input.codes = c.codes.data();
    if (in.scale != nullptr) {
      c.floats.assign(in.scale, in.scale + 1);
      c.floats.insert(c.floats.end(), in.scale + at, in.scale + at + rows);
      c.input.scale = c.floats.data();
    }
  } else {
    c.floats.assign(in.dense, in.dense + 4 * L);
    c.floats.insert(c.floats.end(), in.dense + at * 4 * L, in.dense + (at + rows) * 4 * L);
    c.input.dense = c.floats.data();
  }
}

// attribute_all chunk by chunk, reporting after each (attribute.hpp: the same bits). A chunk that
// runs out of device memory is tried again in halves (core/device_memory.hpp).
AttributeResult attribute_chunked(const std::vector<Model>& models, const CnnInput& input,
                                  std::int64_t n, int length, const AttributeOptions& options,
                                  bool on_gpu) {
  const ChunkPlan plan = chunk_plan(input, n, length, options, on_gpu);
  std::int64_t chunk = plan.chunk;
  report_progress(options.progress, 0, n);
  AttributeOptions o = options;
  o.progress = nullptr;
  const bool row0_first = o.method == Method::deeplift && o.compat == DeepLiftCompat::captum_0_8;
  const std::size_t row = 4 * static_cast<std::size_t>(length);
  AttributeResult r;
  ChunkInput c;
  for (std::int64_t first = 0; first < n;) {
    const std::int64_t count = std::min(chunk, n - first);
    if (o.method == Method::fp) {
      o.fp_first_batch = options.fp_first_batch + static_cast<int>(first / o.fp_batch);
    }
    AttributeResult part;
    try {
      if (count == n) {
        part = attribute_all(models, input, n, length, o, on_gpu);
      } else {
        chunk_input(input, first, count, length, row0_first, c);
        part = attribute_all(models, c.input, c.n, length, o, on_gpu);
      }
      report_progress(options.progress, first + count, n);
      if (count == n) {
        r = std::move(part);
      } else {
        if (r.values.empty()) r.values.resize(static_cast<std::size_t>(n) * row);
        std::copy(part.values.begin() + static_cast<std::ptrdiff_t>(c.skip * row),
                  part.values.end(), r.values.begin() + static_cast<std::ptrdiff_t>(first * row));
        r.where = part.where;
        r.permutations.insert(r.permutations.end(),
                              std::make_move_iterator(part.permutations.begin()),
                              std::make_move_iterator(part.permutations.end()));
      }
    } catch (const DeviceOutOfMemory& e) {
      const std::int64_t smaller = plan.align > 0 ? halved_chunk(count, plan.align) : 0;
      if (smaller == 0) {
        throw DeviceOutOfMemory(std::string(e.what()) + "; " + to_string(o.method) + " of " +
                                std::to_string(count) + " sequences does not fit in device memory" +
                                (plan.align > 0 ? " (the smallest chunk)" : " (one call)"));
      }
      device_memory_notice("device out of memory in " + std::string(to_string(o.method)) + " of " +
                           std::to_string(count) + " sequences; retrying in chunks of " +
                           std::to_string(smaller) + " (" + e.what() + ")");
      chunk = smaller;
      continue;
    }
    first += count;
  }
  return r;
}

}  // namespace

void check_attribute_options(const AttributeOptions& o, const std::vector<Method>& methods,
                             const std::string& batch_option) {
  for (Method m : methods) {
    if (m == Method::ig) ig_quadrature(o.ig_method, o.ig_steps);
    if (m == Method::fp && (o.fp_batch < 2 || o.fp_batch > (1 << 20))) {
      throw Error(batch_option +
                  " must be in [2, 1048576] (a permutation needs two sequences), got " +
                  std::to_string(o.fp_batch));
    }
  }
}

AttributeResult attribute_models(const std::vector<Model>& models, const CnnInput& input,
                                 std::int64_t n, int length, const AttributeOptions& options) {
  if (models.empty()) throw Error("attribute_models: no models");
  if (n > 0x7fffffff)
    throw Error("too many sequences for one attribution call: " + std::to_string(n));
  check_lengths(models, length, "sequences");
  check_outputs(models, options.output, "--target-index");
  const bool on_gpu = options.compute.backend() == Backend::cuda;
  if (options.progress || on_gpu)
    return attribute_chunked(models, input, n, length, options, on_gpu);
  return attribute_all(models, input, n, length, options, on_gpu);
}

}  // namespace mint

// In-silico mutagenesis (incremental) and FeaturePermutation on the CPU (perturbation.hpp):
// the input checks, the per-thread IncrementalEvaluator (incremental.cpp) driven over the
// sequences with OpenMP, the seeded or replayed permutations, and FeaturePermutation's
// full-forward-pass route through any CnnBackend.
#include "ops/perturbation/perturbation.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/philox.hpp"
#include "ops/perturbation/fp_driver.hpp"

namespace mint {

// ---- ISM and FeaturePermutation ----------------------------------------------------------------

using namespace fp_detail;

namespace {

int thread_count(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// g(base + delta) − g(base): the logit's change itself, or the probability's in float64.
float target_delta(Target target, float base, float delta) {
  if (target == Target::logit) return delta;
  const double b = base;
  return static_cast<float>(sigmoid(b + delta) - sigmoid(b));
}

float load_sequence(IncrementalEvaluator& ev, const CnnInput& in, std::int64_t s, int length) {
  return in.codes != nullptr ? ev.set_codes(in.codes + s * length)
                             : ev.set_dense(in.dense + s * 4 * length);
}

std::array<float, 4> column_of(const CnnInput& in, std::int64_t s, int p, int length) {
  std::array<float, 4> col{};
  if (in.codes != nullptr) {
    col[in.codes[s * length + p]] = 1.0f;
  } else {
    for (int ch = 0; ch < 4; ++ch)
      col[static_cast<std::size_t>(ch)] = in.dense[(s * 4 + ch) * length + p];
  }
  return col;
}

}  // namespace

std::vector<float> ism_incremental(const ModelConfig& config, const ModelParams& params,
                                   const CnnInput& input, int n, Target target, int threads) {
  const IncrementalModel model(config, params);
  const int length = config.length;
  std::vector<float> storage;
  const CnnInput in = plain_input("ism", input, n, length, storage);
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> out(static_cast<std::size_t>(n) * row, 0.0f);
  if (n == 0) return out;
  const bool codes = in.codes != nullptr;
#pragma omp parallel num_threads(thread_count(threads))
  {
    IncrementalEvaluator ev(model);
    ColumnChange changes[4];
    int bases[4];
    float deltas[4];
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < n; ++s) {
      const float base = load_sequence(ev, in, s, length);
      float* o = out.data() + static_cast<std::size_t>(s) * row;
      for (int p = 0; p < length; ++p) {
        const int observed = codes ? in.codes[static_cast<std::size_t>(s) * length + p] : -1;
        int count = 0;
        for (int b = 0; b < 4; ++b) {
          if (b == observed) continue;  // stays exactly 0
          ColumnChange& ch = changes[count];
          ch.position = p;
          ch.column = {0.0f, 0.0f, 0.0f, 0.0f};
          ch.column[static_cast<std::size_t>(b)] = 1.0f;
          bases[count++] = b;
        }
        ev.evaluate(count, changes, deltas);
        for (int v = 0; v < count; ++v) {
          o[static_cast<std::size_t>(bases[v]) * length + p] =
              target_delta(target, base, deltas[v]);
        }
      }
    }
  }
  return out;
}

std::vector<std::int64_t> fp_permutation(std::uint64_t seed, int batch, int position, int size) {
  if (size < 2) throw Error("feature permutation: a batch of one sequence cannot be permuted");
  std::vector<std::int64_t> perm(static_cast<std::size_t>(size));
  const auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (std::uint32_t attempt = 0; attempt < (1u << 24); ++attempt) {
    std::iota(perm.begin(), perm.end(), std::int64_t{0});
    Philox4x32 r{};
    std::uint32_t t = 0;
    for (int i = size - 1; i > 0; --i, ++t) {
      if (t % 4 == 0) {
        r = philox4x32({{t / 4, static_cast<std::uint32_t>(position),
                         static_cast<std::uint32_t>(batch), 5u | attempt << 8}},
                       k0, k1);
      }
      const auto j = uniform_below(r.v[t % 4], static_cast<std::uint32_t>(i + 1));
      std::swap(perm[static_cast<std::size_t>(i)], perm[j]);
    }
    if (!is_identity(perm)) return perm;  // Captum redraws the identity
  }
  throw Error("feature permutation: no non-identity permutation drawn");  // unreachable
}

std::vector<float> feature_permutation(const ModelConfig& config, const ModelParams& params,
                                       const CnnInput& input, int n, const FpOptions& options,
                                       std::vector<std::vector<std::int64_t>>* used) {
  const IncrementalModel model(config, params);
  const int length = config.length;
  const std::size_t row = static_cast<std::size_t>(4) * length;
  const Target target = options.target;
  const int nthreads = thread_count(options.threads);
  auto eval = [&](const CnnInput& in, int first, int size, const std::vector<std::int32_t>& perms,
                  float* out_all) {
#pragma omp parallel num_threads(std::min(nthreads, size))
    {
      IncrementalEvaluator ev(model);
#pragma omp for schedule(dynamic, 1)
      for (int i = 0; i < size; ++i) {
        const std::int64_t s = first + i;
        const float base = load_sequence(ev, in, s, length);
        float* o = out_all + static_cast<std::size_t>(s) * row;
        for (int p = 0; p < length; ++p) {
          const int src = perms[static_cast<std::size_t>(p) * size + i];
          if (src == i) continue;  // the sequence meets itself: exactly 0
          ColumnChange change;
          change.position = p;
          change.column = column_of(in, first + src, p, length);
          float delta;
          ev.evaluate(1, &change, &delta);
          const float a = 0.0f - target_delta(target, base, delta);  // g(x) − g(x permuted), +0
          for (int ch = 0; ch < 4; ++ch) o[static_cast<std::size_t>(ch) * length + p] = a;
        }
      }
    }
  };
  return fp_driver(length, input, n, options, used, eval);
}

std::vector<float> feature_permutation(CnnBackend& backend, const CnnInput& input, int n,
                                       const FpOptions& options,
                                       std::vector<std::vector<std::int64_t>>* used) {
  const int length = backend.config().length, cap = backend.capacity();
  if (cap < 1) throw Error("feature permutation: the backend has no capacity");
  const auto L = static_cast<std::size_t>(length), row = 4 * L;
  const Target target = options.target;
  auto g = [&](float logit) {
    return target == Target::logit ? static_cast<double>(logit) : sigmoid(logit);
  };
  std::vector<float> base, logits(static_cast<std::size_t>(cap));
  std::vector<std::uint8_t> batch_codes;
  std::vector<float> batch_dense;
  struct Mutant {
    int i, p;
  };
  std::vector<Mutant> mutants;
  auto eval = [&](const CnnInput& in, int first, int size, const std::vector<std::int32_t>& perms,
                  float* out_all) {
    const bool codes = in.codes != nullptr;
    // g(x) of the batch.
    base.resize(static_cast<std::size_t>(size));
    for (int r0 = 0; r0 < size; r0 += cap) {
      const int rows = std::min(cap, size - r0);
      CnnInput part;
      if (codes)
        part.codes = in.codes + (static_cast<std::size_t>(first) + r0) * L;
      else
        part.dense = in.dense + (static_cast<std::size_t>(first) + r0) * row;
      backend.forward(part, rows, Mode::eval, base.data() + r0);
    }
    mutants.clear();
    for (int p = 0; p < length; ++p) {
      for (int i = 0; i < size; ++i) {
        if (perms[static_cast<std::size_t>(p) * size + i] != i) mutants.push_back({i, p});
      }
    }
    batch_codes.resize(codes ? static_cast<std::size_t>(cap) * L : 0);
    batch_dense.resize(codes ? 0 : static_cast<std::size_t>(cap) * row);
    for (std::size_t m0 = 0; m0 < mutants.size(); m0 += static_cast<std::size_t>(cap)) {
      const int rows =
          static_cast<int>(std::min(mutants.size() - m0, static_cast<std::size_t>(cap)));
      for (int j = 0; j < rows; ++j) {
        const Mutant& m = mutants[m0 + static_cast<std::size_t>(j)];
        const std::size_t s = static_cast<std::size_t>(first) + m.i;
        const std::size_t src =
            static_cast<std::size_t>(first) + perms[static_cast<std::size_t>(m.p) * size + m.i];
        const auto pp = static_cast<std::size_t>(m.p);
        if (codes) {
          std::uint8_t* c = batch_codes.data() + static_cast<std::size_t>(j) * L;
          std::copy_n(in.codes + s * L, L, c);
          c[pp] = in.codes[src * L + pp];
        } else {
          float* d = batch_dense.data() + static_cast<std::size_t>(j) * row;
          std::copy_n(in.dense + s * row, row, d);
          for (std::size_t ch = 0; ch < 4; ++ch) d[ch * L + pp] = in.dense[src * row + ch * L + pp];
        }
      }
      CnnInput part;
      if (codes)
        part.codes = batch_codes.data();
      else
        part.dense = batch_dense.data();
      backend.forward(part, rows, Mode::eval, logits.data());
      for (int j = 0; j < rows; ++j) {
        const Mutant& m = mutants[m0 + static_cast<std::size_t>(j)];
        const std::size_t s = static_cast<std::size_t>(first) + m.i;
        const auto a = static_cast<float>(g(base[static_cast<std::size_t>(m.i)]) -
                                          g(logits[static_cast<std::size_t>(j)]));
        for (std::size_t ch = 0; ch < 4; ++ch)
          out_all[s * row + ch * L + static_cast<std::size_t>(m.p)] = a;
      }
    }
  };
  return fp_driver(length, input, n, options, used, eval);
}

}  // namespace mint

// Prediction and the gradient and perturbation attributions of a general sequential network:
// gradient, saliency, input × gradient, Integrated Gradients, ISM and Feature Permutation.
// See seqnet.hpp.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/perturbation/fp_driver.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_layers.hpp"
#include "ops/seqnet/seqnet_methods_common.hpp"

namespace mint {
namespace {

using seqnet_detail::check;
using seqnet_detail::conv0_row;
using seqnet_detail::first_is_conv;
using seqnet_detail::g_of;
using seqnet_detail::seed_of;
using seqnet_detail::sz;

constexpr std::size_t kWorkspaceBytes = std::size_t{64} << 20;  // activations per SeqNet
constexpr int kMaxRows = 512;
constexpr int kIsmRows = 64;  // variants per forward of a thread's ISM runner

// in cache). A row's result depends only on that row.
constexpr int kBlock = 16;

int thread_count(int requested, std::int64_t tasks) {
  const int t = requested > 0 ? requested : omp_get_max_threads();
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(t, tasks)));
}

// Gradient of g w.r.t. the input, dense (n, 4, L).
std::vector<float> input_gradient(const SequentialModel& m, const std::vector<float>& x, int n,
                                  const SeqAttributeOptions& o) {
  const std::size_t row = sz(4) * m.arch.length, outs = sz(m.arch.outputs());
  std::vector<float> grad(sz(n) * row);
  const int blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(thread_count(o.threads, blocks))
  {
    SeqNet net(m.arch, kBlock, 1);
    net.keep_plans(&m.params);
    std::vector<float> out(sz(kBlock) * outs), dout;
#pragma omp for schedule(dynamic, 1)
    for (int b = 0; b < blocks; ++b) {
      const int s0 = b * kBlock, rows = std::min(kBlock, n - s0);
      net.forward(m.params, x.data() + sz(s0) * row, rows, Mode::eval, out.data());
      dout.assign(sz(rows) * outs, 0.0f);
      for (int r = 0; r < rows; ++r) {
        dout[sz(r) * outs + sz(o.output)] = seed_of(out[sz(r) * outs + sz(o.output)], o.target);
      }
      net.backward(m.params, dout.data(), nullptr, grad.data() + sz(s0) * row);
    }
  }
  return grad;
}

}  // namespace

std::vector<float> seqnet_predict(const SequentialModel& m, const CnnInput& in, std::int64_t n,
                                  int threads) {
  check(m, in, n, SeqAttributeOptions{}, "predict");
  const std::size_t outs = sz(m.arch.outputs());
  std::vector<float> out(sz(n) * outs);
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(thread_count(threads, blocks))
  {
    SeqNet net(m.arch, kBlock, 1);
    net.keep_plans(&m.params);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t s0 = b * kBlock;
      const int rows = static_cast<int>(std::min<std::int64_t>(kBlock, n - s0));
      const std::vector<float> x = dense_input(offset(in, s0, m.arch.length), rows, m.arch.length);
      net.forward(m.params, x.data(), rows, Mode::infer, out.data() + sz(s0) * outs);
    }
  }
  return out;
}

std::vector<float> seqnet_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  check(m, in, n, o, "gradient");
  return input_gradient(m, dense_input(in, n, m.arch.length), n, o);
}

std::vector<float> seqnet_saliency(const SequentialModel& m, const CnnInput& in, int n,
                                   const SeqAttributeOptions& o) {
  std::vector<float> g = seqnet_gradient(m, in, n, o);
  for (float& v : g) v = std::fabs(v);
  return g;
}

std::vector<float> seqnet_input_x_gradient(const SequentialModel& m, const CnnInput& in, int n,
                                           const SeqAttributeOptions& o) {
  check(m, in, n, o, "input x gradient");
  const std::vector<float> x = dense_input(in, n, m.arch.length);
  std::vector<float> g = input_gradient(m, x, n, o);
  for (std::size_t k = 0; k < g.size(); ++k) g[k] *= x[k];
  return g;
}

// ---- ISM and Feature Permutation ------------------------------------------------------------

namespace {

// Variants of sequences that each change one column, evaluated through the network in batches:
// from the first Conv1d's output updated in the column's receptive field (or from the input
// when layer 0 is not a Conv1d).
class VariantRunner {
 public:
  VariantRunner(const SequentialModel& m, int threads, int most_rows = kMaxRows)
      : m_(m),
        net_(m.arch, SeqNet::capacity_for(m.arch, kWorkspaceBytes, most_rows), threads),
        once_(first_is_conv(m)),
        s_in_(sz(m.arch.size_before(once_ ? 1 : 0))),
        rows_(sz(net_.capacity()) * s_in_),
        out_(sz(net_.capacity()) * sz(m.arch.outputs())) {
    net_.keep_plans(&m.params);
  }

  // The base rows (layer 0's outputs, or the input) of sequences x (count, 4, L) into `base`.
  void base_rows(const float* x, int count, std::vector<float>& base) {
    base.resize(sz(count) * s_in_);
    const std::size_t row = sz(4) * m_.arch.length;
    for (int s = 0; s < count; ++s) {
      if (once_) {
        conv0_row(m_, x + sz(s) * row, base.data() + sz(s) * s_in_, true, scratch_);
      } else {
        std::copy(x + sz(s) * row, x + sz(s + 1) * row, base.data() + sz(s) * s_in_);
      }
    }
  }

  // Outputs (output index o) of `count` rows given in `rows` (count, s_in).
  void outputs(const float* rows, int count, int o, float* result) {
    const std::size_t outs = sz(m_.arch.outputs());
    for (int r0 = 0; r0 < count; r0 += net_.capacity()) {
      const int k = std::min(net_.capacity(), count - r0);
      net_.forward(m_.params, rows + sz(r0) * s_in_, k, Mode::eval, out_.data(), once_ ? 1 : 0);
      for (int r = 0; r < k; ++r) result[r0 + r] = out_[sz(r) * outs + sz(o)];
    }
  }

  // `base` with column p of the input changed by delta (4 values) into dst.
  void variant(const float* base, int p, const float* delta, float* dst) const {
    std::copy(base, base + s_in_, dst);
    if (!once_) {
      for (int c = 0; c < 4; ++c) dst[sz(c) * m_.arch.length + sz(p)] += delta[c];
      return;
    }
    const SequentialLayer& l = m_.arch.layers.front();
    const float* w = m_.params.layers.front().weight.data();
    const int lout = l.length_after;
    for (int k = 0; k < l.kernel; ++k) {
      const int t = p + l.pad_left - k * l.dilation;
      if (t < 0 || t >= lout) continue;
      for (int f = 0; f < l.out; ++f) {
        float d = 0.0f;
        for (int c = 0; c < 4; ++c) {
          if (delta[c] != 0.0f) d += w[(sz(f) * 4 + sz(c)) * sz(l.kernel) + sz(k)] * delta[c];
        }
        dst[sz(f) * sz(lout) + sz(t)] += d;
      }
    }
  }

  std::size_t row_size() const { return s_in_; }
  int capacity() const { return net_.capacity(); }

 private:
  const SequentialModel& m_;
  SeqNet net_;
  bool once_;
  std::size_t s_in_;
  std::vector<float> rows_, out_;
  seqnet::Scratch scratch_;
};

}  // namespace

// Parallel over sequences, each on one thread with its own runner.
std::vector<float> seqnet_ism(const SequentialModel& m, const CnnInput& in, int n,
                              const SeqAttributeOptions& o) {
  check(m, in, n, o, "ism");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  const std::vector<float> x = dense_input(in, n, len);
  std::vector<float> attr(sz(n) * row, 0.0f);
  struct Slot {
    int c, p;
  };
#pragma omp parallel num_threads(thread_count(o.threads, n))
  {
    VariantRunner run(m, 1, kIsmRows);
    std::vector<float> base, batch, values;
    std::vector<Slot> slots;
    float base_out = 0.0f;
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < n; ++s) {
      const float* xs = x.data() + sz(s) * row;
      run.base_rows(xs, 1, base);
      run.outputs(base.data(), 1, o.output, &base_out);
      slots.clear();
      for (int c = 0; c < 4; ++c) {
        for (int p = 0; p < len; ++p) {
          bool same = true;  // the column already is one-hot c: exactly 0
          for (int ch = 0; ch < 4; ++ch) same &= xs[sz(ch) * L + sz(p)] == (ch == c ? 1.0f : 0.0f);
          if (!same) slots.push_back({c, p});
        }
      }
      batch.resize(slots.size() * run.row_size());
      values.resize(slots.size());
      for (std::size_t v = 0; v < slots.size(); ++v) {
        float delta[4];
        for (int ch = 0; ch < 4; ++ch) {
          delta[ch] = (ch == slots[v].c ? 1.0f : 0.0f) - xs[sz(ch) * L + sz(slots[v].p)];
        }
        run.variant(base.data(), slots[v].p, delta, batch.data() + v * run.row_size());
      }
      run.outputs(batch.data(), static_cast<int>(slots.size()), o.output, values.data());
      const double g0 = g_of(base_out, o.target);
      for (std::size_t v = 0; v < slots.size(); ++v) {
        attr[sz(s) * row + sz(slots[v].c) * L + sz(slots[v].p)] =
            static_cast<float>(g_of(values[v], o.target) - g0);
      }
    }
  }
  return attr;
}

std::vector<float> seqnet_feature_permutation(const SequentialModel& m, const CnnInput& input,
                                              int n, const FpOptions& fp,
                                              const SeqAttributeOptions& o,
                                              std::vector<std::vector<std::int64_t>>* used) {
  check(m, input, n, o, "feature permutation");
  const int len = m.arch.length;
  const std::size_t L = sz(len), row = 4 * L;
  VariantRunner run(m, o.threads);
  std::vector<float> x, base, base_out, batch, values;
  struct Slot {
    int i, p;
  };
  std::vector<Slot> slots;
  auto eval = [&](const CnnInput& in, int first, int size, const std::vector<std::int32_t>& perms,
                  float* out_all) {
    x = dense_input(offset(in, first, len), size, len);
    run.base_rows(x.data(), size, base);
    base_out.resize(sz(size));
    run.outputs(base.data(), size, o.output, base_out.data());
    slots.clear();
    for (int i = 0; i < size; ++i) {
      for (int p = 0; p < len; ++p) {
        if (perms[sz(p) * sz(size) + sz(i)] != i) slots.push_back({i, p});
      }
    }
    // In pieces of the network's capacity, so the variant rows stay small.
    const std::size_t piece = sz(run.capacity());
    batch.resize(piece * run.row_size());
    values.resize(piece);
    for (std::size_t v0 = 0; v0 < slots.size(); v0 += piece) {
      const std::size_t k = std::min(piece, slots.size() - v0);
      for (std::size_t v = 0; v < k; ++v) {
        const Slot& sl = slots[v0 + v];
        const int src = perms[sz(sl.p) * sz(size) + sz(sl.i)];
        float delta[4];
        for (int ch = 0; ch < 4; ++ch) {
          delta[ch] =
              x[sz(src) * row + sz(ch) * L + sz(sl.p)] - x[sz(sl.i) * row + sz(ch) * L + sz(sl.p)];
        }
        run.variant(base.data() + sz(sl.i) * run.row_size(), sl.p, delta,
                    batch.data() + v * run.row_size());
      }
      run.outputs(batch.data(), static_cast<int>(k), o.output, values.data());
      for (std::size_t v = 0; v < k; ++v) {
        const Slot& sl = slots[v0 + v];
        const auto a =
            static_cast<float>(g_of(base_out[sz(sl.i)], o.target) - g_of(values[v], o.target));
        for (std::size_t ch = 0; ch < 4; ++ch) {
          out_all[(sz(first) + sz(sl.i)) * row + ch * L + sz(sl.p)] = a;
        }
      }
    }
  };
  return fp_detail::fp_driver(len, input, n, fp, used, eval);
}

}  // namespace mint

// The incremental evaluator behind ISM and FeaturePermutation on the CPU (IncrementalModel,
// IncrementalEvaluator); see perturbation.hpp for the incremental scheme. The entry points
// ism_incremental and feature_permutation that drive it are perturbation.cpp.
//
// Layout: every per-position quantity is position-major with the filters padded to Fp (a
// multiple of 8, zero lanes), so the conv, BatchNorm and max updates are whole 8-float
// vectors; fc1/fc2 run over H1p/H2p lanes with the accumulators in registers (templated on
// the number of 8-float vectors, V ≤ 8, a memory loop beyond). A variant costs about
// K·F (conv) + (K + 2·windows)·F (pool maxima) + (changed pooled values)·H1 + H1·H2
// operations, against L·K·F + F·W·H1 + H1·H2 for a full forward pass.
#include "ops/perturbation/perturbation.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/model.hpp"
#include "ops/cnn/cnn_core.hpp"
#include "ops/common/simd.hpp"

namespace mint {

namespace {

// relu(h + d) − relu(h), lane-wise; exactly d where both sides are positive.
inline Float8 relu_delta(Float8 h, Float8 d) {
  const Float8 hn = h + d;
  return (h > 0.0f) & (hn > 0.0f) ? d : max8(hn, Float8{}) - max8(h, Float8{});
}

int round8(int n) { return (n + 7) / 8 * 8; }

// Bit l set where lane l is non-zero (or NaN).
inline unsigned nonzero_lanes(Float8 v) {
#if defined(__AVX__)
  return static_cast<unsigned>(
      _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ)));
#else
  unsigned mask = 0;
  for (int l = 0; l < 8; ++l) mask |= (v[l] != 0.0f ? 1u : 0u) << l;
  return mask;
#endif
}

// h = base + Σ_e delta[e]·rows[index[e]·stride ..] over V vectors (base null: 0),
// accumulators in registers.
template <int V>
void accumulate_rows(const float* base, const float* rows, int stride, int count, const int* index,
                     const float* delta, float* h) {
  Float8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = base != nullptr ? load8(base + 8 * v) : Float8{};
  for (int e = 0; e < count; ++e) {
    const float* w = rows + static_cast<std::size_t>(index[e]) * stride;
    const Float8 d = splat8(delta[e]);
    for (int v = 0; v < V; ++v) acc[v] += d * load8(w + 8 * v);
  }
  for (int v = 0; v < V; ++v) store8(h + 8 * v, acc[v]);
}

// Calls f.template operator()<V>() for V = vectors when 1 ≤ vectors ≤ 8 (accumulators in
// registers); false otherwise (the caller's memory loop).
template <typename F, int... I>
bool with_vectors(int vectors, F&& f, std::integer_sequence<int, I...>) {
  return ((vectors == I + 1 && (f.template operator()<I + 1>(), true)) || ...);
}
template <typename F>
bool with_vectors(int vectors, F&& f) {
  return with_vectors(vectors, f, std::make_integer_sequence<int, 8>{});
}

void accumulate_rows_any(int vectors, const float* base, const float* rows, int stride, int count,
                         const int* index, const float* delta, float* h) {
  if (with_vectors(vectors, [&]<int V>() {
        accumulate_rows<V>(base, rows, stride, count, index, delta, h);
      })) {
    return;
  }
  const int n = vectors * 8;
  if (base != nullptr)
    std::copy_n(base, n, h);
  else
    std::fill_n(h, n, 0.0f);
  for (int e = 0; e < count; ++e) {
    const float* w = rows + static_cast<std::size_t>(index[e]) * stride;
    const float d = delta[e];
    for (int o = 0; o < n; ++o) h[o] += d * w[o];
  }
}

// Δlogit of a variant from Δa1 = relu(h1') − relu(h1) (H1 values) and the base h2 (H2p):
// Δh2 = fc2·Δa1 (V vectors of H2p lanes in registers, zero rows skipped), then
// Δa2 = relu(h2 + Δh2) − relu(h2), Δlogit = fc3·Δa2. Differences are propagated instead of
// subtracting two logits, so the rounding error is relative to the change, not to the logit.
template <int V>
float delta_head(const float* da1, int h1n, const float* w2t, const float* h2, const float* w3) {
  Float8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Float8{};
  for (int i = 0; i < h1n; ++i) {
    if (da1[i] == 0.0f) continue;
    const Float8 a = splat8(da1[i]);
    const float* w = w2t + static_cast<std::size_t>(i) * (8 * V);
    for (int v = 0; v < V; ++v) acc[v] += a * load8(w + 8 * v);
  }
  Float8 out{};
  for (int v = 0; v < V; ++v) out += relu_delta(load8(h2 + 8 * v), acc[v]) * load8(w3 + 8 * v);
  float s = 0.0f;
  for (int l = 0; l < 8; ++l) s += out[l];
  return s;
}

// Any H2p; dh2 (H2p floats) is scratch for the memory loop used past 8 vectors.
float delta_head_any(int vectors, const float* da1, int h1n, const float* w2t, const float* h2,
                     const float* w3, float* dh2) {
  float result = 0.0f;
  if (with_vectors(vectors, [&]<int V>() { result = delta_head<V>(da1, h1n, w2t, h2, w3); })) {
    return result;
  }
  const int n = vectors * 8;
  std::fill_n(dh2, n, 0.0f);
  for (int i = 0; i < h1n; ++i) {
    if (da1[i] == 0.0f) continue;
    const float* w = w2t + static_cast<std::size_t>(i) * n;
    for (int o = 0; o < n; ++o) dh2[o] += da1[i] * w[o];
  }
  Float8 out{};
  for (int v = 0; v < vectors; ++v) {
    out += relu_delta(load8(h2 + 8 * v), load8(dh2 + 8 * v)) * load8(w3 + 8 * v);
  }
  float s = 0.0f;
  for (int l = 0; l < 8; ++l) s += out[l];
  return s;
}

}  // namespace

// ---- IncrementalModel -----------------------------------------------------------------------

IncrementalModel::IncrementalModel(const ModelConfig& config, const ModelParams& p)
    : config_(config) {
  config_.validate();
  const ModelConfig& c = config_;
  const int f_count = c.filters, k_count = c.width, w_count = c.pooled_length();
  const int h1 = c.hidden1, h2 = c.hidden2, fw = c.fc1_inputs();
  fp_ = round8(f_count);
  h1p_ = round8(h1);
  h2p_ = round8(h2);
  bn_ = c.batchnorm;
  const auto sz = [](long long v) { return static_cast<std::size_t>(v); };
  check_params(c, p, "perturbation");

  conv_wt_.assign(sz(k_count) * 4 * fp_, 0.0f);
  for (int f = 0; f < f_count; ++f) {
    for (int ch = 0; ch < 4; ++ch) {
      for (int k = 0; k < k_count; ++k) {
        conv_wt_[sz(k * 4 + ch) * fp_ + f] = p.conv_weight[sz(f * 4 + ch) * k_count + k];
      }
    }
  }
  conv_bias_.assign(sz(fp_), 0.0f);
  std::copy(p.conv_bias.begin(), p.conv_bias.end(), conv_bias_.begin());
  // Eval BatchNorm exactly as CpuCnn: (c − mean)·float(γ/√(var + eps)) + β.
  bn_mean_.assign(sz(fp_), 0.0f);
  bn_scale_.assign(sz(fp_), 1.0f);
  bn_shift_.assign(sz(fp_), 0.0f);
  if (bn_) {
    for (int f = 0; f < f_count; ++f) {
      const double invstd = 1.0 / std::sqrt(static_cast<double>(p.bn_running_var[f]) + c.bn_eps);
      bn_scale_[f] = static_cast<float>(p.bn_weight[f] * invstd);
      bn_mean_[f] = p.bn_running_mean[f];
      bn_shift_[f] = p.bn_bias[f];
    }
  }
  fc1_wr_.assign(sz(w_count) * f_count * h1p_, 0.0f);
  for (int w = 0; w < w_count; ++w) {
    for (int f = 0; f < f_count; ++f) {
      float* row = fc1_wr_.data() + sz(w * f_count + f) * h1p_;
      for (int o = 0; o < h1; ++o) row[o] = p.fc1_weight[sz(o) * fw + sz(f) * w_count + w];
    }
  }
  fc1_bias_.assign(sz(h1p_), 0.0f);
  std::copy(p.fc1_bias.begin(), p.fc1_bias.end(), fc1_bias_.begin());
  fc2_wt_.assign(sz(h1) * h2p_, 0.0f);
  for (int o = 0; o < h2; ++o) {
    for (int i = 0; i < h1; ++i) fc2_wt_[sz(i) * h2p_ + o] = p.fc2_weight[sz(o) * h1 + i];
  }
  fc2_bias_.assign(sz(h2p_), 0.0f);
  std::copy(p.fc2_bias.begin(), p.fc2_bias.end(), fc2_bias_.begin());
  fc3_w_.assign(sz(h2p_), 0.0f);
  std::copy(p.fc3_weight.begin(), p.fc3_weight.end(), fc3_w_.begin());
  fc3_bias_ = p.fc3_bias[0];
}

// ---- IncrementalEvaluator -------------------------------------------------------------------

IncrementalEvaluator::IncrementalEvaluator(const IncrementalModel& model) : m_(model) {
  const ModelConfig& c = m_.config_;
  lc_ = c.conv_length();
  w_count_ = c.pooled_length();
  pooled_end_ = w_count_ * c.pool;
  const std::size_t fp = m_.fp_;
  x_.assign(static_cast<std::size_t>(4) * c.length, 0.0f);
  conv_.assign(static_cast<std::size_t>(lc_) * fp, 0.0f);
  prefix_.assign(static_cast<std::size_t>(pooled_end_) * fp, 0.0f);
  suffix_.assign(static_cast<std::size_t>(pooled_end_) * fp, 0.0f);
  pooled_.assign(static_cast<std::size_t>(w_count_) * fp, 0.0f);
  h1_.assign(static_cast<std::size_t>(m_.h1p_), 0.0f);
  h2_.assign(static_cast<std::size_t>(m_.h2p_), 0.0f);
  scratch_.assign(static_cast<std::size_t>(2) * m_.h1p_ + m_.h2p_, 0.0f);
  // A change covers K consecutive conv positions, so at most (K − 1)/P + 2 windows; the
  // full forward pass uses the same lists for all W·F pooled values.
  const std::size_t entries =
      static_cast<std::size_t>(std::max(w_count_, (c.width - 1) / c.pool + 2)) * c.filters;
  deltas_.assign(entries, 0.0f);
  delta_rows_.assign(entries, 0);
}

std::array<float, 4> IncrementalEvaluator::column(int p) const {
  const int length = m_.config_.length;
  return {x_[static_cast<std::size_t>(p)], x_[static_cast<std::size_t>(length + p)],
          x_[static_cast<std::size_t>(2 * length + p)],
          x_[static_cast<std::size_t>(3 * length + p)]};
}

float IncrementalEvaluator::set_codes(const std::uint8_t* codes) {
  const ModelConfig& c = m_.config_;
  std::fill(x_.begin(), x_.end(), 0.0f);
  for (int p = 0; p < c.length; ++p) x_[static_cast<std::size_t>(codes[p]) * c.length + p] = 1.0f;
  const int fp = m_.fp_, k_count = c.width, pad = c.pad_left(), length = c.length;
  for (int j = 0; j < lc_; ++j) {
    const int k_begin = std::max(0, pad - j), k_end = std::min(k_count, length + pad - j);
    float* out = conv_.data() + static_cast<std::size_t>(j) * fp;
    for (int f0 = 0; f0 < fp; f0 += 8) {
      Float8 acc{};
      for (int k = k_begin; k < k_end; ++k) {
        acc += load8(m_.conv_wt_.data() +
                     static_cast<std::size_t>(k * 4 + codes[j + k - pad]) * fp + f0);
      }
      store8(out + f0, load8(m_.conv_bias_.data() + f0) + acc);
    }
  }
  finish_forward();
  return logit_;
}

float IncrementalEvaluator::set_dense(const float* x) {
  const ModelConfig& c = m_.config_;
  std::copy_n(x, x_.size(), x_.begin());
  const int fp = m_.fp_, k_count = c.width, pad = c.pad_left(), length = c.length;
  for (int j = 0; j < lc_; ++j) {
    const int k_begin = std::max(0, pad - j), k_end = std::min(k_count, length + pad - j);
    float* out = conv_.data() + static_cast<std::size_t>(j) * fp;
    for (int f0 = 0; f0 < fp; f0 += 8) {
      Float8 acc{};
      for (int k = k_begin; k < k_end; ++k) {
        for (int ch = 0; ch < 4; ++ch) {
          const float v = x[ch * length + j + k - pad];
          acc += v * load8(m_.conv_wt_.data() + static_cast<std::size_t>(k * 4 + ch) * fp + f0);
        }
      }
      store8(out + f0, load8(m_.conv_bias_.data() + f0) + acc);
    }
  }
  finish_forward();
  return logit_;
}

// From conv_: BatchNorm, the windows' running maxima, pooled values, fc1 and the head.
void IncrementalEvaluator::finish_forward() {
  const ModelConfig& c = m_.config_;
  const int fp = m_.fp_, pool = c.pool, f_count = c.filters;
  const float* mean = m_.bn_mean_.data();
  const float* scale = m_.bn_scale_.data();
  const float* shift = m_.bn_shift_.data();
  std::vector<float>& norm = suffix_;  // BN outputs first land here, then become suffix maxima
  for (int j = 0; j < pooled_end_; ++j) {
    const float* cv = conv_.data() + static_cast<std::size_t>(j) * fp;
    float* b = norm.data() + static_cast<std::size_t>(j) * fp;
    for (int f0 = 0; f0 < fp; f0 += 8) {
      Float8 v = load8(cv + f0);
      if (m_.bn_) v = (v - load8(mean + f0)) * load8(scale + f0) + load8(shift + f0);
      store8(b + f0, v);
    }
  }
  int entries = 0;
  for (int w = 0; w < w_count_; ++w) {
    const std::size_t start = static_cast<std::size_t>(w) * pool;
    for (int f0 = 0; f0 < fp; f0 += 8) {
      Float8 run = load8(norm.data() + start * fp + f0);
      store8(prefix_.data() + start * fp + f0, run);
      for (int j = 1; j < pool; ++j) {
        run = max8(run, load8(norm.data() + (start + j) * fp + f0));
        store8(prefix_.data() + (start + j) * fp + f0, run);
      }
      for (int j = pool - 2; j >= 0; --j) {
        const Float8 v = max8(load8(norm.data() + (start + j + 1) * fp + f0),
                              load8(norm.data() + (start + j) * fp + f0));
        store8(norm.data() + (start + j) * fp + f0, v);
      }
    }
    float* pooled = pooled_.data() + static_cast<std::size_t>(w) * fp;
    const float* best = prefix_.data() + (start + pool - 1) * fp;
    // All Fp lanes (the zero filters beyond F pool act(0)), so a variant's Δ is 0 there.
    for (int f = 0; f < fp; ++f) pooled[f] = activate(c.activation == Activation::exp, best[f]);
    for (int f = 0; f < f_count; ++f) {
      if (pooled[f] != 0.0f) {
        deltas_[static_cast<std::size_t>(entries)] = pooled[f];
        delta_rows_[static_cast<std::size_t>(entries)] = w * f_count + f;
        ++entries;
      }
    }
  }
  // h1 = bias + Σ pooled·fc1 rows (zeros skipped), through the same kernel as the variants.
  accumulate_rows_any(m_.h1p_ / 8, m_.fc1_bias_.data(), m_.fc1_wr_.data(), m_.h1p_, entries,
                      delta_rows_.data(), deltas_.data(), h1_.data());
  // relu → fc2 → relu → fc3, keeping h2 for the variants' Δ propagation.
  const int h1n = c.hidden1, h2p = m_.h2p_;
  std::copy(m_.fc2_bias_.begin(), m_.fc2_bias_.end(), h2_.begin());
  for (int i = 0; i < h1n; ++i) {
    const float a = std::max(h1_[static_cast<std::size_t>(i)], 0.0f);
    if (a == 0.0f) continue;
    const float* w = m_.fc2_wt_.data() + static_cast<std::size_t>(i) * h2p;
    for (int o = 0; o < h2p; ++o) h2_[static_cast<std::size_t>(o)] += a * w[o];
  }
  float logit = m_.fc3_bias_;
  for (int o = 0; o < h2p; ++o) {
    logit +=
        std::max(h2_[static_cast<std::size_t>(o)], 0.0f) * m_.fc3_w_[static_cast<std::size_t>(o)];
  }
  logit_ = logit;
}

bool IncrementalEvaluator::variant_delta(const ColumnChange& change, float* out) {
  const ModelConfig& c = m_.config_;
  const int length = c.length, p = change.position;
  // The channels whose value changes, with the change (two for one-hot → one-hot).
  int channels[4], nz = 0;
  float d[4];
  for (int ch = 0; ch < 4; ++ch) {
    const float delta =
        change.column[static_cast<std::size_t>(ch)] - x_[static_cast<std::size_t>(ch) * length + p];
    if (delta != 0.0f) {
      channels[nz] = ch;
      d[nz++] = delta;
    }
  }
  if (nz == 0) return false;
  const int fp = m_.fp_, pad = c.pad_left(), pool = c.pool, f_count = c.filters;
  const int j_lo = std::max(0, p + pad - c.width + 1);
  const int j_hi = std::min({lc_ - 1, p + pad, pooled_end_ - 1});
  if (j_lo > j_hi) return false;  // only never-pooled conv positions change
  // Each touched window's new maximum = max(prefix max before the changed positions, the
  // changed positions' new BN outputs, suffix max after them), vectorised over filters; the
  // changed positions' conv outputs are c' = c + Σ_ch d[ch]·W[:, ch, p + pad − j]. Compiled
  // twice: for the one-hot → one-hot change (two channels) and for any number of channels.
  const float* mean = m_.bn_mean_.data();
  const float* scale = m_.bn_scale_.data();
  const float* shift = m_.bn_shift_.data();
  const bool bn = m_.bn_, relu = c.activation == Activation::relu;
  int entries = 0;
  auto windows = [&](auto channel_count) {
    constexpr int kChannels = decltype(channel_count)::value;
    const int n_ch = kChannels > 0 ? kChannels : nz;
    for (int w = j_lo / pool; w <= j_hi / pool; ++w) {
      const int start = w * pool, end = start + pool - 1;
      const int a = std::max(j_lo, start), e = std::min(j_hi, end);
      const float* pooled = pooled_.data() + static_cast<std::size_t>(w) * fp;
      for (int f0 = 0; f0 < fp; f0 += 8) {
        Float8 m = splat8(-INFINITY);
        if (a > start) m = load8(prefix_.data() + static_cast<std::size_t>(a - 1) * fp + f0);
        if (e < end) m = max8(m, load8(suffix_.data() + static_cast<std::size_t>(e + 1) * fp + f0));
        for (int j = a; j <= e; ++j) {
          const float* wk =
              m_.conv_wt_.data() + static_cast<std::size_t>(p + pad - j) * 4 * fp + f0;
          Float8 v = load8(conv_.data() + static_cast<std::size_t>(j) * fp + f0);
          for (int t = 0; t < n_ch; ++t) v += d[t] * load8(wk + channels[t] * fp);
          if (bn) v = (v - load8(mean + f0)) * load8(scale + f0) + load8(shift + f0);
          m = max8(m, v);
        }
        if (relu) {
          m = max8(m, Float8{});
        } else {
          for (int l = 0; l < 8; ++l) m[l] = std::exp(m[l]);
        }
        // Append the non-zero Δ of the pooled values (lanes beyond F are always 0).
        const Float8 delta = m - load8(pooled + f0);
        const int row0 = w * f_count + f0;
        for (unsigned mask = nonzero_lanes(delta); mask != 0; mask &= mask - 1) {
          const int l = __builtin_ctz(mask);
          deltas_[static_cast<std::size_t>(entries)] = delta[l];
          delta_rows_[static_cast<std::size_t>(entries)] = row0 + l;
          ++entries;
        }
      }
    }
  };
  if (nz == 2) {
    windows(std::integral_constant<int, 2>{});
  } else {
    windows(std::integral_constant<int, 0>{});
  }
  if (entries == 0) return false;
  // Δh1 = Σ Δpooled·fc1 columns, then Δa1 = relu(h1 + Δh1) − relu(h1) and the head.
  const int h1p = m_.h1p_;
  float* dh1 = scratch_.data();
  float* da1 = scratch_.data() + h1p;
  accumulate_rows_any(h1p / 8, nullptr, m_.fc1_wr_.data(), h1p, entries, delta_rows_.data(),
                      deltas_.data(), dh1);
  for (int o = 0; o < h1p; o += 8) {
    store8(da1 + o, relu_delta(load8(h1_.data() + o), load8(dh1 + o)));
  }
  *out = delta_head_any(m_.h2p_ / 8, da1, c.hidden1, m_.fc2_wt_.data(), h2_.data(),
                        m_.fc3_w_.data(), scratch_.data() + 2 * h1p);
  return true;
}

void IncrementalEvaluator::evaluate(int count, const ColumnChange* changes, float* deltas) {
  for (int v = 0; v < count; ++v) {
    if (!variant_delta(changes[v], deltas + v)) deltas[v] = 0.0f;
  }
}

}  // namespace mint

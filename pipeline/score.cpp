// Position scores, per-motif AUPRC against the ground truth, summaries with bootstrap
// confidence intervals; see pipeline/score.hpp.
#include "pipeline/score.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/philox.hpp"
#include "io/npy.hpp"
#include "ops/auprc/auprc_cuda.hpp"
#include "pipeline/score_core.hpp"
#include "pipeline/score_instances.hpp"

namespace mint {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Labels and include mask of one sequence for one motif: 1 = positive, 0 = negative,
// include 0 = left out (another motif's positions, or a low-information column).
void motif_labels(const std::int8_t* truth, int length, int motif, const Grammar& grammar,
                  const std::vector<std::uint8_t>& informative, std::int32_t offset,
                  std::uint8_t* labels, std::uint8_t* include) {
  const int start = offset + grammar.start[static_cast<std::size_t>(motif)];
  for (int p = 0; p < length; ++p) {
    const int t = truth[p];
    const bool mine = t == motif;
    const bool keep =
        t < 0 ||
        (mine && (informative.empty() || informative[static_cast<std::size_t>(p - start)]));
    labels[p] = mine && keep ? 1 : 0;
    include[p] = keep ? 1 : 0;
  }
}

// informative[m][j]: column j of motif m counts as positive (empty: every column does).
std::vector<std::vector<std::uint8_t>> informative_columns(const MotifSet& motifs,
                                                           const PositiveRule& rule) {
  std::vector<std::vector<std::uint8_t>> out(motifs.size());
  if (!rule.by_information) return out;
  for (std::size_t m = 0; m < motifs.size(); ++m) {
    const Motif& motif = motifs.motifs[m];
    out[m].resize(motif.length());
    for (std::size_t j = 0; j < motif.length(); ++j) {
      out[m][j] = motif.column_information(j) > rule.ic_threshold ? 1 : 0;
    }
  }
  return out;
}

void check_split(const SplitData& split, const Grammar& grammar, const MotifSet& motifs) {
  if (split.n_motifs != static_cast<int>(motifs.size()) || grammar.start.size() != motifs.size()) {
    throw Error("scoring: the split's motifs do not match the motif set");
  }
  if (split.codes.size() != static_cast<std::size_t>(split.size()) * split.length) {
    throw Error("scoring: split '" + split.name + "' has no sequences loaded");
  }
}

double median_of(std::vector<double>& v) {
  const std::size_t n = v.size(), mid = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return hi - (hi - lo) * 0.5;  // np.percentile's linear rule at q = 50 (t = 0.5)
}

// Index draws of resample r: Philox keyed by the seed, counter (r, i / 4).
struct Resampler {
  std::uint64_t seed;
  std::uint32_t n;
  template <typename F>
  void draw(int r, F&& use) const {
    const auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (std::uint32_t i = 0; i < n; i += 4) {
      const Philox4x32 w =
          philox4x32({{i / 4, static_cast<std::uint32_t>(r), 0x5C0B00u, 0}}, k0, k1);
      for (std::uint32_t j = 0; j < 4 && i + j < n; ++j) use(uniform_below(w.v[j], n));
    }
  }
};

void check_bootstrap(const BootstrapOptions& o) {
  if (o.resamples < 0 || o.resamples > kMaxBootstrap) {
    throw Error("--bootstrap must be in [0, " + std::to_string(kMaxBootstrap) + "], got " +
                std::to_string(o.resamples));
  }
  if (!(o.level > 0 && o.level < 1))
    throw Error("bootstrap: the confidence level must be in (0, 1)");
}

}  // namespace

std::vector<float> position_scores(const float* attr, const std::uint8_t* codes, std::int64_t n,
                                   int length, ScoreRule rule, bool signed_scores) {
  const std::size_t L = static_cast<std::size_t>(length);
  std::vector<float> out(static_cast<std::size_t>(n) * L);
#pragma omp parallel for schedule(static)
  for (std::int64_t s = 0; s < n; ++s) {
    const float* a = attr + static_cast<std::size_t>(s) * 4 * L;
    const std::uint8_t* c = codes + static_cast<std::size_t>(s) * L;
    float* o = out.data() + static_cast<std::size_t>(s) * L;
    for (int p = 0; p < length; ++p) {
      o[p] = position_score(a, c, length, p, rule == ScoreRule::ism, signed_scores);
    }
  }
  return out;
}

LabelledRows label_motif_rows(const SplitData& split, const Grammar& grammar,
                              const MotifSet& motifs, const PositiveRule& rule) {
  check_split(split, grammar, motifs);
  const int L = split.length;
  const auto informative = informative_columns(motifs, rule);
  LabelledRows out;
  std::vector<MotifScore>& rows = out.rows;
  for (std::int64_t s = 0; s < split.size(); ++s) {
    const std::uint32_t mask = split.masks[static_cast<std::size_t>(s)];
    for (int m = 0; m < split.n_motifs; ++m) {
      if (mask >> m & 1u) {
        MotifScore r;
        r.sequence = s;
        r.motif = m;
        r.n_present = std::popcount(mask);
        rows.push_back(r);
      }
    }
  }
  const std::size_t cols = static_cast<std::size_t>(L);
  out.labels.resize(rows.size() * cols);
  out.include.resize(rows.size() * cols);
  out.source.resize(rows.size());
#pragma omp parallel
  {
    std::vector<std::int8_t> truth(cols);
    std::int64_t current = -1;
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const MotifScore& r = rows[i];
      const auto s = static_cast<std::size_t>(r.sequence);
      if (r.sequence != current) {
        ground_truth(grammar, split.masks[s], split.offsets[s], L, truth.data());
        current = r.sequence;
      }
      motif_labels(truth.data(), L, r.motif, grammar,
                   informative[static_cast<std::size_t>(r.motif)], split.offsets[s],
                   out.labels.data() + i * cols, out.include.data() + i * cols);
      out.source[i] = r.sequence;
    }
  }
  count_row_labels(out, L);
  return out;
}

void count_row_labels(LabelledRows& l, int length) {
  const auto cols = static_cast<std::size_t>(length);
  for (std::size_t i = 0; i < l.rows.size(); ++i) {
    int pos = 0, kept = 0;
    for (std::size_t p = 0; p < cols; ++p) {
      pos += l.labels[i * cols + p];
      kept += l.include[i * cols + p];
    }
    l.rows[i].positives = pos;
    l.rows[i].negatives = kept - pos;
  }
}

std::vector<MotifScore> score_motifs(const float* scores, const SplitData& split,
                                     const Grammar& grammar, const MotifSet& motifs,
                                     const PositiveRule& rule, Backend backend) {
  LabelledRows l = label_motif_rows(split, grammar, motifs, rule);
  const std::vector<CurveScores> curves = score_labelled_rows(scores, l, split.length, backend);
  for (std::size_t i = 0; i < l.rows.size(); ++i) l.rows[i].scores = curves[i];
  return std::move(l.rows);
}

std::vector<CurveScores> score_labelled_rows(const float* scores, const LabelledRows& l, int length,
                                             Backend backend) {
  const auto cols = static_cast<std::size_t>(length);
  if (backend != Backend::cuda) {
    return score_rows_shared(scores, l.source.data(), l.labels.data(), l.include.data(),
                             l.rows.size(), cols);
  }
  std::vector<float> copies(l.rows.size() * cols);
  for (std::size_t i = 0; i < l.rows.size(); ++i) {
    std::copy_n(scores + static_cast<std::size_t>(l.source[i]) * cols, cols,
                copies.data() + i * cols);
  }
  return score_rows_cuda(copies.data(), l.labels.data(), l.include.data(), l.rows.size(), cols)
      .to_curve_scores();
}

CurveScores pooled_motif_scores(const float* scores, const SplitData& split, const Grammar& grammar,
                                const MotifSet& motifs, int motif, int n_present,
                                const PositiveRule& rule) {
  check_split(split, grammar, motifs);
  if (motif < 0 || motif >= split.n_motifs) throw Error("scoring: motif index out of range");
  return pooled_labelled_scores(scores, label_motif_rows(split, grammar, motifs, rule),
                                split.length, motif, n_present);
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  // NumPy 'linear': virtual index (n − 1)·q/100, lerp between its neighbours.
  const double index = (static_cast<double>(values.size()) - 1) * q / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(index));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double t = index - static_cast<double>(lo);
  const double a = values[lo], b = values[hi];
  // NumPy's _lerp: a + (b − a)·t, evaluated from the far end when t ≥ 0.5.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

Distribution summarize(const std::vector<double>& values, const BootstrapOptions& options) {
  check_bootstrap(options);
  std::vector<double> v;
  for (double x : values) {
    if (std::isfinite(x)) v.push_back(x);
  }
  Distribution d;
  d.count = v.size();
  if (v.empty()) {
    d.median = d.q1 = d.q3 = d.mean = d.median_lo = d.median_hi = kNaN;
    return d;
  }
  d.median = percentile(v, 50);
  d.q1 = percentile(v, 25);
  d.q3 = percentile(v, 75);
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  if (options.resamples == 0) {
    d.median_lo = d.median_hi = kNaN;
    return d;
  }
  const Resampler rs{options.seed, static_cast<std::uint32_t>(v.size())};
  std::vector<double> medians(static_cast<std::size_t>(options.resamples));
#pragma omp parallel
  {
    std::vector<double> sample;
    sample.reserve(v.size());
#pragma omp for schedule(static)
    for (int r = 0; r < options.resamples; ++r) {
      sample.clear();
      rs.draw(r, [&](std::uint32_t i) { sample.push_back(v[i]); });
      medians[static_cast<std::size_t>(r)] = median_of(sample);
    }
  }
  const double tail = (1 - options.level) / 2 * 100;
  d.median_lo = percentile(medians, tail);
  d.median_hi = percentile(medians, 100 - tail);
  return d;
}

Difference median_difference(const std::vector<double>& a, const std::vector<double>& b,
                             const BootstrapOptions& options) {
  check_bootstrap(options);
  if (a.size() != b.size()) {
    throw Error(
        "median difference: the two models were scored on different numbers of "
        "sequences (" +
        std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")");
  }
  std::vector<double> x, y;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isfinite(a[i]) && std::isfinite(b[i])) {
      x.push_back(a[i]);
      y.push_back(b[i]);
    }
  }
  Difference d;
  d.pairs = x.size();
  if (x.empty()) {
    d.delta = d.lo = d.hi = kNaN;
    return d;
  }
  d.delta = percentile(x, 50) - percentile(y, 50);
  if (options.resamples == 0) {
    d.lo = d.hi = kNaN;
    return d;
  }
  const Resampler rs{options.seed, static_cast<std::uint32_t>(x.size())};
  std::vector<double> deltas(static_cast<std::size_t>(options.resamples));
#pragma omp parallel
  {
    std::vector<double> sx, sy;
#pragma omp for schedule(static)
    for (int r = 0; r < options.resamples; ++r) {
      sx.clear();
      sy.clear();
      rs.draw(r, [&](std::uint32_t i) {
        sx.push_back(x[i]);
        sy.push_back(y[i]);
      });
      deltas[static_cast<std::size_t>(r)] = median_of(sx) - median_of(sy);
    }
  }
  const double tail = (1 - options.level) / 2 * 100;
  d.lo = percentile(deltas, tail);
  d.hi = percentile(deltas, 100 - tail);
  return d;
}

Metric parse_metric(const std::string& name) {
  if (name == "auprc") return Metric::auprc;
  if (name == "ap") return Metric::ap;
  if (name == "auroc") return Metric::auroc;
  throw Error("unknown metric '" + name + "' (choose auprc, ap or auroc)");
}

const char* to_string(Metric metric) {
  static const char* const names[] = {"auprc", "ap", "auroc"};
  return names[static_cast<int>(metric)];
}

double metric_of(const CurveScores& s, Metric metric) {
  if (metric == Metric::ap) return s.average_precision;
  if (metric == Metric::auroc) return s.auroc;
  return s.auprc;
}

void check_finite_attributions(const float* attr, std::size_t size, const std::string& source) {
  for (std::size_t i = 0; i < size; ++i) {
    if (!std::isfinite(attr[i])) {
      throw Error(source + ": non-finite attribution at flat index " + std::to_string(i));
    }
  }
}

ScoredAttribution score_attribution(const std::vector<float>& attr, const SplitData& split,
                                    const Simulation& data, bool ism, const ScoreOptions& options,
                                    const std::string& source) {
  return score_attribution(attr.data(), attr.size(), split, data, ism, options, source);
}

ScoredAttribution score_attribution(const float* attr, std::size_t size, const SplitData& split,
                                    const Simulation& data, bool ism, const ScoreOptions& options,
                                    const std::string& source) {
  const std::int64_t n = split.size();
  const int L = split.length;
  if (size != static_cast<std::size_t>(n) * 4 * static_cast<std::size_t>(L)) {
    throw Error(source + ": " + std::to_string(size) + " attribution values, but split '" +
                split.name + "' needs (" + std::to_string(n) + ", 4, " + std::to_string(L) + ")");
  }
  check_finite_attributions(attr, size, source);
  ScoredAttribution s;
  s.positives = options.positives;
  s.positions = position_scores(attr, split.codes.data(), n, L,
                                ism ? ScoreRule::ism : ScoreRule::observed, options.signed_scores);
  s.rows = score_motifs(s.positions.data(), split, data.grammar, data.motifs, options.positives,
                        options.backend);
  return s;
}

ScoredAttribution score_attribution_file(const std::string& path, const SplitData& split,
                                         const Simulation& data, bool ism,
                                         const ScoreOptions& options) {
  const NpyArray arr = read_npy(path);
  const std::vector<std::int64_t> want = {split.size(), 4, split.length};
  if (arr.shape != want) {
    std::string shape;
    for (auto d : arr.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw Error(path + ": attributions have shape (" + shape + ") but split '" + split.name +
                "' needs (" + std::to_string(want[0]) + ", 4, " + std::to_string(want[2]) + ")");
  }
  return score_attribution(arr.to_vector<float>(), split, data, ism, options, path);
}

std::vector<MotifGroup> group_scores(const std::vector<MotifScore>& rows, Metric metric) {
  std::map<std::pair<int, int>, std::vector<double>> by_key;
  for (const MotifScore& r : rows) {
    by_key[{r.motif, r.n_present}].push_back(metric_of(r.scores, metric));
  }
  std::vector<MotifGroup> groups;
  for (auto& [key, values] : by_key) groups.push_back({key.first, key.second, std::move(values)});
  return groups;
}

Whiskers whiskers(const std::vector<double>& values, const Distribution& d) {
  const double iqr = d.q3 - d.q1;
  const double lo_bound = d.q1 - 1.5 * iqr, hi_bound = d.q3 + 1.5 * iqr;
  double lo = NAN, hi = NAN;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v >= lo_bound && (std::isnan(lo) || v < lo)) lo = v;
    if (v <= hi_bound && (std::isnan(hi) || v > hi)) hi = v;
  }
  if (d.count == 0) return {NAN, NAN};
  if (std::isnan(lo) || lo > d.q1) lo = d.q1;
  if (std::isnan(hi) || hi < d.q3) hi = d.q3;
  return {lo, hi};
}

std::vector<GroupSummary> summarize_groups(const ScoredAttribution& scored,
                                           const std::vector<MotifGroup>& groups,
                                           const SplitData& split, const Simulation& data,
                                           const BootstrapOptions& bootstrap) {
  if (groups.empty()) return {};
  // Every row labelled once for all the groups: (rows, L) bytes twice, as score_motifs'.
  const LabelledRows rows = label_motif_rows(split, data.grammar, data.motifs, scored.positives);
  return summarize_labelled_groups(scored.positions.data(), rows, split.length, groups, bootstrap);
}

}  // namespace mint

// A stream shard's state: merging, saving, reading back, and the tables of a whole stream
// (pipeline/stream/stream_state.hpp).
#include "pipeline/stream/stream_state.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/sequential_io.hpp"
#include "pipeline/evaluate.hpp"

namespace mint::stream {

namespace {

constexpr std::uint64_t kMagic = 0x324D41455254534DULL;  // "MSTREAM2"

std::uint64_t fnv(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string model_digest(const Model& m) {
  if (m.is_sequential()) {  // the architecture and every tensor
    const std::string arch = architecture_json(m.sequential->arch);
    std::uint64_t h = fnv(arch.data(), arch.size());
    for (const LayerParams& l : m.sequential->params.layers) {
      for (const std::vector<float>* t : {&l.weight, &l.bias, &l.running_mean, &l.running_var}) {
        h = fnv(t->data(), t->size() * sizeof(float), h);
      }
    }
    return hex(h);
  }
  const ModelConfig& c = m.config;
  std::string text = std::to_string(c.length) + "," + std::to_string(c.filters) + "," +
                     std::to_string(c.width) + "," + std::to_string(c.pool) + "," +
                     std::to_string(c.hidden1) + "," + std::to_string(c.hidden2) + "," +
                     to_string(c.padding) + "," + std::to_string(c.batchnorm) + "," +
                     to_string(c.activation) + "," + format_number(c.bn_eps);
  std::uint64_t h = fnv(text.data(), text.size());
  for (const std::vector<float>* t : m.params.trainable()) {
    h = fnv(t->data(), t->size() * sizeof(float), h);
  }
  const ModelParams& p = m.params;
  h = fnv(p.bn_running_mean.data(), p.bn_running_mean.size() * sizeof(float), h);
  h = fnv(p.bn_running_var.data(), p.bn_running_var.size() * sizeof(float), h);
  return hex(h);
}

std::string motif_digest(const MotifSet& motifs) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const Motif& m : motifs.motifs) {
    h = fnv(m.name.data(), m.name.size(), h);
    for (const auto& row : m.counts) h = fnv(row.data(), row.size() * sizeof(double), h);
  }
  return hex(h);
}

void write_tally(StateWriter& w, const Tally& t) {
  for (const auto* m : {&t.by_count, &t.by_pair}) {
    w.u64(m->size());
    for (const auto& [group, counts] : *m) {
      w.text(group);
      w.u64(counts.first);
      w.u64(counts.second);
    }
  }
  w.u64(t.abs_error.size());
  for (const auto& [count, sum] : t.abs_error) {
    w.u64(static_cast<std::uint64_t>(count));
    w.u128(sum);
  }
}

Tally read_tally(StateReader& r) {
  Tally t;
  for (auto* m : {&t.by_count, &t.by_pair}) {
    const std::uint64_t n = r.u64();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string group = r.text();
      const std::uint64_t total = r.u64();
      (*m)[group] = {total, r.u64()};
    }
  }
  const std::uint64_t n = r.u64();
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto count = static_cast<int>(r.u64());
    t.abs_error[count] = r.u128();
  }
  return t;
}

}  // namespace

std::string fingerprint(const StreamOptions& o, Backend backend) {
  const SimulationOptions& s = o.simulation;
  const DesignOptions& d = s.design;
  const GrammarOptions& g = s.grammar;
  std::string f = "set " + o.set + " motifs " + motif_digest(o.motifs);
  f += "\nsimulation L=" + std::to_string(s.length) + " gc=" + format_number(s.gc) +
       " pseudocount=" + format_number(s.pseudocount) + " min_instance_score=" +
       (s.min_instance_score ? format_number(*s.min_instance_score) : "off") +
       " seed=" + std::to_string(s.seed) + " K=" + std::to_string(g.filter_width) +
       " random_order=" + std::to_string(g.random_order);
  for (int v : g.order) f += " o" + std::to_string(v);
  for (int v : g.gaps) f += " g" + std::to_string(v);
  f += "\ndesign " + to_string(d.kind) + " " + to_string(d.negatives) + " " + to_string(d.effect) +
       " c=" + format_number(effect_interaction(d)) + " test=" + std::to_string(d.test_positives) +
       "/" + std::to_string(d.test_per_subset) + "/" + std::to_string(d.test_per_count);
  for (double w : d.weights) f += " w" + format_number(w);
  for (const StreamModel& m : o.models) {
    f += "\nmodel ";
    f += m.name;
    for (const Model& seed : m.models) {
      f += ' ';
      f += model_digest(seed);
    }
  }
  f += "\nmethods";
  for (Method m : o.methods) f += std::string(" ") + to_string(m);
  // A method's own options only when it runs: they change nothing otherwise.
  const AttributeOptions& a = o.attribute;
  const auto uses = [&](Method m) {
    return std::find(o.methods.begin(), o.methods.end(), m) != o.methods.end();
  };
  f += "\nattribute target=" + std::to_string(static_cast<int>(a.target));
  if (uses(Method::ig))
    f += std::string(" ig=") + ig_method_name(a.ig_method) + "/" + std::to_string(a.ig_steps);
  if (uses(Method::deeplift)) f += " compat=" + std::to_string(static_cast<int>(a.compat));
  if (uses(Method::fp)) f += " fp=" + std::to_string(a.fp_batch) + "/" + std::to_string(a.fp_seed);
  f += std::string(" device=") + (backend == Backend::cuda ? "cuda" : "cpu");
  f += "\nscore ic=" + std::string(o.score.positives.by_information ? "on" : "off") + "/" +
       format_number(o.score.positives.ic_threshold) +
       " signed=" + std::to_string(o.score.signed_scores) + " metric=" + to_string(o.metric) +
       " bootstrap=" + std::to_string(o.bootstrap.resamples) + "/" +
       format_number(o.bootstrap.level) + "/" + std::to_string(o.bootstrap.seed) +
       " pairs=" + std::to_string(o.pair_resamples) + " compare=" + o.compare.first + "," +
       o.compare.second;
  f += "\nshards " + std::to_string(o.shards) + " sample " + std::to_string(o.save_attributions);
  return f;
}

std::string fingerprint_difference(const std::string& saved, const std::string& now) {
  const auto split = [](const std::string& text, char by) {
    std::vector<std::string> out(1);
    for (const char ch : text) {
      if (ch == by) {
        out.emplace_back();
      } else {
        out.back() += ch;
      }
    }
    return out;
  };
  const std::vector<std::string> a = split(saved, '\n'), b = split(now, '\n');
  for (std::size_t l = 0; l < std::max(a.size(), b.size()); ++l) {
    if (l < a.size() && l < b.size() && a[l] == b[l]) continue;
    const std::vector<std::string> u = l < a.size() ? split(a[l], ' ') : std::vector<std::string>{};
    const std::vector<std::string> v = l < b.size() ? split(b[l], ' ') : std::vector<std::string>{};
    std::size_t t = 0;
    while (t < u.size() && t < v.size() && u[t] == v[t]) ++t;
    const std::string head = t > 0 ? u[0] : "options";
    // The differing word, or the line's words after its name when one line has more words.
    const bool lists = t >= u.size() || t >= v.size();
    const auto shown = [&](const std::vector<std::string>& w) {
      if (!lists) return "'" + w[t] + "'";
      std::string text;
      for (std::size_t k = t > 0 ? 1 : 0; k < w.size(); ++k)
        text += (text.empty() ? "" : " ") + w[k];
      return text.empty() ? std::string("nothing") : "'" + text + "'";
    };
    return head + ": " + shown(u) + " in the saved state, " + shown(v) + " now";
  }
  return "the same options";
}

std::pair<int, int> compared_models(const StreamOptions& o) {
  auto find = [&](const std::string& name) {
    for (std::size_t i = 0; i < o.models.size(); ++i) {
      if (o.models[i].name == name) return static_cast<int>(i);
    }
    return -1;
  };
  std::pair<std::string, std::string> names = o.compare;
  if (names.first.empty()) names = {"M_w", "M_wo"};
  int a = find(names.first), b = find(names.second);
  if (a < 0 || b < 0) {
    if (!o.compare.first.empty()) {
      throw Error("--compare: no model called '" + (a < 0 ? names.first : names.second) + "'");
    }
    return {-1, -1};
  }
  if (a == b) throw Error("--compare: a model cannot be compared with itself");
  if (!report_order(o.models[a].name, o.models[b].name)) std::swap(a, b);
  return {a, b};
}

void ShardState::merge(const ShardState& o) {
  for (std::size_t m = 0; m < tallies.size(); ++m) {
    for (std::size_t s = 0; s < tallies[m].size(); ++s) {
      Tally& t = tallies[m][s];
      const Tally& u = o.tallies[m][s];
      for (const auto& [g, c] : u.by_count) {
        t.by_count[g].first += c.first;
        t.by_count[g].second += c.second;
      }
      for (const auto& [g, c] : u.by_pair) {
        t.by_pair[g].first += c.first;
        t.by_pair[g].second += c.second;
      }
      for (const auto& [k, e] : u.abs_error) t.abs_error[k] += e;
    }
  }
  for (const auto& [key, g] : o.groups) {
    GroupAggregate& mine = groups[key];
    mine.values.merge(g.values);
    mine.pooled.merge(g.pooled);
  }
  for (const auto& [key, p] : o.pairs) {
    const auto it = pairs.find(key);
    if (it == pairs.end()) {
      pairs.emplace(key, p);
    } else {
      it->second.merge(p);
    }
  }
  // Samples ([K][model][method][4][L]): each slot was filled by the shard holding its sequence.
  if (!sample_index.empty() && sample.size() == o.sample.size()) {
    const std::size_t per = sample.size() / sample_index.size();
    for (std::size_t i = 0; i < sample_index.size(); ++i) {
      if (sample_index[i] < o.first || sample_index[i] >= o.end) continue;
      std::copy_n(o.sample.begin() + static_cast<std::ptrdiff_t>(i * per), per,
                  sample.begin() + static_cast<std::ptrdiff_t>(i * per));
    }
  }
}

namespace {

// The state's bytes before the checksum, into w; spill() after each part lets a caller move
// w.bytes out, so that a state is never held whole.
void put_state(const ShardState& s, StateWriter& w, const std::function<void()>& spill) {
  w.u64(kMagic);
  w.text(s.fingerprint);
  for (std::int64_t v : {std::int64_t{s.shard}, std::int64_t{s.shards}, s.first, s.end, s.next}) {
    w.u64(static_cast<std::uint64_t>(v));
  }
  w.u64(s.tallies.size());
  for (const auto& seeds : s.tallies) {
    w.u64(seeds.size());
    for (const Tally& t : seeds) write_tally(w, t);
  }
  w.u64(s.groups.size());
  for (const auto& [key, g] : s.groups) {
    w.u64(static_cast<std::uint64_t>(std::get<0>(key)));
    w.u64(static_cast<std::uint64_t>(std::get<1>(key)));
    w.u64(static_cast<std::uint64_t>(std::get<2>(key)));
    w.u64(static_cast<std::uint64_t>(std::get<3>(key)));
    g.values.write(w);
    g.pooled.write(w);
    spill();
  }
  w.u64(s.pairs.size());
  for (const auto& [key, p] : s.pairs) {
    w.u64(static_cast<std::uint64_t>(std::get<0>(key)));
    w.u64(static_cast<std::uint64_t>(std::get<1>(key)));
    w.u64(static_cast<std::uint64_t>(std::get<2>(key)));
    p.write(w);
    spill();
  }
  std::vector<std::uint64_t> index(s.sample_index.begin(), s.sample_index.end());
  w.words(index);
  std::vector<std::uint64_t> values(s.sample.size());
  for (std::size_t i = 0; i < s.sample.size(); ++i)
    values[i] = std::bit_cast<std::uint32_t>(s.sample[i]);
  w.words(values);
}

}  // namespace

std::string ShardState::bytes() const {
  StateWriter w;
  put_state(*this, w, [] {});
  w.u64(fnv(w.bytes.data(), w.bytes.size()));  // the checksum of everything before it
  return w.bytes;
}

void ShardState::write(const std::string& path) const {
  AtomicFileWriter out(path);
  StateWriter w;
  std::uint64_t hash = fnv(nullptr, 0);
  const auto spill = [&] {
    hash = fnv(w.bytes.data(), w.bytes.size(), hash);
    out.write(w.bytes);
    w.bytes.clear();
  };
  put_state(*this, w, spill);
  spill();
  w.u64(hash);
  out.write(w.bytes);
  out.commit();
}

ShardState ShardState::parse(std::string bytes, const std::string& source) {
  if (bytes.size() < 16) throw Error(source + ": not a mint stream state (too short)");
  const std::size_t body = bytes.size() - 8;
  std::uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) {
    stored |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[body + i])) << (8 * i);
  }
  if (fnv(bytes.data(), body) != stored) {
    throw Error(source +
                ": the checksum does not match: the state file is damaged; remove it to "
                "start this shard again");
  }
  bytes.resize(body);
  StateReader r(std::move(bytes), source);
  if (r.u64() != kMagic) r.fail("not a mint stream state");
  ShardState s;
  s.fingerprint = r.text();
  s.shard = static_cast<int>(r.u64());
  s.shards = static_cast<int>(r.u64());
  s.first = static_cast<std::int64_t>(r.u64());
  s.end = static_cast<std::int64_t>(r.u64());
  s.next = static_cast<std::int64_t>(r.u64());
  if (!(s.first <= s.next && s.next <= s.end)) r.fail("bad shard range");
  const std::uint64_t models = r.u64();
  if (models > 1024) r.fail("bad model count");
  s.tallies.resize(models);
  for (auto& seeds : s.tallies) {
    const std::uint64_t n = r.u64();
    if (n > 1024) r.fail("bad seed-model count");
    for (std::uint64_t i = 0; i < n; ++i) seeds.push_back(read_tally(r));
  }
  const std::uint64_t groups = r.u64();
  for (std::uint64_t i = 0; i < groups; ++i) {
    GroupKey key;
    std::get<0>(key) = static_cast<int>(r.u64());
    std::get<1>(key) = static_cast<int>(r.u64());
    std::get<2>(key) = static_cast<int>(r.u64());
    std::get<3>(key) = static_cast<int>(r.u64());
    GroupAggregate& g = s.groups[key];
    g.values.read(r);
    g.pooled.read(r);
  }
  const std::uint64_t pairs = r.u64();
  for (std::uint64_t i = 0; i < pairs; ++i) {
    PairKey key;
    std::get<0>(key) = static_cast<int>(r.u64());
    std::get<1>(key) = static_cast<int>(r.u64());
    std::get<2>(key) = static_cast<int>(r.u64());
    s.pairs[key].read(r);
  }
  for (std::uint64_t v : r.words(std::size_t{1} << 40)) {
    s.sample_index.push_back(static_cast<std::int64_t>(v));
  }
  for (std::uint64_t v : r.words(std::size_t{1} << 40)) {
    s.sample.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(v)));
  }
  if (!r.done()) r.fail("trailing bytes");
  return s;
}

namespace {

// The mean over seed models of each group's accuracy, as evaluate() computes it.
Evaluation evaluation_of(const std::vector<Tally>& seeds, bool classification) {
  Evaluation e;
  e.classification = classification;
  e.models = static_cast<int>(seeds.size());
  const double k = static_cast<double>(seeds.size());
  auto mean = [&](auto member, std::vector<MeanAccuracy>& out, bool numeric) {
    std::vector<std::string> groups;
    for (const auto& [g, c] : seeds.front().*member) groups.push_back(g);
    if (numeric) {
      std::sort(groups.begin(), groups.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a) < std::stoi(b);
      });
    }
    for (const std::string& g : groups) {
      MeanAccuracy m{g, 0, 0.0};
      for (const Tally& t : seeds) {
        const auto& c = (t.*member).at(g);
        m.sequences = static_cast<std::int64_t>(c.first);
        m.accuracy +=
            (c.first ? static_cast<double>(c.second) / static_cast<double>(c.first) : 0.0) / k;
      }
      out.push_back(m);
    }
  };
  mean(&Tally::by_count, e.by_count, true);
  mean(&Tally::by_pair, e.by_pair, false);
  if (!classification) {
    for (const Tally& t : seeds) {
      for (const auto& [np, sum] : t.abs_error) {
        const double n = static_cast<double>(t.by_count.at(std::to_string(np)).first);
        e.mean_abs_error[np] += std::ldexp(static_cast<double>(sum), -32) / n / k;
      }
    }
  }
  return e;
}

std::uint64_t group_seed(std::uint64_t seed, const GroupKey& key, std::uint64_t m) {
  const std::uint64_t parts[] = {seed,
                                 static_cast<std::uint64_t>(std::get<0>(key)),
                                 static_cast<std::uint64_t>(std::get<1>(key)),
                                 static_cast<std::uint64_t>(std::get<2>(key)),
                                 static_cast<std::uint64_t>(std::get<3>(key)),
                                 m};
  return fnv(parts, sizeof parts);
}

// Resample sizes of the convergence table: 100, 1000, … below N, and N.
std::vector<std::uint64_t> convergence_sizes(std::uint64_t n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t m = 100; m < n; m *= 10) out.push_back(m);
  if (n > 0) out.push_back(n);
  return out;
}

}  // namespace

Tables stream_tables(const StreamOptions& o, const ShardState& s) {
  Tables t;
  const std::vector<std::string> labels = o.motifs.labels();
  const bool classification = o.simulation.design.kind == DesignKind::classification;
  auto owner_of = [&](int model) {
    const StreamModel& m = o.models[static_cast<std::size_t>(model)];
    return RowOwner{o.set, m.models.front().filters(), m.name};
  };
  for (std::size_t m = 0; m < o.models.size(); ++m) {
    add_accuracy_rows(t, owner_of(static_cast<int>(m)),
                      evaluation_of(s.tallies[m], classification));
  }
  const BootstrapOptions& boot = o.bootstrap;
  for (const auto& [key, g] : s.groups) {
    const auto [model, method, motif, n_present] = key;
    const RowOwner owner = owner_of(model);
    const std::string method_name = to_string(o.methods[static_cast<std::size_t>(method)]);
    GroupSummary sum;
    sum.group.motif = motif;
    sum.group.n_present = n_present;
    Distribution& d = sum.distribution;
    d.count = g.values.count();
    d.median = g.values.percentile(50);
    d.q1 = g.values.percentile(25);
    d.q3 = g.values.percentile(75);
    d.mean = g.values.mean();
    std::tie(d.median_lo, d.median_hi) = g.values.median_ci(d.count, boot.resamples, boot.level,
                                                            group_seed(boot.seed, key, d.count));
    std::tie(sum.whiskers.lo, sum.whiskers.hi) = g.values.whiskers();
    sum.pooled_auprc = g.pooled.auprc();
    add_summary_rows(t, owner, method_name, {sum}, o.motifs, o.metric);
    const std::string motif_label = labels[static_cast<std::size_t>(motif)];
    for (std::uint64_t m : convergence_sizes(d.count)) {
      const auto [lo, hi] =
          g.values.median_ci(m, boot.resamples, boot.level, group_seed(boot.seed, key, m));
      t[layouts::convergence(o.metric)].add({owner.set, std::to_string(owner.filters), owner.model,
                                             method_name, motif_label, std::to_string(n_present),
                                             std::to_string(m), format_number(lo),
                                             format_number(hi), format_number(hi - lo)});
    }
    t[layouts::pooled_bounds()].add(
        {owner.set, std::to_string(owner.filters), owner.model, method_name, motif_label,
         std::to_string(n_present), std::to_string(g.pooled.positives()),
         std::to_string(g.pooled.negatives()), format_number(sum.pooled_auprc),
         format_number(g.pooled.bound())});
  }
  const auto [a, b] = compared_models(o);
  for (const auto& [key, pair] : s.pairs) {
    const auto [method, motif, n_present] = key;
    const auto ga = s.groups.find(GroupKey{a, method, motif, n_present});
    const auto gb = s.groups.find(GroupKey{b, method, motif, n_present});
    if (ga == s.groups.end() || gb == s.groups.end()) continue;
    const double delta = ga->second.values.percentile(50) - gb->second.values.percentile(50);
    const auto [lo, hi] = pair.ci(boot.level);
    t[layouts::differences(o.metric)].add(
        {o.set, std::to_string(owner_of(a).filters),
         to_string(o.methods[static_cast<std::size_t>(method)]),
         labels[static_cast<std::size_t>(motif)], std::to_string(n_present),
         std::to_string(pair.pairs()), format_number(delta), format_number(lo), format_number(hi)});
  }
  return t;
}

}  // namespace mint::stream

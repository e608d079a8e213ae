// The rows of the result tables, built from evaluations, models, training logs and scored
// attributions (pipeline/tables.hpp has the layouts and what each row means).
#include <cmath>

#include "core/error.hpp"
#include "pipeline/tables.hpp"

namespace mint {

namespace {

std::vector<std::string> owned(const RowOwner& o) {
  return {o.set, std::to_string(o.filters), o.model};
}

// owner's three fields, then `more`.
std::vector<std::string> row_of(const RowOwner& o, std::initializer_list<std::string> more) {
  std::vector<std::string> r = owned(o);
  r.insert(r.end(), more);
  return r;
}

}  // namespace

void add_accuracy_rows(Tables& tables, const RowOwner& owner, const Evaluation& e) {
  for (const MeanAccuracy& a : e.by_count) {
    if (a.group == "total") continue;
    if (e.classification) {
      tables[layouts::accuracy_by_count()].add(
          row_of(owner, {a.group, std::to_string(a.sequences), format_number(a.accuracy)}));
    } else {
      const auto mae = e.mean_abs_error.find(std::stoi(a.group));
      tables[layouts::regression_binned()].add(
          row_of(owner, {a.group, std::to_string(a.sequences), format_number(a.accuracy),
                         format_number(mae == e.mean_abs_error.end() ? NAN : mae->second)}));
    }
  }
  for (const MeanAccuracy& a : e.by_pair) {
    tables[layouts::accuracy_by_pair()].add(
        row_of(owner, {a.group, std::to_string(a.sequences), format_number(a.accuracy)}));
  }
}

void add_filter_rows(Tables& tables, const RowOwner& owner, const Model& model) {
  // The first layer's filters (F, 4, K): the paper model's conv, a general model's first
  // Conv1d on the input (none when its first layer is not one).
  int filters = model.config.filters, width = model.config.width;
  const std::vector<float>* weights = &model.params.conv_weight;
  if (model.is_sequential()) {
    const SequentialModel& m = *model.sequential;
    const SequentialLayer& first = m.arch.layers.front();
    if (first.type != LayerType::conv1d) return;
    filters = first.out;
    width = first.kernel;
    weights = &m.params.layers.front().weight;
  }
  const std::vector<float>& w = *weights;
  Table& t = tables[layouts::filters()];
  for (int f = 0; f < filters; ++f) {
    for (int k = 0; k < width; ++k) {
      std::vector<std::string> row = row_of(owner, {std::to_string(f), std::to_string(k)});
      for (int ch = 0; ch < 4; ++ch) {
        row.push_back(format_number(w[static_cast<std::size_t>((f * 4 + ch) * width + k)]));
      }
      t.add(std::move(row));
    }
  }
}

void add_training_row(Tables& tables, const RowOwner& owner, std::uint64_t seed,
                      const TrainingSummary& s) {
  tables[layouts::training()].add(
      row_of(owner, {std::to_string(seed), std::to_string(s.epochs), std::to_string(s.best_epoch),
                     format_number(s.valid_loss), format_number(s.valid_metric)}));
}

void add_auprc_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                    const ScoredAttribution& scored, const MotifSet& motifs, const SplitData& split,
                    const std::vector<double>* ensemble) {
  const std::vector<std::string> labels = motifs.labels();
  Table& t = tables[layouts::auprc()];
  for (const MotifScore& r : scored.rows) {
    const auto s = static_cast<std::size_t>(r.sequence);
    const double abs_error =
        ensemble == nullptr ? NAN : std::fabs((*ensemble)[s] - split.labels[s]);
    t.add(row_of(owner, {method, labels[static_cast<std::size_t>(r.motif)],
                         std::to_string(r.n_present), std::to_string(r.sequence),
                         format_number(r.scores.auprc), format_number(r.scores.average_precision),
                         format_number(r.scores.auroc), format_number(abs_error)}));
  }
}

void add_summary_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                      const std::vector<GroupSummary>& groups, const MotifSet& motifs,
                      Metric metric) {
  const std::vector<std::string> labels = motifs.labels();
  Table& t = tables[layouts::summary(metric)];
  for (const GroupSummary& g : groups) {
    const Distribution& d = g.distribution;
    t.add(row_of(owner, {method, labels[static_cast<std::size_t>(g.group.motif)],
                         std::to_string(g.group.n_present), std::to_string(d.count),
                         format_number(d.median), format_number(d.q1), format_number(d.q3),
                         format_number(d.mean), format_number(d.median_lo),
                         format_number(d.median_hi), format_number(g.pooled_auprc),
                         format_number(g.whiskers.lo), format_number(g.whiskers.hi)}));
  }
}

void add_difference_rows(Tables& tables, const RowOwner& owner, const std::string& method,
                         const std::vector<MotifGroup>& a, const std::vector<MotifGroup>& b,
                         const MotifSet& motifs, const BootstrapOptions& bootstrap, Metric metric) {
  const std::vector<std::string> labels = motifs.labels();
  Table& t = tables[layouts::differences(metric)];
  for (const MotifGroup& ga : a) {
    for (const MotifGroup& gb : b) {
      if (ga.motif != gb.motif || ga.n_present != gb.n_present) continue;
      const Difference d = median_difference(ga.values, gb.values, bootstrap);
      t.add({owner.set, std::to_string(owner.filters), method,
             labels[static_cast<std::size_t>(ga.motif)], std::to_string(ga.n_present),
             std::to_string(d.pairs), format_number(d.delta), format_number(d.lo),
             format_number(d.hi)});
    }
  }
}

}  // namespace mint

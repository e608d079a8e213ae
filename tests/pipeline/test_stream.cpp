// The streaming benchmark (pipeline/stream/stream.cpp): its per-sequence AUPRC, AP and AUROC
// equal the materialized pipeline's (simulate → attribute_models → score_attribution) bit for
// bit; its tables do not change with the chunk size, the thread count, the shard split or an
// interruption; its accuracy tables equal evaluate()'s.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <tuple>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "model_test_util.hpp"
#include "pipeline/predict.hpp"
#include "pipeline/simulate.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/stream/stream_state.hpp"
#include "pipeline/tables.hpp"
#include "stream_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;

StreamOptions small_stream(const std::string& out, DesignKind kind = DesignKind::classification) {
  StreamOptions o = test::small_stream_base(out);
  o.simulation.design.kind = kind;
  o.simulation.design.test_positives = 20;
  o.simulation.design.test_per_subset = 5;
  o.simulation.design.test_per_count = 12;
  o.methods = {Method::ig, Method::deeplift, Method::ism, Method::fp, Method::saliency};
  o.attribute.fp_batch = 8;
  o.bootstrap.resamples = 100;
  o.pair_resamples = 40;
  return o;
}

// Every table file of a results directory, by name.
std::map<std::string, std::string> tables_of(const std::string& out) {
  std::map<std::string, std::string> t;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "tables")) {
    t[e.path().filename().string()] = read_file(e.path().string());
  }
  for (const auto& e : fs::directory_iterator(fs::path(out) / "stream" / "attributions")) {
    t[e.path().filename().string()] = read_file(e.path().string());
  }
  return t;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

TEST(Stream, PerSequenceScoresEqualTheMaterializedPipeline) {
  for (std::int64_t chunk : {1, 7, 1024}) {
    StreamOptions o = small_stream(test::scratch_dir("stream_equal_" + std::to_string(chunk)));
    if (chunk == 1) o.methods = {Method::ig, Method::deeplift};  // FP needs batches
    o.chunk = chunk;
    std::map<std::pair<std::string, Method>, std::vector<MotifScore>> streamed;
    StreamHooks hooks;
    hooks.rows = [&](const std::string& model, Method method, const std::vector<MotifScore>& r) {
      auto& all = streamed[{model, method}];
      all.insert(all.end(), r.begin(), r.end());
    };
    const StreamRun run = run_stream(o, hooks);
    ASSERT_TRUE(run.tables_written);
    const Simulation sim = simulate(o.motifs, o.simulation);
    const SplitData& test = find_split(sim, "test");
    ASSERT_EQ(run.sequences, test.size());
    for (const StreamModel& m : o.models) {
      for (Method method : o.methods) {
        AttributeOptions a = o.attribute;
        a.method = method;
        const AttributeResult r = attribute_models(
            m.models, CnnInput{test.codes.data(), nullptr, nullptr}, test.size(), 120, a);
        const ScoredAttribution s =
            score_attribution(r.values, test, sim, method == Method::ism, o.score, "test");
        const auto& got = streamed[{m.name, method}];
        ASSERT_EQ(got.size(), s.rows.size()) << m.name << " " << to_string(method);
        for (std::size_t i = 0; i < got.size(); ++i) {
          const MotifScore &g = got[i], &e = s.rows[i];
          ASSERT_EQ(std::tie(g.sequence, g.motif, g.n_present, g.positives, g.negatives),
                    std::tie(e.sequence, e.motif, e.n_present, e.positives, e.negatives));
          EXPECT_TRUE(same_bits(g.scores.auprc, e.scores.auprc)) << i;
          EXPECT_TRUE(same_bits(g.scores.average_precision, e.scores.average_precision)) << i;
          EXPECT_TRUE(same_bits(g.scores.auroc, e.scores.auroc)) << i;
        }
      }
    }
  }
}

TEST(Stream, TablesDoNotDependOnChunksThreadsOrShards) {
  const StreamOptions base = small_stream(test::scratch_dir("stream_base"));
  run_stream(base);
  const auto expected = tables_of(base.out);
  ASSERT_TRUE(expected.count("auprc_summary.tsv"));
  ASSERT_TRUE(expected.count("auprc_differences.tsv"));
  ASSERT_TRUE(expected.count("auprc_convergence.tsv"));
  ASSERT_TRUE(expected.count("accuracy_by_count.tsv"));
  ASSERT_TRUE(expected.count("M_w_ig.npy"));
  struct Variant {
    std::int64_t chunk;
    int threads, shards;
  };
  for (const Variant& v :
       {Variant{7, 2, 1}, Variant{1024, 2, 1}, Variant{8, 1, 3}, Variant{16, 2, 2}}) {
    StreamOptions o = small_stream(test::scratch_dir("stream_variant_" + std::to_string(v.chunk)));
    o.chunk = v.chunk;
    o.attribute.compute.threads = v.threads;
    o.shards = v.shards;
    for (int i = v.shards - 1; i >= 0; --i) {  // the shards in any order
      o.shard = i;
      const StreamRun run = run_stream(o);
      EXPECT_EQ(run.tables_written, i == 0);
    }
    EXPECT_EQ(tables_of(o.out), expected) << "chunk " << v.chunk << " shards " << v.shards;
  }
}

TEST(Stream, AResumedRunEqualsAnUninterruptedOne) {
  const StreamOptions base = small_stream(test::scratch_dir("stream_whole"));
  run_stream(base);
  const auto expected = tables_of(base.out);
  // The checkpoint, written part by part, is the state's bytes() and reads back to them.
  const std::string saved =
      read_file((fs::path(base.out) / "stream" / "shard-0-of-1.state").string());
  EXPECT_EQ(stream::ShardState::parse(saved, "state").bytes(), saved);
  std::mt19937_64 rng(::testing::UnitTest::GetInstance()->random_seed());
  for (int trial = 0; trial < 2; ++trial) {
    StreamOptions o = small_stream(test::scratch_dir("stream_killed" + std::to_string(trial)));
    o.chunk = 8;
    const std::int64_t stop_at = static_cast<std::int64_t>(rng() % 6);
    StreamHooks kill;
    kill.after_chunk = [&](std::int64_t chunk) {
      if (chunk == stop_at) throw std::runtime_error("killed");
    };
    EXPECT_THROW(run_stream(o, kill), std::runtime_error);
    EXPECT_FALSE(fs::exists(fs::path(o.out) / "tables"));
    std::int64_t resumed = -1;
    StreamHooks watch;
    watch.progress = [&](const StreamProgress& p) { resumed = p.resumed_at; };
    run_stream(o, watch);
    EXPECT_EQ(resumed, (stop_at + 1) * 8);
    EXPECT_EQ(tables_of(o.out), expected) << "stopped after chunk " << stop_at;
  }
}

TEST(Stream, AccuracyTablesEqualEvaluate) {
  for (DesignKind kind : {DesignKind::classification, DesignKind::regression}) {
    StreamOptions o = small_stream(test::scratch_dir("stream_accuracy"), kind);
    o.methods = {Method::saliency};
    o.chunk = 9;
    run_stream(o);
    const Simulation sim = simulate(o.motifs, o.simulation);
    const SplitData& test = find_split(sim, "test");
    Tables expected;
    for (const StreamModel& m : o.models) {
      const auto preds = predict_each(m.models, CnnInput{test.codes.data(), nullptr, nullptr},
                                      test.size(), 120, o.attribute.compute);
      add_accuracy_rows(expected, {o.set, 6, m.name},
                        evaluate(preds, test, o.motifs, o.simulation.design));
    }
    for (const auto& [name, table] : expected.all()) {
      const Table got = read_table(o.out, *table.layout);
      if (name == "regression_binned") {
        // The mean absolute error is summed in fixed point: equal to the printed digits.
        ASSERT_EQ(got.rows.size(), table.rows.size());
        for (std::size_t i = 0; i < got.rows.size(); ++i) {
          for (std::size_t j = 0; j < got.rows[i].size(); ++j) {
            if (j == 6) {
              EXPECT_NEAR(std::stod(got.rows[i][j]), std::stod(table.rows[i][j]), 1e-5);
            } else {
              EXPECT_EQ(got.rows[i][j], table.rows[i][j]);
            }
          }
        }
        continue;
      }
      EXPECT_EQ(got.text(), table.text()) << name;
    }
  }
}

// The stream's medians, quartiles and pooled AUPRC against the exact ones of the materialized
// pipeline on the same sequences: within 2^-16 (the histogram's bin) and within the pooled
// AUPRC's computed bound (the tables print 6 significant digits: 1e-6 more).
TEST(Stream, SummariesWithinTheirBoundsOfTheExactOnes) {
  StreamOptions o = small_stream(test::scratch_dir("stream_exact"));
  o.simulation.design.test_positives = 200;
  o.simulation.design.test_per_subset = 20;
  o.methods = {Method::deeplift};
  o.models.resize(1);
  run_stream(o);
  const Simulation sim = simulate(o.motifs, o.simulation);
  const SplitData& test = find_split(sim, "test");
  AttributeOptions a = o.attribute;
  a.method = Method::deeplift;
  const AttributeResult r = attribute_models(
      o.models[0].models, CnnInput{test.codes.data(), nullptr, nullptr}, test.size(), 120, a);
  const ScoredAttribution scored = score_attribution(r.values, test, sim, false, o.score, "test");
  const std::vector<MotifGroup> groups = group_scores(scored.rows, Metric::auprc);
  const Table summary = read_table(o.out, layouts::summary());
  const Table pooled = read_table(o.out, layouts::pooled_bounds());
  ASSERT_EQ(summary.rows.size(), groups.size());
  ASSERT_EQ(pooled.rows.size(), groups.size());
  const std::vector<std::string> labels = o.motifs.labels();
  const double bin = std::ldexp(1.0, -16), digits = 1e-6;
  auto find = [&](const Table& t, const MotifGroup& group) {
    for (const auto& row : t.rows) {
      if (row[4] == labels[static_cast<std::size_t>(group.motif)] &&
          row[5] == std::to_string(group.n_present)) {
        return row;
      }
    }
    ADD_FAILURE() << "no row for motif " << group.motif << ", " << group.n_present << " present";
    return std::vector<std::string>(10, "nan");
  };
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::vector<std::string> row = find(summary, groups[g]);
    const std::vector<std::string> bounds = find(pooled, groups[g]);
    EXPECT_EQ(row[6], std::to_string(groups[g].values.size()));
    const std::vector<double>& v = groups[g].values;
    EXPECT_NEAR(std::stod(row[7]), percentile(v, 50), bin + digits) << g;
    EXPECT_NEAR(std::stod(row[8]), percentile(v, 25), bin + digits) << g;
    EXPECT_NEAR(std::stod(row[9]), percentile(v, 75), bin + digits) << g;
    const CurveScores exact = pooled_motif_scores(scored.positions.data(), test, sim.grammar,
                                                  o.motifs, groups[g].motif, groups[g].n_present);
    const double bound = std::stod(bounds[9]);
    EXPECT_LE(std::fabs(std::stod(bounds[8]) - exact.auprc), bound + digits) << g;
    EXPECT_LT(bound, 0.01) << g;
  }
}

TEST(Stream, RefusesAStateOfOtherOptionsAndBadModels) {
  StreamOptions o = small_stream(test::scratch_dir("stream_refuse"));
  o.methods = {Method::saliency};
  run_stream(o);
  o.simulation.seed = 6;
  EXPECT_NE(test::error_of([&] { run_stream(o); })
                .find("started with other options (simulation: 'seed=5' in the saved state, "
                      "'seed=6' now)"),
            std::string::npos);
  EXPECT_EQ(stream::fingerprint_difference("a x\nmodel M 1", "a x\nmodel M 1\nmodel N 2"),
            "options: nothing in the saved state, 'model N 2' now");
  EXPECT_EQ(stream::fingerprint_difference("methods ig", "methods ig deeplift"),
            "methods: 'ig' in the saved state, 'ig deeplift' now");
  // A method's own options count only when the method runs.
  StreamOptions dl = small_stream(test::scratch_dir("stream_refuse"));
  dl.methods = {Method::deeplift};
  StreamOptions dl_other = dl;
  dl_other.attribute.ig_steps = 3;
  dl_other.attribute.fp_seed = 9;
  EXPECT_EQ(stream::fingerprint(dl, Backend::cpu), stream::fingerprint(dl_other, Backend::cpu));
  dl.methods = dl_other.methods = {Method::ig};
  EXPECT_NE(stream::fingerprint(dl, Backend::cpu), stream::fingerprint(dl_other, Backend::cpu));
  StreamOptions bad = small_stream(test::scratch_dir("stream_bad"));
  bad.simulation.length = 100;
  EXPECT_NE(test::error_of([&] { run_stream(bad); }).find("length"), std::string::npos);
  bad = small_stream(test::scratch_dir("stream_bad"));
  bad.compare = {"M_w", "nope"};
  EXPECT_NE(test::error_of([&] { run_stream(bad); }).find("no model called 'nope'"),
            std::string::npos);
}

TEST(Stream, SizeFromN) {
  SimulationOptions s;
  set_stream_size(s, 3, 1000);
  EXPECT_EQ(stream_size(s, 3), 1000);
  set_stream_size(s, 3, 1001);
  EXPECT_EQ(stream_size(s, 3), 1008);
  s.design.kind = DesignKind::regression;
  set_stream_size(s, 3, 1001);
  EXPECT_EQ(stream_size(s, 3), 1004);
  EXPECT_THROW(set_stream_size(s, 3, 0), Error);
}

}  // namespace
}  // namespace mint

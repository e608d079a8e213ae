// The device stream (pipeline/stream/stream_device.hpp) against the host stream: the same
// sequences byte for byte (the device sampler against sample_codes_cpu), the same rows with
// per-row AUPRC / AP / AUROC within float32 attribution tolerance, the same accuracy tallies,
// the same pooled counts. GPU tests skip without a GPU; without one (or without CUDA) the
// device stream must say why.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "model_test_util.hpp"
#include "pipeline/simulate.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/stream/stream_device.hpp"
#include "stream_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;

// Per-row metric tolerance: CPU and GPU attributions agree to ~1e-5 relative, which moves an
// AUPRC only where two scores of a row nearly tie; most rows agree to 1e-6.
constexpr double kMetricTol = 1e-4;
constexpr double kMaxOffRows = 0.02;  // rows allowed beyond kMetricTol (near-ties)

StreamOptions device_stream(const std::string& out, DeviceChoice device) {
  StreamOptions o = test::small_stream_base(out);
  o.simulation.design.test_positives = 40;
  o.simulation.design.test_per_subset = 9;
  o.methods = {Method::ig, Method::deeplift, Method::saliency};  // saliency: the host path
  o.attribute.compute.device = device;
  o.bootstrap.resamples = 50;
  o.pair_resamples = 20;
  o.chunk = 13;  // checkpoints after every chunk: the device's pooled counts flushed each time
  return o;
}

using Rows = std::map<std::pair<std::string, Method>, std::vector<MotifScore>>;

Rows run_collecting(const StreamOptions& o) {
  Rows rows;
  StreamHooks hooks;
  hooks.rows = [&](const std::string& model, Method method, const std::vector<MotifScore>& r) {
    auto& all = rows[{model, method}];
    all.insert(all.end(), r.begin(), r.end());
  };
  EXPECT_TRUE(run_stream(o, hooks).tables_written);
  return rows;
}

// The lines of a table, each cut to its first `fields` tab-separated fields.
std::vector<std::string> table_prefix(const std::string& out, const std::string& name, int fields) {
  std::istringstream in(read_file((fs::path(out) / "tables" / name).string()));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    std::size_t at = 0;
    for (int f = 0; f < fields && at != std::string::npos; ++f) {
      at = line.find('\t', at == 0 ? 0 : at + 1);
    }
    lines.push_back(line.substr(0, at));
  }
  return lines;
}

TEST(StreamDevice, WithoutGpuSaysWhy) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const StreamOptions o =
      device_stream(test::scratch_dir("stream_device_nogpu"), DeviceChoice::cuda);
  const std::string message = test::error_of([&] { run_stream(o); });
  EXPECT_NE(message.find("--device cuda"), std::string::npos) << message;
  const Simulation sim = plan_simulation(o.motifs, o.simulation);
  const SamplerTables tables(o.motifs, sim.grammar, o.simulation, sim.plans.at(2));
  EXPECT_NE(test::error_of([&] { stream::DeviceStream d(o, sim, tables); }), "");
}

TEST(StreamDevice, SamplerEqualsTheCpuByteForByte) {
  MINT_REQUIRE_GPU();
  const StreamOptions o =
      device_stream(test::scratch_dir("stream_device_sampler"), DeviceChoice::cuda);
  const Simulation sim = plan_simulation(o.motifs, o.simulation);
  const SamplerTables tables(o.motifs, sim.grammar, o.simulation, sim.plans.at(2));
  stream::DeviceStream device(o, sim, tables);
  const std::int64_t n = tables.sequences();
  for (const auto& [first, count] :
       {std::pair<std::int64_t, std::int64_t>{0, 1}, {3, 7}, {0, n}, {n - 33, 33}}) {
    std::vector<std::uint32_t> masks;
    std::vector<std::int32_t> offsets(static_cast<std::size_t>(count));
    sample_offsets(tables, first, count, offsets.data());
    for (std::int64_t i = first; i < first + count; ++i) {
      const auto g = std::upper_bound(tables.group_start_.begin(), tables.group_start_.end(), i) -
                     tables.group_start_.begin() - 1;
      masks.push_back(tables.group_mask_[static_cast<std::size_t>(g)]);
    }
    std::vector<std::uint8_t> got(static_cast<std::size_t>(count) * tables.length(), 9);
    std::vector<std::uint8_t> want(got.size());
    device.sample(first, count, masks, offsets, got.data());
    sample_codes_cpu(tables, first, count, want.data(), 1);
    EXPECT_EQ(got, want) << "sequences " << first << " + " << count;
  }
}

TEST(StreamDevice, MatchesTheCpuStream) {
  MINT_REQUIRE_GPU();
  const StreamOptions cpu =
      device_stream(test::scratch_dir("stream_device_cpu"), DeviceChoice::cpu);
  const StreamOptions gpu =
      device_stream(test::scratch_dir("stream_device_gpu"), DeviceChoice::cuda);
  const Rows want = run_collecting(cpu), got = run_collecting(gpu);
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [key, rows] : want) {
    SCOPED_TRACE(key.first + " " + to_string(key.second));
    const std::vector<MotifScore>& g = got.at(key);
    ASSERT_EQ(g.size(), rows.size());
    std::size_t off = 0;
    std::vector<double> diffs;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const MotifScore &a = rows[i], &b = g[i];
      ASSERT_EQ(std::tie(a.sequence, a.motif, a.n_present, a.positives, a.negatives),
                std::tie(b.sequence, b.motif, b.n_present, b.positives, b.negatives));
      for (const Metric m : {Metric::auprc, Metric::ap, Metric::auroc}) {
        const double d = std::fabs(metric_of(a.scores, m) - metric_of(b.scores, m));
        diffs.push_back(d);
        off += d > kMetricTol ? 1 : 0;
      }
    }
    std::sort(diffs.begin(), diffs.end());
    EXPECT_LE(diffs[diffs.size() / 2], 1e-6);
    EXPECT_LE(static_cast<double>(off), kMaxOffRows * static_cast<double>(diffs.size()));
  }
  // Accuracy tallies: the same tables; pooled counts: the same positives and negatives per group.
  for (const char* t : {"accuracy_by_count.tsv", "accuracy_by_pair.tsv"}) {
    EXPECT_EQ(read_file((fs::path(cpu.out) / "tables" / t).string()),
              read_file((fs::path(gpu.out) / "tables" / t).string()))
        << t;
  }
  EXPECT_EQ(table_prefix(cpu.out, "pooled_bounds.tsv", 8),
            table_prefix(gpu.out, "pooled_bounds.tsv", 8));
  // The sampled attributions: float32 agreement.
  for (const char* f : {"M_w_ig.npy", "M_w_deeplift.npy", "M_wo_ig.npy", "M_w_saliency.npy"}) {
    const auto path = [&](const StreamOptions& o) {
      return (fs::path(o.out) / "stream" / "attributions" / f).string();
    };
    EXPECT_TRUE(test::all_close(read_npy(path(cpu)).to_vector<float>(),
                                read_npy(path(gpu)).to_vector<float>(), 1e-3, 1e-5))
        << f;
  }
}

}  // namespace
}  // namespace mint

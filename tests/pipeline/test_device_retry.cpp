// Running out of device memory (core/device_memory.hpp, docs/reliability.md "Faults"): the
// accounting and its limit; attribute_models and the streaming benchmark retry a chunk that ran
// out in halves and give the same bits as a run that never did. On the CPU the failure is
// injected from a hook inside the chunk (after the chunk's work, or after part of a stream
// chunk's state changed); on a GPU by a device memory limit between the peaks of a small and a
// large chunk (those tests skip without a GPU).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/device_memory.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "model_test_util.hpp"
#include "pipeline/attribute.hpp"
#include "pipeline/stream/stream.hpp"
#include "stream_test_util.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;

// Collects the notices while alive.
struct Notices {
  std::vector<std::string> lines;
  Notices() {
    set_device_memory_notice_sink([this](const std::string& m) { lines.push_back(m); });
  }
  ~Notices() { set_device_memory_notice_sink(nullptr); }
};

// Restores the limit of MINT_DEVICE_MEMORY_LIMIT when it goes.
struct Limit {
  explicit Limit(std::uint64_t bytes) { set_device_memory_limit(bytes); }
  ~Limit() { set_device_memory_limit(0); }
};

TEST(DeviceMemory, HalvedChunkStaysAMultipleAndStops) {
  EXPECT_EQ(halved_chunk(4096, 1024), 2048);
  EXPECT_EQ(halved_chunk(3000, 1024), 1024);
  EXPECT_EQ(halved_chunk(1500, 1024), 1024);
  EXPECT_EQ(halved_chunk(1024, 1024), 0);
  EXPECT_EQ(halved_chunk(7, 1), 3);
  EXPECT_EQ(halved_chunk(1, 1), 0);
  EXPECT_EQ(halved_chunk(40, 8), 16);
  EXPECT_EQ(halved_chunk(5, 0), 2);  // align < 1 counts as 1
}

TEST(DeviceMemory, TheLimitCountsReservationsAndNamesItself) {
  const std::uint64_t before = device_memory_in_use();
  const Limit limit(before + 1000);
  reserve_device_memory(600, "cudaMalloc");
  try {
    reserve_device_memory(500, "cudaMalloc");
    FAIL() << "no DeviceOutOfMemory";
  } catch (const DeviceOutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("MINT_DEVICE_MEMORY_LIMIT"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(device_memory_in_use(), before + 600);
  release_device_memory(600);
  reserve_device_memory(1000, "cudaMalloc");
  EXPECT_GE(device_memory_peak(), before + 1000);
  release_device_memory(1000);
  EXPECT_EQ(device_memory_in_use(), before);
}

TEST(DeviceMemory, LimitSpellings) {
  EXPECT_EQ(parse_device_memory_limit("4096"), 4096u);
  EXPECT_EQ(parse_device_memory_limit("512M"), 512ull << 20);
  EXPECT_EQ(parse_device_memory_limit("2g"), 2ull << 30);
  EXPECT_EQ(parse_device_memory_limit("3k"), 3ull << 10);
  EXPECT_EQ(parse_device_memory_limit("1T"), 1ull << 40);
  EXPECT_EQ(parse_device_memory_limit("18446744073709551615"), ~0ull);
  for (const char* bad : {"", "0", "-5", "abc", "1.5G", "12MB", " 12", "1e9", "99999999999G",
                          "18446744073709551616", "16777216T", "17179869184G"}) {
    try {
      parse_device_memory_limit(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("MINT_DEVICE_MEMORY_LIMIT"), std::string::npos);
    }
  }
}

// The attribution of `n` random sequences with `method`; `fail_once` throws DeviceOutOfMemory
// from the first progress report after a chunk (its work done, nothing of it kept yet).
AttributeResult attribute_with(Method method, int n, bool fail_once, int chunk,
                               DeepLiftCompat compat = DeepLiftCompat::none) {
  const ModelConfig c = test::small_config();
  const std::vector<Model> models = {test::random_model(c, 1), test::random_model(c, 2)};
  const std::vector<std::uint8_t> codes = test::random_codes(n, c.length, 11);
  AttributeOptions o;
  o.method = method;
  o.ig_steps = 8;
  o.fp_batch = 8;
  o.compat = compat;
  o.compute.device = DeviceChoice::cpu;
  o.compute.threads = 1;
  o.chunk = chunk;
  bool failed = false;
  o.progress = [&](std::int64_t done, std::int64_t) {
    if (fail_once && !failed && done > 0) {
      failed = true;
      throw DeviceOutOfMemory("injected");
    }
  };
  AttributeResult r =
      attribute_models(models, CnnInput{codes.data(), nullptr, nullptr}, n, c.length, o);
  EXPECT_EQ(failed, fail_once);
  return r;
}

TEST(DeviceRetry, AttributionRetriedInHalvesGivesTheSameBits) {
  struct Case {
    Method method;
    DeepLiftCompat compat;
    int chunk;
  };
  for (const Case& k :
       {Case{Method::ig, DeepLiftCompat::none, 40},
        Case{Method::deeplift, DeepLiftCompat::captum_0_8, 16},
        Case{Method::fp, DeepLiftCompat::none, 32}, Case{Method::ism, DeepLiftCompat::none, 48}}) {
    const AttributeResult plain = attribute_with(k.method, 48, false, 1 << 20, k.compat);
    const Notices notices;
    const AttributeResult retried = attribute_with(k.method, 48, true, k.chunk, k.compat);
    EXPECT_EQ(retried.values, plain.values) << to_string(k.method);
    EXPECT_EQ(retried.permutations, plain.permutations) << to_string(k.method);
    ASSERT_EQ(notices.lines.size(), 1u) << to_string(k.method);
    EXPECT_NE(notices.lines[0].find("retrying in chunks of " + std::to_string(k.chunk / 2)),
              std::string::npos)
        << notices.lines[0];
  }
}

TEST(DeviceRetry, AnUnsplittableCallFailsWithOneLine) {
  const Notices notices;
  try {
    attribute_with(Method::ig, 1, true, 8);  // one sequence: nothing smaller to try
    FAIL() << "no error";
  } catch (const DeviceOutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("ig of 1 sequences does not fit in device memory"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(notices.lines.empty());
}

// Every table and sampled attribution of a stream's results, by name.
std::map<std::string, std::string> outputs_of(const std::string& out) {
  std::map<std::string, std::string> t;
  for (const char* dir : {"tables", "stream/attributions"}) {
    for (const auto& e : fs::directory_iterator(fs::path(out) / dir)) {
      t[e.path().filename().string()] = read_file(e.path().string());
    }
  }
  return t;
}

StreamOptions retry_stream(const std::string& name, double checkpoint_seconds) {
  StreamOptions o = test::small_stream_base(test::scratch_dir(name));
  o.simulation.design.test_positives = 20;
  o.simulation.design.test_per_subset = 5;
  o.methods = {Method::ig, Method::fp};
  o.attribute.fp_batch = 8;
  o.bootstrap.resamples = 50;
  o.pair_resamples = 20;
  o.chunk = 16;
  o.checkpoint_seconds = checkpoint_seconds;
  return o;
}

// The stream, with DeviceOutOfMemory thrown once from the rows hook of the `at`-th (model,
// method) of a chunk: after that chunk changed part of the state.
StreamRun stream_failing_at(const StreamOptions& o, int at) {
  StreamHooks hooks;
  int calls = 0;
  hooks.rows = [&](const std::string&, Method, const std::vector<MotifScore>&) {
    if (++calls == at) throw DeviceOutOfMemory("injected");
  };
  return run_stream(o, hooks);
}

TEST(DeviceRetry, AStreamGoesBackToItsCheckpointAndGivesTheSameTables) {
  const StreamOptions base = retry_stream("retry_stream_base", 0);
  run_stream(base);
  const auto expected = outputs_of(base.out);
  ASSERT_TRUE(expected.count("auprc_summary.tsv"));
  // 2 models x 2 methods per chunk: call 10 is the third chunk's second; with checkpoints only
  // at the end the run goes back to the shard's start.
  for (double seconds : {0.0, 1e9}) {
    StreamOptions o =
        retry_stream("retry_stream_" + std::to_string(static_cast<int>(seconds)), seconds);
    const Notices notices;
    EXPECT_TRUE(stream_failing_at(o, 10).tables_written);
    EXPECT_EQ(outputs_of(o.out), expected) << "checkpoint every " << seconds << " s";
    ASSERT_EQ(notices.lines.size(), 1u);
    EXPECT_NE(notices.lines[0].find("in chunks of 8"), std::string::npos) << notices.lines[0];
    EXPECT_NE(notices.lines[0].find(seconds == 0 ? "the last checkpoint" : "the shard's start"),
              std::string::npos)
        << notices.lines[0];
  }
}

TEST(DeviceRetry, AStreamWhoseSmallestChunkFailsStopsWithItsCheckpoint) {
  StreamOptions o = retry_stream("retry_stream_smallest", 0);
  o.methods = {Method::ig};
  o.chunk = 1;
  try {
    stream_failing_at(o, 5);
    FAIL() << "no error";
  } catch (const DeviceOutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("a chunk of 1 sequences (the smallest)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(fs::path(o.out) / "tables"));
  EXPECT_TRUE(run_stream(o).tables_written);  // the same command resumes
}

// On a GPU: a limit between the device peaks of a small and a whole-n chunk.
TEST(DeviceRetryCuda, AttributionUnderALimitGivesTheSameBits) {
  if (cuda_device_count() == 0) GTEST_SKIP() << cuda_unavailable_reason();
  const ModelConfig c = test::small_stream_config();
  const std::vector<Model> models = {test::random_model(c, 1)};
  const int n = 3000;
  const std::vector<std::uint8_t> codes = test::random_codes(n, c.length, 3);
  const CnnInput in{codes.data(), nullptr, nullptr};
  for (Method method : {Method::ig, Method::deeplift}) {  // fused: memory grows with n
    AttributeOptions o;
    o.method = method;
    o.ig_steps = 8;
    o.compute.device = DeviceChoice::cuda;
    reset_device_memory_peak();
    const AttributeResult whole = attribute_models(models, in, n, c.length, o);
    const std::uint64_t whole_peak = device_memory_peak();
    AttributeOptions chunked = o;
    chunked.chunk = 1024;
    chunked.progress = [](std::int64_t, std::int64_t) {};
    reset_device_memory_peak();
    EXPECT_EQ(attribute_models(models, in, n, c.length, chunked).values, whole.values);
    const std::uint64_t chunk_peak = device_memory_peak();
    ASSERT_LT(chunk_peak, whole_peak) << to_string(method);
    const Limit limit((chunk_peak + whole_peak) / 2);
    const Notices notices;
    EXPECT_EQ(attribute_models(models, in, n, c.length, o).values, whole.values)
        << to_string(method);
    EXPECT_FALSE(notices.lines.empty()) << to_string(method);
  }
}

TEST(DeviceRetryCuda, AStreamUnderALimitGivesTheSameTables) {
  if (cuda_device_count() == 0) GTEST_SKIP() << cuda_unavailable_reason();
  StreamOptions o = retry_stream("retry_cuda_base", 0);
  o.methods = {Method::ig, Method::deeplift};
  o.attribute.compute.device = DeviceChoice::cuda;
  o.simulation.design.test_positives = 400;
  o.simulation.design.test_per_subset = 100;
  o.chunk = 64;
  reset_device_memory_peak();
  run_stream(o);
  const std::uint64_t small_peak = device_memory_peak();
  o.out = test::scratch_dir("retry_cuda_whole");
  o.chunk = 1 << 20;
  reset_device_memory_peak();
  run_stream(o);
  const std::uint64_t whole_peak = device_memory_peak();
  const auto expected = outputs_of(o.out);
  ASSERT_LT(small_peak, whole_peak);
  o.out = test::scratch_dir("retry_cuda_limited");
  const Limit limit((small_peak + whole_peak) / 2);
  const Notices notices;
  EXPECT_TRUE(run_stream(o).tables_written);
  EXPECT_EQ(outputs_of(o.out), expected);
  EXPECT_FALSE(notices.lines.empty());
}

}  // namespace
}  // namespace mint

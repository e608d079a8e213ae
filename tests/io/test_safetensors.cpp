// safetensors: the writer reproduces the reference library's own test vectors byte for byte,
// a fixture written in Python reads back, round trips are exact for every dtype (scalars and
// empty tensors included), and every kind of corrupt file fails with one line that starts with
// its path and says what is wrong — including every truncation of a valid file.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/safetensors.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

const std::string kCaptum = MINT_TEST_DATA_DIR "/captum/";

std::string as_string(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::vector<char> float_bytes(const std::vector<float>& v) {
  std::vector<char> out(v.size() * sizeof(float));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// A file from a header text (not padded) and a data region, with the right length prefix.
std::string make_file(const std::string& header, const std::string& data = "") {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

// Expects parse to fail with a one-line message that starts with the source and holds reason.
void expect_bad(const std::string& bytes, const std::string& reason, const std::string& label) {
  const std::string source = "bad/" + label + ".safetensors";
  try {
    parse_safetensors(bytes, source);
    ADD_FAILURE() << label << " was accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(source + ": ", 0), 0u) << label << ": " << what;
    EXPECT_NE(what.find(reason), std::string::npos) << label << ": " << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << label << ": " << what;
  }
}

// huggingface/safetensors, safetensors/src/tensor.rs: test_serialization, test_empty and
// test_serialization_forced_alignement, whose expected bytes are copied here.
TEST(SafeTensors, WriterReproducesTheReferenceLibrarysTestVectors) {
  const std::vector<char> data = float_bytes({0, 1, 2, 3, 4, 5});
  SafeTensors one;
  one.tensors["attn.0"] = {"F32", {1, 2, 3}, data};
  EXPECT_EQ(
      safetensors_bytes(one),
      as_string({64, 0,  0,   0,   0,   0,   0,   0,   123, 34,  97,  116, 116, 110, 46,  48,
                 34, 58, 123, 34,  100, 116, 121, 112, 101, 34,  58,  34,  70,  51,  50,  34,
                 44, 34, 115, 104, 97,  112, 101, 34,  58,  91,  49,  44,  50,  44,  51,  93,
                 44, 34, 100, 97,  116, 97,  95,  111, 102, 102, 115, 101, 116, 115, 34,  58,
                 91, 48, 44,  50,  52,  93,  125, 125, 0,   0,   0,   0,   0,   0,   128, 63,
                 0,  0,  0,   64,  0,   0,   64,  64,  0,   0,   128, 64,  0,   0,   160, 64}));

  SafeTensors empty;
  EXPECT_EQ(safetensors_bytes(empty),
            as_string({8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}));
  empty.metadata["framework"] = "pt";
  EXPECT_EQ(
      safetensors_bytes(empty),
      as_string({40,  0,   0,   0,  0,  0,  0,   0,   123, 34,  95,  95,  109, 101, 116, 97,
                 100, 97,  116, 97, 95, 95, 34,  58,  123, 34,  102, 114, 97,  109, 101, 119,
                 111, 114, 107, 34, 58, 34, 112, 116, 34,  125, 125, 32,  32,  32,  32,  32}));

  SafeTensors aligned;
  aligned.tensors["attn0"] = {"F32", {1, 1, 2, 3}, data};
  EXPECT_EQ(safetensors_bytes(aligned),
            as_string({72,  0,   0,   0,   0,   0,   0,   0,   123, 34, 97, 116, 116, 110, 48,
                       34,  58,  123, 34,  100, 116, 121, 112, 101, 34, 58, 34,  70,  51,  50,
                       34,  44,  34,  115, 104, 97,  112, 101, 34,  58, 91, 49,  44,  49,  44,
                       50,  44,  51,  93,  44,  34,  100, 97,  116, 97, 95, 111, 102, 102, 115,
                       101, 116, 115, 34,  58,  91,  48,  44,  50,  52, 93, 125, 125, 32,  32,
                       32,  32,  32,  32,  32,  0,   0,   0,   0,   0,  0,  128, 63,  0,   0,
                       0,   64,  0,   0,   64,  64,  0,   0,   128, 64, 0,  0,   160, 64}));
  for (const SafeTensors* st : {&one, &empty, &aligned}) {
    const SafeTensors back = parse_safetensors(safetensors_bytes(*st), "vector");
    EXPECT_EQ(back.metadata, st->metadata);
    ASSERT_EQ(back.tensors.size(), st->tensors.size());
  }
}

TEST(SafeTensors, ReadsAFileWrittenInPython) {
  const std::string path = kCaptum + "small/weights.safetensors";
  const SafeTensors st = read_safetensors(path);
  EXPECT_EQ(st.tensors.size(), 13u);
  EXPECT_EQ(st.metadata.at("L"), "60");
  EXPECT_EQ(st.metadata.at("bn_eps"), "1e-05");
  EXPECT_EQ(st.metadata.count("padding"), 0u);
  const SafeTensor& conv = st.tensors.at("conv.weight");
  EXPECT_EQ(conv.dtype, "F32");
  EXPECT_EQ(conv.shape, (std::vector<std::int64_t>{4, 4, 7}));
  EXPECT_EQ(conv.data.size(), 4u * 4 * 7 * 4);
  const SafeTensor& tracked = st.tensors.at("bn.num_batches_tracked");
  EXPECT_EQ(tracked.dtype, "I64");
  EXPECT_TRUE(tracked.shape.empty());
  EXPECT_EQ(tracked.elements(), 1);
  std::int64_t n = 0;
  std::memcpy(&n, tracked.data.data(), 8);
  EXPECT_EQ(n, 100);
  // Its data region is exactly the tensors' bytes.
  std::size_t total = 0;
  for (const auto& [name, t] : st.tensors) total += t.data.size();
  const std::string raw = read_file(path);
  std::uint64_t header = 0;
  std::memcpy(&header, raw.data(), 8);
  EXPECT_EQ(8 + header + total, raw.size());
}

TEST(SafeTensors, RoundTripIsExactForEveryDtype) {
  const std::string dir = test::scratch_dir("safetensors");
  for (std::uint64_t seed : test::kSeeds) {
    std::mt19937_64 rng(seed);
    SafeTensors st;
    const std::pair<const char*, std::vector<std::int64_t>> specs[] = {
        {"F32", {7, 4, 33}}, {"F64", {1}},    {"I64", {}},      {"I32", {65}},    {"U8", {3, 0, 2}},
        {"BOOL", {5}},       {"F16", {2, 3}}, {"BF16", {1, 1}}, {"I8", {9}},      {"U64", {2}},
        {"I16", {3}},        {"U16", {4}},    {"U32", {1, 7}},  {"F8_E4M3", {6}}, {"F8_E5M2", {}}};
    int k = 0;
    for (const auto& [dtype, shape] : specs) {
      SafeTensor t{dtype, shape, {}};
      t.data.resize(static_cast<std::size_t>(t.elements()) * safetensors_dtype_size(dtype));
      for (char& c : t.data) c = static_cast<char>(rng());
      // Built with += (GCC 12 warns falsely, -Wrestrict, on "literal" + std::string).
      std::string name = std::to_string(k++);
      name += '.';
      name += dtype;
      st.tensors[name] = std::move(t);
    }
    st.metadata = {{"format", "pt"},
                   {"seed", std::to_string(seed)},
                   {"unicode", "Δ ü"},
                   {"empty", ""},
                   {"quote\"key", "line\nbreak"}};
    const std::string bytes = safetensors_bytes(st);
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    EXPECT_EQ(header % 8, 0u);
    const std::string path = dir + "/rt.safetensors";
    write_safetensors(path, st);
    EXPECT_EQ(read_file(path), bytes);
    const SafeTensors back = read_safetensors(path);
    EXPECT_EQ(back.metadata, st.metadata);
    ASSERT_EQ(back.tensors.size(), st.tensors.size());
    for (const auto& [name, t] : st.tensors) {
      const SafeTensor& b = back.tensors.at(name);
      EXPECT_EQ(b.dtype, t.dtype) << name;
      EXPECT_EQ(b.shape, t.shape) << name;
      EXPECT_EQ(b.data, t.data) << name;
    }
    // Every tensor's data starts aligned to its element size (8-byte dtypes come first).
    const auto json = nlohmann::json::parse(bytes.substr(8, header));
    for (const auto& [name, t] : st.tensors) {
      const auto begin = json.at(name).at("data_offsets").at(0).get<std::uint64_t>();
      EXPECT_EQ(begin % safetensors_dtype_size(t.dtype), 0u) << name;
    }
  }
}

TEST(SafeTensors, WriterRefusesInconsistentTensors) {
  const std::string dir = test::scratch_dir("safetensors_write");
  SafeTensors st;
  st.tensors["x"] = {"F32", {2, 2}, std::vector<char>(12)};
  try {
    write_safetensors(dir + "/x.safetensors", st);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(dir + "/x.safetensors: ", 0), 0u) << what;
    EXPECT_NE(what.find("needs 16"), std::string::npos) << what;
  }
  st.tensors["x"] = {"Q7", {}, std::vector<char>(1)};
  EXPECT_THROW(safetensors_bytes(st), Error);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.safetensors"));
}

TEST(SafeTensors, CorruptFilesFailWithTheirReason) {
  const std::string f8 = std::string(8, '\0');  // 2 F32 zeros
  const std::string two = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  struct Case {
    const char* label;
    std::string bytes;
    const char* reason;
  };
  const std::string huge = as_string({0, 0, 0, 0, 0, 0, 0, 1});  // 2^56
  const Case cases[] = {
      {"empty", "", "shorter than the 8-byte header length"},
      {"seven_bytes", std::string(7, '\0'), "shorter than the 8-byte header length"},
      {"header_past_end", make_file("{}").substr(0, 9), "larger than the 1 bytes"},
      {"header_over_100MB", huge + "{}", "larger than the 100 MB"},
      {"invalid_json", make_file("{\"a\":"), "not valid JSON"},
      {"invalid_utf8", make_file("{\"\xff\":1}"), "not valid JSON"},
      {"not_an_object", make_file("[1, 2]"), "not a JSON object"},
      {"entry_not_object", make_file(R"({"a":3})"), "tensor 'a': the entry is not a JSON object"},
      {"no_dtype", make_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", f8), "no \"dtype\""},
      {"no_shape", make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", f8), "no \"shape\""},
      {"no_offsets", make_file(R"({"a":{"dtype":"F32","shape":[2]}})", f8), "no \"data_offsets\""},
      {"unknown_dtype", make_file(R"({"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", f8),
       "unknown dtype 'F31'"},
      {"negative_dim", make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", f8),
       "not a list of non-negative integers"},
      {"float_dim", make_file(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", f8),
       "not a list of non-negative integers"},
      {"one_offset", make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", f8),
       "not a pair of non-negative integers"},
      {"reversed_offsets",
       make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", f8),
       "end before they begin"},
      {"offsets_past_end",
       make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", f8),
       "run past the 8-byte data region"},
      {"offsets_vs_shape",
       make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f8),
       "hold 8 bytes, but shape [3] of F32 needs 12"},
      {"shape_overflow",
       make_file(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                 f8),
       "overflows"},
      {"bytes_overflow",
       make_file(R"({"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", f8),
       "needs more than 2^64"},
      {"overlap",
       make_file("{" + two + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f8),
       "tensor 'b' (bytes [4, 8)) overlaps tensor 'a' (bytes [0, 8))"},
      {"gap", make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f8),
       "a gap of 4 unused bytes before tensor 'a'"},
      {"trailing", make_file("{" + two + "}", f8 + "xyz"),
       "3 trailing bytes after the last tensor"},
      {"data_without_tensors", make_file("{}", f8), "8 trailing bytes"},
      {"metadata_not_object", make_file(R"({"__metadata__":["L"]})"),
       "\"__metadata__\" is not a JSON object"},
      {"metadata_number", make_file(R"({"__metadata__":{"L":60}})"),
       "metadata value of 'L' is not a string"},
  };
  for (const Case& c : cases) expect_bad(c.bytes, c.reason, c.label);

  // Edge cases the reference accepts: null metadata, zero-size tensors, any key order.
  const SafeTensors ok = parse_safetensors(
      make_file(R"({"z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":null,)"
                R"("e":{"data_offsets":[8,8],"shape":[0,3],"dtype":"I64"}}       )",
                f8),
      "ok");
  EXPECT_TRUE(ok.metadata.empty());
  EXPECT_EQ(ok.tensors.at("e").elements(), 0);
  EXPECT_EQ(ok.tensors.at("z").data.size(), 8u);
}

TEST(SafeTensors, EveryTruncationOfAValidFileFails) {
  const std::string full = read_file(kCaptum + "small/weights.safetensors");
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::string source = "cut" + std::to_string(n);
    try {
      parse_safetensors(full.substr(0, n), source);
      ADD_FAILURE() << "the file cut to " << n << " bytes was accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      ASSERT_EQ(what.rfind(source + ": not a valid safetensors file: ", 0), 0u) << what;
    }
  }
  EXPECT_NO_THROW(parse_safetensors(full, "whole"));
}

TEST(SafeTensors, MissingFileNamesThePath) {
  try {
    read_safetensors("/nonexistent/dir/model.safetensors");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.safetensors"), std::string::npos);
  }
}

}  // namespace
}  // namespace mint

// .npy: files written by NumPy read back correctly, the writer reproduces them byte for byte,
// round trips of every dtype mint writes, and one clear error for each kind of bad file.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

const std::string kDir = MINT_TEST_DATA_DIR "/npy/";

std::vector<char> file_bytes(const std::string& path) {
  const std::string s = read_file(path);
  return {s.begin(), s.end()};
}

TEST(Npy, ReadsNumpyFilesAndWritesThemIdentically) {
  const NpyArray f4 = read_npy(kDir + "f4_2x3.npy");
  EXPECT_EQ(f4.dtype, "f4");
  EXPECT_EQ(f4.shape, (std::vector<std::int64_t>{2, 3}));
  const auto values = f4.to_vector<float>();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(values[i], static_cast<float>(i) / 3.0f);
  EXPECT_EQ(npy_bytes<float>({2, 3}, values.data()), file_bytes(kDir + "f4_2x3.npy"));

  const NpyArray u1 = read_npy(kDir + "u1_4.npy");
  EXPECT_EQ(u1.to_vector<std::uint8_t>(), (std::vector<std::uint8_t>{0, 1, 2, 255}));
  EXPECT_EQ(npy_bytes<std::uint8_t>({4}, u1.as<std::uint8_t>()), file_bytes(kDir + "u1_4.npy"));

  const NpyArray scalar = read_npy(kDir + "i4_scalar.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.to_vector<std::int32_t>(), std::vector<std::int32_t>{-7});
  const std::int32_t minus7 = -7;
  EXPECT_EQ(npy_bytes<std::int32_t>({}, &minus7), file_bytes(kDir + "i4_scalar.npy"));

  const NpyArray f8 = read_npy(kDir + "f8_1x1x5.npy");
  EXPECT_EQ(f8.shape, (std::vector<std::int64_t>{1, 1, 5}));
  EXPECT_EQ(f8.to_vector<double>(), (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
  EXPECT_EQ(npy_bytes<double>({1, 1, 5}, f8.as<double>()), file_bytes(kDir + "f8_1x1x5.npy"));

  const NpyArray empty = read_npy(kDir + "i8_0.npy");
  EXPECT_EQ(empty.elements(), 0);
  EXPECT_EQ(npy_bytes<std::int64_t>({0}, nullptr), file_bytes(kDir + "i8_0.npy"));
}

TEST(Npy, RoundTripThroughAFile) {
  const std::string dir = test::scratch_dir("npy");
  std::vector<float> data(7 * 4 * 33);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i) * 0.25f - 3;
  write_npy<float>(dir + "/a.npy", {7, 4, 33}, data.data());
  const NpyArray a = read_npy(dir + "/a.npy");
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{7, 4, 33}));
  EXPECT_EQ(a.to_vector<float>(), data);
  const std::vector<std::int8_t> small = {-1, 0, 3};
  write_npy<std::int8_t>(dir + "/b.npy", {3}, small.data());
  EXPECT_EQ(read_npy(dir + "/b.npy").to_vector<std::int8_t>(), small);
  // The header is padded so the data starts on a 64-byte boundary.
  EXPECT_EQ((read_file(dir + "/a.npy").size() - data.size() * 4) % 64, 0u);
}

TEST(Npy, BadFilesFailWithTheirReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"truncated.npy", "data has"},        {"bad_magic.npy", "bad magic"},
      {"big_endian.npy", "big-endian"},     {"fortran.npy", "Fortran"},
      {"complex.npy", "unsupported dtype"}, {"missing.npy", "cannot open"},
  };
  for (const auto& [file, reason] : cases) {
    try {
      read_npy(kDir + file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(kDir + file, 0), 0u) << what;
      EXPECT_NE(what.find(reason), std::string::npos) << what;
    }
  }
}

// A version 1.0 file with this header dict and these data bytes (the header as given: the
// cases below are what a hostile or broken writer could put there).
std::vector<char> npy_with_header(const std::string& dict, std::size_t data_bytes) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<char> out = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, '\0');
  return out;
}

std::string dict(const std::string& descr, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// Found by fuzzing (docs/reliability.md) and by the hostile probe of issue 13: each was accepted
// (or escaped as std::out_of_range, which names nothing) before the header got a strict parser.
TEST(Npy, HostileShapesFailWithTheirReason) {
  const struct {
    std::string shape;
    std::size_t data_bytes;
    const char* reason;
  } cases[] = {
      // 2^62 · 4 · 1 float32 elements: the byte count wraps to 0, which matched an empty data
      // region, and predict/attribute then read far past it.
      {"(4611686018427387904, 4, 1)", 0, "more than 2^63 bytes"},
      {"(-3,)", 3, "is not a tuple of non-negative integers"},  // was read as 3
      {"(99999999999999999999,)", 0, "dimension 99999999999999999999 is too large"},
      {"(3, x)", 3, "is not a tuple of non-negative integers"},  // was read as (3)
      {"(3,,)", 3, "is not a tuple of non-negative integers"},
  };
  for (const auto& c : cases) {
    try {
      parse_npy(npy_with_header(dict("|u1", c.shape), c.data_bytes), "hostile.npy");
      ADD_FAILURE() << c.shape << " was accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("hostile.npy: ", 0), 0u) << what;
      EXPECT_NE(what.find(c.reason), std::string::npos) << what;
    }
  }
  // Found by fuzz_npy: permutation rows of no columns, (2^38, 0), hold no data but allocated
  // 2^38 rows (out of memory).
  try {
    permutations_from_npy(parse_npy(npy_with_header(dict("<i8", "(274877906944, 0)"), 0), "p.npy"),
                          "p.npy");
    ADD_FAILURE() << "rows of no columns were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.npy: permutations must have at least one column"),
              std::string::npos)
        << e.what();
  }
  // What NumPy writes (and Python 2's long suffix) still reads.
  const std::pair<std::string, std::vector<std::int64_t>> good[] = {
      {"()", {}}, {"(3,)", {3}}, {"(2, 3)", {2, 3}}, {"(2,3,)", {2, 3}}, {"(3L,)", {3}}};
  for (const auto& [shape, dims] : good) {
    std::size_t n = 1;
    for (auto d : dims) n *= static_cast<std::size_t>(d);
    EXPECT_EQ(parse_npy(npy_with_header(dict("|u1", shape), n), "good.npy").shape, dims) << shape;
  }
}

}  // namespace
}  // namespace mint

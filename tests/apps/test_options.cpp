// apps/options: the numeric validators every CLI flag goes through — strict parsing (the whole
// text, an integer that fits, a finite number), the ranges and their messages — and the
// up-front memory checks of core/limits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "apps/options.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"

namespace mint::cli {
namespace {

TEST(Options, IntegerAcceptsOnlyWholeIntegersInRange) {
  EXPECT_EQ(integer_error("5", 1, 10), "");
  EXPECT_EQ(integer_error("+5", 1, 10), "");
  EXPECT_EQ(integer_error("1", 1, 10), "");
  EXPECT_EQ(integer_error("10", 1, 10), "");
  EXPECT_EQ(integer_error("0", 1, 10), "0 must be in [1, 10]");
  EXPECT_EQ(integer_error("11", 1, 10), "11 must be in [1, 10]");
  EXPECT_EQ(integer_error("-1", 0, kInt32Max), "-1 must be >= 0");
  EXPECT_EQ(integer_error("2147483648", 0, kInt32Max), "2147483648 does not fit a 32-bit integer");
  EXPECT_EQ(integer_error("99999999999999999999", 0, kInt64Max),
            "99999999999999999999 does not fit a 64-bit integer");
  for (const char* bad : {"", "1e4", "1.5", "0x10", " 3", "3 ", "nan", "--1", "+", "+-3", "-+3"}) {
    EXPECT_EQ(integer_error(bad, 0, 10), "'" + std::string(bad) + "' is not an integer") << bad;
  }
}

TEST(Options, Unsigned64CoversTheSeedsRange) {
  EXPECT_EQ(unsigned64_error("0"), "");
  EXPECT_EQ(unsigned64_error("18446744073709551615"), "");
  EXPECT_EQ(unsigned64_error("18446744073709551616"),
            "18446744073709551616 does not fit a 64-bit unsigned integer");
  EXPECT_EQ(unsigned64_error("-1"), "-1 must be >= 0");  // stoull would wrap it to 2^64 - 1
  EXPECT_EQ(unsigned64_error("1.0"), "'1.0' is not an integer");
}

TEST(Options, NumberIsFiniteAndInRange) {
  EXPECT_EQ(number_error("0.5", 0, 1), "");
  EXPECT_EQ(number_error("1e-3", 0, 1), "");
  EXPECT_EQ(number_error("0", 0, 1), "");
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400"}) {
    EXPECT_EQ(number_error(bad, -kInf, kInf), std::string(bad) + " is not a finite number") << bad;
  }
  for (const char* good : {"1", "+1", "-0", "1.", ".5", "0.25", "1E2", "1e+2", "2.5e-3", "007"}) {
    EXPECT_EQ(number_error(good, -kInf, kInf), "") << good;
  }
  // Only plain decimal numbers: not strtod's hex floats, other infinity spellings or "+-3".
  for (const char* bad : {"0x10", "0X1p3", "-0x1.8p1", "+-3", "-+3", "++3", "infinite", "infx",
                          "nan(1)", "1e", "1e+", ".", "-", "+", "e5", "1.2.3", "1e5.0", "1_000"}) {
    EXPECT_EQ(number_error(bad, -kInf, kInf), "'" + std::string(bad) + "' is not a number") << bad;
  }
  for (const char* bad : {"+inf", "INF", "-Infinity", "+nan"}) {
    EXPECT_EQ(number_error(bad, -kInf, kInf), std::string(bad) + " is not a finite number") << bad;
  }
  EXPECT_EQ(number_error("abc", 0, 1), "'abc' is not a number");
  EXPECT_EQ(number_error("1,5", 0, 1), "'1,5' is not a number");
  EXPECT_EQ(number_error("", 0, 1), "'' is not a number");
  EXPECT_EQ(number_error("2", 0, 1), "2 must be in [0, 1]");
  EXPECT_EQ(number_error("-0.1", 0, kInf, true), "-0.1 must be > 0");
  EXPECT_EQ(number_error("0", 0, kInf, true), "0 must be > 0");
  EXPECT_EQ(number_error("-1", 0, kInf), "-1 must be >= 0");
  EXPECT_EQ(number_error("1", 0, 1, true, true), "1 must be in (0, 1)");
  EXPECT_EQ(number_error("0.95", 0, 1, true, true), "");
}

TEST(Options, ValidatorsNameTheFlagThroughCli11) {
  CLI::App app;
  double lr = 0.001;
  int threads = 0;
  app.add_option("--lr", lr)->transform(number_above(0));
  app.add_option("--threads", threads)->transform(integer(0, 1024, "0: all cores"));
  try {
    app.parse(std::vector<std::string>{"-0.1", "--lr"});  // CLI11 takes the vector reversed
    FAIL() << "accepted --lr -0.1";
  } catch (const CLI::ValidationError& e) {
    EXPECT_EQ(std::string(e.what()), "--lr: -0.1 must be > 0");
  }
  try {
    app.parse(std::vector<std::string>{"100000", "--threads"});
    FAIL() << "accepted --threads 100000";
  } catch (const CLI::ValidationError& e) {
    EXPECT_EQ(std::string(e.what()), "--threads: 100000 must be in [0, 1024] (0: all cores)");
  }
  app.parse(std::vector<std::string>{"0.01", "--lr", "8", "--threads"});
  EXPECT_EQ(lr, 0.01);
  EXPECT_EQ(threads, 8);
}

TEST(Options, ParseFunctionsThrowNamingTheFlag) {
  EXPECT_EQ(parse_integer("--epochs", "12", 1, kInt32Max), 12);
  EXPECT_EQ(parse_number("--lr", "0.25"), 0.25);
  try {
    parse_number("--lr", "nan");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--lr: nan is not a finite number");
  }
  EXPECT_THROW(parse_integer("--seeds", "x", 1, 10), Error);
}

// One rule for a signed zero in every command: it is 0 (an integer 0, a seed 0, the number
// +0.0, never -0.0), and an integer option reads decimal ("010" is 10, not CLI11's octal 8).
TEST(Options, SignedZeroIsZeroAndIntegersAreDecimal) {
  EXPECT_EQ(unsigned64_error("-0"), "");
  EXPECT_EQ(unsigned64_error("-00"), "");
  EXPECT_EQ(unsigned64_error("-1"), "-1 must be >= 0");
  EXPECT_EQ(unsigned64_error("18446744073709551615"), "");
  EXPECT_EQ(integer_error("-0", 0, kInt32Max), "");
  EXPECT_EQ(number_error("-0", 0, 1), "");
  EXPECT_EQ(canonical_integer("-0"), "0");
  EXPECT_EQ(canonical_integer("010"), "10");
  EXPECT_EQ(canonical_unsigned64("-0"), "0");
  EXPECT_EQ(canonical_number("-0.0"), "0");
  EXPECT_EQ(canonical_number("-0.5"), "-0.5");
  EXPECT_EQ(parse_unsigned64("--seed", "18446744073709551615"),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_unsigned64("--seed", "-0"), 0u);
  EXPECT_FALSE(std::signbit(parse_number("--min-instance-score", "-0")));
  EXPECT_FALSE(std::signbit(parse_number("--min-instance-score", "-0.0e3")));

  CLI::App app;
  std::uint64_t seed = 1;
  double score = 1, lr = 1;
  int epochs = 1;
  app.add_option("--seed", seed)->transform(unsigned64());
  app.add_option("--min-instance-score", score)->transform(number(0, 1));
  app.add_option("--lr", lr)->transform(finite());
  app.add_option("--epochs", epochs)->transform(integer(0, kInt32Max));
  app.parse(std::vector<std::string>{"010", "--epochs", "-0.0", "--lr", "-0",
                                     "--min-instance-score", "-0", "--seed"});
  EXPECT_EQ(seed, 0u);
  EXPECT_EQ(epochs, 10);
  EXPECT_EQ(score, 0.0);
  EXPECT_FALSE(std::signbit(score));
  EXPECT_FALSE(std::signbit(lr));
}

TEST(Limits, BytesSaturateInsteadOfWrapping) {
  const auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(bytes_of({3, 4, 5}), 60u);
  EXPECT_EQ(bytes_of({0, max, max}), 0u);
  EXPECT_EQ(bytes_of({std::uint64_t{1} << 40, std::uint64_t{1} << 40}), max);
  EXPECT_EQ(add_bytes(max - 1, 5), max);
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(std::uint64_t{3} << 29), "1.5 GiB");
}

TEST(Limits, CheckMemoryNamesTheStepAndTheLimit) {
  ::setenv("MINT_MEMORY_LIMIT", "1M", 1);
  EXPECT_EQ(memory_limit(), std::uint64_t{1} << 20);
  EXPECT_NO_THROW(check_memory("a step", 1 << 20));
  try {
    check_memory("--length 5000: the simulation", std::uint64_t{1} << 21, "400 x 5000 bases");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--length 5000: the simulation needs 2.0 MiB (400 x 5000 bases), more than the "
                 "memory limit of 1.0 MiB (MINT_MEMORY_LIMIT)");
  }
  ::setenv("MINT_MEMORY_LIMIT", "2k", 1);
  EXPECT_EQ(memory_limit(), std::uint64_t{2} << 10);
  ::setenv("MINT_MEMORY_LIMIT", "1T", 1);
  EXPECT_EQ(memory_limit(), std::uint64_t{1} << 40);
  ::unsetenv("MINT_MEMORY_LIMIT");
  EXPECT_GT(memory_limit(), std::uint64_t{1} << 20);  // the machine's RAM
}

// A malformed limit is an error naming the variable, never silently the machine's RAM.
TEST(Limits, MalformedMemoryLimitIsAnError) {
  for (const char* bad : {"garbage", "", "-5", "1e999", "1.5G", "0", "12Q", "G", " 5",
                          "99999999999999999999", "16777216T"}) {
    ::setenv("MINT_MEMORY_LIMIT", bad, 1);
    try {
      memory_limit();
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("MINT_MEMORY_LIMIT: '" + std::string(bad) + "' ", 0),
                0u)
          << e.what();
    }
    EXPECT_THROW(check_memory("a step", 1), Error) << bad;
  }
  ::unsetenv("MINT_MEMORY_LIMIT");
}

// 2^64 - 1 bytes is the largest limit and an accepted one; only larger values are refused.
TEST(Limits, LargestSizeIsAccepted) {
  const auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(parse_size("18446744073709551615", "MINT_MEMORY_LIMIT"), max);
  EXPECT_EQ(parse_size("16777215T", "MINT_MEMORY_LIMIT"), std::uint64_t{16777215} << 40);
  for (const char* big : {"18446744073709551616", "16777216T", "17179869184G", "17592186044416M",
                          "18014398509481984K", "99999999999999999999999"}) {
    try {
      parse_size(big, "MINT_MEMORY_LIMIT");
      ADD_FAILURE() << "accepted " << big;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("does not fit 64 bits"), std::string::npos) << e.what();
    }
  }
}

// A value echoed in an error stays on one line and is cut when long.
TEST(Limits, OddValuesAreEscapedAndCut) {
  auto message = [](const std::string& text) {
    try {
      parse_size(text, "MINT_MEMORY_LIMIT");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("512\n").rfind("MINT_MEMORY_LIMIT: '512\\n' is not a size", 0), 0u);
  EXPECT_EQ(message("512\n").find('\n'), std::string::npos);
  EXPECT_EQ(message(std::string("1\x01\x7f\t", 4)).rfind("MINT_MEMORY_LIMIT: '1\\x01\\x7f\\t' ", 0),
            0u);
  const std::string longv(5000, '7');
  const std::string m = message(longv);
  EXPECT_LT(m.size(), 200u) << m;
  EXPECT_EQ(m.rfind("MINT_MEMORY_LIMIT: '" + std::string(40, '7') + "...' (5000 bytes) ", 0), 0u)
      << m;
  EXPECT_EQ(quote_value("abc"), "'abc'");
  EXPECT_EQ(quote_value("a\\b"), "'a\\\\b'");
  EXPECT_EQ(quote_value("\xc3\xa9t\xc3\xa9", 2), "'\xc3\xa9t...' (5 bytes)");
}

}  // namespace
}  // namespace mint::cli

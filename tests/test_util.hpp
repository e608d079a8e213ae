// Shared test helpers: the one comparison helper (STYLE.md practice 6), GPU gating, seeds,
// a scratch directory and the message of an expected error.
//
// Tolerances live here, with the reason:
//   kExactTol      integer / byte outputs and exact-arithmetic kernels compare exactly
//   kFloat32Tol    float32 kernels against a float32 CPU reference (1e-5 relative norm)
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"

namespace mint::test {

inline constexpr double kFloat32Tol = 1e-5;
inline constexpr std::uint64_t kSeeds[] = {1, 7, 20261126, 0xDEADBEEFCAFEull};

// Passes when |ref - got| <= atol + rtol·|ref| elementwise; NaN fails. Reports the number of
// mismatches, the first few with both values, and the largest absolute and relative error.
template <typename T>
::testing::AssertionResult all_close(const std::vector<T>& ref, const std::vector<T>& got,
                                     double rtol = 0, double atol = 0) {
  if (ref.size() != got.size()) {
    return ::testing::AssertionFailure()
           << "sizes differ: ref " << ref.size() << ", got " << got.size();
  }
  std::size_t bad = 0;
  double max_abs = 0, max_rel = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double r = static_cast<double>(ref[i]), g = static_cast<double>(got[i]);
    const double err = std::abs(r - g);
    const bool ok = !std::isnan(r) && !std::isnan(g) && err <= atol + rtol * std::abs(r);
    if (!std::isnan(err)) {
      max_abs = std::max(max_abs, err);
      if (r != 0) max_rel = std::max(max_rel, err / std::abs(r));
    }
    if (!ok) {
      if (bad < 5) first << "\n  [" << i << "] ref " << r << " got " << g;
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << ref.size() << " elements differ"
         << " (max abs " << max_abs << ", max rel " << max_rel << ")" << first.str();
}

// A fresh, empty directory under the system temp dir for one test.
inline std::string scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mint_test_" + name + "_" +
                    std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// The message of the mint::Error that `f` throws ("" and a test failure if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no mint::Error thrown";
  return "";
}

}  // namespace mint::test

// CUDA tests skip (with the reason) only when no GPU is present or mint has no CUDA backend.
#define MINT_REQUIRE_GPU()                                                        \
  do {                                                                            \
    if (::mint::cuda_device_count() == 0) {                                       \
      GTEST_SKIP() << "CUDA test skipped: " << ::mint::cuda_unavailable_reason(); \
    }                                                                             \
  } while (0)

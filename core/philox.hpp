// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator. philox4x32(counter, key) is a pure function, so any thread on the
// CPU or GPU that asks for the same (counter, key) gets the same four 32-bit words. mint keys
// every draw by (seed; position block, index, stream, purpose) — see sampler_core.hpp — which
// makes a data set bit-identical for any thread count and on either backend.
//
// Checked against the Random123 known-answer vectors in tests/test_philox.cpp.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define MINT_HD __host__ __device__ __forceinline__
#else
#define MINT_HD inline
#endif

namespace mint {

struct Philox4x32 {
  std::uint32_t v[4];
};

namespace philox_detail {
inline constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

MINT_HD void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}
}  // namespace philox_detail

// Ten rounds of Philox4x32 on `ctr` under the 64-bit key (k0, k1).
MINT_HD Philox4x32 philox4x32(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1) {
  using namespace philox_detail;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, ctr.v[0], hi0, lo0);
    mulhilo(kM1, ctr.v[2], hi1, lo1);
    ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

// Uniform integer in [0, n) from one 32-bit word (multiply-shift; bias < n / 2^32, which is
// below 1e-7 for every range mint draws from).
MINT_HD std::uint32_t uniform_below(std::uint32_t word, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(word) * n) >> 32);
}

}  // namespace mint

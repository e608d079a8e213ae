// The pooled AUPRC's bins (PooledHistogram, aggregate.hpp), one definition for the host and the
// device stream: a fixed set of kPooledBins bins over every finite float, ascending in the score,
// so that a group's histogram has one size for any N and any chunking.
//
//   |score| in [2^-20, 2^12)   fine bins: the exponent and the top 11 bits of the mantissa
//                              (relative width 2^-11), 2^11 bins per octave
//   |score| outside            one bin per octave (exponents 0..106 below, 139..254 above);
//                              exponent 0 holds zero and the denormals
// Negative scores take bins [0, kPooledHalf) (mirrored, so larger is later), the others
// [kPooledHalf, kPooledBins); -0.0 is +0.0. Attribution scores of one group sit within a few
// octaves of each other, almost all inside the fine window; a coarse bin costs only precision in
// bound(), never correctness.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define MINT_POOLED_HD __host__ __device__ __forceinline__
#else
#define MINT_POOLED_HD inline
#endif

namespace mint::stream {

inline constexpr std::uint32_t kPooledFineLo = 127 - 20;  // biased exponent of 2^-20
inline constexpr std::uint32_t kPooledFineHi = 127 + 12;  // first biased exponent past the window
inline constexpr std::uint32_t kPooledMantissaBits = 11;
// Bins of one sign: coarse below, fine window, coarse above (exponents 0..254).
inline constexpr std::uint32_t kPooledHalf =
    kPooledFineLo + ((kPooledFineHi - kPooledFineLo) << kPooledMantissaBits) +
    (255 - kPooledFineHi);
inline constexpr std::uint32_t kPooledBins = 2 * kPooledHalf;

// The bin of the magnitude bits (sign cleared) of a finite float: non-decreasing in |score|.
// (±inf and NaN, which callers reject or skip, fall in the last bin rather than out of range.)
MINT_POOLED_HD std::uint32_t pooled_magnitude_bin(std::uint32_t magnitude) {
  const std::uint32_t e = (magnitude >> 23) < 255 ? magnitude >> 23 : 254;
  if (e < kPooledFineLo) return e;
  if (e < kPooledFineHi) {
    return kPooledFineLo + ((e - kPooledFineLo) << kPooledMantissaBits) +
           ((magnitude >> (23 - kPooledMantissaBits)) & ((1u << kPooledMantissaBits) - 1));
  }
  return kPooledFineLo + ((kPooledFineHi - kPooledFineLo) << kPooledMantissaBits) +
         (e - kPooledFineHi);
}

// The bin of a finite score in [0, kPooledBins): non-decreasing in the score.
MINT_POOLED_HD std::uint32_t pooled_bin(float score) {
  std::uint32_t u;
  std::memcpy(&u, &score, sizeof u);
  if (u == 0x80000000u) u = 0;  // -0.0 ties with +0.0
  const std::uint32_t m = pooled_magnitude_bin(u & 0x7FFFFFFFu);
  return (u >> 31) != 0 ? kPooledHalf - 1 - m : kPooledHalf + m;
}

}  // namespace mint::stream

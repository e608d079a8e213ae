// 8-float SIMD vectors for the CPU hot loops (GCC/Clang vector extension: one AVX register at
// the x86-64-v3 build level, two SSE registers below it). Arithmetic on Float8 is lane-wise
// IEEE float; comparisons give lane masks (-1 / 0) of type Int8, so `mask ? a : b` selects
// lane-wise (a and b Float8 or Int8).
// Loads and stores go through memcpy: no alignment is required of the pointers.
#pragma once

#include <cstring>

namespace mint {

typedef float Float8 __attribute__((vector_size(32)));
typedef int Int8 __attribute__((vector_size(32)));

inline Float8 load8(const float* p) {
  Float8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, Float8 v) { std::memcpy(p, &v, sizeof v); }
inline Float8 max8(Float8 a, Float8 b) { return b > a ? b : a; }  // lane-wise maximum
inline Float8 splat8(float x) { return Float8{} + x; }
// All lanes x, −0 kept: one broadcast, where splat8 also adds +0 (turning −0 into +0).
inline Float8 broadcast8(float x) { return Float8{x, x, x, x, x, x, x, x}; }
inline Int8 splat8i(int x) { return Int8{} + x; }
inline Int8 load8i(const int* p) {
  Int8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8i(int* p, Int8 v) { std::memcpy(p, &v, sizeof v); }
// Bit j set where lane j of a comparison's result is true (nonzero).
inline unsigned mask8(Int8 m) {
#if defined(__AVX__)
  Float8 f;
  std::memcpy(&f, &m, sizeof f);
  return static_cast<unsigned>(__builtin_ia32_movmskps256(f));
#else
  unsigned bits = 0;
  for (int j = 0; j < 8; ++j) bits |= (m[j] != 0 ? 1u : 0u) << j;
  return bits;
#endif
}

}  // namespace mint

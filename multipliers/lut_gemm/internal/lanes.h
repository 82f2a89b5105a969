// Register transposes the AVX-512 code shares (the forward kernel and the
// table-gradient backward). Private to lut_gemm.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_LANES_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_LANES_H_

#include <array>
#include <cstdint>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves
// (__m512i __Y = __Y), which -Wuninitialized reports wherever they inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace agnapprox {
namespace lut_gemm_internal {

// The vpermb order that transposes a [rows][cols] matrix of `unit`-byte
// elements held in 64 bytes (rows * cols * unit == 64): byte
// (c rows + r) unit + t of the result is byte (r cols + c) unit + t.
constexpr std::array<uint8_t, 64> TransposeOrder(int rows, int cols, int unit = 1) {
  std::array<uint8_t, 64> order{};
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      for (int t = 0; t < unit; ++t) {
        order[(c * rows + r) * unit + t] = static_cast<uint8_t>((r * cols + c) * unit + t);
      }
    }
  }
  return order;
}

#if defined(__x86_64__)
// The 4x4 transpose of 128-bit lanes: lane i of out[q] is lane q of in[i].
__attribute__((target("avx512f"))) inline void TransposeLanes(const __m512i in[4],
                                                               __m512i out[4]) {
  const __m512i t0 = _mm512_shuffle_i32x4(in[0], in[1], 0x44);
  const __m512i t1 = _mm512_shuffle_i32x4(in[0], in[1], 0xee);
  const __m512i t2 = _mm512_shuffle_i32x4(in[2], in[3], 0x44);
  const __m512i t3 = _mm512_shuffle_i32x4(in[2], in[3], 0xee);
  out[0] = _mm512_shuffle_i32x4(t0, t2, 0x88);
  out[1] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
  out[2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
  out[3] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
}
#endif

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_LANES_H_

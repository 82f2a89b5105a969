// What the dispatcher (lut_gemm.cc) hands a kernel: the operands of one
// product and the tile of C to compute. Private to the table GEMM.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TILE_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TILE_H_

#include <cstdint>

#include "multipliers/lut_gemm/lut_gemm.h"

namespace agnapprox {
namespace lut_gemm_internal {

// Rows per tile: two zmm registers of byte indices, which share each
// weight column's table loads.
inline constexpr int64_t kBlockRows = LutGemm::kTileRows;
static_assert(kBlockRows == 128, "the AVX-512 kernel works on two registers of 64 rows");

// One group's product C = sum_k P[a][b].
struct Operands {
  const uint8_t* a;  // [m][k], or [k][m] when transposed
  bool transposed;
  int64_t m;
  const uint8_t* b;  // [n][k]
  int64_t n;
  int64_t k;
  int32_t* c;  // [m][n], or [n][m] when c_transposed
  bool c_transposed = false;
  // When set, A comes from here ([k][kBlockRows] per tile), not from a.
  const LutGemm::TileFiller* fill = nullptr;
  int64_t group = 0;
};

// Rows [first, first + count) and columns [col0, col0 + cols) of C.
struct Tile {
  int64_t first = 0, count = 0, col0 = 0, cols = 0;
};

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TILE_H_

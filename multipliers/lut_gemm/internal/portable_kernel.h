// The portable kernel: the plain triple loop over one tile, in uint32
// arithmetic so that overflow wraps exactly as LutGemmReference does.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PORTABLE_KERNEL_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PORTABLE_KERNEL_H_

#include <cstdint>

#include "multipliers/lut_gemm/internal/tile.h"

namespace agnapprox {
namespace lut_gemm_internal {

// products: 65536 int32, row = activation index.
void PortableTile(const int32_t* products, const Operands& op, const Tile& t);

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PORTABLE_KERNEL_H_

#include "multipliers/lut_gemm/internal/portable_kernel.h"

#include <vector>

namespace agnapprox {
namespace lut_gemm_internal {

void PortableTile(const int32_t* products, const Operands& op, const Tile& t) {
  thread_local std::vector<uint8_t> filled;
  if (op.fill != nullptr) {
    filled.resize(op.k * kBlockRows);
    (*op.fill)(op.group, t.first, t.count, filled.data());
  }
  for (int64_t i = t.first; i < t.first + t.count; ++i) {
    for (int64_t j = t.col0; j < t.col0 + t.cols; ++j) {
      const uint8_t* bj = op.b + j * op.k;
      uint32_t acc = 0;
      for (int64_t kk = 0; kk < op.k; ++kk) {
        const uint8_t ai = op.fill != nullptr ? filled[kk * kBlockRows + i - t.first]
                           : op.transposed    ? op.a[kk * op.m + i]
                                              : op.a[i * op.k + kk];
        acc += static_cast<uint32_t>(products[ai * 256 + bj[kk]]);
      }
      op.c[op.c_transposed ? j * op.m + i : i * op.n + j] = static_cast<int32_t>(acc);
    }
  }
}

}  // namespace lut_gemm_internal
}  // namespace agnapprox

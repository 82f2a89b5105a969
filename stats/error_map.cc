#include "stats/error_map.h"

namespace agnapprox {

ErrorMap ErrorMapFromProducts(absl::Span<const int32_t> products,
                              OperandRange range) {
  ErrorMap map;
  map.range = range;
  map.values.resize(kTableSize);
  for (int ia = 0; ia < kNumOperands; ++ia) {
    const int64_t a = OperandValue(ia, range);
    for (int ib = 0; ib < kNumOperands; ++ib) {
      const int64_t b = OperandValue(ib, range);
      const int k = ia * kNumOperands + ib;
      map.values[k] = static_cast<double>(products[k] - a * b);
    }
  }
  return map;
}

std::vector<int32_t> ExactProducts(OperandRange range) {
  std::vector<int32_t> p(kTableSize);
  for (int ia = 0; ia < kNumOperands; ++ia) {
    for (int ib = 0; ib < kNumOperands; ++ib) {
      p[ia * kNumOperands + ib] =
          OperandValue(ia, range) * OperandValue(ib, range);
    }
  }
  return p;
}

}  // namespace agnapprox

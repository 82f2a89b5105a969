// Error maps: approximate minus exact product for every operand pair.
//
// `E[a][b] = P[a][b] - a*b`, stored in value order (row = activation `a`,
// column = weight `b`), as doubles so that the error model's matrix products
// use them directly. Every entry is an integer.
//
//   ErrorMap e = ErrorMapFromProducts(products, OperandRange::kSigned);
//   double err = e.At(OperandIndex(-3, e.range), OperandIndex(5, e.range));
#ifndef AGNAPPROX_STATS_ERROR_MAP_H_
#define AGNAPPROX_STATS_ERROR_MAP_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "stats/operand_range.h"

namespace agnapprox {

struct ErrorMap {
  OperandRange range = OperandRange::kSigned;
  // kTableSize entries, row-major: values[ia * 256 + ib].
  std::vector<double> values;

  double At(int ia, int ib) const { return values[ia * kNumOperands + ib]; }
};

// REQUIRES: products.size() == kTableSize, value order for `range`.
ErrorMap ErrorMapFromProducts(absl::Span<const int32_t> products,
                              OperandRange range);

// The product table of the exact multiplier over `range`, in value order.
std::vector<int32_t> ExactProducts(OperandRange range);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_ERROR_MAP_H_

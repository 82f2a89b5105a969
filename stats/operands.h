// Integer operands read from arrays, and their histograms.
//
// Operand arrays arrive as floats or integers (from `.npy` files written by
// PyTorch). Values that are not integers or fall outside the multiplier's
// range are an error, never clamped or rounded.
//
//   absl::StatusOr<std::vector<int16_t>> w =
//       ToOperands(array.values, OperandRange::kSigned);
//   OperandHistogram h = HistogramOf(*w, OperandRange::kSigned);
//   double p = h.Probability(OperandIndex(-3, OperandRange::kSigned));
#ifndef AGNAPPROX_STATS_OPERANDS_H_
#define AGNAPPROX_STATS_OPERANDS_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "stats/operand_range.h"

namespace agnapprox {

// Checks that every value is an integer inside `range` and converts it.
// The error message gives the first offending element's index and value.
absl::StatusOr<std::vector<int16_t>> ToOperands(absl::Span<const double> values,
                                                OperandRange range);

// The smallest and largest of `values`. REQUIRES: values not empty.
struct OperandBounds {
  int min;
  int max;
};
OperandBounds BoundsOf(absl::Span<const int16_t> operands);

// Counts of each operand value over 256 bins in value order.
struct OperandHistogram {
  OperandRange range = OperandRange::kSigned;
  std::array<int64_t, kNumOperands> counts{};
  int64_t total = 0;

  double Probability(int index) const {
    return total == 0 ? 0.0 : static_cast<double>(counts[index]) / total;
  }
};

// Histogram of `operands`. REQUIRES: every operand inside `range`.
OperandHistogram HistogramOf(absl::Span<const int16_t> operands,
                             OperandRange range);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_OPERANDS_H_

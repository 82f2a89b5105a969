#include "stats/operands.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace agnapprox {

absl::StatusOr<std::vector<int16_t>> ToOperands(absl::Span<const double> values,
                                                OperandRange range) {
  std::vector<int16_t> out(values.size());
  const double lo = MinOperand(range);
  const double hi = MaxOperand(range);
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!std::isfinite(v) || v != std::floor(v)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "element ", i, " is ", v, ", not an integer operand"));
    }
    if (v < lo || v > hi) {
      return absl::InvalidArgumentError(
          absl::StrCat("element ", i, " is ", v, ", outside the ",
                       RangeName(range), " operand range"));
    }
    out[i] = static_cast<int16_t>(v);
  }
  return out;
}

OperandBounds BoundsOf(absl::Span<const int16_t> operands) {
  OperandBounds b{operands[0], operands[0]};
  for (int16_t v : operands) {
    if (v < b.min) b.min = v;
    if (v > b.max) b.max = v;
  }
  return b;
}

OperandHistogram HistogramOf(absl::Span<const int16_t> operands,
                             OperandRange range) {
  OperandHistogram h;
  h.range = range;
  for (int16_t v : operands) ++h.counts[OperandIndex(v, range)];
  h.total = static_cast<int64_t>(operands.size());
  return h;
}

}  // namespace agnapprox

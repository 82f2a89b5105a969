#include "multipliers/error_summary.h"

#include <cmath>
#include <cstdlib>

namespace agnapprox {

ErrorSummary SummarizeErrors(const Multiplier& m) {
  ErrorSummary s;
  double sum = 0, sum_abs = 0, sum_sq = 0, sum_rel = 0;
  int64_t nonzero = 0, relative_count = 0;
  for (int ia = 0; ia < kNumOperands; ++ia) {
    const int64_t a = OperandValue(ia, m.range());
    for (int ib = 0; ib < kNumOperands; ++ib) {
      const int64_t b = OperandValue(ib, m.range());
      const double e =
          static_cast<double>(m.products[ia * kNumOperands + ib] - a * b);
      sum += e;
      sum_abs += std::abs(e);
      sum_sq += e * e;
      if (e != 0) ++nonzero;
      if (std::abs(e) > s.wce) s.wce = std::abs(e);
      if (a * b != 0) {
        sum_rel += std::abs(e) / static_cast<double>(std::llabs(a * b));
        ++relative_count;
      }
    }
  }
  const double n = kTableSize;
  s.mean = sum / n;
  s.mse = sum_sq / n;
  s.std = std::sqrt(std::max(0.0, s.mse - s.mean * s.mean));
  s.mae = sum_abs / n;
  s.ep = 100.0 * nonzero / n;
  s.mre = 100.0 * sum_rel / relative_count;
  return s;
}

}  // namespace agnapprox

// Statistics of a layer's integer outputs: the accurate output spread that
// sets a layer's error budget, and the observed error of an approximation.
//
//   double s = AccurateOutputStd(features, weights, fan_in);
//   double max_std = s * std::abs(max_noise);   // spec section 4
#ifndef AGNAPPROX_STATS_OUTPUT_STATS_H_
#define AGNAPPROX_STATS_OUTPUT_STATS_H_

#include <cstdint>

#include "absl/types/span.h"
#include "stats/error_model.h"

namespace agnapprox {

// Exact integer moments of the entries of Y = X W^T. Sums of exact
// integers do not depend on order, so moments of row blocks can be computed
// apart (on several threads) and merged with the same result.
struct OutputMoments {
  __int128 count = 0;
  __int128 sum = 0;
  __int128 sum_sq = 0;

  void Merge(const OutputMoments& o) {
    count += o.count;
    sum += o.sum;
    sum_sq += o.sum_sq;
  }
  // Population std (ddof = 0). REQUIRES: count > 0.
  double Std() const;
};

// Moments of Y = (X - zero_point) W^T, X row-major [num_rows, fan_in] (the
// activation codes), W row-major [out, fan_in]: the layer's real outputs
// up to the quantisation scales. REQUIRES: fan_in > 0, both spans
// multiples of fan_in.
OutputMoments AccurateOutputMoments(absl::Span<const int16_t> features,
                                    absl::Span<const int16_t> weights,
                                    int64_t fan_in, int zero_point = 0);

// AccurateOutputMoments(...).Std(). REQUIRES: both spans non-empty.
double AccurateOutputStd(absl::Span<const int16_t> features,
                         absl::Span<const int16_t> weights, int64_t fan_in,
                         int zero_point = 0);

// Mean and population std of approximate - accurate, element by element.
// REQUIRES: equal, non-zero sizes.
ErrorMoments ObservedError(absl::Span<const int64_t> accurate,
                           absl::Span<const int64_t> approximate);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_OUTPUT_STATS_H_

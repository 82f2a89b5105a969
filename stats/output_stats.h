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

// Population std (ddof = 0) of every entry of Y = X W^T, where X is
// row-major [num_rows, fan_in] and W row-major [out, fan_in]. Sums are exact
// integers, so the result does not depend on blocking or thread count.
// REQUIRES: fan_in > 0, both spans non-empty multiples of fan_in.
double AccurateOutputStd(absl::Span<const int16_t> features,
                         absl::Span<const int16_t> weights, int64_t fan_in);

// Mean and population std of approximate - accurate, element by element.
// REQUIRES: equal, non-zero sizes.
ErrorMoments ObservedError(absl::Span<const int64_t> accurate,
                           absl::Span<const int64_t> approximate);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_OUTPUT_STATS_H_

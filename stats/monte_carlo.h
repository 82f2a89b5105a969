// Seeded Monte Carlo estimates of the error model, an independent reference
// for error_model.h (agnapprox's `single_dist_mc`, extended to populations).
//
//   ErrorMoments mc = MonteCarloPopulation(map, features, fan_in, weights,
//                                          /*draws=*/20000, /*seed=*/1);
#ifndef AGNAPPROX_STATS_MONTE_CARLO_H_
#define AGNAPPROX_STATS_MONTE_CARLO_H_

#include <cstdint>

#include "absl/types/span.h"
#include "stats/error_map.h"
#include "stats/error_model.h"

namespace agnapprox {

// Error of one product with a drawn from `activations` and b from `weights`,
// uniformly and independently, over `draws` draws.
// REQUIRES: operands inside map.range, both spans non-empty, draws > 0.
ErrorMoments MonteCarloSingle(const ErrorMap& map,
                              absl::Span<const int16_t> activations,
                              absl::Span<const int16_t> weights, int64_t draws,
                              uint64_t seed);

// Error of one neuron output: each draw picks a feature row uniformly, then
// sums `fan_in` product errors with a drawn from that row and b from
// `weights`. Estimates PredictPopulation over all rows.
ErrorMoments MonteCarloPopulation(const ErrorMap& map,
                                  absl::Span<const int16_t> features,
                                  int64_t fan_in,
                                  absl::Span<const int16_t> weights,
                                  int64_t draws, uint64_t seed);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_MONTE_CARLO_H_

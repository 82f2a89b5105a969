#include "stats/monte_carlo.h"

#include <cmath>
#include <vector>

#include "stats/sampling.h"

namespace agnapprox {
namespace {

ErrorMoments MomentsOf(const std::vector<double>& xs) {
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  var /= static_cast<double>(xs.size());
  return {mean, std::sqrt(var)};
}

double ErrorAt(const ErrorMap& map, int a, int b) {
  return map.At(OperandIndex(a, map.range), OperandIndex(b, map.range));
}

}  // namespace

ErrorMoments MonteCarloSingle(const ErrorMap& map,
                              absl::Span<const int16_t> activations,
                              absl::Span<const int16_t> weights, int64_t draws,
                              uint64_t seed) {
  SeededRandom random(seed);
  std::vector<double> errors(draws);
  for (double& e : errors) {
    const int a = activations[random.UniformIndex(activations.size())];
    const int b = weights[random.UniformIndex(weights.size())];
    e = ErrorAt(map, a, b);
  }
  return MomentsOf(errors);
}

ErrorMoments MonteCarloPopulation(const ErrorMap& map,
                                  absl::Span<const int16_t> features,
                                  int64_t fan_in,
                                  absl::Span<const int16_t> weights,
                                  int64_t draws, uint64_t seed) {
  SeededRandom random(seed);
  const uint64_t num_rows = features.size() / fan_in;
  std::vector<double> sums(draws);
  for (double& s : sums) {
    const int16_t* row = features.data() + random.UniformIndex(num_rows) * fan_in;
    s = 0;
    for (int64_t k = 0; k < fan_in; ++k) {
      const int a = row[random.UniformIndex(fan_in)];
      const int b = weights[random.UniformIndex(weights.size())];
      s += ErrorAt(map, a, b);
    }
  }
  return MomentsOf(sums);
}

}  // namespace agnapprox

// Seeded random choices: a deterministic generator and row sampling.
//
// The same seed gives the same sequence on every platform: the engine is
// std::mt19937_64 (fully specified by the standard) and index draws use
// Lemire's multiply-and-reject method rather than a library distribution,
// whose algorithm the standard leaves open.
//
//   std::vector<int64_t> rows = SampleRows(/*num_rows=*/5000,
//                                          /*num_samples=*/512, /*seed=*/0);
#ifndef AGNAPPROX_STATS_SAMPLING_H_
#define AGNAPPROX_STATS_SAMPLING_H_

#include <cstdint>
#include <random>
#include <vector>

namespace agnapprox {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t UniformIndex(uint64_t n);

 private:
  std::mt19937_64 engine_;
};

// Indices of `num_samples` rows drawn with replacement from `num_rows`, or
// every row once in order when num_samples == 0. REQUIRES: num_rows > 0,
// num_samples >= 0.
std::vector<int64_t> SampleRows(int64_t num_rows, int64_t num_samples,
                                uint64_t seed);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_SAMPLING_H_

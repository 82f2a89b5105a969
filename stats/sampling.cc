#include "stats/sampling.h"

namespace agnapprox {

uint64_t SeededRandom::UniformIndex(uint64_t n) {
  // Lemire (2019), "Fast random integer generation in an interval".
  unsigned __int128 m = static_cast<unsigned __int128>(engine_()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(engine_()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

std::vector<int64_t> SampleRows(int64_t num_rows, int64_t num_samples,
                                uint64_t seed) {
  std::vector<int64_t> rows;
  if (num_samples == 0) {
    rows.resize(num_rows);
    for (int64_t i = 0; i < num_rows; ++i) rows[i] = i;
    return rows;
  }
  SeededRandom random(seed);
  rows.resize(num_samples);
  for (int64_t& r : rows) r = static_cast<int64_t>(random.UniformIndex(num_rows));
  return rows;
}

}  // namespace agnapprox

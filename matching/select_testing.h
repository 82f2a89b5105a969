// Random layers and catalogs for the selection tests.
#ifndef AGNAPPROX_MATCHING_SELECT_TESTING_H_
#define AGNAPPROX_MATCHING_SELECT_TESTING_H_

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "matching/layer_trace.h"
#include "multipliers/catalog.h"
#include "stats/error_map.h"

namespace agnapprox {

// A layer with skewed ReLU-like activations (0..127) and signed weights.
inline LayerTrace RandomLayer(std::mt19937_64& rng, const std::string& name, int64_t fan_in,
                       int64_t rows, int64_t out, double max_noise) {
  std::geometric_distribution<int> g(0.04);
  NpyArray f, w;
  f.shape = {rows, fan_in};
  w.shape = {out, fan_in};
  for (int64_t i = 0; i < rows * fan_in; ++i) {
    f.values.push_back((rng() % 3 == 0) ? 0 : std::min(127, g(rng)));
  }
  for (int64_t i = 0; i < out * fan_in; ++i) {
    const int v = std::min(127, g(rng));
    w.values.push_back((rng() & 1) ? v : -v);
  }
  absl::StatusOr<LayerTrace> t =
      MakeLayerTrace(name, max_noise, rows * out * fan_in / 10 + 1, f, "f", w, "w");
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

inline Multiplier RandomMultiplier(std::mt19937_64& rng, const std::string& name,
                            bool is_signed, int scale, double power) {
  Multiplier m;
  m.name = name;
  m.is_signed = is_signed;
  m.products = ExactProducts(m.range());
  std::uniform_int_distribution<int> err(-scale, scale);
  for (int32_t& p : m.products) {
    if (scale > 0 && (rng() & 1)) p += err(rng);
  }
  if (!is_signed) {
    for (int32_t& p : m.products) p = std::max(p, 0);
  }
  m.metrics = {{"power", power}, {"area", 2 * power}};
  return m;
}

inline Catalog RandomCatalog(std::mt19937_64& rng, int size) {
  Catalog c;
  c.source = "test";
  for (int j = 0; j < size; ++j) {
    c.multipliers.push_back(RandomMultiplier(rng, "m" + std::to_string(j), j % 3 != 0,
                                             j * j * 4, 1.0 - j / (2.0 * size)));
  }
  return c;
}

inline std::vector<LayerTrace> FourLayers(std::mt19937_64& rng) {
  return {RandomLayer(rng, "conv1", 25, 400, 6, 0.3),
          RandomLayer(rng, "conv2", 150, 200, 16, 0.1),
          RandomLayer(rng, "fc1", 400, 40, 12, -0.05),
          RandomLayer(rng, "fc2", 84, 40, 10, 0.2)};
}

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_SELECT_TESTING_H_

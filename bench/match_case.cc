#include "bench/match_case.h"

#include <algorithm>
#include <random>

#include "multipliers/builtin.h"

namespace agnapprox {
namespace {

LayerTrace Layer(std::mt19937_64& rng, const char* name, int64_t fan_in,
                 int64_t rows, int64_t out, double sigma) {
  std::geometric_distribution<int> g(0.05);
  NpyArray f, w;
  f.shape = {rows, fan_in};
  w.shape = {out, fan_in};
  for (int64_t i = 0; i < rows * fan_in; ++i) {
    f.values.push_back(rng() % 3 == 0 ? 0 : std::min(127, g(rng)));
  }
  for (int64_t i = 0; i < out * fan_in; ++i) {
    const int v = std::min(127, g(rng));
    w.values.push_back(rng() & 1 ? v : -v);
  }
  return *MakeLayerTrace(name, sigma, rows * out * fan_in / 8, f, "f", w, "w");
}

}  // namespace

std::vector<LayerTrace> BenchLayers() {
  std::mt19937_64 rng(2022);
  return {Layer(rng, "conv1", 25, 6272, 6, 0.3), Layer(rng, "conv2", 150, 3200, 16, 0.2),
          Layer(rng, "fc1", 400, 2000, 120, 0.1), Layer(rng, "fc2", 84, 2000, 10, 0.2)};
}

Catalog BenchCatalog() {
  Catalog c = FilterCatalog(BuiltinCatalog(), {"_s", Signedness::kSigned});
  c.multipliers.resize(30);
  return c;
}

}  // namespace agnapprox

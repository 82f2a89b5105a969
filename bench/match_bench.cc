// Selecting multipliers for four layers x 30 multipliers at 512 samples:
// the closed form (SelectMultipliers) against the per-row way agnapprox
// uses (one 256x256 evaluation per sampled row and multiplier), same run.
//
//   bazel run //bench:match_bench
#include <benchmark/benchmark.h>

#include <cmath>

#include "bench/match_case.h"
#include "matching/select.h"
#include "stats/sampling.h"

namespace agnapprox {
namespace {

void BM_SelectMultipliers(benchmark::State& state) {
  const std::vector<LayerTrace> layers = BenchLayers();
  const Catalog catalog = BenchCatalog();
  MatchingOptions options;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<MatchingInfo> info = SelectMultipliers(layers, catalog, options);
    if (!info.ok()) state.SkipWithError("selection failed");
    benchmark::DoNotOptimize(info);
  }
  state.SetItemsProcessed(state.iterations() * layers.size() * catalog.multipliers.size());
}
BENCHMARK(BM_SelectMultipliers)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The per-row way, predictions only (max_std and selection excluded, which
// favours the baseline).
void BM_SelectMultipliersPerRow(benchmark::State& state) {
  const std::vector<LayerTrace> layers = BenchLayers();
  const Catalog catalog = BenchCatalog();
  for (auto _ : state) {
    double checksum = 0;
    for (const LayerTrace& t : layers) {
      const std::vector<int64_t> rows = SampleRows(t.num_rows(), 512, 0);
      double pw[256] = {0};
      for (int16_t w : t.weights) pw[w + 128] += 1.0 / t.weights.size();
      for (const Multiplier& m : catalog.multipliers) {
        double sum_m = 0, sum_s = 0;
        for (int64_t r : rows) {
          double px[256] = {0};
          for (int64_t k = 0; k < t.fan_in; ++k) {
            px[t.features[r * t.fan_in + k] + 128] += 1.0 / t.fan_in;
          }
          double mean = 0, second = 0;
          for (int a = 0; a < 256; ++a) {
            for (int b = 0; b < 256; ++b) {
              const double e = m.products[a * 256 + b] - (a - 128) * (b - 128);
              mean += px[a] * pw[b] * e;
              second += px[a] * pw[b] * e * e;
            }
          }
          sum_m += mean;
          sum_s += second;
        }
        checksum += sum_m + std::sqrt(sum_s);
      }
    }
    benchmark::DoNotOptimize(checksum);
  }
  state.SetItemsProcessed(state.iterations() * 4 * 30);
}
BENCHMARK(BM_SelectMultipliersPerRow)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace agnapprox

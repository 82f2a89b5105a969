// Selecting multipliers for four layers x 30 multipliers at 512 samples:
// the closed form (SelectMultipliers) against the per-row way agnapprox
// uses (one 256x256 evaluation per sampled row and multiplier), same run.
// And the observed error of every multiplier on every traced row: the
// table GEMM inside //:match --observed (whole process and in process)
// against the plain triple loop on 2 threads.
//
//   bazel run //bench:match_bench
#include <benchmark/benchmark.h>

#include <cmath>

#include "bench/match_case.h"
#include "bench/process.h"
#include "io/parallel.h"
#include "matching/layer_trace.h"
#include "matching/observed.h"
#include "matching/select.h"
#include "multipliers/catalog_file.h"
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
// favours the baseline), written carefully: weight probabilities computed
// once, activation values a row does not have skipped.
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
            if (px[a] == 0) continue;  // values the row does not have
            double row_m = 0, row_s = 0;
            for (int b = 0; b < 256; ++b) {
              const double e = m.products[a * 256 + b] - (a - 128) * (b - 128);
              row_m += pw[b] * e;
              row_s += pw[b] * e * e;
            }
            mean += px[a] * row_m;
            second += px[a] * row_s;
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

// The match case as files, written once per process and removed at exit.
const std::string& CaseDir() {
  static const CaseFiles files(BenchLayers(), BenchCatalog());
  return files.dir();
}

// The whole //:match --observed process: loading, prediction, the observed
// error of 4 layers x 30 multipliers over every row, JSON.
void BM_MatchObservedProcess(benchmark::State& state) {
  RunProcessEachIteration(
      state, {RunfilePath("matching/match_main"), "--observed",
              "--catalog=" + CaseDir() + "/catalog.txtpb", "--layers=" + CaseDir() + "/traces.txtpb",
              "--output=" + CaseDir() + "/out.json", "--threads=2"});
}
BENCHMARK(BM_MatchObservedProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// Every multiplier's observed error on every layer of the match case, as
// SelectMultipliers splits it (tasks over layers x multipliers, 2 threads),
// with `observe` computing one (layer, table) pair.
template <typename Observe>
void ObserveAllLayers(benchmark::State& state, Observe observe) {
  const std::vector<LayerTrace> layers = BenchLayers();
  const Catalog catalog = BenchCatalog();
  std::vector<TraceIndices> x;
  for (const LayerTrace& t : layers) x.push_back(IndicesOf(t));
  std::vector<std::vector<int32_t>> tables;
  for (const Multiplier& m : catalog.multipliers) {
    tables.push_back(ErrorTable(*ErrorMapFor(m, OperandRange::kSigned)));
  }
  int64_t macs = 0;
  for (const TraceIndices& t : x) macs += t.rows * t.out * t.fan_in;
  for (auto _ : state) {
    std::vector<double> stds(x.size() * tables.size());
    RunTasks(2, stds.size(), [&](size_t i) {
      stds[i] = observe(x[i / tables.size()], tables[i % tables.size()]).std;
    });
    benchmark::DoNotOptimize(stds.data());
  }
  state.SetItemsProcessed(state.iterations() * macs * static_cast<int64_t>(tables.size()));
}

// In process, through the table GEMM.
void BM_ObserveAll(benchmark::State& state) {
  ObserveAllLayers(state, [](const TraceIndices& x, const std::vector<int32_t>& table) {
    return ObserveError(x, table, 1);
  });
}
BENCHMARK(BM_ObserveAll)->Unit(benchmark::kMillisecond)->UseRealTime();

// The plain triple loop a careful person writes: operands as table indices
// once, an int32 error table, an int64 accumulator per output, the same
// tasks on the same 2 threads.
void BM_ObserveAllPlainLoop(benchmark::State& state) {
  ObserveAllLayers(state, [](const TraceIndices& x, const std::vector<int32_t>& table) {
    return ObserveErrorReference(x, table);
  });
}
BENCHMARK(BM_ObserveAllPlainLoop)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
}  // namespace agnapprox

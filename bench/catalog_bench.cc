// Catalog loading: a 50-multiplier catalog of int32 `.npy` tables (the size
// of EvoApproxLib's 8-bit set) and generating the built-in catalog.
//
//   bazel run //bench:catalog_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "io/heap.h"
#include "multipliers/builtin.h"
#include "multipliers/catalog_file.h"

namespace agnapprox {
namespace {

// Writes the first 50 built-in multipliers as a catalog once per process.
const std::string& FiftyMultiplierCatalog() {
  static const std::string* path = [] {
    const std::string dir = std::filesystem::temp_directory_path().string() +
                            "/agnapprox_catalog_bench";
    std::filesystem::create_directories(dir + "/luts");
    Catalog c = BuiltinCatalog();
    c.multipliers.resize(50);
    auto* p = new std::string(dir + "/catalog.txtpb");
    if (!WriteCatalog(c, *p, "luts").ok()) std::abort();
    return p;
  }();
  return *path;
}

void BM_LoadNpyCatalog50(benchmark::State& state) {
  const std::string& path = FiftyMultiplierCatalog();
  for (auto _ : state) {
    absl::StatusOr<Catalog> c = LoadCatalog(path);
    if (!c.ok() || c->multipliers.size() != 50) state.SkipWithError("load failed");
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations() * 50);
}
BENCHMARK(BM_LoadNpyCatalog50)->Unit(benchmark::kMillisecond);

void BM_BuildBuiltinCatalog(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(BuiltinCatalog());
}
BENCHMARK(BM_BuildBuiltinCatalog)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agnapprox

// As //:match and //:catalog run (io/heap.h): a freed table's pages are
// reused by the next one rather than given back and faulted in again.
int main(int argc, char** argv) {
  agnapprox::KeepFreedMemoryInHeap();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}

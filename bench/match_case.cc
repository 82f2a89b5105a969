#include "bench/match_case.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "multipliers/builtin.h"
#include "multipliers/catalog_file.h"

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
  Catalog c = BuiltinCatalog({"_s", Signedness::kSigned});
  c.multipliers.resize(30);
  return c;
}

std::vector<LayerTrace> SmallLayers() {
  std::mt19937_64 rng(2022);
  return {Layer(rng, "conv1", 25, 256, 6, 0.3), Layer(rng, "fc1", 120, 16, 10, 0.2)};
}

Catalog SmallCatalog() {
  Catalog c = BenchCatalog();
  c.multipliers.resize(8);
  return c;
}

CaseFiles::CaseFiles(const std::vector<LayerTrace>& layers, const Catalog& catalog) {
  static std::atomic<int> count{0};
  dir_ = std::filesystem::temp_directory_path().string() + "/agnapprox_match_" +
         std::to_string(getpid()) + "_" + std::to_string(count++);
  std::filesystem::create_directories(dir_ + "/luts");
  if (!WriteCatalog(catalog, dir_ + "/catalog.txtpb", "luts").ok() ||
      !WriteLayerTraces(layers, dir_ + "/traces.txtpb").ok()) {
    std::abort();
  }
}

CaseFiles::~CaseFiles() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace agnapprox

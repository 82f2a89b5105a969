// The error model's closed form against the plain per-row algorithm
// (agnapprox's: one 256x256 evaluation per sampled row and multiplier), on a
// LeNet5 conv2-sized layer: fan-in 150, 512 sampled rows, 27 multipliers.
//
//   bazel run //bench:stats_bench
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "stats/error_model.h"
#include "stats/sampling.h"

namespace agnapprox {
namespace {

constexpr int kMultipliers = 27;
constexpr int64_t kFanIn = 150;
constexpr int64_t kRows = 5000;
constexpr int64_t kSamples = 512;

struct Layer {
  std::vector<ErrorMap> maps;
  std::vector<const ErrorMap*> map_ptrs;
  std::vector<int16_t> features;
  OperandHistogram weights;
  std::vector<int64_t> rows;
};

const Layer& TheLayer() {
  static const Layer* layer = [] {
    auto* l = new Layer;
    std::mt19937_64 rng(1);
    for (int j = 0; j < kMultipliers; ++j) {
      std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
      for (int32_t& v : p) v += static_cast<int32_t>(rng() % (2 * j + 1)) - j;
      l->maps.push_back(ErrorMapFromProducts(p, OperandRange::kSigned));
    }
    for (const ErrorMap& m : l->maps) l->map_ptrs.push_back(&m);
    l->features.resize(kRows * kFanIn);
    for (int16_t& x : l->features) x = static_cast<int16_t>(rng() % 128);
    std::vector<int16_t> w(16 * kFanIn);
    for (int16_t& x : w) x = static_cast<int16_t>(static_cast<int>(rng() % 256) - 128);
    l->weights = HistogramOf(w, OperandRange::kSigned);
    l->rows = SampleRows(kRows, kSamples, 0);
    return l;
  }();
  return *layer;
}

void BM_PopulationPredictClosedForm(benchmark::State& state) {
  const Layer& l = TheLayer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        PredictPopulation(l.map_ptrs, l.weights, l.features, kFanIn, l.rows));
  }
  state.SetItemsProcessed(state.iterations() * kMultipliers);
}
BENCHMARK(BM_PopulationPredictClosedForm)->Unit(benchmark::kMicrosecond);

// The simple way, as a careful person writes it: per multiplier and sampled
// row, build the row's histogram and evaluate p_i^T E p_w and
// p_i^T (E∘E) p_w as 256x256 double loops, with the weight probabilities
// computed once (not divided inside the loop) and the activation values the
// row does not have skipped.
void BM_PopulationPredictPerRow(benchmark::State& state) {
  const Layer& l = TheLayer();
  double pw[256];
  for (int b = 0; b < 256; ++b) pw[b] = l.weights.Probability(b);
  for (auto _ : state) {
    std::vector<ErrorMoments> out;
    for (const ErrorMap& map : l.maps) {
      double sum_m = 0, sum_m2 = 0, sum_v = 0;
      for (int64_t row : l.rows) {
        double p[256] = {0};
        for (int64_t k = 0; k < kFanIn; ++k) {
          p[OperandIndex(l.features[row * kFanIn + k], OperandRange::kSigned)] +=
              1.0 / kFanIn;
        }
        double m = 0, s = 0;
        for (int a = 0; a < 256; ++a) {
          if (p[a] == 0) continue;
          const double* ea = map.values.data() + a * 256;
          double row_m = 0, row_s = 0;
          for (int b = 0; b < 256; ++b) {
            row_m += pw[b] * ea[b];
            row_s += pw[b] * ea[b] * ea[b];
          }
          m += p[a] * row_m;
          s += p[a] * row_s;
        }
        sum_m += m;
        sum_m2 += m * m;
        sum_v += s - m * m;
      }
      const double n = kFanIn, count = static_cast<double>(l.rows.size());
      const double mean = sum_m / count;
      out.push_back({n * mean, n * std::sqrt(sum_m2 / count + sum_v / count / n -
                                             mean * mean)});
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kMultipliers);
}
BENCHMARK(BM_PopulationPredictPerRow)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agnapprox

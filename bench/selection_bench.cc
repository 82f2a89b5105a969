// The verified selection's cost (--selection=verified) on LeNet5 with the 60
// built-in signed multipliers and 5,000 Fashion-MNIST calibration images:
//
// - BM_Search/cached: the whole search (matching/verified_search.h), each
//   measurement from the stored outputs of the layers it leaves unchanged;
// - BM_Search/plain: the same search with every measurement a full forward
//   (what one would write first), the baseline;
// - BM_Measure/<layer>/cached|plain: one measurement that changes only that
//   layer.
//
// Setup, not timed: one epoch of FP32 and one of QAT training on Debian's
// Fashion-MNIST (seed 0), sigma 0.1 in every layer, 256 traced images,
// agnapprox's tolerance rule for the start. The accuracies, and so the
// number of measurements, are the setup's, not a full run's; the counters
// say how many there were.
#include <benchmark/benchmark.h>

#include <memory>

#include "deploy/cached_evaluation.h"
#include "multipliers/open_catalog.h"
#include "nets/data/open_dataset.h"
#include "nets/layers/trace.h"
#include "nets/training/train.h"
#include "nets/zoo/registry.h"
#include "pipeline/selection_stage.h"

namespace agnapprox {
namespace {

struct Problem {
  std::shared_ptr<ApproxNetImpl> net;
  Dataset calibration;
  Catalog catalog;
  MatchingInfo info;
  int64_t qat_correct = 0;
};

Problem& Setup() {
  static Problem* p = [] {
    auto* p = new Problem;
    torch::set_num_threads(2);
    torch::manual_seed(0);
    absl::StatusOr<DataSplits> data = OpenDataset("fashion_mnist", "");
    if (!data.ok()) {
      std::fprintf(stderr, "selection_bench: %s\n", std::string(data.status().message()).c_str());
      std::exit(1);
    }
    CalibrationSplit split = SplitCalibration(data->train, 5000, 0);
    p->calibration = split.calibration;
    p->net = MakeNet("lenet5");
    TrainOptions t;
    t.progress = false;
    StageSettings s = p->net->training_settings().baseline;
    s.epochs = 1;
    TrainStage(*p->net, Mode::kBaseline, s, split.rest, Head(data->test, 1000), t);
    s = p->net->training_settings().qat;
    s.epochs = 1;
    TrainStage(*p->net, Mode::kQat, s, split.rest, Head(data->test, 1000), t);
    {
      torch::NoGradGuard no_grad;
      for (auto& [name, layer] : p->net->approx_layers()) layer->sigma.fill_(0.1);
    }
    p->qat_correct = static_cast<int64_t>(
        std::lround(Evaluate(*p->net, p->calibration, 512) * p->calibration.size()));
    absl::StatusOr<std::vector<LayerTrace>> traces =
        TraceNet(*p->net, split.rest.images.slice(0, 0, 256));
    p->catalog = *OpenCatalog("builtin:_s", "");
    MatchingOptions m;
    m.emit_candidates = true;
    p->info = *SelectMultipliers(*traces, p->catalog, m);
    return p;
  }();
  return *p;
}

std::vector<std::string> Chosen(const MatchingInfo& info) {
  std::vector<std::string> names;
  for (const LayerInfo& l : info.layers) names.push_back(l.multiplier_name);
  return names;
}

void BM_Search(benchmark::State& state) {
  Problem& p = Setup();
  CachedEvaluator::Options eo;
  if (state.range(0) == 0) eo.cache_bytes = 0;
  PipelineOptions o;
  SearchOptions search;
  search.min_correct = p.qat_correct - p.calibration.size() / 100;  // 1 point
  int64_t measurements = 0;
  for (auto _ : state) {
    CachedEvaluator e(*p.net, p.calibration, p.catalog, nullptr, eo);
    CalibrationOracle oracle(e, false);
    absl::StatusOr<SearchResult> r = SearchAssignments(SearchLayersOf(p.info, o), oracle, search);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    measurements = r->measurements;
  }
  state.counters["measurements"] = static_cast<double>(measurements);
}
BENCHMARK(BM_Search)->ArgName("cached")->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kSecond);

void BM_Measure(benchmark::State& state) {
  Problem& p = Setup();
  CachedEvaluator::Options eo;
  if (state.range(1) == 0) eo.cache_bytes = 0;
  CachedEvaluator e(*p.net, p.calibration, p.catalog, nullptr, eo);
  const std::vector<std::string> base = Chosen(p.info);
  if (!e.SetBase(base).ok()) state.SkipWithError("SetBase");
  std::vector<std::string> a = base;
  a[state.range(0)] = a[state.range(0)] == "exact_s" ? "drum4_s" : "exact_s";
  for (auto _ : state) benchmark::DoNotOptimize(e.Correct(a));
}
BENCHMARK(BM_Measure)
    ->ArgNames({"layer", "cached"})
    ->ArgsProduct({{0, 1, 2, 4}, {1, 0}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agnapprox

BENCHMARK_MAIN();

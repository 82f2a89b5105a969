// Matching cost on a real network shape: MobileNetV2 (53 approximable
// layers, 17 of them depthwise) on CIFAR-sized input, the pipeline's
// defaults (256 traced images and 256 held out, --trace_codes = 3 * 2^18
// per layer), with the first 15, 30 and 60 multipliers of the built-in catalog.
//
// - BM_Trace: tracing both image sets (sampled where a layer is over the cap);
// - BM_Match/<multipliers>/deciding: what the pipeline does with the default
//   estimator: the model's prediction for every candidate, then the chosen
//   multiplier's observed error on the matched and the held-out traces;
// - BM_Match/<multipliers>/all: the same with every candidate's observed
//   error as well (what the pipeline computed before), the baseline.
//
// Setup, not timed: MobileNetV2 from seed 0, observers set by one QAT pass
// over 64 random images, sigma 0.1 everywhere. Cost does not depend on
// what the network learnt: the number of rows and multipliers fixes it.
#include <benchmark/benchmark.h>

#include <memory>

#include "matching/select.h"
#include "multipliers/open_catalog.h"
#include "nets/layers/trace.h"
#include "nets/zoo/registry.h"

namespace agnapprox {
namespace {

constexpr int64_t kTraceCodes = kDefaultTraceCodes;

struct Problem {
  std::shared_ptr<ApproxNetImpl> net;
  torch::Tensor images, held_out;
  std::vector<LayerTrace> traces, held_out_traces;
  Catalog catalog;
};

Problem& Setup() {
  static Problem* p = [] {
    auto* p = new Problem;
    torch::set_num_threads(2);
    torch::manual_seed(0);
    p->net = MakeNet("mobilenetv2");
    p->images = torch::randn({256, 3, 32, 32});
    p->held_out = torch::randn({256, 3, 32, 32});
    p->net->set_mode(Mode::kQat);
    p->net->train();
    {
      torch::NoGradGuard no_grad;
      p->net->forward(torch::randn({64, 3, 32, 32}));
      for (auto& [name, layer] : p->net->approx_layers()) layer->sigma.fill_(0.1);
    }
    p->traces = *TraceNet(*p->net, p->images, kTraceCodes, 0);
    p->held_out_traces = *TraceNet(*p->net, p->held_out, kTraceCodes, 1);
    p->catalog = *OpenCatalog("builtin", "");
    return p;
  }();
  return *p;
}

void BM_Trace(benchmark::State& state) {
  Problem& p = Setup();
  int64_t codes = 0;
  for (auto _ : state) {
    std::vector<LayerTrace> a = *TraceNet(*p.net, p.images, kTraceCodes, 0);
    std::vector<LayerTrace> b = *TraceNet(*p.net, p.held_out, kTraceCodes, 1);
    codes = 0;
    for (const auto* list : {&a, &b}) {
      for (const LayerTrace& t : *list) codes += static_cast<int64_t>(t.features.size());
    }
  }
  state.counters["activation_codes"] = static_cast<double>(codes);
}
BENCHMARK(BM_Trace)->Iterations(1)->Unit(benchmark::kSecond);

void BM_Match(benchmark::State& state) {
  Problem& p = Setup();
  Catalog c = p.catalog;
  c.multipliers.resize(std::min<size_t>(c.multipliers.size(), state.range(0)));
  MatchingOptions m;
  m.emit_candidates = true;
  m.observed = state.range(1) == 1;
  for (auto _ : state) {
    absl::StatusOr<MatchingInfo> info = SelectMultipliers(p.traces, c, m);
    if (!info.ok()) {
      state.SkipWithError(std::string(info.status().message()).c_str());
      break;
    }
    if (!ObserveChosen(p.traces, c, &*info).ok() ||
        !ObserveHeldOut(p.held_out_traces, c, &*info).ok()) {
      state.SkipWithError("observing the choice failed");
    }
  }
  state.counters["multipliers"] = static_cast<double>(c.multipliers.size());
}
BENCHMARK(BM_Match)
    ->ArgNames({"multipliers", "all"})
    ->ArgsProduct({{15, 30, 60}, {0}})
    ->Args({15, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace agnapprox

BENCHMARK_MAIN();

// One training step (forward, cross-entropy, backward, SGD step) and one
// evaluation step (forward without gradients) of LeNet5 and ResNet8 on a
// fixed batch of 128, in the `qat` and `approx` modes, in the same run:
// issue #14's approx/qat ratios (//bench:all prints them).
// The problem is bench/train_setup.h's; bench/profile.sh profiles the same
// step.
#include <benchmark/benchmark.h>

#include "bench/train_setup.h"
#include "io/command_line.h"
#include "io/heap.h"

namespace agnapprox {
namespace {

void BM_TrainStep(benchmark::State& state, const char* name, Mode mode,
                  RetrainGradient gradient = RetrainGradient::kStraightThrough) {
  torch::set_num_threads(2);
  TrainSetup s = MakeTrainSetup(name, mode);
  for (auto& [n, layer] : s.net->approx_layers()) layer->set_retrain_gradient(gradient);
  torch::optim::SGD sgd(s.net->parameters(), torch::optim::SGDOptions(1e-3).momentum(0.9));
  for (auto _ : state) {
    sgd.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(s.net->forward(s.images), s.labels);
    loss.backward();
    sgd.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * 128);
}

void BM_EvalStep(benchmark::State& state, const char* name, Mode mode) {
  torch::set_num_threads(2);
  TrainSetup s = MakeTrainSetup(name, mode);
  s.net->eval();
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    torch::Tensor y = s.net->forward(s.images);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * 128);
}

#define TRAIN_BENCH(fn, net, mode)                                                    \
  BENCHMARK_CAPTURE(fn, net##_##mode, #net, Mode::k##mode)->Unit(benchmark::kMillisecond) \
      ->UseRealTime()->MinTime(2.0)

TRAIN_BENCH(BM_TrainStep, lenet5, Qat);
TRAIN_BENCH(BM_TrainStep, lenet5, Approx);
TRAIN_BENCH(BM_TrainStep, resnet8, Qat);
TRAIN_BENCH(BM_TrainStep, resnet8, Approx);
// Issue #17: retraining with the table's own gradient against ste.
BENCHMARK_CAPTURE(BM_TrainStep, lenet5_ApproxTable, "lenet5", Mode::kApprox,
                  RetrainGradient::kTable)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
TRAIN_BENCH(BM_EvalStep, lenet5, Qat);
TRAIN_BENCH(BM_EvalStep, lenet5, Approx);
TRAIN_BENCH(BM_EvalStep, resnet8, Qat);
TRAIN_BENCH(BM_EvalStep, resnet8, Approx);

}  // namespace
}  // namespace agnapprox

// Under the pipeline's runtime settings (io/command_line.h), which is what a
// training run gets: OpenMP threads that wait passively, OpenBLAS on the
// calling thread, freed tensors kept in the heap.
int main(int argc, char** argv) {
  agnapprox::RestartWithPassiveThreads(argv);
  agnapprox::KeepFreedMemoryInHeap();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

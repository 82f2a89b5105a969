// One training step (forward, cross-entropy, backward, SGD step) and one
// evaluation step (forward without gradients) of LeNet5 and ResNet8 on a
// fixed batch of 128, in the `qat` and `approx` modes, in the same run:
// issue #14's approx/qat ratios (//bench:all prints them).
//
// The approx layers carry the exact product table: the table GEMM's speed
// does not depend on the table's contents, and the same table keeps both
// modes' numbers comparable.
#include <benchmark/benchmark.h>

#include <vector>

#include "nets/registry.h"

namespace agnapprox {
namespace {

struct Setup {
  std::shared_ptr<ApproxNetImpl> net;
  torch::Tensor images, labels;
};

Setup Make(const char* name, Mode mode) {
  torch::manual_seed(0);
  Setup s;
  s.net = MakeNet(name);
  std::vector<int64_t> shape = {128};
  for (int64_t d : s.net->input_shape()) shape.push_back(d);
  s.images = torch::randn(shape);
  s.labels = torch::randint(0, 10, {128}, torch::kLong);
  // Observers and conv opcounts from one QAT pass, then the mode.
  s.net->set_mode(Mode::kQat);
  s.net->train();
  {
    torch::NoGradGuard no_grad;
    s.net->forward(s.images);
  }
  if (mode == Mode::kApprox) {
    std::vector<int32_t> exact(65536);
    for (int a = -128; a < 128; ++a) {
      for (int b = -128; b < 128; ++b) exact[(a + 128) * 256 + (b + 128)] = a * b;
    }
    for (auto& [n, layer] : s.net->approx_layers()) layer->set_table(exact, "exact");
  }
  s.net->set_mode(mode);
  return s;
}

void BM_TrainStep(benchmark::State& state, const char* name, Mode mode) {
  torch::set_num_threads(2);
  Setup s = Make(name, mode);
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
  Setup s = Make(name, mode);
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
TRAIN_BENCH(BM_EvalStep, lenet5, Qat);
TRAIN_BENCH(BM_EvalStep, lenet5, Approx);
TRAIN_BENCH(BM_EvalStep, resnet8, Qat);
TRAIN_BENCH(BM_EvalStep, resnet8, Approx);

}  // namespace
}  // namespace agnapprox

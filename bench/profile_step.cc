// Runs training (or evaluation) steps of one network in one mode on one
// thread, each phase in its own function, for an instruction profile with
// callgrind (bench/profile.sh): where a step's time goes.
//
//   profile_step NET MODE STEPS [train|eval]      e.g. lenet5 approx 3 train
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/train_setup.h"
#include "io/command_line.h"
#include "io/heap.h"

namespace agnapprox {
namespace {

__attribute__((noinline)) torch::Tensor ProfiledForward(ApproxNetImpl& net,
                                                        const torch::Tensor& x) {
  return net.forward(x);
}

__attribute__((noinline)) void ProfiledBackward(const torch::Tensor& loss) { loss.backward(); }

__attribute__((noinline)) void ProfiledOptimizerStep(torch::optim::SGD& sgd) {
  sgd.step();
  sgd.zero_grad();
}

struct PhaseTimes {
  double forward = 0, backward = 0, optimizer = 0;
};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

__attribute__((noinline)) PhaseTimes ProfiledSteps(TrainSetup& s, int steps, bool train) {
  torch::optim::SGD sgd(s.net->parameters(), torch::optim::SGDOptions(1e-3).momentum(0.9));
  PhaseTimes t;
  for (int i = 0; i < steps; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (train) {
      torch::Tensor loss = torch::nn::functional::cross_entropy(
          ProfiledForward(*s.net, s.images), s.labels);
      t.forward += Since(start);
      start = std::chrono::steady_clock::now();
      ProfiledBackward(loss);
      t.backward += Since(start);
      start = std::chrono::steady_clock::now();
      ProfiledOptimizerStep(sgd);
      t.optimizer += Since(start);
    } else {
      torch::NoGradGuard no_grad;
      ProfiledForward(*s.net, s.images);
      t.forward += Since(start);
    }
  }
  return t;
}

int Main(int argc, char** argv) {
  if (argc != 5 || (std::string(argv[2]) != "qat" && std::string(argv[2]) != "approx") ||
      (std::string(argv[4]) != "train" && std::string(argv[4]) != "eval")) {
    std::fprintf(stderr, "usage: profile_step NET qat|approx STEPS train|eval\n");
    return 2;
  }
  const char* threads = std::getenv("PROFILE_THREADS");
  torch::set_num_threads(threads != nullptr ? std::atoi(threads) : 1);
  const Mode mode = std::string(argv[2]) == "qat" ? Mode::kQat : Mode::kApprox;
  const bool table = std::getenv("PROFILE_TABLE_GRADIENT") != nullptr;
  TrainSetup s = MakeTrainSetup(argv[1], mode);
  for (auto& [n, layer] : s.net->approx_layers()) {
    layer->set_retrain_gradient(table ? RetrainGradient::kTable : RetrainGradient::kStraightThrough);
  }
  const bool train = std::string(argv[4]) == "train";
  if (!train) s.net->eval();
  ProfiledSteps(s, 1, train);  // warm-up: first-call allocations, kernel choice
  const int steps = std::max(1, std::atoi(argv[3]));
  const PhaseTimes t = ProfiledSteps(s, steps, train);
  std::printf("per step: forward %.2f ms, backward %.2f ms, optimizer %.2f ms\n",
              1e3 * t.forward / steps, 1e3 * t.backward / steps, 1e3 * t.optimizer / steps);
  return 0;
}

}  // namespace
}  // namespace agnapprox

int main(int argc, char** argv) {
  agnapprox::RestartWithPassiveThreads(argv);  // the pipeline's settings
  agnapprox::KeepFreedMemoryInHeap();
  return agnapprox::Main(argc, argv);
}

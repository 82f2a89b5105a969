// Training and evaluation of an approximable network in one mode.
//
// Gradient search adds agnapprox's tolerance term to the loss:
//   CE - lambda * sum_l (ops_l / ops_total) * min(|sigma_l|, sigma_max)
//
//   TrainOptions o;
//   std::vector<EpochResult> r =
//       TrainStage(*net, Mode::kQat, net->training_settings().qat, train, test, o);
#ifndef AGNAPPROX_NETS_TRAINING_TRAIN_H_
#define AGNAPPROX_NETS_TRAINING_TRAIN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nets/data/dataset.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

class DataParallel;  // nets/training/distributed.h

struct TrainOptions {
  int64_t batch_size = 128;
  uint64_t seed = 0;
  // Gradient search only.
  double lambda = 0.2;
  double sigma_max = 0.5;
  // Printed on the progress line, e.g. "qat".
  std::string label;
  // Shows a progress bar with the batch count, loss and ETA on stderr.
  bool progress = true;
  // Training-time augmentation of a batch, given a seed (none when empty).
  std::function<torch::Tensor(const torch::Tensor&, uint64_t)> augment;
  // Data-parallel training (issue #15): the weights come from rank 0 at the
  // start; every rank walks the same seeded order of the epoch and trains on
  // its slice of each global batch of batch_size; gradients and
  // floating-point buffers (batch-norm statistics, observers) are averaged
  // over the ranks every step, so every rank holds the same weights. Batch
  // normalisation normalises with each rank's own slice (as PyTorch's DDP
  // without SyncBatchNorm); only its running statistics are averaged. A
  // failed collective throws DistributedError with one line. The epoch's
  // loss is the mean over the ranks; only rank 0 evaluates (the others
  // report NaN accuracy).
  DataParallel* data_parallel = nullptr;
};

struct EpochResult {
  int epoch = 0;            // 1-based
  double loss = 0;          // mean training loss
  double accuracy = 0;      // on the test data after the epoch
  std::vector<double> sigmas;  // each approximable layer's sigma, in order
  double seconds = 0;
};

// The order of an epoch of n examples: randperm from a generator of its own
// seeded with `seed`, the same numbers as torch::manual_seed(seed) then
// torch::randperm(n), without touching LibTorch's global generator (ranks
// may be threads of one process).
torch::Tensor EpochOrder(int64_t n, uint64_t seed);

// The gradient-search reward sum_l (ops_l / ops_total) * min(|sigma_l|,
// sigma_max), differentiable in every sigma_l; the loss is CE - lambda *
// reward.
torch::Tensor NoiseReward(ApproxNetImpl& net, double sigma_max);

// The optimiser of a stage: SGD over the weights with the stage's settings,
// plus, in gradient search only, a second group with every sigma and no
// weight decay.
std::unique_ptr<torch::optim::SGD> MakeOptimizer(ApproxNetImpl& net, Mode mode,
                                                 const StageSettings& settings);

// Trains `epochs` of `settings` in `mode`, evaluating on `test` after each.
// Sigma is trained only in gradient search, in an optimiser group of its
// own without weight decay (weight decay would pull the tolerance to 0).
std::vector<EpochResult> TrainStage(ApproxNetImpl& net, Mode mode,
                                    const StageSettings& settings, const Dataset& train,
                                    const Dataset& test, const TrainOptions& options);

// Top-1 accuracy in eval mode (no noise, observers frozen).
double Evaluate(ApproxNetImpl& net, const Dataset& data, int64_t batch_size);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_TRAINING_TRAIN_H_

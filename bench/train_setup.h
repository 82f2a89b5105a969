// The fixed training problem of //bench:train_bench and //bench:profile_step:
// a freshly seeded network in one mode, a batch of random images and labels,
// observers primed by one QAT pass. In approx mode every approximable layer
// carries the exact product table: the table GEMM's speed does not depend on
// the table's contents, and the same table keeps the modes comparable.
#ifndef AGNAPPROX_BENCH_TRAIN_SETUP_H_
#define AGNAPPROX_BENCH_TRAIN_SETUP_H_

#include <torch/torch.h>

#include <memory>

#include "nets/layers/approx_net.h"

namespace agnapprox {

struct TrainSetup {
  std::shared_ptr<ApproxNetImpl> net;
  torch::Tensor images, labels;
};

// REQUIRES: `name` is in NetNames().
TrainSetup MakeTrainSetup(const char* name, Mode mode, int64_t batch = 128);

}  // namespace agnapprox

#endif  // AGNAPPROX_BENCH_TRAIN_SETUP_H_

// Data-parallel training on two ranks over loopback, one thread per rank,
// against a one-rank run of the same path and against the ordinary
// one-process path.


#include "gtest/gtest.h"
#include "nets/training/distributed.h"
#include "nets/training/loopback_testing.h"
#include "nets/training/train.h"

namespace agnapprox {
namespace {

// A network without batch normalisation: with it, each rank normalises with
// its own half of the batch (as PyTorch's DDP without SyncBatchNorm), and no
// one-process run computes the same thing.
class TinyNetImpl : public ApproxNetImpl {
 public:
  TinyNetImpl()
      : conv_(torch::nn::Conv2dOptions(1, 4, 5).stride(2)),
        fc_(torch::nn::LinearOptions(4 * 12 * 12, 10)) {
    register_module("conv", conv_);
    register_module("fc", fc_);
  }
  torch::Tensor forward(torch::Tensor x) override {
    return fc_->forward(torch::relu(conv_->forward(x)).flatten(1));
  }
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override {
    return {{"conv", conv_}, {"fc", fc_}};
  }
  TrainingSettings training_settings() const override { return {}; }
  std::string name() const override { return "tiny"; }
  std::vector<int64_t> input_shape() const override { return {1, 28, 28}; }

 private:
  ApproxLayer conv_, fc_;
};

Dataset Synthetic(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  Dataset d;
  d.images = torch::randn({n, 1, 28, 28});
  d.labels = torch::randint(0, 10, {n}, torch::kLong);
  return d;
}

// One epoch of a new tiny network (its parameters from `start` when given)
// in `mode`, seed 0, batches of 64, on `dp`'s rank or (null) the ordinary
// one-process path: its parameters, then its buffers.
std::vector<torch::Tensor> TrainEpoch(Mode mode, const Dataset& train, const Dataset& test,
                                      const std::vector<torch::Tensor>* start,
                                      DataParallel* dp) {
  auto net = std::make_shared<TinyNetImpl>();
  if (start != nullptr) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> params = net->parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_((*start)[i]);
  }
  StageSettings settings;
  settings.epochs = 1;
  settings.lr = 0.05;
  TrainOptions o;
  o.batch_size = 64;
  o.progress = false;
  o.seed = 0;
  o.data_parallel = dp;
  TrainStage(*net, mode, settings, train, test, o);
  std::vector<torch::Tensor> weights;
  for (const torch::Tensor& p : net->parameters()) weights.push_back(p.detach().clone());
  for (const torch::Tensor& b : net->buffers()) weights.push_back(b.detach().clone());
  return weights;
}

// The tiny network's parameters (weights, biases, sigmas) and buffers
// (observers) after one epoch in `mode` trained on `world` ranks, all
// starting from `start`'s parameters on rank 0 (and random ones elsewhere:
// the broadcast must replace them).
std::vector<std::vector<torch::Tensor>> Train(int world, Mode mode, const Dataset& train,
                                              const Dataset& test,
                                              const std::vector<torch::Tensor>& start) {
  std::vector<std::vector<torch::Tensor>> weights(world);
  const std::vector<absl::Status> status = RunLoopbackRanks(
      world, [](int) { return RankOptions{{"seed", "0"}}; },
      [&](DataParallel& dp) {
        // Rank 0 starts from `start`, the others from random weights.
        weights[dp.rank()] =
            TrainEpoch(mode, train, test, dp.rank() == 0 ? &start : nullptr, &dp);
        return absl::OkStatus();
      });
  for (int r = 0; r < world; ++r) EXPECT_TRUE(status[r].ok()) << "rank " << r << ": " << status[r];
  return weights;
}

// The same epoch on the ordinary one-process path (no DataParallel at all),
// as a user without torchrun runs it.
std::vector<torch::Tensor> TrainAlone(Mode mode, const Dataset& train, const Dataset& test,
                                      const std::vector<torch::Tensor>& start) {
  return TrainEpoch(mode, train, test, &start, nullptr);
}

// A new tiny network's parameters after torch::manual_seed(seed).
std::vector<torch::Tensor> StartWeights(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> start;
  for (const torch::Tensor& p : std::make_shared<TinyNetImpl>()->parameters()) {
    start.push_back(p.detach().clone());
  }
  return start;
}

// Every rank holds bit-identical tensors, within 1e-5 relative of the
// one-process run's.
void ExpectRanksEqualAndMatchOneProcess(const std::vector<std::vector<torch::Tensor>>& ranks,
                                        const std::vector<torch::Tensor>& one) {
  ASSERT_FALSE(one.empty());
  for (size_t r = 0; r < ranks.size(); ++r) ASSERT_EQ(ranks[r].size(), one.size()) << "rank " << r;
  for (size_t i = 0; i < one.size(); ++i) {
    for (size_t r = 1; r < ranks.size(); ++r) {
      EXPECT_TRUE(torch::equal(ranks[0][i], ranks[r][i])) << "tensor " << i << " rank " << r;
    }
    const double diff = (ranks[0][i] - one[i]).abs().max().item<double>();
    EXPECT_LE(diff, 1e-5 * std::max(1.0, one[i].abs().max().item<double>())) << "tensor " << i;
  }
}

class DataParallelModes : public testing::TestWithParam<Mode> {};

// After one epoch both ranks hold bit-identical parameters (sigmas
// included) and observers, and they equal a one-process run of the same
// global batches and seed within 1e-5 relative: the two-rank gradient is
// the mean of two half-batch means, summed in another order than the
// one-process batch mean, so the weights differ in the last bits after 4
// steps of SGD. The observers' ranges are exact (min and max over the
// ranks), and gradient search's noise is the same numbers (each example's
// drawn from the step's seed and its place in the global batch, scaled by
// the global batch's std),
// so the quantised modes differ no more than the FP32 one. The one-process
// run is the data-parallel code with one rank: the ordinary path draws its
// noise from LibTorch's global generator instead.
TEST_P(DataParallelModes, TwoRanksAgreeBitForBitAndMatchOneProcess) {
  torch::set_num_threads(1);
  const Dataset train = Synthetic(256, 1), test = Synthetic(64, 2);
  const std::vector<torch::Tensor> start = StartWeights(0);
  const std::vector<std::vector<torch::Tensor>> two = Train(2, GetParam(), train, test, start);
  const std::vector<std::vector<torch::Tensor>> one = Train(1, GetParam(), train, test, start);
  ExpectRanksEqualAndMatchOneProcess(two, one[0]);
  // Training moved the weights (the comparison above is not of initial values).
  EXPECT_GT((start[0] - one[0][0]).abs().max().item<double>(), 1e-4);
  if (GetParam() == Mode::kGradientSearch) {
    // ... and the sigmas (each layer's: parameters 2 and 5).
    for (int i : {2, 5}) EXPECT_GT((start[i] - one[0][i]).abs().max().item<double>(), 1e-5);
  }
}

// Against the ordinary path, which the README compares data-parallel runs
// with: two ranks end where one process without any data-parallel code
// ends, within the same 1e-5. FP32 and QAT only: gradient search's noise
// comes from LibTorch's global generator on the ordinary path (the same
// distribution, other numbers), so its weights are not comparable
// number by number.
TEST_P(DataParallelModes, TwoRanksMatchTheOrdinaryOneProcessPath) {
  if (GetParam() == Mode::kGradientSearch) GTEST_SKIP() << "other noise draws by design";
  torch::set_num_threads(1);
  const Dataset train = Synthetic(256, 1), test = Synthetic(64, 2);
  const std::vector<torch::Tensor> start = StartWeights(0);
  const std::vector<std::vector<torch::Tensor>> two = Train(2, GetParam(), train, test, start);
  const std::vector<torch::Tensor> alone = TrainAlone(GetParam(), train, test, start);
  ExpectRanksEqualAndMatchOneProcess(two, alone);
  EXPECT_GT((start[0] - alone[0]).abs().max().item<double>(), 1e-4);
}

// Three ranks on 257 examples in batches of 64: slices of 22, 21 and 21
// (each rank's loss weighted by its share, so the mean of the gradients is
// the global batch's), and a last batch of one example that leaves two
// ranks without data (they still take part in every collective, with
// values that change nothing). Same tolerance as above.
TEST(DataParallel, UnevenSlicesAndRanksWithoutExamplesMatchOneProcess) {
  torch::set_num_threads(1);
  const Dataset train = Synthetic(257, 3), test = Synthetic(64, 4);
  const std::vector<torch::Tensor> start = StartWeights(1);
  const auto three = Train(3, Mode::kGradientSearch, train, test, start);
  const auto one = Train(1, Mode::kGradientSearch, train, test, start);
  ExpectRanksEqualAndMatchOneProcess(three, one[0]);
}

INSTANTIATE_TEST_SUITE_P(Modes, DataParallelModes,
                         testing::Values(Mode::kBaseline, Mode::kQat, Mode::kGradientSearch),
                         [](const testing::TestParamInfo<Mode>& info) {
                           return std::string(info.param == Mode::kBaseline ? "baseline"
                                              : info.param == Mode::kQat    ? "qat"
                                                                            : "gradient_search");
                         });

}  // namespace
}  // namespace agnapprox

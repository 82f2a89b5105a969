// Data-parallel training (issue #15) on two ranks over loopback, one thread
// per rank, against a one-rank run of the same path.


#include "gtest/gtest.h"
#include "nets/loopback_testing.h"
#include "nets/distributed.h"
#include "nets/train.h"

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

// The tiny network's weights after one epoch trained on `world` ranks, all
// starting from `start`'s weights on rank 0 (and random ones elsewhere: the
// broadcast must replace them).
std::vector<std::vector<torch::Tensor>> Train(int world, const Dataset& train,
                                              const Dataset& test,
                                              const std::vector<torch::Tensor>& start) {
  std::vector<std::vector<torch::Tensor>> weights(world);
  const std::vector<absl::Status> status = RunLoopbackRanks(
      world, [](int) { return RankOptions{{"seed", "0"}}; },
      [&](DataParallel& dp) {
        auto net = std::make_shared<TinyNetImpl>();
        if (dp.rank() == 0) {
          torch::NoGradGuard no_grad;
          std::vector<torch::Tensor> params = net->parameters();
          for (size_t i = 0; i < params.size(); ++i) params[i].copy_(start[i]);
        }
        StageSettings settings;
        settings.epochs = 1;
        settings.lr = 0.05;
        TrainOptions o;
        o.batch_size = 64;
        o.progress = false;
        o.data_parallel = &dp;
        TrainStage(*net, Mode::kBaseline, settings, train, test, o);
        for (const torch::Tensor& p : net->parameters()) {
          weights[dp.rank()].push_back(p.detach().clone());
        }
        return absl::OkStatus();
      });
  for (int r = 0; r < world; ++r) EXPECT_TRUE(status[r].ok()) << "rank " << r << ": " << status[r];
  return weights;
}

// After one epoch both ranks hold bit-identical weights, and they equal a
// one-rank run of the same global batches within float tolerance: the
// two-rank gradient is the mean of two half-batch means, summed in another
// order than the one-rank batch mean, so the weights differ in the last
// bits (1e-5 relative after 4 steps of SGD).
TEST(DataParallel, TwoRanksAgreeBitForBitAndMatchOneRank) {
  torch::set_num_threads(1);
  const Dataset train = Synthetic(256, 1), test = Synthetic(64, 2);
  torch::manual_seed(0);
  std::vector<torch::Tensor> start;
  for (const torch::Tensor& p : std::make_shared<TinyNetImpl>()->parameters()) {
    start.push_back(p.detach().clone());
  }
  const std::vector<std::vector<torch::Tensor>> two = Train(2, train, test, start);
  const std::vector<std::vector<torch::Tensor>> one = Train(1, train, test, start);
  ASSERT_EQ(two[0].size(), one[0].size());
  ASSERT_FALSE(one[0].empty());
  for (size_t i = 0; i < one[0].size(); ++i) {
    EXPECT_TRUE(torch::equal(two[0][i], two[1][i])) << "parameter " << i;
    const double diff = (two[0][i] - one[0][i]).abs().max().item<double>();
    EXPECT_LE(diff, 1e-5 * std::max(1.0, one[0][i].abs().max().item<double>()))
        << "parameter " << i;
  }
  // Training moved the weights (the comparison above is not of initial values).
  EXPECT_GT((start[0] - one[0][0]).abs().max().item<double>(), 1e-4);
}

}  // namespace
}  // namespace agnapprox

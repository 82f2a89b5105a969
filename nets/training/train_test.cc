// The gradient-search objective CE - lambda * sum_l (ops_l / ops) *
// min(|sigma_l|, sigma_max), and the optimiser that trains it.
#include "nets/training/train.h"

#include <cmath>

#include "gtest/gtest.h"
#include "nets/zoo/lenet5.h"

namespace agnapprox {
namespace {

// With the noise off (eval), CE does not depend on sigma, so each sigma's
// gradient is the reward's alone: -lambda * ops_l / ops inside the clamp,
// +lambda * ops_l / ops for a negative sigma, 0 above sigma_max.
TEST(GradientSearch, SigmaGradientIsTheWeightedReward) {
  torch::manual_seed(0);
  LeNet5 net;
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  const torch::Tensor y = torch::tensor({1, 2, 3, 4}, torch::kLong);
  net->forward(x);  // conv opcounts are known after the first forward
  net->set_mode(Mode::kGradientSearch);
  net->eval();
  auto layers = net->approx_layers();
  const std::vector<double> sigma = {0.1, -0.2, 0.7, 0.3, 0.05};  // 0.7 > sigma_max
  double total = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    torch::NoGradGuard no_grad;
    layers[i].second->sigma.fill_(sigma[i]);
    total += layers[i].second->opcount();
  }
  const double lambda = 0.8, sigma_max = 0.5;
  const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y) -
                             lambda * NoiseReward(*net, sigma_max);
  loss.backward();
  for (size_t i = 0; i < layers.size(); ++i) {
    SCOPED_TRACE(layers[i].first);
    const double share = layers[i].second->opcount() / total;
    const double want = sigma[i] > sigma_max ? 0 : (sigma[i] < 0 ? 1 : -1) * lambda * share;
    EXPECT_NEAR(layers[i].second->sigma.grad().item<double>(), want, 1e-6);
  }
  // The reward itself: sum of shares times clamped |sigma|.
  double reward = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    reward += layers[i].second->opcount() / total * std::min(std::abs(sigma[i]), sigma_max);
  }
  EXPECT_NEAR(NoiseReward(*net, sigma_max).item<double>(), reward, 1e-6);
}

TEST(GradientSearch, SigmaHasItsOwnGroupWithoutWeightDecay) {
  LeNet5 net;
  StageSettings s;
  s.weight_decay = 5e-4;
  std::unique_ptr<torch::optim::SGD> search = MakeOptimizer(*net, Mode::kGradientSearch, s);
  ASSERT_EQ(search->param_groups().size(), 2u);
  const auto& sigma_group = search->param_groups()[1];
  EXPECT_EQ(sigma_group.params().size(), net->approx_layers().size());
  EXPECT_EQ(static_cast<const torch::optim::SGDOptions&>(sigma_group.options()).weight_decay(), 0);
  EXPECT_EQ(static_cast<const torch::optim::SGDOptions&>(search->param_groups()[0].options())
                .weight_decay(),
            5e-4);
  for (const torch::Tensor& p : sigma_group.params()) EXPECT_EQ(p.numel(), 1);
  // Elsewhere sigma is not trained at all.
  std::unique_ptr<torch::optim::SGD> qat = MakeOptimizer(*net, Mode::kQat, s);
  ASSERT_EQ(qat->param_groups().size(), 1u);
  EXPECT_EQ(qat->param_groups()[0].params().size(),
            net->parameters().size() - net->approx_layers().size());
}

// Learnable images: class c lights a 6x6 square at a class-specific place.
Dataset Squares(int n, uint64_t seed) {
  torch::manual_seed(seed);
  Dataset d;
  d.labels = torch::randint(0, 10, {n}, torch::kLong);
  d.images = torch::rand({n, 1, 28, 28}) * 0.2 - 0.8;
  for (int i = 0; i < n; ++i) {
    const int c = d.labels[i].item<int>();
    d.images[i][0]
        .slice(0, 2 + (c / 5) * 12, 8 + (c / 5) * 12)
        .slice(1, 1 + (c % 5) * 5, 7 + (c % 5) * 5)
        .fill_(2.0);
  }
  return d;
}

double MeanAbsSigma(ApproxNetImpl& net) {
  double s = 0;
  for (auto& [name, layer] : net.approx_layers()) s += std::abs(layer->sigma.item<double>());
  return s / net.approx_layers().size();
}

// A trained network: the reward pushes sigma up when lambda is large; with
// lambda = 0 only the cross-entropy acts, and noise only hurts it.
TEST(GradientSearch, SigmaRisesWithLargeLambdaAndFallsWithoutIt) {
  const Dataset train = Squares(512, 1), test = Squares(64, 2);
  TrainOptions o;
  o.progress = false;
  o.batch_size = 64;
  StageSettings fit;
  fit.epochs = 4;
  fit.lr = 0.02;
  LeNet5 base;
  TrainStage(*base, Mode::kQat, fit, train, test, o);
  torch::serialize::OutputArchive archive;
  base->save(archive);
  std::stringstream saved;
  archive.save_to(saved);
  StageSettings search;
  search.epochs = 2;
  search.lr = 0.05;
  for (double lambda : {0.0, 10.0}) {
    SCOPED_TRACE(lambda);
    LeNet5 net;
    torch::serialize::InputArchive in;
    saved.seekg(0);
    in.load_from(saved);
    net->load(in);
    for (auto& [name, layer] : net->approx_layers()) {
      torch::NoGradGuard no_grad;
      layer->sigma.fill_(0.3);
    }
    o.lambda = lambda;
    TrainStage(*net, Mode::kGradientSearch, search, train, test, o);
    if (lambda == 0) {
      EXPECT_LT(MeanAbsSigma(*net), 0.3);
    } else {
      EXPECT_GT(MeanAbsSigma(*net), 0.3);
    }
  }
}

// Data-parallel ranks walk the order one process walks.
TEST(EpochOrder, IsTheGlobalGeneratorsPermutation) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{1000004}, (uint64_t{1} << 40) + 7}) {
    for (int64_t n : {1, 10, 640, 60000}) {
      torch::manual_seed(seed);
      const torch::Tensor global = torch::randperm(n, torch::kLong);
      EXPECT_TRUE(torch::equal(EpochOrder(n, seed), global)) << seed << " " << n;
    }
  }
  EXPECT_FALSE(torch::equal(EpochOrder(640, 1), EpochOrder(640, 2)));
}

}  // namespace
}  // namespace agnapprox

#include "nets/zoo/lenet5.h"

#include "gtest/gtest.h"
#include "nets/layers/mode_testing.h"

namespace agnapprox {
namespace {

TEST(LeNet5, ForwardAndBackwardInEveryMode) {
  torch::manual_seed(0);
  LeNet5 net;
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  const torch::Tensor y = torch::tensor({1, 2, 3, 4}, torch::kLong);
  ExpectTrainsInEveryMode(*net, x, y);
}

TEST(LeNet5, LayersInOrderWithAgnapproxOpcounts) {
  LeNet5 net;
  net->forward(torch::zeros({2, 1, 28, 28}));
  std::vector<std::string> names;
  std::vector<int64_t> ops;
  for (auto& [name, layer] : net->approx_layers()) {
    names.push_back(name);
    ops.push_back(layer->opcount());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "conv2", "fc1", "fc2", "fc3"}));
  EXPECT_EQ(ops, (std::vector<int64_t>{117600, 240000, 48000, 10080, 840}));
  EXPECT_EQ(net->training_settings().baseline.epochs, 10);
}

}  // namespace
}  // namespace agnapprox

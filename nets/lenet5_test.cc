#include "nets/lenet5.h"

#include "gtest/gtest.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

TEST(LeNet5, ForwardAndBackwardInEveryMode) {
  torch::manual_seed(0);
  LeNet5 net;
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  const torch::Tensor y = torch::tensor({1, 2, 3, 4}, torch::kLong);
  for (Mode mode : {Mode::kBaseline, Mode::kQat, Mode::kGradientSearch, Mode::kApprox}) {
    SCOPED_TRACE(ModeName(mode));
    if (mode == Mode::kApprox) {
      for (auto& [name, layer] : net->approx_layers()) {
        layer->set_table(ExactProducts(OperandRange::kSigned), "exact");
      }
    }
    net->set_mode(mode);
    net->train();
    net->zero_grad();
    const torch::Tensor logits = net->forward(x);
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, 10}));
    torch::nn::functional::cross_entropy(logits, y).backward();
    for (auto& [name, layer] : net->approx_layers()) {
      ASSERT_TRUE(layer->weight.grad().defined()) << name;
      EXPECT_GT(layer->weight.grad().abs().sum().item<float>(), 0) << name;
    }
  }
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

#include "nets/resnet.h"

#include "gtest/gtest.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

TEST(ResNet, DepthsHaveTheRightLayersAndOpcounts) {
  for (int depth : {8, 14, 20, 32}) {
    ResNet net(depth);
    net->forward(torch::zeros({1, 3, 32, 32}));
    const auto layers = net->approx_layers();
    EXPECT_EQ(layers.size(), static_cast<size_t>(depth)) << depth;  // 6n + 1 convs and fc
    EXPECT_EQ(layers.front().second->opcount(), 16 * 32 * 32 * 27);
    EXPECT_EQ(layers.back().second->opcount(), 640);
  }
}

TEST(ResNet, ForwardAndBackwardInEveryMode) {
  torch::manual_seed(0);
  ResNet net(8);
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  const torch::Tensor y = torch::tensor({1, 7}, torch::kLong);
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
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10}));
    torch::nn::functional::cross_entropy(logits, y).backward();
    EXPECT_TRUE(net->approx_layers()[0].second->weight.grad().defined());
  }
}

}  // namespace
}  // namespace agnapprox

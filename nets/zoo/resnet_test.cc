#include "nets/zoo/resnet.h"

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace agnapprox

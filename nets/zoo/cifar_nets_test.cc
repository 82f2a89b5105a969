// The CIFAR-10 networks: forward and backward in every mode on a tiny batch,
// and their multiplication counts.
#include <memory>

#include "gtest/gtest.h"
#include "nets/layers/mode_testing.h"
#include "nets/zoo/alexnet.h"
#include "nets/zoo/mobilenetv2.h"
#include "nets/zoo/resnet.h"
#include "nets/zoo/vgg.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

std::vector<std::shared_ptr<ApproxNetImpl>> Nets() {
  return {std::make_shared<ResNetImpl>(8), std::make_shared<VggImpl>(11),
          std::make_shared<VggImpl>(19), std::make_shared<AlexNetImpl>(),
          std::make_shared<MobileNetV2Impl>()};
}

TEST(CifarNets, ForwardAndBackwardInEveryMode) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  const torch::Tensor y = torch::tensor({3, 5}, torch::kLong);
  for (const auto& net : Nets()) {
    SCOPED_TRACE(net->name());
    ExpectTrainsInEveryMode(*net, x, y);
  }
}

TEST(CifarNets, ExactTableMatchesQatIncludingDepthwise) {
  torch::manual_seed(1);
  MobileNetV2 net;
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  const torch::Tensor qat = CalibratedQatForward(*net, x);
  torch::NoGradGuard no_grad;
  for (auto& [name, layer] : net->approx_layers()) {
    layer->set_table(ExactProducts(OperandRange::kSigned), "exact");
  }
  net->set_mode(Mode::kApprox);
  const torch::Tensor approx = net->forward(x);
  EXPECT_TRUE(torch::allclose(approx, qat, 1e-3, 1e-3))
      << (approx - qat).abs().max().item<float>();
}

// Multiplications per 3x32x32 image, from the published architectures (a
// 3x3 convolution from c_in to c_out on an HxW output: c_out H W 9 c_in),
// written here apart from the network code.
int64_t Conv(int64_t c_out, int64_t h, int64_t fan_in) { return c_out * h * h * fan_in; }

int64_t ResNetCount(int depth) {
  const int n = (depth - 2) / 6;
  int64_t total = Conv(16, 32, 3 * 9);
  int64_t in = 16;
  for (int stage = 0; stage < 3; ++stage) {
    const int64_t out = 16 << stage, h = 32 >> stage;
    for (int i = 0; i < n; ++i) {
      total += Conv(out, h, in * 9) + Conv(out, h, out * 9);
      in = out;
    }
  }
  return total + 64 * 10;
}

int64_t VggCount(std::vector<int> per_stage) {
  const int64_t widths[5] = {64, 128, 256, 512, 512};
  int64_t total = 0, in = 3;
  for (int stage = 0; stage < 5; ++stage) {
    for (int i = 0; i < per_stage[stage]; ++i) {
      total += Conv(widths[stage], 32 >> stage, in * 9);
      in = widths[stage];
    }
  }
  return total + 512 * 10;
}

int64_t MobileNetV2Count() {
  // (t, c, n, s) as in Sandler et al., CIFAR variant: stem stride 1.
  const int table[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2},
                           {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t total = Conv(32, 32, 27), in = 32, h = 32;
  for (const auto& row : table) {
    for (int i = 0; i < row[2]; ++i) {
      const int64_t hidden = in * row[0];
      if (row[0] != 1) total += Conv(hidden, h, in);  // 1x1 expansion
      if (i == 0) h /= row[3];
      total += Conv(hidden, h, 9) + Conv(row[1], h, hidden);  // depthwise, projection
      in = row[1];
    }
  }
  return total + Conv(1280, h, 320) + 1280 * 10;
}

TEST(CifarNets, MultiplicationCountsFollowTheArchitectures) {
  const struct {
    std::shared_ptr<ApproxNetImpl> net;
    int64_t want;
  } cases[] = {
      {std::make_shared<ResNetImpl>(8), ResNetCount(8)},
      {std::make_shared<ResNetImpl>(20), ResNetCount(20)},
      {std::make_shared<VggImpl>(11), VggCount({1, 1, 2, 2, 2})},
      {std::make_shared<VggImpl>(19), VggCount({2, 2, 4, 4, 4})},
      {std::make_shared<AlexNetImpl>(),
       Conv(64, 16, 27) + Conv(192, 8, 64 * 9) + Conv(384, 4, 192 * 9) +
           Conv(256, 4, 384 * 9) + Conv(256, 4, 256 * 9) + 1024 * 4096 + 4096 * 4096 +
           4096 * 10},
      {std::make_shared<MobileNetV2Impl>(), MobileNetV2Count()},
  };
  for (const auto& c : cases) {
    c.net->forward(torch::zeros({1, 3, 32, 32}));
    int64_t total = 0;
    for (auto& [name, layer] : c.net->approx_layers()) total += layer->opcount();
    std::printf("%s: %zu approximable layers, %lld multiplications per image\n",
                c.net->name().c_str(), c.net->approx_layers().size(),
                static_cast<long long>(total));
    EXPECT_EQ(total, c.want) << c.net->name();
  }
  // The README's figures.
  EXPECT_EQ(ResNetCount(8), 12239488);
  EXPECT_EQ(VggCount({1, 1, 2, 2, 2}), 152769536);
  EXPECT_EQ(VggCount({2, 2, 4, 4, 4}), 398136320);
  EXPECT_EQ(MobileNetV2Count(), 87976448);
}

}  // namespace
}  // namespace agnapprox

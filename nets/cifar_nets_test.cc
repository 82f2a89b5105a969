// The CIFAR-10 networks: forward and backward in every mode on a tiny batch,
// and their multiplication counts.
#include <memory>

#include "gtest/gtest.h"
#include "nets/alexnet.h"
#include "nets/mobilenetv2.h"
#include "nets/mode_testing.h"
#include "nets/resnet.h"
#include "nets/vgg.h"
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
  net->set_mode(Mode::kQat);
  net->train();
  net->forward(x);  // observers
  net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor qat = net->forward(x);
  for (auto& [name, layer] : net->approx_layers()) {
    layer->set_table(ExactProducts(OperandRange::kSigned), "exact");
  }
  net->set_mode(Mode::kApprox);
  const torch::Tensor approx = net->forward(x);
  EXPECT_TRUE(torch::allclose(approx, qat, 1e-3, 1e-3))
      << (approx - qat).abs().max().item<float>();
}

TEST(CifarNets, MultiplicationCounts) {
  for (const auto& net : Nets()) {
    net->forward(torch::zeros({1, 3, 32, 32}));
    int64_t total = 0;
    for (auto& [name, layer] : net->approx_layers()) total += layer->opcount();
    std::printf("%s: %zu approximable layers, %lld multiplications per image\n",
                net->name().c_str(), net->approx_layers().size(), static_cast<long long>(total));
    EXPECT_GT(total, 0);
  }
  // Known counts: VGG11 on 32x32 with these widths.
  Vgg vgg(11);
  vgg->forward(torch::zeros({1, 3, 32, 32}));
  int64_t vgg_total = 0;
  for (auto& [name, layer] : vgg->approx_layers()) vgg_total += layer->opcount();
  const int64_t want = 64 * 32 * 32 * 27 + 128 * 16 * 16 * 576 + 256 * 8 * 8 * 1152 +
                       256 * 8 * 8 * 2304 + 512 * 4 * 4 * 2304 + 512 * 4 * 4 * 4608 +
                       512 * 2 * 2 * 4608 * 2 + 512 * 10;
  EXPECT_EQ(vgg_total, want);
}

}  // namespace
}  // namespace agnapprox

#include "nets/approx_layer.h"

#include <random>

#include "gtest/gtest.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

namespace nn = torch::nn;

std::vector<int32_t> ExactSigned() { return ExactProducts(OperandRange::kSigned); }

// A table that is not symmetric and gives non-zero products for zero operands.
std::vector<int32_t> OddTable() {
  std::vector<int32_t> t = ExactSigned();
  for (int i = 0; i < 65536; ++i) t[i] += (i * 7919) % 13 - 6;
  return t;
}

// Observes one batch in training so that quantisation parameters exist.
void Calibrate(ApproxLayer& layer, const torch::Tensor& x) {
  layer->set_mode(Mode::kQat);
  layer->train();
  layer->forward(x);
  layer->eval();
}

TEST(ApproxLayer, ExactTableMatchesQatForConvAndLinear) {
  torch::manual_seed(1);
  std::vector<std::pair<ApproxLayer, torch::Tensor>> cases;
  cases.emplace_back(ApproxLayer(nn::Conv2dOptions(3, 4, 3).padding(1).stride(2).bias(true)),
                     torch::randn({2, 3, 9, 9}));
  cases.emplace_back(ApproxLayer(nn::Conv2dOptions(4, 4, 3).groups(4).padding(1).bias(false)),
                     torch::relu(torch::randn({2, 4, 6, 6})));
  cases.emplace_back(ApproxLayer(nn::Conv2dOptions(4, 6, 3).groups(2).dilation(2).padding(2)),
                     torch::randn({1, 4, 7, 7}));
  cases.emplace_back(ApproxLayer(nn::LinearOptions(20, 7)), torch::randn({5, 20}));
  for (auto& [layer, x] : cases) {
    Calibrate(layer, x);
    torch::NoGradGuard no_grad;
    const torch::Tensor qat = layer->forward(x);
    layer->set_table(ExactSigned(), "exact");
    layer->set_mode(Mode::kApprox);
    const torch::Tensor approx = layer->forward(x);
    EXPECT_TRUE(torch::allclose(approx, qat, 1e-4, 1e-4))
        << (approx - qat).abs().max().item<float>();
  }
}

// Reference: a plain loop over output positions with codes and the table.
TEST(ApproxLayer, ConvWithOddTableMatchesReferenceLoop) {
  torch::manual_seed(2);
  ApproxLayer layer(nn::Conv2dOptions(2, 3, 3).padding(1).bias(false));
  const torch::Tensor x = torch::randn({1, 2, 5, 5});  // negative values: zp > 0
  Calibrate(layer, x);
  const std::vector<int32_t> table = OddTable();
  layer->set_table(table, "odd");
  layer->set_mode(Mode::kApprox);
  torch::Tensor got;
  {
    torch::NoGradGuard no_grad;
    got = layer->forward(x);
  }
  const QuantParams qa = layer->ActivationQuantParams(), qw = layer->WeightQuantParams();
  EXPECT_GT(qa.zero_point, 0);
  const torch::Tensor q = torch::clamp(torch::round(x / qa.scale) + qa.zero_point, 0, 127);
  const torch::Tensor w = torch::clamp(torch::round(layer->weight.detach() / qw.scale), -128, 127);
  for (int o = 0; o < 3; ++o) {
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 5; ++j) {
        int64_t acc = 0, wsum = 0;
        for (int c = 0; c < 2; ++c) {
          for (int ki = 0; ki < 3; ++ki) {
            for (int kj = 0; kj < 3; ++kj) {
              const int ii = i + ki - 1, jj = j + kj - 1;
              const int a = (ii < 0 || ii >= 5 || jj < 0 || jj >= 5)
                                ? static_cast<int>(qa.zero_point)
                                : q[0][c][ii][jj].item<int>();
              const int b = w[o][c][ki][kj].item<int>();
              acc += table[(a + 128) * 256 + (b + 128)];
              wsum += b;
            }
          }
        }
        const double want = qa.scale * qw.scale * (acc - qa.zero_point * wsum);
        EXPECT_NEAR(got[0][o][i][j].item<double>(), want, 1e-4 * std::max(1.0, std::abs(want)));
      }
    }
  }
}

TEST(ApproxLayer, ApproxBackwardIsStraightThrough) {
  torch::manual_seed(3);
  ApproxLayer layer(nn::LinearOptions(8, 4));
  const torch::Tensor x = torch::randn({3, 8});
  Calibrate(layer, x);
  layer->set_mode(Mode::kQat);
  layer->forward(x).sum().backward();
  const torch::Tensor qat_grad = layer->weight.grad().clone();
  layer->weight.mutable_grad().zero_();
  layer->set_table(OddTable(), "odd");
  layer->set_mode(Mode::kApprox);
  layer->forward(x).sum().backward();
  EXPECT_TRUE(torch::allclose(layer->weight.grad(), qat_grad));
}

TEST(ApproxLayer, NoiseOnlyInTrainingAndSigmaLearns) {
  torch::manual_seed(4);
  ApproxLayer layer(nn::LinearOptions(16, 8));
  const torch::Tensor x = torch::randn({32, 16});
  Calibrate(layer, x);
  layer->set_mode(Mode::kGradientSearch);
  layer->eval();
  const torch::Tensor a = layer->forward(x), b = layer->forward(x);
  EXPECT_TRUE(torch::equal(a, b));  // no noise in eval
  layer->train();
  const torch::Tensor noisy = layer->forward(x);
  EXPECT_FALSE(torch::allclose(noisy, a));
  noisy.pow(2).sum().backward();
  ASSERT_TRUE(layer->sigma.grad().defined());
  EXPECT_NE(layer->sigma.grad().item<float>(), 0.0f);
}

TEST(ApproxLayer, ObserverIsAMovingAverage) {
  ApproxLayer layer(nn::LinearOptions(2, 1));
  layer->set_mode(Mode::kQat);
  layer->train();
  layer->forward(torch::tensor({{0.0f, 1.0f}}));   // min 0, max 1
  layer->forward(torch::tensor({{0.0f, 101.0f}}));  // max moves 1% of the way
  const QuantParams q = layer->ActivationQuantParams();
  EXPECT_NEAR(q.scale, 2.0 / 127, 1e-6);
  EXPECT_EQ(q.zero_point, 0);
  layer->eval();
  layer->forward(torch::tensor({{-50.0f, 500.0f}}));  // frozen in eval
  EXPECT_NEAR(layer->ActivationQuantParams().scale, 2.0 / 127, 1e-6);
}

TEST(ApproxLayer, OpcountAndFanIn) {
  ApproxLayer conv(nn::Conv2dOptions(1, 6, 5).padding(2).bias(false));
  EXPECT_EQ(conv->fan_in(), 25);
  conv->forward(torch::zeros({1, 1, 28, 28}));
  EXPECT_EQ(conv->opcount(), 6 * 28 * 28 * 25);
  ApproxLayer dw(nn::Conv2dOptions(8, 8, 3).groups(8));
  EXPECT_EQ(dw->fan_in(), 9);
  ApproxLayer fc(nn::LinearOptions(400, 120));
  EXPECT_EQ(fc->opcount(), 48000);
}

TEST(ApproxLayer, TracingRecordsCodes) {
  torch::manual_seed(5);
  ApproxLayer conv(nn::Conv2dOptions(2, 3, 3).groups(1));
  const torch::Tensor x = torch::relu(torch::randn({2, 2, 4, 4}));
  Calibrate(conv, x);
  conv->set_tracing(true);
  {
    torch::NoGradGuard no_grad;
    conv->forward(x);
  }
  const OperandTrace t = conv->TakeTrace();
  EXPECT_EQ(t.fan_in, 18);
  EXPECT_EQ(t.features.size(), 2u * 2 * 2 * 18);  // batch 2, 2x2 positions
  EXPECT_EQ(t.weights.size(), 3u * 18);
  for (int16_t v : t.features) {
    EXPECT_GE(v, 0);
    EXPECT_LE(v, 127);
  }
}

}  // namespace
}  // namespace agnapprox

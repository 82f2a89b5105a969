#include "nets/layers/approx_layer.h"

#include <random>

#include "gtest/gtest.h"
#include "nets/layers/approx_net.h"
#include "nets/layers/mode_testing.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

namespace nn = torch::nn;


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
// Against a plain loop over the table, for one image in one tile and for
// several images across tiles (the output is rescaled tile by tile, and
// tiles cross images and output rows), padded stride-1 and strided layers.
TEST(ApproxLayer, ConvWithOddTableMatchesReferenceLoop) {
  struct Case {
    int64_t batch, size, kernel, stride, padding;
  };
  for (const Case& k : {Case{1, 5, 3, 1, 1}, Case{3, 13, 3, 1, 1}, Case{3, 11, 3, 2, 0},
                        Case{2, 9, 5, 1, 2}}) {
    torch::manual_seed(2);
    ApproxLayer layer(
        nn::Conv2dOptions(2, 3, k.kernel).padding(k.padding).stride(k.stride).bias(false));
    const torch::Tensor x = torch::randn({k.batch, 2, k.size, k.size});  // negative: zp > 0
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
    const torch::Tensor w =
        torch::clamp(torch::round(layer->weight.detach() / qw.scale), -128, 127);
    const int64_t out = (k.size + 2 * k.padding - k.kernel) / k.stride + 1;
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{k.batch, 3, out, out}));
    const auto qa_ = q.accessor<float, 4>();
    const auto w_ = w.accessor<float, 4>();
    const auto got_ = got.accessor<float, 4>();
    for (int64_t n = 0; n < k.batch; ++n) {
      for (int o = 0; o < 3; ++o) {
        for (int64_t i = 0; i < out; ++i) {
          for (int64_t j = 0; j < out; ++j) {
            int64_t acc = 0, wsum = 0;
            for (int c = 0; c < 2; ++c) {
              for (int64_t ki = 0; ki < k.kernel; ++ki) {
                for (int64_t kj = 0; kj < k.kernel; ++kj) {
                  const int64_t ii = i * k.stride + ki - k.padding;
                  const int64_t jj = j * k.stride + kj - k.padding;
                  const int a = (ii < 0 || ii >= k.size || jj < 0 || jj >= k.size)
                                    ? static_cast<int>(qa.zero_point)
                                    : static_cast<int>(qa_[n][c][ii][jj]);
                  const int b = static_cast<int>(w_[o][c][ki][kj]);
                  acc += table[(a + 128) * 256 + (b + 128)];
                  wsum += b;
                }
              }
            }
            const double want = qa.scale * qw.scale * (acc - qa.zero_point * wsum);
            ASSERT_NEAR(got_[n][o][i][j], want, 1e-4 * std::max(1.0, std::abs(want)))
                << "image " << n << " channel " << o << " at " << i << "," << j << " (case "
                << k.batch << "x" << k.size << " kernel " << k.kernel << " stride " << k.stride
                << ")";
          }
        }
      }
    }
  }
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

// A network whose second layer pads by reflection, which the integer
// approximate path cannot do: refused, naming the layer.
class ReflectNet : public ApproxNetImpl {
 public:
  ReflectNet()
      : a_(register_module("a", ApproxLayer(nn::Conv2dOptions(1, 2, 3).padding(1)))),
        b_(register_module("b", ApproxLayer(nn::Conv2dOptions(2, 2, 3).padding(1).padding_mode(
                                                  torch::kReflect)))) {}
  torch::Tensor forward(torch::Tensor x) override { return b_->forward(a_->forward(x)); }
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override {
    return {{"a", a_}, {"b", b_}};
  }
  TrainingSettings training_settings() const override { return {}; }
  std::string name() const override { return "reflect"; }
  std::vector<int64_t> input_shape() const override { return {1, 8, 8}; }

 private:
  ApproxLayer a_, b_;
};

TEST(ApproxLayer, UnsupportedPaddingIsAnErrorNamingTheLayer) {
  ReflectNet net;
  const absl::Status s = net.CheckSupported();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("layer b: padding mode kReflect"), std::string::npos) << s;
  ApproxLayer same(nn::Conv2dOptions(1, 1, 3).padding(torch::kSame));
  EXPECT_EQ(same->unsupported(), "");
  ApproxLayer uneven(nn::Conv2dOptions(1, 1, 4).padding(torch::kSame));
  EXPECT_NE(uneven->unsupported(), "");
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

// The trace holds exactly the operands the deployed layer multiplies: on a
// layer with a non-zero activation zero point, padding and an asymmetric
// table, sum_j P[x_rj][w_oj] over the traced rows rebuilds the approximate
// layer's own integer accumulator, and so its output.
TEST(ApproxLayer, TracingRecordsTheDeployedOperands) {
  torch::manual_seed(5);
  ApproxLayer conv(nn::Conv2dOptions(2, 3, 3).padding(1).bias(true));
  // Inputs below zero: the activation zero point is not 0.
  const torch::Tensor x = torch::randn({2, 2, 4, 4});
  Calibrate(conv, x);
  const QuantParams qa = conv->ActivationQuantParams(), qw = conv->WeightQuantParams();
  ASSERT_NE(qa.zero_point, 0);
  conv->set_tracing(true);
  {
    torch::NoGradGuard no_grad;
    conv->forward(x);
  }
  conv->set_tracing(false);
  const OperandTrace t = conv->TakeTrace();
  ASSERT_EQ(t.fan_in, 18);
  const int64_t positions = 16, out = 3, rows = 2 * positions;
  ASSERT_EQ(t.features.size(), static_cast<size_t>(rows * 18));
  ASSERT_EQ(t.weights.size(), static_cast<size_t>(out * 18));
  // Padding positions hold the zero point's code.
  EXPECT_EQ(t.features[0], qa.zero_point);  // top-left tap of the first position
  const std::vector<int32_t> table = OddTable();
  conv->set_table(table, "odd");
  conv->set_mode(Mode::kApprox);
  torch::NoGradGuard no_grad;
  const torch::Tensor y = conv->forward(x);  // [2, 3, 4, 4]
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      int64_t acc = 0, wsum = 0;
      for (int64_t j = 0; j < 18; ++j) {
        const int a = t.features[r * 18 + j], b = t.weights[o * 18 + j];
        acc += table[(a + 128) * 256 + (b + 128)];
        wsum += b;
      }
      const double want = (acc - qa.zero_point * wsum) * qa.scale * qw.scale +
                          conv->bias[o].item<double>();
      const int64_t image = r / positions, p = r % positions;
      const double got = y[image][o][p / 4][p % 4].item<double>();
      ASSERT_NEAR(got, want, 1e-4 * std::max(1.0, std::abs(want))) << r << " " << o;
    }
  }
}

}  // namespace
}  // namespace agnapprox

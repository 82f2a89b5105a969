// The approximate mode's backward: straight-through, and through the
// table's own gradient tables.
#include <vector>

#include "gtest/gtest.h"
#include "nets/layers/approx_layer.h"
#include "nets/layers/mode_testing.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

namespace nn = torch::nn;


// The input, weight and (if any) bias gradients of one forward and backward
// of `layer` on x0, under a fixed, non-uniform upstream gradient so that
// every output counts.
std::vector<torch::Tensor> Gradients(ApproxLayer& layer, const torch::Tensor& x0) {
  layer->zero_grad();
  torch::Tensor x = x0.clone().requires_grad_(true);
  const torch::Tensor y = layer->forward(x);
  const torch::Tensor up = torch::linspace(-1, 2, y.numel()).reshape(y.sizes());
  (y * up).sum().backward();
  std::vector<torch::Tensor> g = {x.grad().clone(), layer->weight.grad().clone()};
  if (layer->bias.defined()) g.push_back(layer->bias.grad().clone());
  return g;
}

// Straight-through: in approx mode the input, weight and bias gradients
// are those of the exact quantised operation, for conv (stride, padding,
// groups) and linear layers, whatever the table.
void ExpectStraightThrough(ApproxLayer& layer, const torch::Tensor& x0) {
  Calibrate(layer, x0);
  auto backward = [&](Mode mode) {
    layer->set_mode(mode);
    return Gradients(layer, x0);
  };
  const std::vector<torch::Tensor> qat = backward(Mode::kQat);
  layer->set_table(OddTable(), "odd");
  const std::vector<torch::Tensor> approx = backward(Mode::kApprox);
  ASSERT_EQ(qat.size(), approx.size());
  for (size_t i = 0; i < qat.size(); ++i) {
    EXPECT_GT(qat[i].abs().sum().item<float>(), 0) << "gradient " << i << " is all zero";
    EXPECT_TRUE(torch::allclose(approx[i], qat[i], 1e-5, 1e-6))
        << "gradient " << i << " (0 input, 1 weight, 2 bias)";
  }
}

TEST(ApproxLayer, ApproxBackwardIsStraightThroughForLinear) {
  torch::manual_seed(3);
  ApproxLayer layer(nn::LinearOptions(8, 4));
  ExpectStraightThrough(layer, torch::randn({3, 8}));
}

TEST(ApproxLayer, ApproxBackwardIsStraightThroughForConv) {
  torch::manual_seed(30);
  ApproxLayer conv(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2));
  ExpectStraightThrough(conv, torch::randn({2, 4, 7, 7}));
}

// Table gradients (issue #17). With the exact table they are the
// straight-through ones.
void ExpectTableGradientIsStraightThroughForExact(ApproxLayer& layer, const torch::Tensor& x0) {
  Calibrate(layer, x0);
  layer->set_table(ExactSigned(), "exact");
  layer->set_mode(Mode::kApprox);
  auto backward = [&](RetrainGradient gradient) {
    layer->set_retrain_gradient(gradient);
    return Gradients(layer, x0);
  };
  const std::vector<torch::Tensor> ste = backward(RetrainGradient::kStraightThrough);
  const std::vector<torch::Tensor> table = backward(RetrainGradient::kTable);
  for (size_t i = 0; i < ste.size(); ++i) {
    EXPECT_GT(ste[i].abs().sum().item<float>(), 0) << "gradient " << i;
    // Float sums in another order: within 1e-4 of the gradient's scale.
    EXPECT_LE((table[i] - ste[i]).abs().max().item<float>(),
              1e-4 * ste[i].abs().max().item<float>())
        << "gradient " << i << " (0 input, 1 weight, 2 bias)";
  }
}

TEST(ApproxLayer, TableGradientOfTheExactTableIsStraightThrough) {
  torch::manual_seed(31);
  ApproxLayer conv(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2));
  ExpectTableGradientIsStraightThroughForExact(conv, torch::randn({2, 4, 7, 7}));
  ApproxLayer conv1(nn::Conv2dOptions(1, 6, 5).padding(2).bias(false));
  ExpectTableGradientIsStraightThroughForExact(conv1, torch::randn({3, 1, 12, 12}));
  ApproxLayer fc(nn::LinearOptions(8, 4));
  ExpectTableGradientIsStraightThroughForExact(fc, torch::randn({3, 8}));
}

// A new table brings its own gradient tables: a table that is three times
// the exact product triples the input and weight gradients (inputs >= 0, so
// the zero point, whose term the table does not carry, is 0).
TEST(ApproxLayer, TableGradientFollowsTheTable) {
  torch::manual_seed(33);
  ApproxLayer fc(nn::LinearOptions(8, 4).bias(false));
  const torch::Tensor x0 = torch::rand({3, 8});
  Calibrate(fc, x0);
  ASSERT_EQ(fc->ActivationQuantParams().zero_point, 0);
  fc->set_mode(Mode::kApprox);
  fc->set_retrain_gradient(RetrainGradient::kTable);
  std::vector<int32_t> triple = ExactSigned();
  for (int32_t& v : triple) v *= 3;
  fc->set_table(ExactSigned(), "exact");
  const std::vector<torch::Tensor> one = Gradients(fc, x0);
  fc->set_table(triple, "triple");
  const std::vector<torch::Tensor> three = Gradients(fc, x0);
  ASSERT_EQ(one.size(), 2u);  // input and weight: no bias
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_LE((three[i] - 3 * one[i]).abs().max().item<float>(),
              1e-4 * three[i].abs().max().item<float>())
        << "gradient " << i;
  }
}

// A numerical gradient check: with a smooth synthetic table, the backward's
// dL/dx and dL/dw equal central differences of the layer's own forward over
// +-2 codes (the gradient tables' window), at positions away from the
// edges of the code ranges.
TEST(ApproxLayer, TableGradientPassesANumericalCheck) {
  std::vector<int32_t> smooth(65536);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      smooth[(a + 128) * 256 + b + 128] =
          static_cast<int32_t>(std::lround(a * b * (1 + a / 256.0) + 0.01 * b * b));
    }
  }
  for (bool conv : {true, false}) {
    torch::manual_seed(32);
    ApproxLayer layer = conv ? ApproxLayer(nn::Conv2dOptions(2, 3, 3).padding(1))
                             : ApproxLayer(nn::LinearOptions(6, 3));
    const torch::Tensor x_cal = conv ? torch::rand({2, 2, 5, 5}) * 2 - 0.3
                                     : torch::rand({2, 6}) * 2 - 0.3;
    Calibrate(layer, x_cal);
    layer->set_table(smooth, "smooth");
    layer->set_mode(Mode::kApprox);
    layer->set_retrain_gradient(RetrainGradient::kTable);
    const QuantParams qa = layer->ActivationQuantParams(), qw = layer->WeightQuantParams();
    // Inputs exactly on the code grid, codes 10..110.
    torch::Tensor codes = torch::randint(10, 111, x_cal.sizes()).to(torch::kFloat);
    const torch::Tensor x0 = (codes - qa.zero_point) * static_cast<float>(qa.scale);
    torch::Tensor u;
    auto loss = [&](const torch::Tensor& x) {
      const torch::Tensor y = layer->forward(x);
      if (!u.defined()) u = torch::linspace(-1, 1, y.numel()).reshape(y.sizes());
      return (y * u).sum();
    };
    torch::Tensor x = x0.clone().requires_grad_(true);
    layer->zero_grad();
    loss(x).backward();
    const torch::Tensor gx = x.grad().flatten(), gw = layer->weight.grad().flatten();
    torch::NoGradGuard no_grad;
    const float step_x = 2 * static_cast<float>(qa.scale);
    for (int64_t i : {int64_t{0}, int64_t{7}, x0.numel() - 1}) {
      torch::Tensor plus = x0.clone(), minus = x0.clone();
      plus.view({-1})[i] += step_x;
      minus.view({-1})[i] -= step_x;
      const double numeric =
          (loss(plus).item<double>() - loss(minus).item<double>()) / (2 * step_x);
      EXPECT_NEAR(gx[i].item<double>(), numeric, 1e-3 * (1 + std::abs(numeric)))
          << (conv ? "conv" : "linear") << " input " << i;
    }
    // Weights: codes away from the largest (which sets the scale).
    const torch::Tensor wcodes =
        torch::round(layer->weight.detach() / static_cast<float>(qw.scale)).flatten();
    const float step_w = 2 * static_cast<float>(qw.scale);
    int checked = 0;
    for (int64_t i = 0; i < wcodes.numel() && checked < 3; ++i) {
      if (std::abs(wcodes[i].item<float>()) > 100) continue;
      const torch::Tensor saved = layer->weight.detach().clone();
      layer->weight.view({-1})[i] += step_w;
      const double up = loss(x0).item<double>();
      layer->weight.view({-1})[i] -= 2 * step_w;
      const double down = loss(x0).item<double>();
      layer->weight.copy_(saved);
      const double numeric = (up - down) / (2 * step_w);
      EXPECT_NEAR(gw[i].item<double>(), numeric, 1e-3 * (1 + std::abs(numeric)))
          << (conv ? "conv" : "linear") << " weight " << i;
      ++checked;
    }
    EXPECT_EQ(checked, 3);
  }
}

}  // namespace
}  // namespace agnapprox

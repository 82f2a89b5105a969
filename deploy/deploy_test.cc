#include "deploy/deploy.h"

#include "gtest/gtest.h"
#include "multipliers/builtin.h"
#include "nets/layers/mode_testing.h"
#include "nets/zoo/lenet5.h"
#include "stats/error_map.h"

namespace agnapprox {
namespace {

std::vector<LayerMultiplier> Assignment(std::vector<LayerMultiplier> layers) { return layers; }

TEST(Deploy, SetsEachLayersTable) {
  LeNet5 net;
  const Catalog c = BuiltinCatalog();
  ASSERT_TRUE(DeployMultipliers(*net,
                                Assignment({{"conv1", "drum4_s"}, {"conv2", "exact_s"},
                                          {"fc1", "mitchell_u"}, {"fc2", "trunc4_s"},
                                          {"fc3", "exact_u"}}),
                                c)
                  .ok());
  auto layers = net->approx_layers();
  EXPECT_EQ(layers[0].second->multiplier_name(), "drum4_s");
  EXPECT_EQ(layers[0].second->mode(), Mode::kApprox);
  EXPECT_EQ(layers[0].second->table(), FindMultiplier(c, "drum4_s")->products);
  // An unsigned multiplier goes in as its sign-magnitude signed table.
  EXPECT_EQ(layers[2].second->table(),
            SignMagnitudeProducts(FindMultiplier(c, "mitchell_u")->products));
}

TEST(Deploy, MismatchedNamesOrOrderAreRefused) {
  LeNet5 net;
  const Catalog c = BuiltinCatalog();
  absl::Status swapped = DeployMultipliers(
      *net,
      Assignment({{"conv2", "exact_s"}, {"conv1", "exact_s"}, {"fc1", "exact_s"},
                {"fc2", "exact_s"}, {"fc3", "exact_s"}}),
      c);
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.message().find("conv1"), std::string::npos) << swapped;
  EXPECT_FALSE(DeployMultipliers(*net, Assignment({{"conv1", "exact_s"}}), c).ok());
  absl::Status unknown = DeployMultipliers(
      *net,
      Assignment({{"conv1", "nope"}, {"conv2", "exact_s"}, {"fc1", "exact_s"},
                {"fc2", "exact_s"}, {"fc3", "exact_s"}}),
      c);
  EXPECT_NE(unknown.message().find("nope"), std::string::npos);
  for (auto& [name, layer] : net->approx_layers()) EXPECT_FALSE(layer->has_table());
}

// A multiplier whose error depends on the weight alone, P = a b + 40 b + 40:
// the compensation g[b] = 40 b + 40 cancels it exactly, whatever the
// activations.
Catalog SkewedCatalog() {
  Multiplier m;
  m.name = "skewed_s";
  m.products = ExactProducts(OperandRange::kSigned);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) m.products[(a + 128) * 256 + (b + 128)] += 40 * b + 40;
  }
  m.metrics = {{"power", 0.1}};
  Catalog c;
  c.source = "test";
  c.multipliers.push_back(m);
  return c;
}

TEST(Deploy, ErrorCompensationCancelsASystematicError) {
  torch::manual_seed(3);
  LeNet5 net;
  const torch::Tensor x = torch::randn({6, 1, 28, 28});
  const torch::Tensor qat = CalibratedQatForward(*net, x);
  torch::NoGradGuard no_grad;
  std::vector<double> g(256);
  for (int b = -128; b < 128; ++b) g[b + 128] = 40.0 * b + 40;
  std::vector<LayerMultiplier> plain, compensated;
  for (auto& [name, layer] : net->approx_layers()) {
    plain.push_back({name, "skewed_s"});
    compensated.push_back({name, "skewed_s", g});
  }
  const Catalog c = SkewedCatalog();
  ASSERT_TRUE(DeployMultipliers(*net, plain, c).ok());
  const float off = (net->forward(x) - qat).abs().max().item<float>();
  ASSERT_TRUE(DeployMultipliers(*net, compensated, c).ok());
  const float on = (net->forward(x) - qat).abs().max().item<float>();
  EXPECT_GT(off, 0.1);
  EXPECT_LT(on, 1e-3) << "uncompensated " << off;
  // A compensation of the wrong size is refused, naming the layer.
  compensated[1].error_by_weight.resize(10);
  absl::Status bad = DeployMultipliers(*net, compensated, c);
  EXPECT_NE(bad.message().find("conv2"), std::string::npos) << bad;
}

}  // namespace
}  // namespace agnapprox

#include "deploy/deploy.h"

#include "gtest/gtest.h"
#include "multipliers/builtin.h"
#include "nets/lenet5.h"

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

}  // namespace
}  // namespace agnapprox

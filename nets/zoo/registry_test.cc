#include "nets/zoo/registry.h"

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(Registry, EveryNameBuildsTheNetworkOfThatName) {
  const std::vector<std::string> names = NetNames();
  ASSERT_EQ(names.size(), 11u);
  for (const std::string& name : names) {
    std::shared_ptr<ApproxNetImpl> net = MakeNet(name);
    ASSERT_NE(net, nullptr) << name;
    EXPECT_EQ(net->name(), name);
    EXPECT_FALSE(net->approx_layers().empty()) << name;
  }
}

TEST(Registry, UnknownNamesGiveNull) {
  EXPECT_EQ(MakeNet("resnet9"), nullptr);
  EXPECT_EQ(MakeNet(""), nullptr);
}

}  // namespace
}  // namespace agnapprox

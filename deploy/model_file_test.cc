#include "deploy/model_file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "deploy/deploy.h"
#include "gtest/gtest.h"
#include "multipliers/builtin.h"
#include "nets/zoo/lenet5.h"

namespace agnapprox {
namespace {

TEST(ModelFile, SaveAndLoadKeepsOutputs) {
  torch::manual_seed(0);
  LeNet5 net;
  const torch::Tensor x = torch::randn({8, 1, 28, 28});
  net->set_mode(Mode::kQat);
  net->train();
  net->forward(x);  // observers
  const Catalog c = BuiltinCatalog();
  ASSERT_TRUE(DeployUniform(*net, *FindMultiplier(c, "drum4_s")).ok());
  std::vector<double> g(256);
  for (int i = 0; i < 256; ++i) g[i] = 0.5 * (i - 128);
  net->approx_layers()[2].second->set_error_compensation(g);
  net->eval();
  const torch::Tensor before = net->forward(x);
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/lenet5.pt";
  ASSERT_TRUE(SaveDeployedModel(*net, path).ok());
  LeNet5 other;
  ASSERT_TRUE(LoadDeployedModel(*other, path).ok());
  other->eval();
  EXPECT_TRUE(torch::equal(other->forward(x), before));
  EXPECT_EQ(other->approx_layers()[1].second->multiplier_name(), "drum4_s");
  EXPECT_EQ(other->approx_layers()[2].second->error_compensation(), g);
  EXPECT_TRUE(other->approx_layers()[1].second->error_compensation().empty());
  EXPECT_FALSE(LoadDeployedModel(*other, path + ".missing").ok());
}

TEST(ModelFile, BrokenModelFilesAreErrorsNotCrashes) {
  torch::manual_seed(1);
  LeNet5 net;
  net->forward(torch::zeros({2, 1, 28, 28}));
  ASSERT_TRUE(DeployUniform(*net, *FindMultiplier(BuiltinCatalog(), "exact_s")).ok());
  const std::string dir = std::getenv("TEST_TMPDIR");
  ASSERT_TRUE(SaveDeployedModel(*net, dir + "/good.pt").ok());
  std::ifstream in(dir + "/good.pt", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string good = bytes.str();
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"garbage", "this is not a model at all"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"empty", ""},
      {"flipped", [&] {
         std::string b = good;
         for (size_t i = 100; i < b.size(); i += 997) b[i] = static_cast<char>(b[i] ^ 0x5a);
         return b;
       }()},
  };
  for (const auto& [name, contents] : broken) {
    SCOPED_TRACE(name);
    std::ofstream(dir + "/" + name + ".pt", std::ios::binary) << contents;
    LeNet5 other;
    const absl::Status s = LoadDeployedModel(*other, dir + "/" + name + ".pt");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(name + ".pt"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace agnapprox

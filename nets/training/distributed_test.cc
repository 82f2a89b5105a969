#include "nets/training/distributed.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "gtest/gtest.h"
#include "nets/training/loopback_testing.h"

namespace agnapprox {
namespace {

absl::StatusOr<DistributedEnv> Env(const std::map<std::string, std::string>& vars) {
  return ReadDistributedEnv([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(Distributed, TorchrunVariablesAreCheckedAndNamed) {
  absl::StatusOr<DistributedEnv> none = Env({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->world_size, 1);
  absl::StatusOr<DistributedEnv> two =
      Env({{"WORLD_SIZE", "2"}, {"RANK", "1"}, {"MASTER_ADDR", "10.0.0.2"}, {"MASTER_PORT", "1234"}});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->rank, 1);
  EXPECT_EQ(two->master_addr, "10.0.0.2");
  EXPECT_EQ(two->master_port, 1234);
  EXPECT_EQ(two->local_world_size, 1);  // unset: this rank alone on its machine
  absl::StatusOr<DistributedEnv> local =
      Env({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_WORLD_SIZE", "2"}});
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->local_world_size, 2);
  for (const auto& [vars, name] : std::vector<std::pair<std::map<std::string, std::string>, std::string>>{
           {{{"WORLD_SIZE", "two"}, {"RANK", "0"}}, "WORLD_SIZE"},
           {{{"WORLD_SIZE", "0"}, {"RANK", "0"}}, "WORLD_SIZE"},
           {{{"WORLD_SIZE", "2"}, {"RANK", "2"}}, "RANK"},
           {{{"WORLD_SIZE", "2"}, {"RANK", "-1"}}, "RANK"},
           {{{"WORLD_SIZE", "2"}}, "RANK"},
           {{{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT"},
           {{{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"LOCAL_WORLD_SIZE", "3"}}, "LOCAL_WORLD_SIZE"},
           {{{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"LOCAL_WORLD_SIZE", "two"}}, "LOCAL_WORLD_SIZE"}}) {
    absl::StatusOr<DistributedEnv> env = Env(vars);
    ASSERT_FALSE(env.ok()) << name;
    EXPECT_NE(env.status().message().find(name), std::string::npos) << env.status();
  }
}

// Each rank's slice of a global batch: disjoint, covering, sizes within one.
TEST(Distributed, SlicesOfABatchAreDisjointAndCoverIt) {
  for (int world : {1, 2, 3, 5}) {
    for (int64_t size : {0, 1, 2, 7, 64, 65}) {
      int64_t next = 0;
      for (int r = 0; r < world; ++r) {
        const auto [first, count] = SliceOfBatch(size, r, world);
        EXPECT_EQ(first, next) << size << " on " << world;
        EXPECT_NEAR(static_cast<double>(count), static_cast<double>(size) / world, 1.0);
        next = first + count;
      }
      EXPECT_EQ(next, size) << size << " on " << world;
    }
  }
}

// Runs `body` on two ranks connected over loopback, rank r with options[r].
std::vector<absl::Status> TwoRanks(const RankOptions& rank0, const RankOptions& rank1,
                                   const std::function<absl::Status(DataParallel&)>& body) {
  return RunLoopbackRanks(2, [&](int r) { return r == 0 ? rank0 : rank1; }, body);
}

TEST(Distributed, TwoRanksShareWeightsGradientsAndBuffers) {
  const RankOptions options = {{"lr", "0.01"}, {"seed", "0"}};
  std::vector<std::vector<torch::Tensor>> weights(2), grads(2), means(2);
  const std::vector<absl::Status> status = TwoRanks(options, options, [&](DataParallel& dp) {
    const int r = dp.rank();
    torch::manual_seed(100 + r);  // different initial weights on each rank
    torch::nn::Sequential net(torch::nn::Linear(5, 3), torch::nn::BatchNorm1d(3));
    if (absl::Status s = dp.Broadcast(*net); !s.ok()) return s;
    for (const torch::Tensor& p : net->parameters()) weights[r].push_back(p.detach().clone());
    // Gradients r + 1 everywhere: the mean is 1.5. Running statistics 2 r:
    // the mean is 1.
    for (torch::Tensor& p : net->parameters()) p.mutable_grad() = torch::full_like(p, r + 1.0);
    for (const torch::Tensor& b : net->buffers()) {
      if (b.is_floating_point()) b.data().fill_(2.0 * r);
    }
    if (absl::Status s = dp.AverageGradientsAndBuffers(*net); !s.ok()) return s;
    for (const torch::Tensor& p : net->parameters()) grads[r].push_back(p.grad().clone());
    for (const torch::Tensor& b : net->buffers()) {
      if (b.is_floating_point()) means[r].push_back(b.clone());
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status[0].ok()) << status[0];
  ASSERT_TRUE(status[1].ok()) << status[1];
  ASSERT_EQ(weights[0].size(), weights[1].size());
  for (size_t i = 0; i < weights[0].size(); ++i) {
    EXPECT_TRUE(torch::equal(weights[0][i], weights[1][i])) << "weights " << i;
    EXPECT_TRUE(torch::equal(grads[0][i], torch::full_like(grads[0][i], 1.5))) << "grad " << i;
    EXPECT_TRUE(torch::equal(grads[1][i], grads[0][i]));
  }
  ASSERT_FALSE(means[0].empty());
  for (size_t i = 0; i < means[0].size(); ++i) {
    EXPECT_TRUE(torch::equal(means[0][i], torch::ones_like(means[0][i]))) << "buffer " << i;
  }
}

TEST(Distributed, RanksWithDifferentFlagsRefuseNamingTheFlag) {
  const std::vector<absl::Status> status =
      TwoRanks({{"lr", "0.01"}, {"seed", "0"}}, {{"lr", "0.01"}, {"seed", "3"}},
               [](DataParallel&) { return absl::OkStatus(); });
  for (int r = 0; r < 2; ++r) {
    ASSERT_FALSE(status[r].ok()) << r;
    EXPECT_NE(status[r].message().find("--seed"), std::string::npos) << status[r];
    EXPECT_EQ(status[r].message().find('\n'), std::string::npos);
  }
}

TEST(Distributed, UnreachableStoreFailsWithinTheTimeoutNamingTheAddress) {
  DistributedEnv env;
  env.world_size = 2;
  env.rank = 1;
  env.master_port = FreeLoopbackPort();  // nobody serves it
  const auto start = std::chrono::steady_clock::now();
  auto dp = DataParallel::Connect(env, {}, std::chrono::seconds(2));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find(absl::StrCat("127.0.0.1:", env.master_port)),
            std::string::npos)
      << dp.status();
  EXPECT_EQ(dp.status().message().find('\n'), std::string::npos);
  EXPECT_LT(seconds, 15);
}

}  // namespace
}  // namespace agnapprox

#include "deploy/cached_evaluation.h"

#include "gtest/gtest.h"
#include "multipliers/builtin.h"
#include "nets/zoo/lenet5.h"
#include "nets/zoo/resnet.h"

namespace agnapprox {
namespace {

// Random images and labels, and the network's observers set by a QAT
// forward in training mode.
Dataset Images(ApproxNetImpl& net, int64_t n, std::vector<int64_t> shape) {
  torch::manual_seed(3);
  shape.insert(shape.begin(), n);
  Dataset d{torch::randn(shape), torch::randint(0, 10, {n}, torch::kLong)};
  net.set_mode(Mode::kQat);
  net.train();
  torch::NoGradGuard no_grad;
  net.forward(d.images);
  return d;
}

std::vector<double> Skew(size_t layer, const std::string& m) {
  if (m == "exact_s") return {};
  return std::vector<double>(256, 0.25 * static_cast<double>(layer + 1));
}

void ExpectReplayEqualsFullForward(ApproxNetImpl& net, const Dataset& images,
                                   const std::vector<std::string>& base,
                                   const std::vector<std::vector<std::string>>& others) {
  const Catalog catalog = BuiltinCatalog();
  CachedEvaluator::Options o;
  o.batch_size = 7;  // several batches, the last one short
  CachedEvaluator e(net, images, catalog, Skew, o);
  ASSERT_TRUE(e.SetBase(base).ok());
  EXPECT_GT(e.cached_bytes(), 0);
  for (const std::vector<std::string>& a : others) {
    absl::StatusOr<torch::Tensor> replayed = e.Logits(a);
    absl::StatusOr<torch::Tensor> full = e.FullLogits(a);
    ASSERT_TRUE(replayed.ok() && full.ok());
    EXPECT_TRUE(torch::equal(*replayed, *full)) << a.back();
    // The assignment matters (else the test could not fail).
    absl::StatusOr<torch::Tensor> of_base = e.FullLogits(base);
    ASSERT_TRUE(of_base.ok());
    if (a != base) {
      EXPECT_FALSE(torch::equal(*replayed, *of_base));
    }
    absl::StatusOr<int64_t> correct = e.Correct(a);
    ASSERT_TRUE(correct.ok());
    EXPECT_EQ(*correct, full->argmax(1).eq(images.labels).sum().item<int64_t>());
  }
}

TEST(CachedEvaluation, ReplayEqualsTheFullForwardBitForBit) {
  LeNet5 net;
  const Dataset images = Images(*net, 30, {1, 28, 28});
  const std::vector<std::string> base = {"exact_s", "drum4_s", "exact_s", "mitchell_s",
                                         "exact_s"};
  ExpectReplayEqualsFullForward(*net, images, base,
                                {{"exact_s", "drum4_s", "exact_s", "mitchell_s", "trunc4_s"},
                                 {"exact_s", "drum4_s", "trunc4_s", "mitchell_s", "exact_s"},
                                 {"exact_s", "exact_s", "exact_s", "mitchell_s", "exact_s"},
                                 {"trunc4_s", "drum4_s", "exact_s", "mitchell_s", "exact_s"},
                                 base});
}

TEST(CachedEvaluation, ReplayEqualsTheFullForwardWithSkipConnections) {
  ResNet net(8);
  const Dataset images = Images(*net, 16, {3, 32, 32});
  const size_t n = net->approx_layers().size();
  std::vector<std::string> base(n, "exact_s");
  std::vector<std::vector<std::string>> others;
  for (size_t l : {size_t{2}, n / 2, n - 2}) {
    std::vector<std::string> a = base;
    a[l] = "drum4_s";
    others.push_back(a);
  }
  ExpectReplayEqualsFullForward(*net, images, base, others);
}

TEST(CachedEvaluation, ASmallCacheStillGivesTheSameLogits) {
  LeNet5 net;
  const Dataset images = Images(*net, 20, {1, 28, 28});
  const Catalog catalog = BuiltinCatalog();
  CachedEvaluator::Options o;
  o.batch_size = 8;
  o.cache_bytes = 8 * 6 * 28 * 28 * 4;  // conv1's first batch only
  CachedEvaluator e(*net, images, catalog, nullptr, o);
  const std::vector<std::string> base(5, "exact_s");
  ASSERT_TRUE(e.SetBase(base).ok());
  EXPECT_EQ(e.cached_bytes(), o.cache_bytes);
  std::vector<std::string> a = base;
  a[3] = "drum4_s";
  absl::StatusOr<torch::Tensor> replayed = e.Logits(a), full = e.FullLogits(a);
  ASSERT_TRUE(replayed.ok() && full.ok());
  EXPECT_TRUE(torch::equal(*replayed, *full));
}

TEST(CachedEvaluation, BadAssignmentsAreErrors) {
  LeNet5 net;
  const Dataset images = Images(*net, 4, {1, 28, 28});
  const Catalog catalog = BuiltinCatalog();
  CachedEvaluator e(*net, images, catalog, nullptr);
  EXPECT_FALSE(e.SetBase({"exact_s"}).ok());
  absl::Status s = e.SetBase({"exact_s", "nope", "exact_s", "exact_s", "exact_s"});
  EXPECT_NE(s.message().find("nope"), std::string::npos) << s;
}

}  // namespace
}  // namespace agnapprox

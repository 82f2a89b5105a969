// The end-to-end fixture: a small CNN with batch norm and a residual branch,
// trained and exported by PyTorch (testdata/make_fixture.py). Our float
// forward must reproduce PyTorch's logits, and its test accuracy on Debian's
// Fashion-MNIST must be the one PyTorch measured.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "io/npy.h"
#include "nets/data/dataset.h"
#include "nets/onnx/onnx_net.h"
#include "nets/training/train.h"

namespace agnapprox {
namespace {

constexpr char kFixture[] = "nets/onnx/testdata/fixture.onnx";

// The correct count PyTorch recorded in fixture.json.
int64_t RecordedCorrect() {
  std::ifstream in("nets/onnx/testdata/fixture.json");
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  const size_t at = text.find("\"correct\":");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + 10));
}

TEST(OnnxFixture, LayersAreNamedAfterTheirNodes) {
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(kFixture);
  ASSERT_TRUE(net.ok()) << net.status();
  std::vector<std::string> names;
  for (auto& [name, layer] : (*net)->approx_layers()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"/stem/Conv", "/res1/Conv", "/res2/Conv",
                                             "/down/Conv", "/fc1/Gemm", "/fc2/Gemm"}));
  EXPECT_EQ((*net)->input_shape(), (std::vector<int64_t>{1, 28, 28}));
  EXPECT_TRUE((*net)->CheckData({1, 28, 28}, 10, "--dataset=fashion_mnist").ok());
  // Multiplications per image, from the architecture: 28x28x8x9 (stem),
  // twice 28x28x8x72 (residual), 7x7x16x72 (down), 784x32, 32x10.
  std::vector<int64_t> ops;
  for (auto& [name, layer] : (*net)->approx_layers()) ops.push_back(layer->opcount());
  EXPECT_EQ(ops, (std::vector<int64_t>{56448, 451584, 451584, 56448, 25088, 320}));
}

TEST(OnnxFixture, FloatForwardMatchesPyTorchsLogits) {
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(kFixture);
  ASSERT_TRUE(net.ok()) << net.status();
  absl::StatusOr<Dataset> test = LoadMnistLike(kFashionMnistDir, /*train=*/false);
  ASSERT_TRUE(test.ok()) << test.status();
  absl::StatusOr<NpyArray> want = ReadNpy("nets/onnx/testdata/fixture_logits.npy");
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(want->shape, (std::vector<int64_t>{32, 10}));
  (*net)->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor got = (*net)->forward(Head(*test, 32).images).contiguous();
  // float32 on both sides, different kernels and summation order: logits of
  // magnitude ~10 agree to a few 1e-6; 1e-4 leaves room and still catches
  // any wrong weight, padding or branch (those move logits by >= 1e-2).
  double worst = 0;
  for (int64_t i = 0; i < 320; ++i) {
    worst = std::max(worst, std::abs(got.data_ptr<float>()[i] - want->values[i]));
  }
  EXPECT_LT(worst, 1e-4);
  std::printf("largest logit difference from PyTorch: %.2e\n", worst);
}

TEST(OnnxFixture, AccuracyIsTheOnePyTorchMeasured) {
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(kFixture);
  ASSERT_TRUE(net.ok()) << net.status();
  absl::StatusOr<Dataset> test = LoadMnistLike(kFashionMnistDir, /*train=*/false);
  ASSERT_TRUE(test.ok()) << test.status();
  const double accuracy = Evaluate(**net, *test, 1000);
  const int64_t correct = RecordedCorrect();
  ASSERT_GT(correct, 0);
  // Same images, same weights: the same predictions, except that a logit
  // difference of ~1e-6 could flip a near-tie; none does here.
  EXPECT_EQ(std::llround(accuracy * test->size()), correct);
}

}  // namespace
}  // namespace agnapprox

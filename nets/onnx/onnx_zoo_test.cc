// The hard torchvision architectures, small (testdata/make_zoo_fixtures.py,
// torchvision 0.14's own classes with fewer channels, blocks or layers):
// each imports, its float forward equals PyTorch's logits within 1e-4 of
// each image's largest |logit|, and its approximable and exact layers are
// the ones the architecture has.
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/npy.h"
#include "nets/onnx/onnx_net.h"

namespace agnapprox {
namespace {

torch::Tensor Npy(const std::string& path) {
  absl::StatusOr<NpyArray> a = ReadNpy(path);
  EXPECT_TRUE(a.ok()) << a.status();
  if (!a.ok()) return torch::Tensor();
  std::vector<float> v(a->values.begin(), a->values.end());
  return torch::tensor(v).reshape(a->shape);
}

struct Case {
  std::string file, fixture;
  int approximable;  // Conv, Gemm and MatMul nodes with a constant weight
  int exact;         // MatMul nodes of two activations
};

class Zoo : public testing::TestWithParam<Case> {};

TEST_P(Zoo, ImportsAndMatchesPyTorchsLogits) {
  const Case& c = GetParam();
  const std::string dir = "nets/onnx/testdata/zoo/";
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(dir + c.file);
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_TRUE((*net)->CheckData({3, 32, 32}, 10, "--dataset=npy").ok());
  const torch::Tensor x = Npy(dir + c.fixture + "_input.npy");
  const torch::Tensor want = Npy(dir + c.fixture + "_logits.npy");
  ASSERT_TRUE(x.defined() && want.defined());
  (*net)->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor got = (*net)->forward(x);
  ASSERT_EQ(got.sizes(), want.sizes());
  for (int64_t i = 0; i < want.size(0); ++i) {
    const double scale = want[i].abs().max().item<double>();
    const double diff = (got[i] - want[i]).abs().max().item<double>();
    EXPECT_LE(diff, 1e-4 * scale) << c.file << " image " << i << ": largest |logit| " << scale;
  }
  EXPECT_EQ(static_cast<int>((*net)->approx_layers().size()), c.approximable);
  const auto exact = (*net)->exact_layers();
  EXPECT_EQ(static_cast<int>(exact.size()), c.exact);
  for (const auto& [name, opcount] : exact) EXPECT_GT(opcount, 0) << name;
  // A batch of one runs too (the batch stays symbolic in shape arithmetic).
  EXPECT_EQ((*net)->forward(x.slice(0, 0, 1)).sizes(), (std::vector<int64_t>{1, 10}));
}

INSTANTIATE_TEST_SUITE_P(
    Torchvision, Zoo,
    testing::Values(Case{"efficientnet_small.onnx", "efficientnet_small", 37, 0},
                    Case{"mobilenet_v3_small.onnx", "mobilenet_v3_small", 54, 0},
                    Case{"shufflenet_small.onnx", "shufflenet_small", 27, 0},
                    Case{"mnasnet_small.onnx", "mnasnet_small", 53, 0},
                    Case{"convnext_small.onnx", "convnext_small", 13, 0},
                    Case{"convnext_small_opset17.onnx", "convnext_small", 13, 0},
                    Case{"vit_small.onnx", "vit_small", 10, 4},
                    Case{"vit_small_opset17.onnx", "vit_small", 10, 4}),
    [](const testing::TestParamInfo<Case>& info) {
      std::string s = info.param.file.substr(0, info.param.file.size() - 5);
      return s;
    });

}  // namespace
}  // namespace agnapprox

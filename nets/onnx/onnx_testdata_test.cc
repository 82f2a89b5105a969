// Runs the PyTorch-exported models of Debian's libonnx-testdata
// (data/pytorch-converted, written by the ONNX project, not by us) through
// the importer and compares each output with the file's reference output.
//
// Tolerance: |ours - reference| <= 1e-5 + 1e-4 |reference| per element.
// Both sides compute in float32; the reference came from PyTorch's own
// kernels, ours from LibTorch's with another summation order, so results
// differ by a few units in the last place of the accumulated sums (the
// largest difference seen is printed by the test).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nets/onnx/onnx_net.h"

namespace agnapprox {
namespace {

constexpr char kRoot[] = "/usr/share/libonnx-testdata/data/pytorch-converted";

// Every case whose ops the importer supports. A case missing from here that
// starts to pass, or one listed that stops, fails the test.
const std::vector<std::string> kSupported = {
    "test_AvgPool1d", "test_AvgPool1d_stride", "test_AvgPool2d", "test_AvgPool2d_stride",
    "test_AvgPool3d", "test_AvgPool3d_stride", "test_AvgPool3d_stride1_pad0_gpu_input",
    "test_BatchNorm1d_3d_input_eval", "test_BatchNorm2d_eval", "test_BatchNorm2d_momentum_eval",
    "test_BatchNorm3d_eval", "test_BatchNorm3d_momentum_eval", "test_ConstantPad2d",
    "test_Conv1d", "test_Conv1d_dilated", "test_Conv1d_groups", "test_Conv1d_pad1",
    "test_Conv1d_pad1size1", "test_Conv1d_pad2", "test_Conv1d_pad2size1", "test_Conv1d_stride",
    "test_Conv2d", "test_Conv2d_depthwise", "test_Conv2d_depthwise_padded",
    "test_Conv2d_depthwise_strided", "test_Conv2d_depthwise_with_multiplier",
    "test_Conv2d_dilated", "test_Conv2d_groups", "test_Conv2d_groups_thnn", "test_Conv2d_no_bias",
    "test_Conv2d_padding", "test_Conv2d_strided", "test_Conv3d", "test_Conv3d_dilated",
    "test_Conv3d_dilated_strided", "test_Conv3d_groups", "test_Conv3d_no_bias",
    "test_Conv3d_stride", "test_Conv3d_stride_padding", "test_ELU", "test_Embedding",
    "test_Embedding_sparse", "test_GLU", "test_GLU_dim", "test_LeakyReLU",
    "test_LeakyReLU_with_negval", "test_Linear", "test_Linear_no_bias", "test_LogSoftmax",
    "test_MaxPool1d", "test_MaxPool1d_stride", "test_MaxPool1d_stride_padding_dilation",
    "test_MaxPool2d", "test_MaxPool2d_stride_padding_dilation", "test_MaxPool3d",
    "test_MaxPool3d_stride", "test_MaxPool3d_stride_padding", "test_PReLU_1d",
    "test_PReLU_1d_multiparam", "test_PReLU_2d", "test_PReLU_2d_multiparam", "test_PReLU_3d",
    "test_PReLU_3d_multiparam", "test_PixelShuffle", "test_PoissonNLLLLoss_no_reduce",
    "test_ReLU", "test_SELU", "test_Sigmoid", "test_Softmax", "test_Softmin", "test_Softplus",
    "test_Softsign", "test_Tanh", "test_ZeroPad2d", "test_log_softmax_dim3",
    "test_log_softmax_lastdim", "test_softmax_functional_dim3", "test_softmax_lastdim",
};

TEST(OnnxTestdata, EverySupportedCaseMatchesItsReferenceOutput) {
  ASSERT_TRUE(std::filesystem::is_directory(kRoot)) << kRoot << " (Debian's libonnx-testdata)";
  std::vector<std::string> cases;
  for (const auto& entry : std::filesystem::directory_iterator(kRoot)) {
    cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  std::vector<std::string> passed;
  double worst = 0;
  for (const std::string& name : cases) {
    const std::string dir = std::string(kRoot) + "/" + name;
    absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(dir + "/model.onnx");
    if (!net.ok()) {
      // A skip must be a clear refusal, never another failure.
      const std::string why(net.status().message());
      EXPECT_NE(why.find("supported"), std::string::npos) << why;
      std::printf("skipped %-45s %s\n", name.c_str(),
                  why.substr(why.find("model.onnx: ") + 12).c_str());
      continue;
    }
    absl::StatusOr<torch::Tensor> input = ReadOnnxTensor(dir + "/test_data_set_0/input_0.pb");
    absl::StatusOr<torch::Tensor> want = ReadOnnxTensor(dir + "/test_data_set_0/output_0.pb");
    ASSERT_TRUE(input.ok() && want.ok()) << name;
    (*net)->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor got = (*net)->RunAsWritten(*input);
    ASSERT_EQ(got.sizes(), want->sizes()) << name;
    const torch::Tensor diff = (got - *want).abs();
    const double max_diff = diff.max().item<double>();
    const bool ok = (diff <= 1e-5 + 1e-4 * want->abs()).all().item<bool>();
    EXPECT_TRUE(ok) << name << ": max |difference| " << max_diff;
    if (ok) passed.push_back(name);
    worst = std::max(worst, max_diff);
    std::printf("passed  %-45s max |difference| %.2e\n", name.c_str(), max_diff);
  }
  std::printf("%zu of %zu cases run and match; largest difference %.2e\n", passed.size(),
              cases.size(), worst);
  EXPECT_EQ(passed, kSupported);
}

}  // namespace
}  // namespace agnapprox

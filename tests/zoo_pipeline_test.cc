// The whole flow on torchvision's hard architectures (the small exports of
// nets/onnx/testdata/zoo) with a small npy data set: every stage runs, the
// layers carry the node names, and vit's attention MatMuls are listed as
// exact layers with the approximable share.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "io/npy.h"
#include "tests/pipeline_testing.h"

namespace agnapprox {
namespace {

void WriteNpyData(const std::string& dir) {
  std::mt19937_64 rng(5);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 96}, {"test", 32}}) {
    std::vector<double> images, labels;
    for (int i = 0; i < n * 32 * 32 * 3; ++i) images.push_back(static_cast<double>(rng() % 256));
    for (int i = 0; i < n; ++i) labels.push_back(i % 10);
    ASSERT_TRUE(WriteFileAtomically(dir + "/" + split + "_images.npy",
                                    EncodeNpy(NpyType::kUInt8, {n, 32, 32, 3}, images))
                    .ok());
    ASSERT_TRUE(WriteFileAtomically(dir + "/" + split + "_labels.npy",
                                    EncodeNpy(NpyType::kInt64, {n}, labels))
                    .ok());
  }
}

class ZooPipeline : public testing::TestWithParam<std::string> {};

TEST_P(ZooPipeline, EveryStageRunsOnAnNpyDataSet) {
  const std::string data = Dir() + "/npy";
  std::filesystem::create_directories(data);
  WriteNpyData(data);
  const std::string out = Dir() + "/" + GetParam();
  const std::string cmd = Runfile("pipeline/pipeline_main") + " --model=" +
                          Runfile("nets/onnx/testdata/zoo/" + GetParam() + ".onnx") +
                          " --dataset=npy --data_dir=" + data + " --resize=0 --output_dir=" + out +
                          " --epochs=baseline=0,qat=1,gradient_search=1,approx=0 --batch_size=16"
                          " --trace_samples=8 --calibration_images=16 --threads=1 2>" + Dir() +
                          "/log.txt";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(Dir() + "/log.txt");
  const std::string summary = Slurp(out + "/summary.json");
  EXPECT_NE(summary.find("\"dataset\": \"npy\""), std::string::npos);
  const std::string matching = Slurp(out + "/matching.json");
  EXPECT_NE(matching.find("\"multiplier_name\""), std::string::npos);
  if (GetParam().rfind("vit", 0) == 0) {
    EXPECT_NE(matching.find("\"exact_layers\""), std::string::npos);
    const double share = JsonNumber(matching, "approximable_share");
    EXPECT_GT(share, 0.5);
    EXPECT_LT(share, 1.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Torchvision, ZooPipeline,
                         testing::Values("efficientnet_small", "shufflenet_small",
                                         "convnext_small", "vit_small"));

}  // namespace
}  // namespace agnapprox

// Replays the ONNX importer's seeds (PyTorch exports, tests/fuzz/
// make_onnx_seeds.py, and the nets/onnx fixture) and saved crashes.
#include "gtest/gtest.h"
#include "nets/onnx/onnx_net.h"
#include "tests/fuzz/replay.h"

int FuzzOnnx(const uint8_t* data, size_t size);

namespace agnapprox {
namespace {

TEST(FuzzRegression, Onnx) { EXPECT_GT(Replay("onnx_fuzzer", FuzzOnnx), 0); }

// The seeds are PyTorch exports of supported ops only: each imports and
// runs on Fashion-MNIST-sized images (so the fuzzer starts from inputs that
// reach the forward pass).
TEST(FuzzRegression, OnnxSeedsImportAndRun) {
  for (const char* seed : {"small_opset9.onnx", "small_opset13.onnx", "pooled_opset11.onnx",
                           "fixture.onnx"}) {
    const std::string path = std::string(std::getenv("TEST_SRCDIR")) + "/" +
                             std::getenv("TEST_WORKSPACE") + "/tests/fuzz/corpus/onnx_fuzzer/" +
                             seed;
    absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(path);
    ASSERT_TRUE(net.ok()) << net.status();
    EXPECT_TRUE((*net)->CheckData({1, 28, 28}, 10, "fuzz").ok()) << seed;
  }
}

}  // namespace
}  // namespace agnapprox

// One trained network (the ONNX fixture, trained on Fashion-MNIST by
// PyTorch) evaluated on Debian's IDX files and on a PNG class-folder copy of
// the same images, read with --resize=0 --image_size=28 --mean=0.2860
// --std=0.3530: exactly the same accuracy, image for image.
#include <png.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "nets/data/dataset.h"
#include "nets/data/open_dataset.h"
#include "nets/onnx/onnx_net.h"
#include "nets/training/train.h"

namespace agnapprox {
namespace {

namespace fs = std::filesystem;

void WriteGreyPng(const std::string& path, const torch::Tensor& pixels) {
  const torch::Tensor p = pixels.contiguous();
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(p.size(1));
  image.height = static_cast<png_uint_32>(p.size(0));
  image.format = PNG_FORMAT_GRAY;
  ASSERT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, p.data_ptr<uint8_t>(), 0, nullptr));
}

TEST(FolderFashionMnist, PngCopyGivesTheIdxAccuracyExactly) {
  constexpr int64_t kImages = 2000;
  absl::StatusOr<Dataset> idx = LoadMnistLike(kFashionMnistDir, /*train=*/false);
  ASSERT_TRUE(idx.ok()) << idx.status();
  const Dataset head = Head(*idx, kImages);
  // The 8-bit pixels back from the normalised IDX images (exact: they were
  // k / 255 before normalising).
  const torch::Tensor pixels =
      (head.images * 0.3530 + 0.2860).mul(255).round().clamp(0, 255).to(torch::kUInt8);
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/fashion_png";
  fs::remove_all(dir);
  for (int c = 0; c < 10; ++c) {
    fs::create_directories(dir + "/train/class" + std::to_string(c));
    fs::create_directories(dir + "/test/class" + std::to_string(c));
  }
  for (int64_t i = 0; i < kImages; ++i) {
    const std::string cls = "class" + std::to_string(head.labels[i].item<int64_t>());
    char name[32];
    std::snprintf(name, sizeof name, "/%05lld.png", static_cast<long long>(i));
    WriteGreyPng(dir + "/test/" + cls + name, pixels[i][0]);
    if (i < 20 * 10) WriteGreyPng(dir + "/train/" + cls + name, pixels[i][0]);
  }
  ImageOptions o;
  o.image_size = 28;
  o.resize = 0;
  o.mean = {0.2860};
  o.std = {0.3530};
  o.channels = 1;
  absl::StatusOr<DataSplits> folder = OpenDataset("folder", dir, o);
  ASSERT_TRUE(folder.ok()) << folder.status();
  ASSERT_EQ(folder->test.size(), kImages);
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx("nets/onnx/testdata/fixture.onnx");
  ASSERT_TRUE(net.ok()) << net.status();
  // The folder's order is by class, then file: compare per image too.
  const double from_idx = Evaluate(**net, head, 500);
  const double from_png = Evaluate(**net, folder->test, 500);
  EXPECT_EQ(from_png, from_idx);
  EXPECT_GT(from_idx, 0.8);
  // Image for image: the folder's images in file order are IDX's images.
  std::vector<int64_t> order;
  for (int c = 0; c < 10; ++c) {
    for (int64_t i = 0; i < kImages; ++i) {
      if (head.labels[i].item<int64_t>() == c) order.push_back(i);
    }
  }
  const torch::Tensor a = folder->test.Images(0, 100);
  const torch::Tensor b = head.images.index_select(0, torch::tensor(order).slice(0, 0, 100));
  EXPECT_EQ((a - b).abs().max().item<float>(), 0.0f);
}

}  // namespace
}  // namespace agnapprox

#include "nets/data/cifar.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "nets/data/open_dataset.h"

namespace agnapprox {
namespace {

std::string Records(int n, int label_offset = 0) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.push_back(static_cast<char>((i + label_offset) % 10));
    for (int p = 0; p < 3072; ++p) out.push_back(static_cast<char>((p + i) % 256));
  }
  return out;
}

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

TEST(Cifar, ParsesRecordsInChannelMajorOrder) {
  absl::StatusOr<Dataset> d = ParseCifarBatch(Records(3), "b.bin");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(d->labels[2].item<int64_t>(), 2);
  // Pixel 1024 of record 0 is the first green value (1024 % 256 = 0).
  const float green0 = d->images[0][1][0][0].item<float>();
  EXPECT_NEAR(green0, (0.0f - 0.4822f) / 0.2435f, 1e-5);
}

TEST(Cifar, RefusesBrokenFiles) {
  std::string truncated = Records(2);
  truncated.pop_back();
  absl::StatusOr<Dataset> t = ParseCifarBatch(truncated, "t.bin");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("t.bin"), std::string::npos);
  EXPECT_NE(t.status().message().find("truncated"), std::string::npos);
  std::string bad_label = Records(1);
  bad_label[0] = 42;
  EXPECT_FALSE(ParseCifarBatch(bad_label, "l.bin").ok());
  EXPECT_FALSE(ParseCifarBatch("", "e.bin").ok());
}

TEST(Cifar, LoadsAFolderAndNamesMissingFiles) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        WriteFileAtomically(Dir() + "/data_batch_" + std::to_string(i) + ".bin", Records(2, i))
            .ok());
  }
  absl::StatusOr<Dataset> train = LoadCifar10(Dir(), true);
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->size(), 10);
  absl::StatusOr<Dataset> test = LoadCifar10(Dir(), false);
  ASSERT_FALSE(test.ok());
  EXPECT_NE(test.status().message().find("test_batch.bin"), std::string::npos);
}

TEST(Cifar, AugmentationIsSeededCropAndFlip) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({4, 3, 32, 32});
  const torch::Tensor a = AugmentCifar(x, 7), b = AugmentCifar(x, 7), c = AugmentCifar(x, 8);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  EXPECT_EQ(a.sizes(), x.sizes());
}

TEST(OpenDataset, OpensCifarByNameWithItsAugmentation) {
  const std::string dir = Dir() + "/by_name";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        WriteFileAtomically(dir + "/data_batch_" + std::to_string(i) + ".bin", Records(2)).ok());
  }
  ASSERT_TRUE(WriteFileAtomically(dir + "/test_batch.bin", Records(3)).ok());
  absl::StatusOr<DataSplits> d = OpenDataset("cifar10", dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->train.size(), 10);
  EXPECT_EQ(d->test.size(), 3);
  EXPECT_TRUE(static_cast<bool>(d->augment));
}

TEST(OpenDataset, NamesWhatIsWrong) {
  absl::StatusOr<DataSplits> unknown = OpenDataset("imagenet", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("fashion_mnist, mnist, cifar10"), std::string::npos);
  // Only Fashion-MNIST has a default folder; the others never fall back
  // to it silently.
  for (const char* name : {"mnist", "cifar10"}) {
    absl::StatusOr<DataSplits> d = OpenDataset(name, "");
    ASSERT_FALSE(d.ok()) << name;
    EXPECT_NE(d.status().message().find("--data_dir"), std::string::npos);
  }
}

}  // namespace
}  // namespace agnapprox

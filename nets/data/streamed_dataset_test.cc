// The streamed data sets (spec section 9): npy in each layout, folder in
// torchvision's and Tiny ImageNet's layouts, their preprocessing, and their
// refusals of bad data (one line naming the file).
#include <png.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "io/npy.h"
#include "nets/data/batch_prefetch.h"
#include "nets/data/open_dataset.h"

namespace agnapprox {
namespace {

namespace fs = std::filesystem;

std::string Fresh(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Pixel (n, y, x, c) of the test images: distinct everywhere.
int Pixel(int n, int y, int x, int c) { return (n * 37 + y * 11 + x * 5 + c * 70) % 256; }

void PutNpy(const std::string& path, NpyType type, const std::vector<int64_t>& shape,
              const std::vector<double>& v) {
  ASSERT_TRUE(WriteFileAtomically(path, EncodeNpy(type, shape, v)).ok());
}

// Images [N, H, W, C] in the given layout ("nhw", "nhwc", "nchw").
std::vector<double> Images(const std::string& layout, int n, int h, int w, int c) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    if (layout == "nchw") {
      for (int k = 0; k < c; ++k)
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x) v.push_back(Pixel(i, y, x, k));
    } else {
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int k = 0; k < c; ++k) v.push_back(Pixel(i, y, x, k));
    }
  }
  return v;
}

void WriteLabels(const std::string& dir, const std::string& split, int n) {
  std::vector<double> l;
  for (int i = 0; i < n; ++i) l.push_back(i % 4);
  PutNpy(dir + "/" + split + "_labels.npy", NpyType::kInt32, {n}, l);
}

// The expected normalised value of Pixel(n, y, x, c).
float Expected(int n, int y, int x, int c) {
  const float mean[] = {0.485f, 0.456f, 0.406f}, std[] = {0.229f, 0.224f, 0.225f};
  return (Pixel(n, y, x, c) / 255.0f - mean[c]) / std[c];
}

struct Layout {
  std::string name;
  std::vector<int64_t> shape;  // of 5 images 6x7
  int channels;
};

class NpyLayouts : public testing::TestWithParam<Layout> {};

TEST_P(NpyLayouts, ReadEveryLayoutAsTheSameImages) {
  const Layout& l = GetParam();
  const std::string dir = Fresh("npy_" + l.name);
  for (const char* split : {"train", "test"}) {
    PutNpy(dir + "/" + split + "_images.npy", NpyType::kUInt8, l.shape,
             Images(l.name, 5, 6, 7, l.channels));
    WriteLabels(dir, split, 5);
  }
  ImageOptions o;
  o.image_size = 6;
  o.resize = 0;
  o.augment = false;
  absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, o);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->classes, 4);
  ASSERT_EQ(d->test.size(), 5);
  const torch::Tensor x = d->test.Images(0, 5);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{5, 3, 6, 6}));
  // Centre crop of width 7 to 6: columns 1..6 ((7 - 6 + 1) / 2 = 1).
  for (int n = 0; n < 5; ++n)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 6; ++y)
        for (int xx = 0; xx < 6; ++xx) {
          ASSERT_FLOAT_EQ(x[n][c][y][xx].item<float>(), Expected(n, y, xx + 1, c))
              << l.name << " " << n << " " << c << " " << y << " " << xx;
        }
}

INSTANTIATE_TEST_SUITE_P(Layouts, NpyLayouts,
                         testing::Values(Layout{"nhwc", {5, 6, 7, 3}, 3},
                                         Layout{"nchw", {5, 3, 6, 7}, 3}),
                         [](const testing::TestParamInfo<Layout>& i) { return i.param.name; });

// Grey arrays ([N, H, W] and [N, 1, H, W]) repeated to three channels for a
// colour network, and kept as one for a grey one.
TEST(Npy, GreyImagesServeGreyAndColourNetworks) {
  const std::string dir = Fresh("npy_grey");
  PutNpy(dir + "/train_images.npy", NpyType::kUInt8, {5, 6, 7}, Images("nhw", 5, 6, 7, 1));
  PutNpy(dir + "/test_images.npy", NpyType::kUInt8, {5, 1, 6, 7}, Images("nchw", 5, 6, 7, 1));
  WriteLabels(dir, "train", 5);
  WriteLabels(dir, "test", 5);
  ImageOptions o;
  o.image_size = 6;
  o.resize = 0;
  o.mean = {0.5};
  o.std = {0.25};
  for (int channels : {1, 3}) {
    o.channels = channels;
    absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, o);
    ASSERT_TRUE(d.ok()) << d.status();
    const torch::Tensor a = d->train.Images(0, 5), b = d->test.Images(0, 5);
    EXPECT_EQ(a.size(1), channels);
    EXPECT_TRUE(torch::equal(a, b));
    EXPECT_FLOAT_EQ(a[2][channels - 1][3][4].item<float>(), (Pixel(2, 3, 5, 0) / 255.0f - 0.5f) / 0.25f);
  }
}

TEST(Npy, ResizeCropAndSeededAugmentation) {
  const std::string dir = Fresh("npy_resize");
  PutNpy(dir + "/train_images.npy", NpyType::kUInt8, {3, 40, 60, 3}, Images("nhwc", 3, 40, 60, 3));
  PutNpy(dir + "/test_images.npy", NpyType::kUInt8, {3, 40, 60, 3}, Images("nhwc", 3, 40, 60, 3));
  WriteLabels(dir, "train", 3);
  WriteLabels(dir, "test", 3);
  ImageOptions o;
  o.image_size = 16;  // resize to round(16 * 256 / 224) = 18, then crop 16
  absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, o);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->test.Images(0, 3).sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
  const torch::Tensor idx = torch::arange(3, torch::kLong);
  const torch::Tensor a = d->train.Images(idx, 7), b = d->train.Images(idx, 7),
                      c = d->train.Images(idx, 8);
  EXPECT_TRUE(torch::equal(a, b)) << "the same seed gives the same bytes";
  EXPECT_FALSE(torch::equal(a, c)) << "another seed, other crops or flips";
}

TEST(Npy, BadArraysAreOneLineNamingTheFile) {
  struct Case {
    std::string what, file;
    NpyType type;
    std::vector<int64_t> shape;
  } cases[] = {
      {"int16 images", "train_images.npy", NpyType::kInt16, {4, 6, 6}},
      {"no channel axis", "train_images.npy", NpyType::kUInt8, {4, 6, 6, 5}},
      {"five dimensions", "train_images.npy", NpyType::kUInt8, {4, 1, 6, 6, 1}},
      {"float labels", "train_labels.npy", NpyType::kFloat32, {4}},
      {"labels of other length", "test_labels.npy", NpyType::kInt64, {3}},
      {"2-D labels", "train_labels.npy", NpyType::kInt64, {4, 1}},
  };
  for (const Case& c : cases) {
    const std::string dir = Fresh("npy_bad");
    for (const char* split : {"train", "test"}) {
      PutNpy(dir + "/" + split + "_images.npy", NpyType::kUInt8, {4, 6, 6},
               Images("nhw", 4, 6, 6, 1));
      WriteLabels(dir, split, 4);
    }
    int64_t n = 1;
    for (int64_t s : c.shape) n *= s;
    PutNpy(dir + "/" + c.file, c.type, c.shape, std::vector<double>(n, 1));
    ImageOptions o;
    o.image_size = 6;
    o.resize = 0;
    absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, o);
    ASSERT_FALSE(d.ok()) << c.what;
    const std::string m(d.status().message());
    EXPECT_NE(m.find(dir + "/" + c.file), std::string::npos) << c.what << ": " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  const std::string dir = Fresh("npy_negative");
  for (const char* split : {"train", "test"}) {
    PutNpy(dir + "/" + split + "_images.npy", NpyType::kUInt8, {2, 6, 6}, Images("nhw", 2, 6, 6, 1));
  }
  PutNpy(dir + "/train_labels.npy", NpyType::kInt8, {2}, {0, -1});
  WriteLabels(dir, "test", 2);
  absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, ImageOptions());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("train_labels.npy: label -1"), std::string::npos)
      << d.status();
}

// A grey PNG of Pixel(n, ...) values.
void WritePng(const std::string& path, int n, int h, int w) {
  std::vector<uint8_t> p;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p.push_back(static_cast<uint8_t>(Pixel(n, y, x, 0)));
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = w;
  image.height = h;
  image.format = PNG_FORMAT_GRAY;
  ASSERT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, p.data(), 0, nullptr)) << path;
}

TEST(Folder, ImageFolderAndTinyImageNetLayouts) {
  const std::string dir = Fresh("folder");
  // torchvision's ImageFolder: classes sorted by name; a text file skipped.
  for (const char* cls : {"b_cat", "a_dog"}) {
    fs::create_directories(dir + "/train/" + std::string(cls));
    fs::create_directories(dir + "/val/" + std::string(cls));
  }
  WritePng(dir + "/train/a_dog/1.png", 0, 8, 8);
  WritePng(dir + "/train/a_dog/2.jpeg", 1, 8, 8);  // a PNG whatever its name
  WritePng(dir + "/train/b_cat/x.png", 2, 8, 8);
  WritePng(dir + "/val/b_cat/y.png", 3, 8, 8);
  WritePng(dir + "/val/a_dog/z.png", 4, 8, 8);
  ASSERT_TRUE(WriteFileAtomically(dir + "/train/b_cat/README.txt", "notes").ok());
  ImageOptions o;
  o.image_size = 8;
  o.resize = 0;
  o.channels = 1;
  o.mean = {0};
  o.std = {1};
  absl::StatusOr<DataSplits> d = OpenDataset("folder", dir, o);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->classes, 2);
  EXPECT_TRUE(torch::equal(d->train.labels, torch::tensor(std::vector<int64_t>{0, 0, 1}))) << d->train.labels;
  EXPECT_TRUE(torch::equal(d->test.labels, torch::tensor(std::vector<int64_t>{0, 1}))) << d->test.labels;
  EXPECT_NE(d->note.find("skipped 1 files"), std::string::npos) << d->note;
  EXPECT_FLOAT_EQ(d->test.Images(0, 2)[1][0][2][3].item<float>(), Pixel(3, 2, 3, 0) / 255.0f);

  // Tiny ImageNet: train/CLASS/images/*, val/images/* + val_annotations.txt.
  const std::string tiny = Fresh("tiny");
  for (const char* cls : {"n01", "n02"}) {
    fs::create_directories(tiny + "/train/" + std::string(cls) + "/images");
  }
  fs::create_directories(tiny + "/val/images");
  fs::create_directories(tiny + "/test/images");
  WritePng(tiny + "/train/n01/images/n01_0.JPEG", 0, 8, 8);
  WritePng(tiny + "/train/n02/images/n02_0.JPEG", 1, 8, 8);
  WritePng(tiny + "/val/images/val_0.JPEG", 2, 8, 8);
  WritePng(tiny + "/val/images/val_1.JPEG", 3, 8, 8);
  ASSERT_TRUE(WriteFileAtomically(tiny + "/val/val_annotations.txt",
                                  "val_0.JPEG\tn02\t0\t0\t8\t8\nval_1.JPEG\tn01\t0\t0\t8\t8\n")
                  .ok());
  absl::StatusOr<DataSplits> t = OpenDataset("folder", tiny, o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(torch::equal(t->test.labels, torch::tensor(std::vector<int64_t>{1, 0}))) << t->test.labels;
}

TEST(Folder, BadFoldersAreOneLineNamingThePlace) {
  ImageOptions o;
  o.image_size = 8;
  o.resize = 0;
  const std::string empty = Fresh("folder_empty");
  fs::create_directories(empty + "/train/a");
  fs::create_directories(empty + "/val/a");
  absl::StatusOr<DataSplits> d = OpenDataset("folder", empty, o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(empty + "/train/a: no JPEG or PNG images"),
            std::string::npos)
      << d.status();
  // A file that claims to be an image and does not decode: named when read.
  const std::string broken = Fresh("folder_broken");
  fs::create_directories(broken + "/train/a");
  fs::create_directories(broken + "/val/a");
  WritePng(broken + "/train/a/ok.png", 0, 8, 8);
  ASSERT_TRUE(WriteFileAtomically(broken + "/val/a/cut.png", "\x89PNG\r\n\x1a\n and no more").ok());
  d = OpenDataset("folder", broken, o);
  ASSERT_TRUE(d.ok()) << d.status();
  try {
    d->test.Images(0, 1);
    FAIL() << "a broken image decoded";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(broken + "/val/a/cut.png: PNG does not decode"),
              std::string::npos)
        << e.what();
  }
}

// Batches decoded ahead on a worker thread are the ones decoded in place,
// in order; a bad image is reported when its batch is taken, not before.
TEST(Prefetch, SameBatchesInOrderAndErrorsWhenTaken) {
  const std::string dir = Fresh("npy_prefetch");
  PutNpy(dir + "/train_images.npy", NpyType::kUInt8, {9, 20, 20, 3}, Images("nhwc", 9, 20, 20, 3));
  PutNpy(dir + "/test_images.npy", NpyType::kUInt8, {9, 20, 20, 3}, Images("nhwc", 9, 20, 20, 3));
  WriteLabels(dir, "train", 9);
  WriteLabels(dir, "test", 9);
  ImageOptions o;
  o.image_size = 16;
  o.resize = 0;
  absl::StatusOr<DataSplits> d = OpenDataset("npy", dir, o);
  ASSERT_TRUE(d.ok()) << d.status();
  std::vector<BatchRequest> requests;
  for (int b = 0; b < 3; ++b) {
    requests.push_back({torch::tensor(std::vector<int64_t>{8 - b, b, 4}), 100 + b});
  }
  {
    BatchPrefetch ahead(d->train, requests, 2);
    for (const BatchRequest& r : requests) {
      EXPECT_TRUE(torch::equal(ahead.Next(), d->train.Images(r.index, r.augment_seed)));
    }
  }
  {
    BatchPrefetch dropped(d->train, requests, 1);  // destroyed with batches not taken
  }
  // A folder whose second image does not decode: the first batch comes, the
  // second names the file.
  const std::string broken = Fresh("folder_prefetch");
  fs::create_directories(broken + "/train/a");
  fs::create_directories(broken + "/val/a");
  WritePng(broken + "/train/a/0.png", 0, 16, 16);
  ASSERT_TRUE(WriteFileAtomically(broken + "/train/a/1.png", "\x89PNG\r\n\x1a\n cut").ok());
  WritePng(broken + "/val/a/0.png", 0, 16, 16);
  absl::StatusOr<DataSplits> f = OpenDataset("folder", broken, o);
  ASSERT_TRUE(f.ok()) << f.status();
  BatchPrefetch ahead(f->train, {{torch::tensor(std::vector<int64_t>{0}), -1},
                                 {torch::tensor(std::vector<int64_t>{1}), -1}},
                      2);
  EXPECT_EQ(ahead.Next().size(0), 1);
  try {
    ahead.Next();
    FAIL() << "a broken image decoded";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(broken + "/train/a/1.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agnapprox

// JPEG and PNG decoding against Debian's python3-pil (the fixtures and the
// script that made them are in testdata/): within one level per pixel for
// JPEG (both use libjpeg-turbo, with its default IDCT), exactly for PNG.
#include "nets/data/image_decode.h"

#include <string>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "io/npy.h"

namespace agnapprox {
namespace {

constexpr char kDir[] = "nets/data/testdata/";

torch::Tensor Reference(const std::string& name) {
  absl::StatusOr<NpyArray> a = ReadNpy(std::string(kDir) + "decode_" + name + ".npy");
  EXPECT_TRUE(a.ok()) << a.status();
  std::vector<int32_t> v(a->values.begin(), a->values.end());
  return torch::tensor(v).reshape(a->shape);
}

torch::Tensor Decode(const std::string& file) {
  absl::StatusOr<std::string> bytes = ReadFile(std::string(kDir) + file);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<torch::Tensor> t = DecodeImage(*bytes, file);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? t->to(torch::kInt) : torch::Tensor();
}

struct Case {
  std::string file, reference;
  int tolerance;  // levels
};

class DecodeLikePil : public testing::TestWithParam<Case> {};

TEST_P(DecodeLikePil, AgreesWithPil) {
  const Case& c = GetParam();
  const torch::Tensor got = Decode(c.file), want = Reference(c.reference);
  ASSERT_TRUE(got.defined());
  ASSERT_EQ(got.sizes(), want.sizes()) << c.file;
  EXPECT_LE((got - want).abs().max().item<int>(), c.tolerance) << c.file;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DecodeLikePil,
    testing::Values(Case{"decode_rgb.jpg", "rgb", 1}, Case{"decode_grey.jpg", "grey", 1},
                    Case{"decode_cmyk.jpg", "cmyk", 1}, Case{"decode_rgb_png.png", "rgb_png", 0},
                    Case{"decode_grey_png.png", "grey_png", 0},
                    Case{"decode_palette.png", "palette", 0}, Case{"decode_rgba.png", "rgba", 0}),
    [](const testing::TestParamInfo<Case>& info) {
      std::string s = info.param.file.substr(7);
      for (char& ch : s) ch = ch == '.' ? '_' : ch;
      return s;
    });

TEST(Decode, RecognisesFilesByContentNotName) {
  absl::StatusOr<std::string> png = ReadFile(std::string(kDir) + "decode_rgb_png.png");
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(KindOf(png->substr(0, 8)), ImageKind::kPng);
  EXPECT_EQ(KindOf("GIF89a.."), ImageKind::kOther);
  EXPECT_EQ(KindOf(""), ImageKind::kOther);
}

TEST(Decode, BrokenFilesAreOneLineNamingTheFile) {
  absl::StatusOr<std::string> jpg = ReadFile(std::string(kDir) + "decode_rgb.jpg");
  absl::StatusOr<std::string> png = ReadFile(std::string(kDir) + "decode_rgb_png.png");
  ASSERT_TRUE(jpg.ok() && png.ok());
  for (const auto& [bytes, name] :
       {std::pair{jpg->substr(0, 200), std::string("cut.jpg")},
        std::pair{png->substr(0, 60), std::string("cut.png")},
        std::pair{std::string("plain text"), std::string("notes.txt")}}) {
    absl::StatusOr<torch::Tensor> t = DecodeImage(bytes, name);
    ASSERT_FALSE(t.ok()) << name;
    const std::string m(t.status().message());
    EXPECT_EQ(m.rfind(name + ": ", 0), 0u) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace agnapprox

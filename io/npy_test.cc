#include "io/npy.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

struct TypeCase {
  NpyType type;
  std::vector<double> values;  // representable in the type
};

std::vector<TypeCase> TypeCases() {
  return {
      {NpyType::kInt8, {-128, -1, 0, 1, 127, 5}},
      {NpyType::kUInt8, {0, 1, 128, 255, 7, 9}},
      {NpyType::kInt16, {-32768, -300, 0, 300, 32767, 1}},
      {NpyType::kUInt16, {0, 65051, 1, 2, 3, 4}},
      {NpyType::kInt32, {-2147483648.0, -70000, 0, 70000, 2147483647, 3}},
      {NpyType::kUInt32, {0, 4294967295.0, 1, 2, 3, 4}},
      {NpyType::kInt64, {-9007199254740992.0, -1, 0, 1, 1e15, 3}},
      {NpyType::kUInt64, {0, 1, 2, 9007199254740992.0, 4, 5}},
      {NpyType::kFloat32, {-1.5, 0.25, 0, 3, 1e10, -7}},
      {NpyType::kFloat64, {-1.5, 0.1, 0, 3, 1e300, -7}},
      {NpyType::kBool, {0, 1, 1, 0, 0, 1}},
  };
}

class NpyRoundTrip
    : public testing::TestWithParam<std::tuple<int, bool, bool>> {};

TEST_P(NpyRoundTrip, EveryTypeOrderAndLayout) {
  const auto [type_index, big_endian, fortran] = GetParam();
  const TypeCase tc = TypeCases()[type_index];
  NpyEncodeOptions options;
  options.big_endian = big_endian;
  options.fortran_order = fortran;
  const std::string bytes = EncodeNpy(tc.type, {2, 3}, tc.values, options);
  absl::StatusOr<NpyArray> a = ParseNpy(bytes, "x.npy");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->type, tc.type);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(a->values.size(), tc.values.size());
  for (size_t i = 0; i < tc.values.size(); ++i) {
    const double expected =
        tc.type == NpyType::kFloat32
            ? static_cast<double>(static_cast<float>(tc.values[i]))
            : tc.values[i];
    EXPECT_EQ(a->values[i], expected)
        << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, NpyRoundTrip,
                         testing::Combine(testing::Range(0, 11),
                                          testing::Bool(), testing::Bool()));

// Bytes of a file written by hand, not by EncodeNpy, so that the reader is
// checked against the format rather than against our own writer.
std::string HandWritten(const std::string& header, const std::string& data) {
  std::string padded = header;
  while ((10 + padded.size() + 1) % 64 != 0) padded.push_back(' ');
  padded.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(padded.size() & 0xff));
  out.push_back(static_cast<char>(padded.size() >> 8));
  return out + padded + data;
}

TEST(Npy, ReadsFortranOrderBigEndianByHand) {
  // A 2x2 big-endian int16 array [[1, 2], [3, 4]] in Fortran order stores
  // 1, 3, 2, 4.
  const std::string data("\x00\x01\x00\x03\x00\x02\x00\x04", 8);
  absl::StatusOr<NpyArray> a = ParseNpy(
      HandWritten("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }",
                  data),
      "f.npy");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->values, (std::vector<double>{1, 2, 3, 4}));
}

TEST(Npy, ThreeDimensionalFortranRoundTrip) {
  std::vector<double> values(24);
  for (int i = 0; i < 24; ++i) values[i] = i;
  NpyEncodeOptions options;
  options.fortran_order = true;
  absl::StatusOr<NpyArray> a =
      ParseNpy(EncodeNpy(NpyType::kInt32, {2, 3, 4}, values, options), "x");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->values, values);
}

TEST(Npy, ScalarAndEmptyShapes) {
  absl::StatusOr<NpyArray> scalar =
      ParseNpy(EncodeNpy(NpyType::kInt32, {}, {42}), "s");
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->values, std::vector<double>{42});
  absl::StatusOr<NpyArray> empty =
      ParseNpy(EncodeNpy(NpyType::kInt32, {0, 5}, {}), "e");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 0);
}

void ExpectRefused(const std::string& bytes, const std::string& fragment) {
  absl::StatusOr<NpyArray> a = ParseNpy(bytes, "bad.npy");
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(a.status()));
  const std::string message(a.status().message());
  EXPECT_EQ(message.rfind("bad.npy: ", 0), 0u) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(Npy, RefusesObjectArrays) {
  ExpectRefused(
      HandWritten("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
                  "\x80\x02]q\x00."),
      "pickled");
}

TEST(Npy, RefusesStructuredArrays) {
  ExpectRefused(HandWritten("{'descr': [('a', '<i4')], 'fortran_order': "
                            "False, 'shape': (1,), }",
                            "abcd"),
                "structured");
}

TEST(Npy, RefusesTruncatedData) {
  std::string bytes = EncodeNpy(NpyType::kInt32, {256, 256},
                                std::vector<double>(65536, 1.0));
  bytes.resize(bytes.size() - 10);
  ExpectRefused(bytes, "truncated");
}

TEST(Npy, RefusesTrailingBytes) {
  std::string bytes = EncodeNpy(NpyType::kInt32, {2}, {1, 2});
  bytes += "xx";
  ExpectRefused(bytes, "size mismatch");
}

TEST(Npy, RefusesHugeShapeBeforeAllocating) {
  ExpectRefused(HandWritten("{'descr': '<f8', 'fortran_order': False, "
                            "'shape': (4000000000, 4000000000, 1000), }",
                            "12345678"),
                "truncated");
}

TEST(Npy, RefusesBadMagic) { ExpectRefused("GARBAGE BYTES HERE", "magic"); }

TEST(Npy, RefusesTruncatedHeader) {
  std::string bytes = EncodeNpy(NpyType::kInt32, {2}, {1, 2});
  ExpectRefused(bytes.substr(0, 20), "truncated");
}

TEST(Npy, RefusesBadHeaders) {
  ExpectRefused(HandWritten("not a dict", ""), "header");
  ExpectRefused(HandWritten("{'fortran_order': False, 'shape': (1,), }",
                            "abcd"),
                "descr");
  ExpectRefused(HandWritten("{'descr': '<i4', 'fortran_order': Maybe, "
                            "'shape': (1,), }",
                            "abcd"),
                "fortran_order");
  ExpectRefused(HandWritten("{'descr': '<i4', 'fortran_order': False, "
                            "'shape': (-1,), }",
                            "abcd"),
                "shape");
  ExpectRefused(HandWritten("{'descr': '<c16', 'fortran_order': False, "
                            "'shape': (1,), }",
                            std::string(16, 'a')),
                "unsupported dtype");
}

TEST(Npy, RefusesUnknownVersion) {
  std::string bytes = EncodeNpy(NpyType::kInt32, {2}, {1, 2});
  bytes[6] = 9;
  ExpectRefused(bytes, "version");
}

TEST(Npy, ReadNpyNamesMissingFile) {
  absl::StatusOr<NpyArray> a = ReadNpy("/nonexistent/table.npy");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("/nonexistent/table.npy"),
            std::string::npos);
}

}  // namespace
}  // namespace agnapprox

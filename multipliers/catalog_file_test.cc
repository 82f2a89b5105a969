#include "multipliers/catalog_file.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "io/file_io.h"
#include "io/npy.h"

namespace agnapprox {
namespace {

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

void Write(const std::string& name, const std::string& contents) {
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/" + name, contents).ok());
}

std::vector<double> AsDoubles(const std::vector<int32_t>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// A signed table that differs from exact at a = -2, b = 3.
std::vector<int32_t> SignedTable() {
  std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
  p[(-2 + 128) * 256 + (3 + 128)] = -5;
  return p;
}

std::string Entry(const std::string& name, const std::string& lut,
                  const std::string& metrics = "metrics { key: \"power\" value: 0.5 }",
                  const std::string& is_signed = "true") {
  return "multiplier {\n  name: \"" + name + "\"\n  signed: " + is_signed +
         "\n  bits: 8\n  lut { " + lut + " }\n  " + metrics + "\n}\n";
}

absl::Status LoadText(const std::string& text) {
  Write("c.txtpb", text);
  return LoadCatalog(Dir() + "/c.txtpb").status();
}

void ExpectRefused(const std::string& text, const std::string& fragment) {
  const absl::Status s = LoadText(text);
  ASSERT_FALSE(s.ok()) << "accepted: " << text;
  const std::string message(s.message());
  EXPECT_NE(message.find("c.txtpb"), std::string::npos) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(CatalogFile, LoadsNpyAndRawTablesRelativeToTheCatalog) {
  Write("m1.npy", EncodeNpy(NpyType::kInt16, {256, 256}, AsDoubles(SignedTable())));
  std::string raw(65536 * 4, '\0');
  const std::vector<int32_t> u = ExactProducts(OperandRange::kUnsigned);
  for (int i = 0; i < 65536; ++i) {
    for (int k = 0; k < 4; ++k) raw[4 * i + k] = static_cast<char>((u[i] >> (8 * k)) & 0xff);
  }
  Write("m2.raw", raw);
  Write("c.txtpb", Entry("m1", "npy: \"m1.npy\"") +
                       Entry("m2", "raw_int32: \"m2.raw\"",
                             "metrics { key: \"power\" value: 1 } "
                             "metrics { key: \"area\" value: 2 }",
                             "false"));
  absl::StatusOr<Catalog> c = LoadCatalog(Dir() + "/c.txtpb");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->multipliers.size(), 2u);
  EXPECT_EQ(c->multipliers[0].products, SignedTable());
  EXPECT_TRUE(c->multipliers[0].is_signed);
  EXPECT_EQ(c->multipliers[1].products, u);
  EXPECT_FALSE(c->multipliers[1].is_signed);
  EXPECT_EQ(c->multipliers[1].metrics.at("area"), 2);
}

TEST(CatalogFile, BigEndianFortranTablesLoad) {
  NpyEncodeOptions options;
  options.big_endian = true;
  options.fortran_order = true;
  Write("be.npy", EncodeNpy(NpyType::kInt32, {256, 256}, AsDoubles(SignedTable()), options));
  Write("c.txtpb", Entry("be", "npy: \"be.npy\""));
  absl::StatusOr<Catalog> c = LoadCatalog(Dir() + "/c.txtpb");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->multipliers[0].products, SignedTable());
}

TEST(CatalogFile, BitPatternLayoutAndErrorContents) {
  // The same table in TorchApprox's bit-pattern order, stored as errors.
  const std::vector<int32_t> value = SignedTable();
  const std::vector<int32_t> exact = ExactProducts(OperandRange::kSigned);
  std::vector<double> bit_pattern_errors(65536);
  for (int pa = 0; pa < 256; ++pa) {
    for (int pb = 0; pb < 256; ++pb) {
      const int va = static_cast<int8_t>(pa) + 128, vb = static_cast<int8_t>(pb) + 128;
      bit_pattern_errors[pa * 256 + pb] = value[va * 256 + vb] - exact[va * 256 + vb];
    }
  }
  Write("bp.npy", EncodeNpy(NpyType::kInt64, {256, 256}, bit_pattern_errors));
  Write("c.txtpb",
        Entry("bp", "npy: \"bp.npy\" layout: BIT_PATTERN contents: ERROR"));
  absl::StatusOr<Catalog> c = LoadCatalog(Dir() + "/c.txtpb");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->multipliers[0].products, value);
}

TEST(CatalogFile, RefusesWrongShape) {
  Write("small.npy", EncodeNpy(NpyType::kInt32, {16, 16}, std::vector<double>(256, 0)));
  ExpectRefused(Entry("m", "npy: \"small.npy\""), "shape (16, 16)");
}

TEST(CatalogFile, RefusesTruncatedTable) {
  std::string bytes = EncodeNpy(NpyType::kInt32, {256, 256}, AsDoubles(SignedTable()));
  Write("trunc.npy", bytes.substr(0, bytes.size() / 2));
  ExpectRefused(Entry("m", "npy: \"trunc.npy\""), "truncated");
  Write("short.raw", std::string(1000, '\0'));
  ExpectRefused(Entry("m", "raw_int32: \"short.raw\""), "262144");
}

TEST(CatalogFile, RefusesGarbageTable) {
  Write("garbage.npy", "this is not numpy at all, just text");
  ExpectRefused(Entry("m", "npy: \"garbage.npy\""), "magic");
}

TEST(CatalogFile, RefusesMissingTable) {
  ExpectRefused(Entry("m", "npy: \"nope.npy\""), "no such file");
}

TEST(CatalogFile, RefusesDuplicateNames) {
  Write("m1.npy", EncodeNpy(NpyType::kInt16, {256, 256}, AsDoubles(SignedTable())));
  ExpectRefused(Entry("dup", "npy: \"m1.npy\"") + Entry("dup", "npy: \"m1.npy\""),
                "duplicate multiplier name dup");
}

TEST(CatalogFile, RefusesSyntaxErrorsWithPosition) {
  ExpectRefused("multiplier { name: \"x\" signed: maybe }", "line 1");
  ExpectRefused("\x01\x02\xff garbage bytes", "syntax error");
}

TEST(CatalogFile, RefusesNegativeMetricsNamingTheMultiplier) {
  Write("m1.npy", EncodeNpy(NpyType::kInt16, {256, 256}, AsDoubles(SignedTable())));
  ExpectRefused(Entry("neg", "npy: \"m1.npy\"", "metrics { key: \"power\" value: -1 }"),
                "neg: metric power is -1");
}

TEST(CatalogFile, RefusesEntriesThatDoNotFitTheSignedness) {
  std::vector<double> t = AsDoubles(ExactProducts(OperandRange::kUnsigned));
  t[5] = -3;  // an unsigned product below zero
  Write("neg.npy", EncodeNpy(NpyType::kInt32, {256, 256}, t));
  ExpectRefused(Entry("u", "npy: \"neg.npy\"", "", "false"), "multiplier u");
  // An unsigned table (65025 at 255 x 255) declared signed does not fit.
  Write("u.npy", EncodeNpy(NpyType::kInt32, {256, 256},
                           AsDoubles(ExactProducts(OperandRange::kUnsigned))));
  ExpectRefused(Entry("s", "npy: \"u.npy\""), "does not fit");
}

TEST(CatalogFile, RefusesFloatTablesAndMissingFields) {
  Write("f.npy", EncodeNpy(NpyType::kFloat32, {256, 256}, std::vector<double>(65536, 0)));
  ExpectRefused(Entry("f", "npy: \"f.npy\""), "float");
  ExpectRefused("multiplier { name: \"x\" lut { npy: \"f.npy\" } }", "signed");
  ExpectRefused("multiplier { signed: true }", "no name");
  ExpectRefused("multiplier { name: \"x\" signed: true bits: 16 lut { npy: \"f.npy\" } }",
                "bits");
}

TEST(CatalogFile, EmptyCatalogLoadsButHasNoMetricMax) {
  Write("c.txtpb", "# nothing here\n");
  absl::StatusOr<Catalog> c = LoadCatalog(Dir() + "/c.txtpb");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->multipliers.empty());
  EXPECT_FALSE(MetricMax(*c, "power").ok());
}

TEST(CatalogFile, MissingMetricNamesTheMultiplier) {
  Write("m1.npy", EncodeNpy(NpyType::kInt16, {256, 256}, AsDoubles(SignedTable())));
  Write("c.txtpb", Entry("nopower", "npy: \"m1.npy\"", "metrics { key: \"area\" value: 1 }"));
  absl::StatusOr<Catalog> c = LoadCatalog(Dir() + "/c.txtpb");
  ASSERT_TRUE(c.ok());
  absl::StatusOr<double> max = MetricMax(*c, "power");
  ASSERT_FALSE(max.ok());
  EXPECT_NE(max.status().message().find("nopower"), std::string::npos);
}

TEST(CatalogFilter, ByNameAndSignedness) {
  Catalog c;
  for (auto [name, s] : {std::pair{"a_s", true}, {"a_u", false}, {"b_s", true}}) {
    Multiplier m;
    m.name = name;
    m.is_signed = s;
    c.multipliers.push_back(m);
  }
  EXPECT_EQ(FilterCatalog(c, {"a_", Signedness::kAny}).multipliers.size(), 2u);
  EXPECT_EQ(FilterCatalog(c, {"", Signedness::kSigned}).multipliers.size(), 2u);
  EXPECT_EQ(FilterCatalog(c, {"a", Signedness::kUnsigned}).multipliers[0].name, "a_u");
  EXPECT_NE(FindMultiplier(c, "b_s"), nullptr);
  EXPECT_EQ(FindMultiplier(c, "zzz"), nullptr);
}

}  // namespace
}  // namespace agnapprox

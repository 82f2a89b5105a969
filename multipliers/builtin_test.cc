#include "multipliers/builtin.h"

#include <cctype>
#include <set>

#include "gtest/gtest.h"
#include "multipliers/catalog_file.h"

namespace agnapprox {
namespace {

std::string Family(const std::string& name) {
  size_t end = 0;
  while (end < name.size() && std::isalpha(static_cast<unsigned char>(name[end]))) ++end;
  return name.substr(0, end);
}

int32_t At(const Multiplier& m, int a, int b) {
  return m.products[OperandIndex(a, m.range()) * 256 + OperandIndex(b, m.range())];
}

const Multiplier& Get(const Catalog& c, const std::string& name) {
  const Multiplier* m = FindMultiplier(c, name);
  EXPECT_NE(m, nullptr) << name;
  return *m;
}

TEST(Builtin, AtLeastThirtyFromSixFamiliesBothSignednesses) {
  const Catalog c = BuiltinCatalog();
  EXPECT_GE(c.multipliers.size(), 30u);
  std::set<std::string> families, names;
  int num_signed = 0;
  for (const Multiplier& m : c.multipliers) {
    families.insert(Family(m.name));
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    num_signed += m.is_signed;
    EXPECT_EQ(m.name.substr(m.name.size() - 2), m.is_signed ? "_s" : "_u");
  }
  EXPECT_GE(families.size(), 6u);
  EXPECT_GT(num_signed, 0);
  EXPECT_LT(num_signed, static_cast<int>(c.multipliers.size()));
}

TEST(Builtin, EveryEntryIsValidAndPricedAsAnEstimate) {
  for (const Multiplier& m : BuiltinCatalog().multipliers) {
    EXPECT_TRUE(ValidateMultiplier(m).ok()) << ValidateMultiplier(m);
    EXPECT_TRUE(m.metrics_are_estimates);
    ASSERT_TRUE(m.metrics.count("power")) << m.name;
    ASSERT_TRUE(m.metrics.count("area")) << m.name;
    EXPECT_GT(m.metrics.at("power"), 0) << m.name;
  }
}

TEST(Builtin, ExactReferencesCostOneAndAreExact) {
  const Catalog c = BuiltinCatalog();
  for (const char* name : {"exact_u", "exact_s"}) {
    const Multiplier& m = Get(c, name);
    EXPECT_EQ(m.metrics.at("power"), 1.0);
    EXPECT_EQ(m.products, ExactProducts(m.range()));
  }
  // Every approximate design is cheaper than exact.
  for (const Multiplier& m : c.multipliers) {
    if (Family(m.name) != "exact") {
      EXPECT_LT(m.metrics.at("power"), 1.0) << m.name;
    }
  }
}

TEST(Builtin, HandCheckedProducts) {
  const Catalog c = BuiltinCatalog();
  // DRUM4: 200 = 0b11001000 -> keep 1100, force LSB -> 1101 << 4 = 208.
  EXPECT_EQ(At(Get(c, "drum4_u"), 200, 10), 208 * 10);
  // Mitchell: 3 * 3 = 2 * (2 + 2) = 8 (x1 + x2 = 1); 2 * 3 = 6 exactly.
  EXPECT_EQ(At(Get(c, "mitchell_u"), 3, 3), 8);
  EXPECT_EQ(At(Get(c, "mitchell_u"), 2, 3), 6);
  // 12 * 10 = 2^6 (1 + 0.5 + 0.25) = 112; the correction adds 64 / 16.
  EXPECT_EQ(At(Get(c, "mitchell_u"), 12, 10), 112);
  EXPECT_EQ(At(Get(c, "mitchell_c_u"), 12, 10), 116);
  EXPECT_EQ(At(Get(c, "mitchell_c_u"), 255, 255), 65535);
  // Kulkarni: every 2x2 block 3 x 3 -> 7; 15 * 15 = 7 + 7*4 + 7*4 + 7*16.
  EXPECT_EQ(At(Get(c, "udm_all_u"), 15, 15), 7 + 28 + 28 + 112);
  EXPECT_EQ(At(Get(c, "udm_all_u"), 2, 3), 6);
  // Truncation drops columns 0..3; the correction adds
  // round(0.25 * (1*1 + 2*2 + 3*4 + 4*8)) = 12.
  EXPECT_EQ(At(Get(c, "trunc4_u"), 1, 1), 0);
  EXPECT_EQ(At(Get(c, "ctrunc4_u"), 1, 1), 12);
  // Perforating row 0 ignores the weight's bit 0: a * (b & ~1).
  EXPECT_EQ(At(Get(c, "perf1_u"), 7, 5), 28);
  EXPECT_EQ(At(Get(c, "perf1_u"), 5, 7), 30);  // not commutative
  // Operand rounding with t = 2: 6 -> 8, 255 -> 252 (stays 8-bit).
  EXPECT_EQ(At(Get(c, "oround2_u"), 6, 255), 8 * 252);
}

TEST(Builtin, SignedVersionsWrapTheUnsignedCore) {
  const Catalog c = BuiltinCatalog();
  const Multiplier& u = Get(c, "drum4_u");
  const Multiplier& s = Get(c, "drum4_s");
  EXPECT_EQ(At(s, -128, 77), -At(u, 128, 77));
  EXPECT_EQ(At(s, -100, -3), At(u, 100, 3));
  EXPECT_EQ(At(s, 100, 3), At(u, 100, 3));
  EXPECT_EQ(s.metrics, u.metrics);
}

TEST(Builtin, CostsFollowTheCellModel) {
  const Catalog c = BuiltinCatalog();
  // trunc4 drops columns 0..3: 1 + 2 + 3 + 4 = 10 of 64 cells.
  EXPECT_DOUBLE_EQ(Get(c, "trunc4_u").metrics.at("area"), 54.0 / 64);
  // bam_h2v6 keeps rows j >= 2 and columns i + j >= 6.
  int kept = 0;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) kept += j >= 2 && i + j >= 6;
  EXPECT_DOUBLE_EQ(Get(c, "bam_h2v6_u").metrics.at("area"), kept / 64.0);
  EXPECT_DOUBLE_EQ(Get(c, "otrunc2_u").metrics.at("area"), 36.0 / 64);
}

TEST(Builtin, Deterministic) {
  const Catalog a = BuiltinCatalog(), b = BuiltinCatalog();
  ASSERT_EQ(a.multipliers.size(), b.multipliers.size());
  for (size_t i = 0; i < a.multipliers.size(); ++i) {
    EXPECT_EQ(a.multipliers[i].products, b.multipliers[i].products);
  }
}

// Generating only what a filter keeps gives what filtering the whole
// catalog gives: names, order, tables, costs.
TEST(Builtin, FilteredGenerationEqualsFilteringTheWhole) {
  const Catalog whole = BuiltinCatalog();
  for (const CatalogFilter& filter :
       {CatalogFilter{"_s", Signedness::kAny}, CatalogFilter{"drum", Signedness::kAny},
        CatalogFilter{"", Signedness::kUnsigned}, CatalogFilter{"trunc4", Signedness::kSigned},
        CatalogFilter{"no such design", Signedness::kAny}, CatalogFilter{}}) {
    SCOPED_TRACE(filter.name_contains);
    const Catalog want = FilterCatalog(whole, filter);
    const Catalog got = BuiltinCatalog(filter);
    ASSERT_EQ(got.multipliers.size(), want.multipliers.size());
    for (size_t i = 0; i < want.multipliers.size(); ++i) {
      const Multiplier &g = got.multipliers[i], &w = want.multipliers[i];
      EXPECT_EQ(g.name, w.name);
      EXPECT_EQ(g.is_signed, w.is_signed);
      EXPECT_EQ(g.products, w.products) << w.name;
      EXPECT_EQ(g.metrics, w.metrics);
      EXPECT_EQ(g.metrics_are_estimates, w.metrics_are_estimates);
    }
  }
}

}  // namespace
}  // namespace agnapprox

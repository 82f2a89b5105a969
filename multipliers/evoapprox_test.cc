#include "multipliers/evoapprox.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "multipliers/catalog_file.h"

extern "C" {
int16_t mul8s_fake1(int8_t A, int8_t B);
uint16_t mul8s_fake2(uint8_t A, uint8_t B);
uint64_t mul8u_fake3(const uint64_t B, const uint64_t A);
uint16_t mul8u_fake4(uint8_t a, uint8_t b);
}

namespace agnapprox {
namespace {

std::string FakeCheckout() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" +
         std::getenv("TEST_WORKSPACE") + "/multipliers/testdata/evoapprox_fake";
}

int32_t Direct(const std::string& name, int a, int b) {
  if (name == "mul8s_fake1") return mul8s_fake1(static_cast<int8_t>(a), static_cast<int8_t>(b));
  if (name == "mul8s_fake2") {
    return static_cast<int16_t>(
        mul8s_fake2(static_cast<uint8_t>(a), static_cast<uint8_t>(b)));
  }
  if (name == "mul8u_fake3") return static_cast<int32_t>(mul8u_fake3(a, b));
  return mul8u_fake4(static_cast<uint8_t>(a), static_cast<uint8_t>(b));
}

TEST(EvoApprox, TablesEqualCallingTheModelsDirectly) {
  absl::StatusOr<Catalog> c = ImportEvoApprox(FakeCheckout());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->multipliers.size(), 4u);  // fake1 appears twice, kept once
  const std::vector<std::string> names = {"mul8s_fake1", "mul8s_fake2",
                                          "mul8u_fake3", "mul8u_fake4"};
  for (size_t i = 0; i < names.size(); ++i) {
    const Multiplier& m = c->multipliers[i];
    ASSERT_EQ(m.name, names[i]);
    EXPECT_EQ(m.is_signed, i < 2);
    for (int ia = 0; ia < 256; ++ia) {
      for (int ib = 0; ib < 256; ++ib) {
        const int a = OperandValue(ia, m.range()), b = OperandValue(ib, m.range());
        ASSERT_EQ(m.products[ia * 256 + ib], Direct(m.name, a, b))
            << m.name << " a=" << a << " b=" << b;
      }
    }
  }
}

TEST(EvoApprox, FirstArgumentIsTheActivationRow) {
  absl::StatusOr<Catalog> c = ImportEvoApprox(FakeCheckout());
  ASSERT_TRUE(c.ok()) << c.status();
  const Multiplier& fake3 = c->multipliers[2];
  // Row a = 128, column b = 0: 0 + (128 >> 6) + 1 = 3; transposed it is 1.
  EXPECT_EQ(fake3.products[128 * 256 + 0], 3);
  EXPECT_EQ(fake3.products[0 * 256 + 128], 0 + 0 + 0);
  const Multiplier& fake1 = c->multipliers[0];
  // a = 3, b = 0 (value order rows +128): 0 + (3 & 3) = 3.
  EXPECT_EQ(fake1.products[(3 + 128) * 256 + 128], 3);
  EXPECT_EQ(fake1.products[128 * 256 + (3 + 128)], 0);
}

TEST(EvoApprox, ReadsPdk45Metrics) {
  absl::StatusOr<Catalog> c = ImportEvoApprox(FakeCheckout());
  ASSERT_TRUE(c.ok()) << c.status();
  const Multiplier& m = c->multipliers[2];
  EXPECT_DOUBLE_EQ(m.metrics.at("power"), 0.25);
  EXPECT_DOUBLE_EQ(m.metrics.at("area"), 400.25);
  EXPECT_DOUBLE_EQ(m.metrics.at("delay"), 0.9);
  EXPECT_DOUBLE_EQ(m.metrics.at("pdp"), 0.25 * 0.9);
}

TEST(EvoApprox, WrittenCatalogLoadsBackIdentically) {
  absl::StatusOr<Catalog> c = ImportEvoApprox(FakeCheckout());
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string dir = std::getenv("TEST_TMPDIR");
  ASSERT_EQ(system(("mkdir -p " + dir + "/out/luts").c_str()), 0);
  ASSERT_TRUE(WriteCatalog(*c, dir + "/out/catalog.txtpb", "luts").ok());
  absl::StatusOr<Catalog> back = LoadCatalog(dir + "/out/catalog.txtpb");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->multipliers.size(), c->multipliers.size());
  for (size_t i = 0; i < c->multipliers.size(); ++i) {
    EXPECT_EQ(back->multipliers[i].name, c->multipliers[i].name);
    EXPECT_EQ(back->multipliers[i].products, c->multipliers[i].products);
    EXPECT_EQ(back->multipliers[i].metrics, c->multipliers[i].metrics);
  }
}

TEST(EvoApprox, NotACheckoutIsAClearError) {
  absl::StatusOr<Catalog> c = ImportEvoApprox(std::getenv("TEST_TMPDIR"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("EvoApproxLib"), std::string::npos);
}

TEST(EvoApprox, ParsesSignatureForms) {
  absl::StatusOr<EvoApproxModel> m = ParseEvoApproxModel(
      "// PDK45_PWR = 1e-1 mW\nuint64_t f(const uint64_t B, const uint64_t A)\n{ return 0; }",
      "f.c");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->function, "f");
  EXPECT_EQ(m->first_type, "uint64_t");
  EXPECT_DOUBLE_EQ(m->metrics.at("power"), 0.1);
  EXPECT_FALSE(ParseEvoApproxModel("int main() {}", "g.c").ok());
}

}  // namespace
}  // namespace agnapprox

#include "multipliers/multiplier.h"

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

Multiplier UnsignedWithQuirk() {
  Multiplier m;
  m.name = "quirky_u";
  m.is_signed = false;
  m.products = ExactProducts(OperandRange::kUnsigned);
  m.products[128 * 256 + 3] = 400;  // P_u(128, 3)
  m.products[3 * 256 + 0] = 5;      // P_u(3, 0), non-zero for a zero operand
  m.metrics = {{"power", 0.5}};
  return m;
}

TEST(SignMagnitude, WrapsTheUnsignedCore) {
  const Multiplier m = UnsignedWithQuirk();
  absl::StatusOr<std::vector<int32_t>> p = ProductsFor(m, OperandRange::kSigned);
  ASSERT_TRUE(p.ok());
  auto at = [&](int a, int b) { return (*p)[(a + 128) * 256 + (b + 128)]; };
  EXPECT_EQ(at(-128, 3), -400);  // |-128| = 128
  EXPECT_EQ(at(-128, -3), 400);
  EXPECT_EQ(at(3, 0), 5);
  EXPECT_EQ(at(-3, 0), -5);  // sign(-3) * sign(0) with sign(0) = +1
  EXPECT_EQ(at(-7, 9), -63);
}

TEST(ProductsFor, OwnRangeIsUnchanged) {
  const Multiplier m = UnsignedWithQuirk();
  absl::StatusOr<std::vector<int32_t>> p = ProductsFor(m, OperandRange::kUnsigned);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, m.products);
}

TEST(ProductsFor, SignedMultiplierRefusesUnsignedOperands) {
  Multiplier m;
  m.name = "exact_s";
  m.is_signed = true;
  m.products = ExactProducts(OperandRange::kSigned);
  absl::StatusOr<std::vector<int32_t>> p = ProductsFor(m, OperandRange::kUnsigned);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("exact_s"), std::string::npos);
}

TEST(MetricOf, MissingMetricNamesTheMultiplier) {
  const Multiplier m = UnsignedWithQuirk();
  EXPECT_EQ(*MetricOf(m, "power"), 0.5);
  absl::StatusOr<double> d = MetricOf(m, "delay");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("quirky_u"), std::string::npos);
  EXPECT_NE(d.status().message().find("delay"), std::string::npos);
}

}  // namespace
}  // namespace agnapprox

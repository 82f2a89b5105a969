#include "stats/error_map.h"

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(ErrorMap, ExactTableHasNoError) {
  for (OperandRange r : {OperandRange::kSigned, OperandRange::kUnsigned}) {
    ErrorMap e = ErrorMapFromProducts(ExactProducts(r), r);
    for (double v : e.values) ASSERT_EQ(v, 0.0);
  }
}

TEST(ErrorMap, ValueOrderAndSign) {
  std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
  // Change the product of a = -3 (row), b = 5 (column) only.
  const int k = OperandIndex(-3, OperandRange::kSigned) * 256 +
                OperandIndex(5, OperandRange::kSigned);
  EXPECT_EQ(p[k], -15);
  p[k] = -11;
  ErrorMap e = ErrorMapFromProducts(p, OperandRange::kSigned);
  EXPECT_EQ(e.At(OperandIndex(-3, e.range), OperandIndex(5, e.range)), 4.0);
  EXPECT_EQ(e.At(OperandIndex(5, e.range), OperandIndex(-3, e.range)), 0.0);
}

TEST(ErrorMap, UnsignedExtremes) {
  std::vector<int32_t> p = ExactProducts(OperandRange::kUnsigned);
  EXPECT_EQ(p[255 * 256 + 255], 65025);
  p[0] = 7;  // non-zero product for 0 * 0
  ErrorMap e = ErrorMapFromProducts(p, OperandRange::kUnsigned);
  EXPECT_EQ(e.At(0, 0), 7.0);
}

}  // namespace
}  // namespace agnapprox

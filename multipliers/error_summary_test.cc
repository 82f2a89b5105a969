#include "multipliers/error_summary.h"

#include <cmath>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(ErrorSummary, ExactHasNoError) {
  Multiplier m;
  m.is_signed = true;
  m.products = ExactProducts(OperandRange::kSigned);
  const ErrorSummary s = SummarizeErrors(m);
  EXPECT_EQ(s.mean, 0);
  EXPECT_EQ(s.std, 0);
  EXPECT_EQ(s.mae, 0);
  EXPECT_EQ(s.wce, 0);
  EXPECT_EQ(s.ep, 0);
  EXPECT_EQ(s.mre, 0);
  EXPECT_EQ(s.mse, 0);
}

TEST(ErrorSummary, TwoErrorsByHand) {
  Multiplier m;
  m.is_signed = false;
  m.products = ExactProducts(OperandRange::kUnsigned);
  m.products[2 * 256 + 3] += 3;  // e = 3 at 2*3 = 6: relative 0.5
  m.products[0] -= 1;            // e = -1 at 0*0: excluded from mre
  const ErrorSummary s = SummarizeErrors(m);
  const double n = 65536;
  EXPECT_DOUBLE_EQ(s.mean, 2 / n);
  EXPECT_DOUBLE_EQ(s.mae, 4 / n);
  EXPECT_DOUBLE_EQ(s.mse, 10 / n);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(10 / n - 4 / (n * n)));
  EXPECT_DOUBLE_EQ(s.wce, 3);
  EXPECT_DOUBLE_EQ(s.ep, 100 * 2 / n);
  EXPECT_DOUBLE_EQ(s.mre, 100 * 0.5 / (255.0 * 255.0));
}

}  // namespace
}  // namespace agnapprox

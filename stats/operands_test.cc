#include "stats/operands.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(Operands, AcceptsIntegersInRange) {
  absl::StatusOr<std::vector<int16_t>> ops =
      ToOperands({-128, 0, 127, 5.0}, OperandRange::kSigned);
  ASSERT_TRUE(ops.ok()) << ops.status();
  EXPECT_EQ(*ops, (std::vector<int16_t>{-128, 0, 127, 5}));
  EXPECT_TRUE(ToOperands({0, 255}, OperandRange::kUnsigned).ok());
}

TEST(Operands, RefusesFractionsNaNAndInfinity) {
  for (double bad : {0.5, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    absl::StatusOr<std::vector<int16_t>> ops =
        ToOperands({1, bad}, OperandRange::kSigned);
    ASSERT_FALSE(ops.ok());
    EXPECT_NE(ops.status().message().find("element 1"), std::string::npos)
        << ops.status();
    EXPECT_NE(ops.status().message().find("not an integer"),
              std::string::npos);
  }
}

TEST(Operands, RefusesOutOfRangeInsteadOfClamping) {
  EXPECT_FALSE(ToOperands({128}, OperandRange::kSigned).ok());
  EXPECT_FALSE(ToOperands({-129}, OperandRange::kSigned).ok());
  EXPECT_FALSE(ToOperands({-1}, OperandRange::kUnsigned).ok());
  absl::StatusOr<std::vector<int16_t>> ops =
      ToOperands({3, 256}, OperandRange::kUnsigned);
  ASSERT_FALSE(ops.ok());
  EXPECT_NE(ops.status().message().find("outside"), std::string::npos);
}

TEST(Operands, HistogramCountsInValueOrder) {
  const std::vector<int16_t> ops = {-128, -1, -1, 0, 127, 127, 127};
  OperandHistogram h = HistogramOf(ops, OperandRange::kSigned);
  EXPECT_EQ(h.total, 7);
  EXPECT_EQ(h.counts[0], 1);
  EXPECT_EQ(h.counts[127], 2);
  EXPECT_EQ(h.counts[128], 1);
  EXPECT_EQ(h.counts[255], 3);
  EXPECT_DOUBLE_EQ(h.Probability(255), 3.0 / 7.0);
  OperandHistogram u = HistogramOf(std::vector<int16_t>{200}, OperandRange::kUnsigned);
  EXPECT_EQ(u.counts[200], 1);
}

TEST(Operands, Bounds) {
  OperandBounds b = BoundsOf(std::vector<int16_t>{4, -7, 9, 0});
  EXPECT_EQ(b.min, -7);
  EXPECT_EQ(b.max, 9);
}

TEST(OperandRange, Indexing) {
  EXPECT_EQ(OperandIndex(-128, OperandRange::kSigned), 0);
  EXPECT_EQ(OperandIndex(127, OperandRange::kSigned), 255);
  EXPECT_EQ(OperandValue(128, OperandRange::kSigned), 0);
  EXPECT_EQ(OperandIndex(255, OperandRange::kUnsigned), 255);
}

}  // namespace
}  // namespace agnapprox

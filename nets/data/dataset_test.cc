#include "nets/data/dataset.h"

#include <set>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

// Example i's pixels all hold i, so an image tells which example it is.
Dataset Numbered(int64_t n) {
  torch::Tensor ids = torch::arange(n, torch::kFloat);
  return {ids.view({n, 1, 1, 1}).expand({n, 1, 2, 2}).contiguous(), torch::arange(n) % 10};
}

std::set<int64_t> Ids(const Dataset& d) {
  std::set<int64_t> ids;
  for (int64_t i = 0; i < d.size(); ++i) ids.insert(d.images[i][0][0][0].item<float>());
  return ids;
}

TEST(CalibrationSplit, DisjointCompleteAndSeeded) {
  const Dataset data = Numbered(1000);
  const CalibrationSplit s = SplitCalibration(data, 100, 7);
  ASSERT_EQ(s.calibration.size(), 100);
  ASSERT_EQ(s.rest.size(), 900);
  const std::set<int64_t> cal = Ids(s.calibration), rest = Ids(s.rest);
  EXPECT_EQ(cal.size(), 100u);
  EXPECT_EQ(rest.size(), 900u);
  for (int64_t id : cal) EXPECT_EQ(rest.count(id), 0u) << id;
  // Labels travel with their images; the index says which examples.
  for (int64_t i = 0; i < s.calibration.size(); ++i) {
    const int64_t id = s.calibration_index[i].item<int64_t>();
    EXPECT_EQ(s.calibration.images[i][0][0][0].item<float>(), id);
    EXPECT_EQ(s.calibration.labels[i].item<int64_t>(), id % 10);
  }
  // Not simply the first or last examples, and the same for the same seed.
  EXPECT_LT(*cal.begin(), 100);
  EXPECT_GT(*cal.rbegin(), 900);
  EXPECT_TRUE(torch::equal(SplitCalibration(data, 100, 7).calibration_index, s.calibration_index));
  EXPECT_FALSE(torch::equal(SplitCalibration(data, 100, 8).calibration_index, s.calibration_index));
  EXPECT_EQ(SplitCalibration(data, 0, 7).rest.size(), 1000);
}

}  // namespace
}  // namespace agnapprox

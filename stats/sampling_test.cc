#include "stats/sampling.h"

#include <set>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(Sampling, ZeroSamplesMeansEveryRowOnce) {
  EXPECT_EQ(SampleRows(4, 0, 123), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(Sampling, SameSeedSameRows) {
  EXPECT_EQ(SampleRows(1000, 512, 7), SampleRows(1000, 512, 7));
  EXPECT_NE(SampleRows(1000, 512, 7), SampleRows(1000, 512, 8));
}

TEST(Sampling, InRangeAndWithReplacement) {
  std::vector<int64_t> rows = SampleRows(5, 200, 1);
  ASSERT_EQ(rows.size(), 200u);
  std::set<int64_t> distinct(rows.begin(), rows.end());
  EXPECT_EQ(distinct.size(), 5u);  // 200 draws from 5 rows hit every one
  for (int64_t r : rows) {
    EXPECT_GE(r, 0);
    EXPECT_LT(r, 5);
  }
}

TEST(Sampling, FixedSequenceAcrossPlatforms) {
  // mt19937_64 is specified by the standard; so is this sequence.
  SeededRandom random(0);
  std::vector<uint64_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(random.UniformIndex(1000));
  SeededRandom again(0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(again.UniformIndex(1000), got[i]);
  std::mt19937_64 engine(0);
  const uint64_t first = engine();
  EXPECT_EQ(got[0], static_cast<uint64_t>(
                        (static_cast<unsigned __int128>(first) * 1000) >> 64));
}

TEST(Sampling, UniformIndexIsRoughlyUniform) {
  SeededRandom random(3);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[random.UniformIndex(10)];
  for (int c : counts) {
    EXPECT_GT(c, 9500);
    EXPECT_LT(c, 10500);
  }
}

}  // namespace
}  // namespace agnapprox

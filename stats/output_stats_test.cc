#include "stats/output_stats.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(AccurateOutputStd, HandComputed) {
  // X = [[1, 2], [3, 4]], W = [[1, 0], [0, 1]]: Y = X, entries 1..4,
  // population std sqrt(1.25).
  const std::vector<int16_t> x = {1, 2, 3, 4};
  const std::vector<int16_t> w = {1, 0, 0, 1};
  EXPECT_DOUBLE_EQ(AccurateOutputStd(x, w, 2), std::sqrt(1.25));
}

TEST(AccurateOutputStd, MatchesTwoPassOnLargeRandomLayer) {
  std::mt19937_64 rng(2);
  const int64_t n = 150, rows = 5000, out = 16;
  std::vector<int16_t> x(rows * n), w(out * n);
  for (auto& v : x) v = static_cast<int16_t>(rng() % 128);
  for (auto& v : w) v = static_cast<int16_t>(static_cast<int>(rng() % 256) - 128);
  std::vector<double> y;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      int64_t s = 0;
      for (int64_t k = 0; k < n; ++k) s += x[r * n + k] * w[o * n + k];
      y.push_back(static_cast<double>(s));
    }
  }
  double mean = 0;
  for (double v : y) mean += v / y.size();
  double var = 0;
  for (double v : y) var += (v - mean) * (v - mean) / y.size();
  EXPECT_NEAR(AccurateOutputStd(x, w, n), std::sqrt(var), 1e-9 * std::sqrt(var));
}

TEST(AccurateOutputStd, ZeroPointShiftsTheCodes) {
  // Y = (X - zp) W^T from shifted codes, computed apart.
  std::mt19937_64 rng(3);
  const int64_t n = 25, rows = 300, out = 6;
  const int zp = 36;
  std::vector<int16_t> x(rows * n), w(out * n);
  for (auto& v : x) v = static_cast<int16_t>(rng() % 128);
  for (auto& v : w) v = static_cast<int16_t>(static_cast<int>(rng() % 256) - 128);
  double sum = 0, sum_sq = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double y = 0;
      for (int64_t k = 0; k < n; ++k) y += (x[r * n + k] - zp) * w[o * n + k];
      sum += y;
      sum_sq += y * y;
    }
  }
  const double count = rows * out;
  const double want = std::sqrt(sum_sq / count - (sum / count) * (sum / count));
  EXPECT_NEAR(AccurateOutputStd(x, w, n, zp), want, 1e-9 * want);
  // A shift changes the spread here: zp is not a no-op.
  EXPECT_GT(std::abs(AccurateOutputStd(x, w, n, 0) - want), 1e-3 * want);
}

TEST(AccurateOutputStd, ConstantOutputHasZeroStd) {
  const std::vector<int16_t> x = {5, 5, 5, 5, 5, 5};
  const std::vector<int16_t> w = {2, 3};
  EXPECT_EQ(AccurateOutputStd(x, w, 2), 0.0);
}

TEST(ObservedError, MeanAndStd) {
  const std::vector<int64_t> accurate = {10, 20, 30, 40};
  const std::vector<int64_t> approx = {11, 19, 33, 40};
  // Errors 1, -1, 3, 0: mean 0.75, var (0.0625 + 3.0625 + 5.0625 + 0.5625)/4.
  const ErrorMoments e = ObservedError(accurate, approx);
  EXPECT_DOUBLE_EQ(e.mean, 0.75);
  EXPECT_DOUBLE_EQ(e.std, std::sqrt(8.75 / 4));
}

}  // namespace
}  // namespace agnapprox

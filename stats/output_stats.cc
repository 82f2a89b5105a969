#include "stats/output_stats.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace agnapprox {
namespace {

using RowMajorMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

RowMajorMatrix ToMatrix(const int16_t* data, int64_t rows, int64_t cols) {
  RowMajorMatrix m(rows, cols);
  for (int64_t i = 0; i < rows * cols; ++i) m.data()[i] = data[i];
  return m;
}

constexpr int64_t kRowBlock = 2048;

}  // namespace

double AccurateOutputStd(absl::Span<const int16_t> features,
                         absl::Span<const int16_t> weights, int64_t fan_in) {
  const int64_t num_rows = static_cast<int64_t>(features.size()) / fan_in;
  const int64_t out = static_cast<int64_t>(weights.size()) / fan_in;
  const RowMajorMatrix w = ToMatrix(weights.data(), out, fan_in);
  // Products of 8-bit integers summed in double are exact below 2^53, so
  // every Y entry is an exact integer; the moments are summed as integers.
  __int128 sum = 0;
  __int128 sum_sq = 0;
  for (int64_t start = 0; start < num_rows; start += kRowBlock) {
    const int64_t count = std::min(kRowBlock, num_rows - start);
    const RowMajorMatrix x = ToMatrix(features.data() + start * fan_in, count,
                                      fan_in);
    const Eigen::MatrixXd y = x * w.transpose();
    for (int64_t i = 0; i < y.size(); ++i) {
      const int64_t v = std::llround(y.data()[i]);
      sum += v;
      sum_sq += static_cast<__int128>(v) * v;
    }
  }
  const __int128 count = static_cast<__int128>(num_rows) * out;
  // var = (count * sum_sq - sum^2) / count^2, exact in 128 bits when it fits.
  __int128 scaled;
  __int128 sum_squared;
  if (!__builtin_mul_overflow(count, sum_sq, &scaled) &&
      !__builtin_mul_overflow(sum, sum, &sum_squared)) {
    const long double numerator = static_cast<long double>(scaled - sum_squared);
    const long double c = static_cast<long double>(count);
    return static_cast<double>(std::sqrt(numerator / (c * c)));
  }
  const long double mean = static_cast<long double>(sum) / count;
  const long double var =
      static_cast<long double>(sum_sq) / count - mean * mean;
  return static_cast<double>(std::sqrt(std::max(var, 0.0L)));
}

ErrorMoments ObservedError(absl::Span<const int64_t> accurate,
                           absl::Span<const int64_t> approximate) {
  const size_t n = accurate.size();
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    mean += static_cast<double>(approximate[i] - accurate[i]);
  }
  mean /= static_cast<double>(n);
  double var = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(approximate[i] - accurate[i]) - mean;
    var += d * d;
  }
  return {mean, std::sqrt(var / static_cast<double>(n))};
}

}  // namespace agnapprox

#include "stats/output_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace agnapprox {
namespace {

int MaxAbs(absl::Span<const int16_t> v) {
  int m = 0;
  for (int16_t x : v) m = std::max(m, std::abs(static_cast<int>(x)));
  return m;
}

// Y = X W^T entry by entry with integer dot products. Acc is int32 when
// every partial sum fits (the compiler then uses multiply-add instructions
// such as vpmaddwd), else int64. target_clones builds AVX2 and AVX-512
// versions beside the portable one and picks one at load time.
template <typename Acc>
__attribute__((target_clones("default", "arch=haswell", "arch=skylake-avx512")))
OutputMoments Moments(const int16_t* x, int64_t num_rows, const int16_t* w,
                      int64_t out, int64_t n, const int64_t* shift) {
  OutputMoments m;
  for (int64_t r = 0; r < num_rows; ++r) {
    const int16_t* xr = x + r * n;
    for (int64_t o = 0; o < out; ++o) {
      const int16_t* wo = w + o * n;
      Acc acc = 0;
      for (int64_t k = 0; k < n; ++k) acc += static_cast<Acc>(xr[k]) * wo[k];
      const int64_t y = static_cast<int64_t>(acc) - shift[o];
      m.sum += y;
      m.sum_sq += static_cast<__int128>(y) * y;
    }
  }
  m.count = static_cast<__int128>(num_rows) * out;
  return m;
}

}  // namespace

double OutputMoments::Std() const {
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
  const long double var = static_cast<long double>(sum_sq) / count - mean * mean;
  return static_cast<double>(std::sqrt(std::max(var, 0.0L)));
}

OutputMoments AccurateOutputMoments(absl::Span<const int16_t> features,
                                    absl::Span<const int16_t> weights,
                                    int64_t fan_in, int zero_point) {
  const int64_t num_rows = static_cast<int64_t>(features.size()) / fan_in;
  const int64_t out = static_cast<int64_t>(weights.size()) / fan_in;
  // (X - zp) W^T = X W^T - zp * (row sums of W).
  std::vector<int64_t> shift(out, 0);
  for (int64_t o = 0; o < out; ++o) {
    int64_t sum = 0;
    for (int64_t k = 0; k < fan_in; ++k) sum += weights[o * fan_in + k];
    shift[o] = static_cast<int64_t>(zero_point) * sum;
  }
  const double bound =
      static_cast<double>(fan_in) * MaxAbs(features) * MaxAbs(weights);
  if (bound < 2147483648.0) {
    return Moments<int32_t>(features.data(), num_rows, weights.data(), out, fan_in,
                            shift.data());
  }
  return Moments<int64_t>(features.data(), num_rows, weights.data(), out, fan_in,
                          shift.data());
}

double AccurateOutputStd(absl::Span<const int16_t> features,
                         absl::Span<const int16_t> weights, int64_t fan_in,
                         int zero_point) {
  return AccurateOutputMoments(features, weights, fan_in, zero_point).Std();
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

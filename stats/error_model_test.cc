#include "stats/error_model.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "stats/monte_carlo.h"
#include "stats/sampling.h"

namespace agnapprox {
namespace {

// The plain per-row algorithm, written independently of the library: for
// every row, build its histogram and evaluate both 256x256 forms directly.
ErrorMoments PlainPerRow(const ErrorMap& map, const OperandHistogram& w,
                         const std::vector<int16_t>& features, int64_t n,
                         const std::vector<int64_t>& rows) {
  std::vector<double> m(rows.size());
  std::vector<double> v(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    double p[256] = {0};
    for (int64_t k = 0; k < n; ++k) {
      p[features[rows[r] * n + k] - MinOperand(map.range)] += 1.0 / n;
    }
    double first = 0, second = 0;
    for (int a = 0; a < 256; ++a) {
      for (int b = 0; b < 256; ++b) {
        const double e = map.values[a * 256 + b];
        const double pab = p[a] * w.Probability(b);
        first += pab * e;
        second += pab * e * e;
      }
    }
    m[r] = first;
    v[r] = second - first * first;
  }
  double mean_m = 0, mean_m2 = 0, mean_v = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    mean_m += m[r] / rows.size();
    mean_m2 += m[r] * m[r] / rows.size();
    mean_v += v[r] / rows.size();
  }
  // Spec form: n * sqrt(mean(m^2 + v/n) - mean(m)^2).
  const double inside = mean_m2 + mean_v / n - mean_m * mean_m;
  return {n * mean_m, n * std::sqrt(std::max(0.0, inside))};
}

// A random, non-symmetric product table: exact plus a random error that
// depends on both operands, so that rows and columns matter.
ErrorMap RandomMap(std::mt19937_64& rng, OperandRange range, int scale) {
  std::vector<int32_t> p = ExactProducts(range);
  std::uniform_int_distribution<int> err(-scale, scale / 2);
  for (int i = 0; i < kTableSize; ++i) {
    if ((rng() & 3) != 0) p[i] += err(rng);
  }
  return ErrorMapFromProducts(p, range);
}

// Operands from a skewed distribution: mostly small magnitudes, with a
// layer-specific offset, like ReLU activations and bell-shaped weights.
std::vector<int16_t> SkewedOperands(std::mt19937_64& rng, size_t count, int lo,
                                    int hi, double decay) {
  std::geometric_distribution<int> g(decay);
  std::vector<int16_t> out(count);
  for (size_t i = 0; i < count; ++i) {
    int v = lo + g(rng);
    if ((rng() & 1) && lo < 0) v = -g(rng);
    out[i] = static_cast<int16_t>(std::clamp(v, lo, hi));
  }
  return out;
}

double Relative(double got, double want) {
  return std::abs(got - want) / std::max(1e-300, std::abs(want));
}

TEST(PredictPopulation, AgreesWithPlainPerRowOnRandomCases) {
  std::mt19937_64 rng(42);
  int cases = 0;
  for (int64_t fan_in : {1, 9, 25, 150, 400}) {
    for (OperandRange range : {OperandRange::kSigned, OperandRange::kUnsigned}) {
      const int lo = MinOperand(range);
      const int64_t num_rows = 300;
      const std::vector<int16_t> features =
          SkewedOperands(rng, num_rows * fan_in, 0, MaxOperand(range), 0.05);
      const std::vector<int16_t> weights =
          SkewedOperands(rng, 64 * fan_in, lo, MaxOperand(range), 0.08);
      std::vector<ErrorMap> maps;
      for (int scale : {1, 40, 3000}) maps.push_back(RandomMap(rng, range, scale));
      std::vector<const ErrorMap*> ptrs;
      for (const ErrorMap& m : maps) ptrs.push_back(&m);
      const OperandHistogram w = HistogramOf(weights, range);
      for (int64_t samples : {0, 512}) {
        const std::vector<int64_t> rows = SampleRows(num_rows, samples, 9);
        const std::vector<ErrorMoments> got =
            PredictPopulation(ptrs, w, features, fan_in, rows);
        ASSERT_EQ(got.size(), maps.size());
        for (size_t j = 0; j < maps.size(); ++j) {
          const ErrorMoments want =
              PlainPerRow(maps[j], w, features, fan_in, rows);
          EXPECT_LT(Relative(got[j].std, want.std), 1e-9)
              << "fan_in " << fan_in << " map " << j;
          EXPECT_LT(Relative(got[j].mean, want.mean), 1e-9)
              << "fan_in " << fan_in << " map " << j;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 60);
}

TEST(PredictPopulation, ExactMultiplierPredictsZero) {
  const ErrorMap exact = ErrorMapFromProducts(
      ExactProducts(OperandRange::kSigned), OperandRange::kSigned);
  std::mt19937_64 rng(1);
  const std::vector<int16_t> x = SkewedOperands(rng, 50 * 25, 0, 127, 0.1);
  const std::vector<int16_t> w = SkewedOperands(rng, 6 * 25, -128, 127, 0.1);
  const std::vector<const ErrorMap*> maps = {&exact};
  const ErrorMoments p = PredictPopulation(
      maps, HistogramOf(w, OperandRange::kSigned), x, 25, SampleRows(50, 0, 0))[0];
  EXPECT_EQ(p.mean, 0.0);
  EXPECT_EQ(p.std, 0.0);
}

// E is 1 only at a = 1, b = 1. Rows [0, 1] and [1, 1], weights all 1.
// m = (0.5, 1), v = (0.25, 0): mean 2 * 0.75 = 1.5,
// std = sqrt(4 * var(m) + 2 * mean(v)) = sqrt(4 * 0.0625 + 2 * 0.125).
TEST(PredictPopulation, HandComputedCase) {
  std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
  p[OperandIndex(1, OperandRange::kSigned) * 256 +
    OperandIndex(1, OperandRange::kSigned)] = 2;
  const ErrorMap map = ErrorMapFromProducts(p, OperandRange::kSigned);
  const std::vector<int16_t> features = {0, 1, 1, 1};
  const std::vector<int16_t> weights = {1, 1, 1};
  const std::vector<const ErrorMap*> maps = {&map};
  const ErrorMoments got =
      PredictPopulation(maps, HistogramOf(weights, OperandRange::kSigned),
                        features, 2, std::vector<int64_t>{0, 1})[0];
  EXPECT_DOUBLE_EQ(got.mean, 1.5);
  EXPECT_DOUBLE_EQ(got.std, std::sqrt(0.5));
}

TEST(PredictPopulation, RepeatedRowsCountTwice) {
  std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
  p[OperandIndex(1, OperandRange::kSigned) * 256 +
    OperandIndex(1, OperandRange::kSigned)] = 2;
  const ErrorMap map = ErrorMapFromProducts(p, OperandRange::kSigned);
  const std::vector<int16_t> features = {0, 0, 1, 1};
  const std::vector<const ErrorMap*> maps = {&map};
  const OperandHistogram w =
      HistogramOf(std::vector<int16_t>{1}, OperandRange::kSigned);
  // Rows (0, 1, 1): m = (0, 1, 1), mean 2/3, var 2/9, v = 0.
  const ErrorMoments got = PredictPopulation(maps, w, features, 2,
                                             std::vector<int64_t>{0, 1, 1})[0];
  EXPECT_DOUBLE_EQ(got.mean, 4.0 / 3.0);
  EXPECT_NEAR(got.std, std::sqrt(4.0 * 2.0 / 9.0), 1e-12);
}

TEST(PredictSingle, HandComputedCase) {
  std::vector<int32_t> p = ExactProducts(OperandRange::kSigned);
  p[OperandIndex(1, OperandRange::kSigned) * 256 +
    OperandIndex(1, OperandRange::kSigned)] = 2;
  const ErrorMap map = ErrorMapFromProducts(p, OperandRange::kSigned);
  const ErrorMoments got = PredictSingle(
      map, HistogramOf(std::vector<int16_t>{0, 1}, OperandRange::kSigned),
      HistogramOf(std::vector<int16_t>{1}, OperandRange::kSigned));
  EXPECT_DOUBLE_EQ(got.mean, 0.5);
  EXPECT_DOUBLE_EQ(got.std, 0.5);
}

TEST(PredictSingle, IsPopulationWithFanInOneAndOneRowHistogram) {
  std::mt19937_64 rng(5);
  const ErrorMap map = RandomMap(rng, OperandRange::kSigned, 100);
  const std::vector<int16_t> x = SkewedOperands(rng, 1000, 0, 127, 0.05);
  const std::vector<int16_t> w = SkewedOperands(rng, 500, -128, 127, 0.05);
  const ErrorMoments single =
      PredictSingle(map, HistogramOf(x, OperandRange::kSigned),
                    HistogramOf(w, OperandRange::kSigned));
  // One row holding every activation: m_1 is the single-product mean.
  const std::vector<const ErrorMap*> maps = {&map};
  const ErrorMoments pop =
      PredictPopulation(maps, HistogramOf(w, OperandRange::kSigned), x, 1000,
                        std::vector<int64_t>{0})[0];
  EXPECT_NEAR(pop.mean, 1000 * single.mean, 1e-6 * std::abs(pop.mean) + 1e-9);
  EXPECT_NEAR(pop.std, std::sqrt(1000.0) * single.std, 1e-6 * pop.std);
}

TEST(BiasCompensation, ChannelCorrectionIsTheMeanErrorOfEachNeuron) {
  // Activations 1 and 2 with probability 1/2 each; E[a][b] = a * b' where
  // b' is the weight value: g[b] = 1.5 b, c_o = 1.5 * sum_j w_oj.
  ErrorMap map;
  map.range = OperandRange::kSigned;
  map.values.assign(kTableSize, 0.0);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      map.values[OperandIndex(a, map.range) * 256 + OperandIndex(b, map.range)] = a * b;
    }
  }
  const std::vector<int16_t> acts = {1, 2, 2, 1};
  const std::vector<double> g =
      ExpectedErrorByWeight(map, HistogramOf(acts, OperandRange::kSigned));
  ASSERT_EQ(g.size(), 256u);
  EXPECT_DOUBLE_EQ(g[OperandIndex(-4, OperandRange::kSigned)], -6.0);
  const std::vector<int16_t> w = {1, 2, 3, -5, 0, 1};  // two neurons of fan-in 3
  const std::vector<double> c = ChannelCorrection(g, w, 3, OperandRange::kSigned);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0], 1.5 * 6);
  EXPECT_DOUBLE_EQ(c[1], 1.5 * -4);
}

TEST(MonteCarlo, SingleAgreesWithClosedForm) {
  std::mt19937_64 rng(11);
  const ErrorMap map = RandomMap(rng, OperandRange::kSigned, 200);
  const std::vector<int16_t> x = SkewedOperands(rng, 2000, 0, 127, 0.05);
  const std::vector<int16_t> w = SkewedOperands(rng, 2000, -128, 127, 0.05);
  const ErrorMoments closed =
      PredictSingle(map, HistogramOf(x, OperandRange::kSigned),
                    HistogramOf(w, OperandRange::kSigned));
  const ErrorMoments mc = MonteCarloSingle(map, x, w, 200000, 3);
  // Standard error of the mean: std / sqrt(draws); allow 5 of them.
  EXPECT_NEAR(mc.mean, closed.mean, 5 * closed.std / std::sqrt(200000.0));
  EXPECT_NEAR(mc.std, closed.std, 0.02 * closed.std);
}

TEST(MonteCarlo, PopulationAgreesWithClosedForm) {
  std::mt19937_64 rng(12);
  const ErrorMap map = RandomMap(rng, OperandRange::kSigned, 300);
  const int64_t n = 25;
  const int64_t rows = 400;
  std::vector<int16_t> x;
  // Rows from different distributions, so var_i(m_i) matters.
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<int16_t> row =
        SkewedOperands(rng, n, 0, 127, 0.01 + 0.2 * (r % 5) / 5.0);
    x.insert(x.end(), row.begin(), row.end());
  }
  const std::vector<int16_t> w = SkewedOperands(rng, 6 * n, -128, 127, 0.05);
  const std::vector<const ErrorMap*> maps = {&map};
  const ErrorMoments closed = PredictPopulation(
      maps, HistogramOf(w, OperandRange::kSigned), x, n, SampleRows(rows, 0, 0))[0];
  const ErrorMoments mc = MonteCarloPopulation(map, x, n, w, 100000, 4);
  EXPECT_NEAR(mc.mean, closed.mean, 5 * closed.std / std::sqrt(100000.0));
  EXPECT_NEAR(mc.std, closed.std, 0.03 * closed.std);
}

TEST(MonteCarlo, SameSeedSameEstimate) {
  std::mt19937_64 rng(13);
  const ErrorMap map = RandomMap(rng, OperandRange::kSigned, 50);
  const std::vector<int16_t> x = SkewedOperands(rng, 100, 0, 127, 0.05);
  const std::vector<int16_t> w = SkewedOperands(rng, 100, -128, 127, 0.05);
  const ErrorMoments a = MonteCarloPopulation(map, x, 10, w, 1000, 8);
  const ErrorMoments b = MonteCarloPopulation(map, x, 10, w, 1000, 8);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.std, b.std);
}

}  // namespace
}  // namespace agnapprox

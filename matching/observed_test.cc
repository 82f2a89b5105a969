#include "matching/observed.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "multipliers/multiplier.h"

namespace agnapprox {
namespace {

// A random signed layer: codes 0..127 (ReLU-like, many zeros), weights
// -128..127, through MakeLayerTrace like a trace file.
LayerTrace RandomLayer(std::mt19937_64& rng, int64_t rows, int64_t out, int64_t fan_in) {
  NpyArray f, w;
  f.shape = {rows, fan_in};
  w.shape = {out, fan_in};
  std::geometric_distribution<int> g(0.04);
  for (int64_t i = 0; i < rows * fan_in; ++i) {
    f.values.push_back(rng() % 4 == 0 ? 0 : std::min(127, g(rng)));
  }
  for (int64_t i = 0; i < out * fan_in; ++i) {
    w.values.push_back(static_cast<int>(rng() % 256) - 128);
  }
  return *MakeLayerTrace("layer", 0.1, rows * out * fan_in, f, "f", w, "w");
}

// Non-commutative: the error depends on (a, b) and (b, a) differently.
Multiplier RandomMultiplier(std::mt19937_64& rng, bool is_signed) {
  Multiplier m;
  m.name = is_signed ? "random_s" : "random_u";
  m.is_signed = is_signed;
  m.products.resize(kTableSize);
  const OperandRange r = m.range();
  for (int ia = 0; ia < 256; ++ia) {
    for (int ib = 0; ib < 256; ++ib) {
      const int a = OperandValue(ia, r), b = OperandValue(ib, r);
      m.products[ia * 256 + ib] =
          a * b + static_cast<int>(rng() % 41) - 17 + (a > b ? a / 8 : 0);
    }
  }
  return m;
}

// Independent of ObserveError: straight from the operand values and the
// product table in value order, e = sum_j (P(x, w) - x * w), in double.
void ExpectAgreesWithPerRow(const LayerTrace& t, const Multiplier& m) {
  const std::vector<int32_t> p = *ProductsFor(m, OperandRange::kSigned);
  const int64_t out = static_cast<int64_t>(t.weights.size()) / t.fan_in;
  double sum = 0, sum_sq = 0;
  std::vector<double> channel(out, 0);
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double e = 0;
      for (int64_t j = 0; j < t.fan_in; ++j) {
        const int a = t.features[r * t.fan_in + j], b = t.weights[o * t.fan_in + j];
        e += p[(a + 128) * 256 + (b + 128)] - a * b;
      }
      sum += e;
      sum_sq += e * e;
      channel[o] += e;
    }
  }
  const double count = static_cast<double>(t.num_rows()) * out;
  const double mean = sum / count;
  const double std = std::sqrt(sum_sq / count - mean * mean);
  for (int threads : {1, 2}) {
    const ObservedErrorStats got =
        ObserveError(IndicesOf(t), ErrorTable(*ErrorMapFor(m, OperandRange::kSigned)), threads);
    EXPECT_NEAR(got.mean, mean, 1e-9 * std::max(1.0, std::abs(mean))) << m.name;
    EXPECT_NEAR(got.std, std, 1e-9 * std) << m.name;
    ASSERT_EQ(got.channel_mean.size(), static_cast<size_t>(out));
    double between = 0;
    for (int64_t o = 0; o < out; ++o) {
      const double cm = channel[o] / t.num_rows();
      EXPECT_NEAR(got.channel_mean[o], cm, 1e-9 * std::max(1.0, std::abs(cm)));
      between += (cm - mean) * (cm - mean) / out;
    }
    EXPECT_NEAR(got.std_after_channel_mean, std::sqrt(std * std - between), 1e-6 * std);
  }
}

TEST(ObserveError, AgreesWithPerRowOnRandomLayers) {
  std::mt19937_64 rng(13);
  // Shapes include row counts above one task (2048 rows) and odd fan-ins.
  const struct {
    int64_t rows, out, fan_in;
  } shapes[] = {{300, 6, 25}, {2500, 16, 150}, {70, 10, 84}, {4100, 3, 9}};
  for (const auto& s : shapes) {
    const LayerTrace t = RandomLayer(rng, s.rows, s.out, s.fan_in);
    ExpectAgreesWithPerRow(t, RandomMultiplier(rng, true));
    // An unsigned multiplier is used in sign-magnitude.
    ExpectAgreesWithPerRow(t, RandomMultiplier(rng, false));
  }
}

TEST(ObserveError, OffsetErrorIsTheErrorAfterAPerNeuronCorrection) {
  std::mt19937_64 rng(16);
  const LayerTrace t = RandomLayer(rng, 700, 7, 33);
  const Multiplier m = RandomMultiplier(rng, true);
  const std::vector<int32_t> table = ErrorTable(*ErrorMapFor(m, OperandRange::kSigned));
  const TraceIndices x = IndicesOf(t);
  std::vector<double> offset(x.out);
  for (double& c : offset) c = static_cast<double>(rng() % 2001) - 1000.0;
  // Directly: e_ro - offset[o] over every row and neuron.
  double sum = 0, sum_sq = 0;
  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t o = 0; o < x.out; ++o) {
      double e = -offset[o];
      for (int64_t j = 0; j < x.fan_in; ++j) {
        e += table[x.features[r * x.fan_in + j] * 256 + x.weights[o * x.fan_in + j]];
      }
      sum += e;
      sum_sq += e * e;
    }
  }
  const double count = static_cast<double>(x.rows) * x.out;
  const double mean = sum / count, std = std::sqrt(sum_sq / count - mean * mean);
  const ErrorMoments got = OffsetError(ObserveError(x, table), offset);
  EXPECT_NEAR(got.mean, mean, 1e-9 * std::abs(mean));
  EXPECT_NEAR(got.std, std, 1e-9 * std);
}

TEST(ObserveError, ExactMultiplierHasNoError) {
  std::mt19937_64 rng(14);
  const LayerTrace t = RandomLayer(rng, 500, 8, 30);
  const ObservedErrorStats e =
      ObserveError(IndicesOf(t), ErrorTable(ErrorMapFromProducts(ExactProducts(OperandRange::kSigned),
                                                                 OperandRange::kSigned)));
  EXPECT_EQ(e.mean, 0);
  EXPECT_EQ(e.std, 0);
}

TEST(ObserveError, ReferenceLoopAgrees) {
  std::mt19937_64 rng(15);
  const LayerTrace t = RandomLayer(rng, 900, 5, 40);
  const std::vector<int32_t> table =
      ErrorTable(*ErrorMapFor(RandomMultiplier(rng, true), OperandRange::kSigned));
  const ObservedErrorStats a = ObserveError(IndicesOf(t), table);
  const ObservedErrorStats b = ObserveErrorReference(IndicesOf(t), table);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.std, b.std);
  EXPECT_EQ(a.channel_mean, b.channel_mean);
}

}  // namespace
}  // namespace agnapprox

namespace agnapprox {
namespace {

// A grouped layer's observed error is its groups' own: each group's rows
// against its own outputs only, as if each group were a layer of its own.
TEST(ObserveError, GroupsMeetOnlyTheirOwnOutputs) {
  std::mt19937_64 rng(31);
  const Multiplier m = RandomMultiplier(rng, true);
  const std::vector<int32_t> table = ErrorTable(*ErrorMapFor(m, OperandRange::kSigned));
  // Depthwise-like (one output per group, the direct loop) and 5 outputs
  // per group (the table GEMM).
  for (const auto& [groups, out] : {std::pair<int64_t, int64_t>{6, 6}, {2, 10}}) {
    const int64_t rows_per_group = 3000, fan_in = 9;
    LayerTrace t = RandomLayer(rng, groups * rows_per_group, out, fan_in);
    t.groups = groups;
    const ObservedErrorStats all = ObserveError(IndicesOf(t), table, 2);
    const ObservedErrorStats reference = ObserveErrorReference(IndicesOf(t), table);
    EXPECT_EQ(all.mean, reference.mean);
    EXPECT_EQ(all.std, reference.std);
    EXPECT_EQ(all.channel_mean, reference.channel_mean);
    double mean = 0, second = 0;
    const int64_t per_group = out / groups;
    for (int64_t g = 0; g < groups; ++g) {
      LayerTrace one = t;
      one.groups = 1;
      one.features.assign(t.features.begin() + g * rows_per_group * fan_in,
                          t.features.begin() + (g + 1) * rows_per_group * fan_in);
      one.weights.assign(t.weights.begin() + g * per_group * fan_in,
                         t.weights.begin() + (g + 1) * per_group * fan_in);
      const ObservedErrorStats e = ObserveError(IndicesOf(one), table, 1);
      mean += e.mean / groups;
      second += (e.std * e.std + e.mean * e.mean) / groups;
      for (int64_t o = 0; o < per_group; ++o) {
        EXPECT_EQ(all.channel_mean[g * per_group + o], e.channel_mean[o]) << g << " " << o;
      }
    }
    EXPECT_NEAR(all.mean, mean, 1e-9 * std::max(1.0, std::abs(mean)));
    EXPECT_NEAR(all.std, std::sqrt(second - mean * mean), 1e-9 * all.std);
  }
}

// The standard error halves with four times the rows of the same
// distribution (the moments stay, the count quadruples).
TEST(ObserveError, StandardErrorShrinksWithTheRows) {
  std::mt19937_64 rng(8);
  const Multiplier m = RandomMultiplier(rng, true);
  const std::vector<int32_t> table = ErrorTable(*ErrorMapFor(m, OperandRange::kSigned));
  LayerTrace t = RandomLayer(rng, 500, 4, 25);
  const ObservedErrorStats once = ObserveError(IndicesOf(t), table, 1);
  LayerTrace four = t;
  for (int i = 0; i < 3; ++i) four.features.insert(four.features.end(), t.features.begin(), t.features.end());
  const ObservedErrorStats repeated = ObserveError(IndicesOf(four), table, 1);
  EXPECT_GT(once.std_error, 0);
  EXPECT_NEAR(repeated.std_error, once.std_error / 2, 1e-9 * once.std_error);
  EXPECT_LT(once.std_error, once.std);
}

// The standard error against the delta method written out on the e_ro
// themselves (two passes, central moments): sqrt((m4 - var^2) / rows) /
// (2 std), with rows (not rows x outputs) as the independent units. Other
// plausible formulas (std / sqrt(rows), std / sqrt(rows x outputs), the
// normal-theory std / sqrt(2 rows)) differ from it on this skewed error.
TEST(ObserveError, StandardErrorIsTheDeltaMethodOverRows) {
  std::mt19937_64 rng(9);
  const Multiplier m = RandomMultiplier(rng, true);
  const std::vector<int32_t> table = ErrorTable(*ErrorMapFor(m, OperandRange::kSigned));
  const LayerTrace t = RandomLayer(rng, 300, 5, 25);
  const TraceIndices x = IndicesOf(t);
  std::vector<long double> e;
  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t o = 0; o < x.out; ++o) {
      int64_t sum = 0;
      for (int64_t j = 0; j < x.fan_in; ++j) {
        sum += table[x.features[r * x.fan_in + j] * 256 + x.weights[o * x.fan_in + j]];
      }
      e.push_back(static_cast<long double>(sum));
    }
  }
  long double mean = 0;
  for (long double v : e) mean += v / e.size();
  long double var = 0, m4 = 0;
  for (long double v : e) {
    var += (v - mean) * (v - mean) / e.size();
    m4 += (v - mean) * (v - mean) * (v - mean) * (v - mean) / e.size();
  }
  const double expected =
      static_cast<double>(std::sqrt((m4 - var * var) / x.rows) / (2 * std::sqrt(var)));
  const ObservedErrorStats got = ObserveError(x, table, 1);
  ASSERT_GT(expected, 0);
  EXPECT_NEAR(got.std, static_cast<double>(std::sqrt(var)), 1e-9 * got.std);
  EXPECT_NEAR(got.std_error, expected, 1e-6 * expected);
  // The formula is not one of the naive ones.
  EXPECT_GT(std::abs(got.std_error - got.std / std::sqrt(static_cast<double>(x.rows))),
            0.05 * expected);
}

}  // namespace
}  // namespace agnapprox

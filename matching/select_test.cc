#include "matching/select.h"

#include <cmath>
#include <cstdlib>
#include <random>

#include "gtest/gtest.h"
#include "matching/matching_json.h"
#include "matching/select_testing.h"
#include "stats/sampling.h"

namespace agnapprox {
namespace {

// The agnapprox way, written plainly: per multiplier and sampled row, a full
// 256x256 evaluation, with the signed table built here from the definition.
Candidate PlainCandidate(const LayerTrace& t, const Multiplier& m,
                         const std::vector<int64_t>& rows) {
  auto product = [&](int a, int b) -> double {
    if (m.is_signed) return m.products[(a + 128) * 256 + (b + 128)];
    const double s = ((a < 0) != (b < 0)) ? -1 : 1;
    return s * m.products[std::abs(a) * 256 + std::abs(b)];
  };
  double pw[256] = {0};
  for (int16_t w : t.weights) pw[w + 128] += 1.0 / t.weights.size();
  const double n = t.fan_in;
  double sum_m = 0, sum_m2 = 0, sum_v = 0;
  for (int64_t r : rows) {
    double px[256] = {0};
    for (int64_t k = 0; k < t.fan_in; ++k) px[t.features[r * t.fan_in + k] + 128] += 1 / n;
    double mean = 0, second = 0;
    for (int a = 0; a < 256; ++a) {
      if (px[a] == 0) continue;
      for (int b = 0; b < 256; ++b) {
        const double e = product(a - 128, b - 128) - (a - 128) * (b - 128);
        mean += px[a] * pw[b] * e;
        second += px[a] * pw[b] * e * e;
      }
    }
    sum_m += mean;
    sum_m2 += mean * mean;
    sum_v += second - mean * mean;
  }
  const double count = rows.size();
  Candidate c;
  c.name = m.name;
  c.performance_metric = m.metrics.at("power");
  c.predicted_mean = n * sum_m / count;
  c.predicted_std = n * std::sqrt(std::max(
                            0.0, sum_m2 / count + sum_v / count / n -
                                     (sum_m / count) * (sum_m / count)));
  return c;
}

double PlainMaxStd(const LayerTrace& t, double max_noise, int zero_point = 0) {
  const int64_t out = t.weights.size() / t.fan_in;
  double s = 0, s2 = 0, count = 0;
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double y = 0;
      for (int64_t k = 0; k < t.fan_in; ++k) {
        y += (t.features[r * t.fan_in + k] - zero_point) * t.weights[o * t.fan_in + k];
      }
      s += y;
      s2 += y * y;
      ++count;
    }
  }
  return std::sqrt(s2 / count - (s / count) * (s / count)) * std::abs(max_noise);
}

double Relative(double a, double b) {
  return std::abs(a - b) / std::max(1e-12, std::abs(b));
}

TEST(Select, CandidatesAgreeWithThePlainAgnapproxWay) {
  std::mt19937_64 rng(7);
  for (int64_t fan_in : {9, 25, 150}) {
    const LayerTrace t = RandomLayer(rng, "l", fan_in, 200, 4, 0.1);
    const Catalog c = RandomCatalog(rng, 6);
    for (int64_t samples : {0, 64}) {
      MatchingOptions options;
      options.num_samples = samples;
      options.seed = 3;
      double max_std = 0;
      absl::StatusOr<std::vector<Candidate>> got =
          PredictCandidates(t, c, t.max_noise, options, &max_std);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_LT(Relative(max_std, PlainMaxStd(t, 0.1)), 1e-9);
      const std::vector<int64_t> rows = SampleRows(t.num_rows(), samples, 3);
      for (size_t j = 0; j < c.multipliers.size(); ++j) {
        const Candidate want = PlainCandidate(t, c.multipliers[j], rows);
        EXPECT_EQ((*got)[j].name, want.name);
        EXPECT_LT(Relative((*got)[j].predicted_std, want.predicted_std), 1e-9)
            << fan_in << " " << want.name;
        EXPECT_LT(std::abs((*got)[j].predicted_mean - want.predicted_mean),
                  1e-9 * std::max(1.0, want.predicted_std))
            << fan_in << " " << want.name;
      }
    }
  }
}

// Three multipliers with hand-set predictions via their tables: exact (1.0),
// and two with the same cost; the one with smaller error must win a tie.
Catalog TieCatalog() {
  std::mt19937_64 rng(1);
  Catalog c;
  c.source = "ties";
  c.multipliers.push_back(RandomMultiplier(rng, "exact", true, 0, 1.0));
  // Same cost: the noisy one wins by name alone, so only the std step
  // makes b_quiet the choice; c_same ties b_quiet on std and loses by name.
  c.multipliers.push_back(RandomMultiplier(rng, "a_noisy", true, 40, 0.5));
  c.multipliers.push_back(RandomMultiplier(rng, "b_quiet", true, 4, 0.5));
  c.multipliers.push_back(RandomMultiplier(rng, "c_same", true, 4, 0.5));
  c.multipliers[3].products = c.multipliers[2].products;  // identical to b_quiet
  return c;
}

TEST(Select, TiesGoToSmallerStdThenSmallerName) {
  std::mt19937_64 rng(2);
  const LayerTrace t = RandomLayer(rng, "l", 25, 300, 6, 0.5);
  MatchingOptions options;
  absl::StatusOr<LayerInfo> info = SelectLayerMultiplier(t, TieCatalog(), 0.5, options);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->multiplier_name, "b_quiet");
}

TEST(Select, SigmaSignIsIgnored) {
  std::mt19937_64 rng(3);
  const LayerTrace t = RandomLayer(rng, "l", 25, 300, 6, 0.5);
  MatchingOptions options;
  absl::StatusOr<LayerInfo> pos = SelectLayerMultiplier(t, TieCatalog(), 0.02, options);
  absl::StatusOr<LayerInfo> neg = SelectLayerMultiplier(t, TieCatalog(), -0.02, options);
  ASSERT_TRUE(pos.ok() && neg.ok());
  EXPECT_EQ(pos->multiplier_name, neg->multiplier_name);
  EXPECT_EQ(pos->max_std, neg->max_std);
  EXPECT_GT(pos->max_std, 0);
}

TEST(Select, NoQualifyingMultiplierNamesLayerAndLeastStd) {
  std::mt19937_64 rng(4);
  const LayerTrace t = RandomLayer(rng, "conv9", 25, 300, 6, 0.0);
  Catalog c = TieCatalog();
  c.multipliers.erase(c.multipliers.begin());  // no exact one left
  absl::StatusOr<LayerInfo> info = SelectLayerMultiplier(t, c, 0.0, MatchingOptions());
  ASSERT_FALSE(info.ok());
  const std::string m(info.status().message());
  EXPECT_NE(m.find("layer conv9"), std::string::npos) << m;
  EXPECT_NE(m.find("least predicted_std"), std::string::npos) << m;
  EXPECT_NE(m.find("b_quiet"), std::string::npos) << m;
}

TEST(Select, EmptyCatalogAndMissingMetricAreErrors) {
  std::mt19937_64 rng(5);
  const std::vector<LayerTrace> t = {RandomLayer(rng, "l", 9, 50, 2, 0.1)};
  Catalog empty;
  empty.source = "empty.txtpb";
  absl::StatusOr<MatchingInfo> e = SelectMultipliers(t, empty, MatchingOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("empty.txtpb"), std::string::npos);
  MatchingOptions delay;
  delay.metric = "delay";
  absl::StatusOr<MatchingInfo> d = SelectMultipliers(t, TieCatalog(), delay);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("multiplier exact"), std::string::npos);
}

TEST(Select, SameSeedSameBytesAndThreadCountDoesNotMatter) {
  std::mt19937_64 rng(6);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 20);
  MatchingOptions options;
  options.emit_candidates = true;
  options.seed = 11;
  options.threads = 1;
  absl::StatusOr<MatchingInfo> one = SelectMultipliers(layers, c, options);
  options.threads = 2;
  absl::StatusOr<MatchingInfo> two = SelectMultipliers(layers, c, options);
  absl::StatusOr<MatchingInfo> again = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok() && again.ok());
  EXPECT_EQ(MatchingToJson(*one, true).Dump(), MatchingToJson(*two, true).Dump());
  EXPECT_EQ(MatchingToJson(*two, true).Dump(), MatchingToJson(*again, true).Dump());
  options.seed = 12;
  absl::StatusOr<MatchingInfo> other = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(MatchingToJson(*one, true).Dump(), MatchingToJson(*other, true).Dump());
}

TEST(Select, ZeroSamplesUsesEveryRowRegardlessOfSeed) {
  std::mt19937_64 rng(8);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 8);
  MatchingOptions options;
  options.num_samples = 0;
  options.seed = 1;
  absl::StatusOr<MatchingInfo> a = SelectMultipliers(layers, c, options);
  options.seed = 99;
  absl::StatusOr<MatchingInfo> b = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(MatchingToJson(*a, false).Dump(), MatchingToJson(*b, false).Dump());
}

TEST(Select, RelativeEnergyFollowsTheSpec) {
  std::mt19937_64 rng(9);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 10);
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(layers, c, MatchingOptions());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->metric_max, 1.0);
  int64_t total = 0;
  for (const LayerTrace& t : layers) total += t.opcount;
  EXPECT_EQ(info->opcount, total);
  double want = 0;
  for (const LayerInfo& l : info->layers) {
    want += static_cast<double>(l.opcount) / total * l.multiplier_performance_metric / 1.0;
    EXPECT_LE(l.predicted_std, l.max_std);
  }
  EXPECT_DOUBLE_EQ(info->relative_energy_consumption(), want);
  EXPECT_EQ(info->method, "per_layer");
}

TEST(Select, BiasAwareIsStricter) {
  std::mt19937_64 rng(10);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  Catalog c = RandomCatalog(rng, 6);
  // A cheap multiplier with a large constant bias and no spread.
  Multiplier biased = RandomMultiplier(rng, "biased", true, 0, 0.01);
  for (int32_t& p : biased.products) p += 60;
  c.multipliers.push_back(biased);
  MatchingOptions options;
  absl::StatusOr<MatchingInfo> plain = SelectMultipliers(layers, c, options);
  options.bias_aware = true;
  absl::StatusOr<MatchingInfo> aware = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(plain.ok() && aware.ok()) << plain.status() << aware.status();
  EXPECT_EQ(plain->layers[0].multiplier_name, "biased");
  for (const LayerInfo& l : aware->layers) {
    EXPECT_NE(l.multiplier_name, "biased");
    EXPECT_LE(std::hypot(l.predicted_std, l.predicted_mean), l.max_std);
  }
}

TEST(Select, MaxStdUsesTheZeroPointShiftedOutputs) {
  std::mt19937_64 rng(21);
  LayerTrace t = RandomLayer(rng, "conv1", 25, 400, 6, 0.2);
  // Padding-like rows at the zero point's code, as tracing writes them.
  t.activation_zero_point = 36;
  for (int64_t k = 0; k < t.fan_in; ++k) t.features[k] = 36;
  absl::StatusOr<LayerInfo> info =
      SelectLayerMultiplier(t, RandomCatalog(rng, 4), 0.2, MatchingOptions());
  ASSERT_TRUE(info.ok()) << info.status();
  // Independently: Y = (X - zp) W^T.
  const double want = PlainMaxStd(t, 0.2, 36);
  EXPECT_LT(Relative(info->max_std, want), 1e-9) << info->max_std << " vs " << want;
  EXPECT_GT(Relative(PlainMaxStd(t, 0.2), want), 1e-3);  // the shift matters here
}

TEST(Select, MaxDistinctLimitsTheSetAndCostsNoLessEnergy) {
  std::mt19937_64 rng(12);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 12);
  absl::StatusOr<MatchingInfo> free = SelectMultipliers(layers, c, MatchingOptions());
  MatchingOptions options;
  options.max_distinct = 1;
  absl::StatusOr<MatchingInfo> one = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(free.ok() && one.ok()) << one.status();
  EXPECT_EQ(one->method, "exact");
  for (const LayerInfo& l : one->layers) {
    EXPECT_EQ(l.multiplier_name, one->layers[0].multiplier_name);
    EXPECT_LE(l.predicted_std, l.max_std);
  }
  EXPECT_GE(one->relative_energy_consumption(), free->relative_energy_consumption());
}

}  // namespace
}  // namespace agnapprox

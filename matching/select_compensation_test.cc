// Bias compensation (spec section 4): the correction per output channel
// from the expected error by weight, in the model's terms and observed.
#include <algorithm>
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "matching/select.h"
#include "matching/select_testing.h"

namespace agnapprox {
namespace {

TEST(Select, BiasCompensationRemovesAWeightOnlyError) {
  std::mt19937_64 rng(23);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  Catalog c = RandomCatalog(rng, 5);
  // A cheap multiplier whose error depends on the weight alone: every
  // neuron's error is a constant that a bias correction cancels exactly.
  Multiplier skewed = RandomMultiplier(rng, "skewed", true, 0, 0.01);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) skewed.products[(a + 128) * 256 + (b + 128)] += 40 * b + 40;
  }
  c.multipliers.push_back(skewed);
  // An error that follows the activation alone: the same for every neuron
  // on average, so compensation cannot remove its spread.
  Multiplier by_activation = RandomMultiplier(rng, "by_activation", true, 0, 0.01);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) by_activation.products[(a + 128) * 256 + (b + 128)] += 30 * a;
  }
  c.multipliers.push_back(by_activation);
  MatchingOptions options;
  options.emit_candidates = true;
  options.observed = true;
  options.estimator = Estimator::kTrace;
  absl::StatusOr<MatchingInfo> plain = SelectMultipliers(layers, c, options);
  options.compensate_bias = true;
  absl::StatusOr<MatchingInfo> compensated = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(plain.ok() && compensated.ok()) << plain.status() << compensated.status();
  EXPECT_TRUE(compensated->compensate_bias);
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerInfo& info = compensated->layers[l];
    const Candidate& a = info.candidates.back();
    ASSERT_EQ(a.name, "by_activation");
    EXPECT_NEAR(a.compensated_predicted_std, a.predicted_std, 1e-6 * a.predicted_std);
    EXPECT_NEAR(a.compensated_observed_std, a.observed_std, 1e-6 * a.observed_std);
    const Candidate& s = info.candidates[info.candidates.size() - 2];
    ASSERT_EQ(s.name, "skewed");
    EXPECT_GT(s.observed_std, info.max_std);  // too much error uncompensated
    EXPECT_LT(s.compensated_observed_std, 1e-6 * s.observed_std);
    EXPECT_NEAR(s.compensated_observed_mean, 0, 1e-6 * std::abs(s.observed_mean));
    EXPECT_LT(s.compensated_predicted_std, s.predicted_std);
    EXPECT_EQ(info.multiplier_name, "skewed");
    EXPECT_NE(plain->layers[l].multiplier_name, "skewed");
    // What deployment gets: g over 256 weight operands, one c_o per neuron.
    EXPECT_EQ(info.error_by_weight.size(), 256u);
    EXPECT_EQ(info.bias_correction.size(), layers[l].weights.size() / layers[l].fan_in);
  }
}

// Each neuron's weights all alike, and alike neurons far apart: the
// realised spread of the corrections c_o is far larger than the spread the
// model predicts for independent weights. The compensated prediction must
// stay in the model's own terms (never claim no error at all) and near the
// observed error left after compensation.
TEST(Select, CompensatedPredictionStaysInTheModelsTerms) {
  std::mt19937_64 rng(25);
  NpyArray f, w;
  const int64_t rows = 600, out = 8, n = 64;
  f.shape = {rows, n};
  w.shape = {out, n};
  for (int64_t i = 0; i < rows * n; ++i) f.values.push_back(static_cast<double>(rng() % 128));
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t j = 0; j < n; ++j) w.values.push_back(static_cast<double>(o * 30 - 110));
  }
  const LayerTrace t = *MakeLayerTrace("fc", 0.5, rows * out * n, f, "f", w, "w");
  Catalog c;
  c.source = "test";
  Multiplier m = RandomMultiplier(rng, "nonlinear", true, 0, 0.1);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      m.products[(a + 128) * 256 + (b + 128)] += ((a * b) % 37) + b / 4;
    }
  }
  c.multipliers.push_back(m);
  MatchingOptions options;
  options.observed = true;
  options.compensate_bias = true;
  options.emit_candidates = true;
  absl::StatusOr<LayerInfo> info = SelectLayerMultiplier(t, c, 0.5, options);
  ASSERT_TRUE(info.ok()) << info.status();
  const Candidate& k = info->candidates[0];
  // The model's own terms, written out: g(b) = E_a[e(a, b)] over the traced
  // activations, and compensation removes n var_w(g) from the predicted
  // variance and n E_w[g] from the predicted mean (weights drawn from the
  // layer's histogram).
  auto error = [](int a, int b) { return ((a * b) % 37) + b / 4; };
  double g_mean = 0, g_second = 0;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t j = 0; j < n; ++j) {
      const int b = static_cast<int>(w.values[o * n + j]);
      double g = 0;
      for (double a : f.values) g += error(static_cast<int>(a), b);
      g /= static_cast<double>(f.values.size());
      g_mean += g / (out * n);
      g_second += g * g / (out * n);
    }
  }
  const double want_std =
      std::sqrt(std::max(0.0, k.predicted_std * k.predicted_std - n * (g_second - g_mean * g_mean)));
  EXPECT_NEAR(k.compensated_predicted_std, want_std, 1e-9 * k.predicted_std);
  EXPECT_NEAR(k.compensated_predicted_mean, k.predicted_mean - n * g_mean,
              1e-9 * std::abs(n * g_mean) + 1e-9);
  // Never a claim of no error, and near what is left when observed.
  EXPECT_GT(k.compensated_observed_std, 0);
  EXPECT_GT(k.compensated_predicted_std, 0.8 * k.compensated_observed_std)
      << "predicted " << k.compensated_predicted_std << " observed " << k.compensated_observed_std;
  EXPECT_LT(k.compensated_predicted_std, 1.25 * k.compensated_observed_std);
}

}  // namespace
}  // namespace agnapprox

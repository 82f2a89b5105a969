// Which candidates the trace estimator observes, and sampled traces.
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "matching/select.h"
#include "matching/select_testing.h"

namespace agnapprox {
namespace {

TEST(Observation, DecidingCandidatesOnlyGiveTheSameChoiceAsAll) {
  for (uint64_t seed : {22, 23, 24}) {
    std::mt19937_64 rng(seed);
    const std::vector<LayerTrace> layers = FourLayers(rng);
    const Catalog c = RandomCatalog(rng, 12);
    MatchingOptions options;
    options.estimator = Estimator::kTrace;
    options.emit_candidates = true;
    options.observed = true;
    absl::StatusOr<MatchingInfo> all = SelectMultipliers(layers, c, options);
    options.observed = false;
    absl::StatusOr<MatchingInfo> deciding = SelectMultipliers(layers, c, options);
    ASSERT_TRUE(all.ok() && deciding.ok()) << all.status() << deciding.status();
    for (size_t l = 0; l < layers.size(); ++l) {
      const LayerInfo &a = all->layers[l], &d = deciding->layers[l];
      EXPECT_EQ(d.multiplier_name, a.multiplier_name) << seed << " " << l;
      EXPECT_EQ(d.observed_std, a.observed_std);
      // Observed: every candidate cheaper than the choice (rejected) and the
      // choice's metric; more expensive ones are left out.
      int observed = 0;
      for (size_t j = 0; j < d.candidates.size(); ++j) {
        const Candidate& cand = d.candidates[j];
        if (cand.performance_metric <= d.multiplier_performance_metric) {
          EXPECT_EQ(cand.observed_std, a.candidates[j].observed_std) << cand.name;
          ++observed;
        } else {
          EXPECT_TRUE(std::isnan(cand.observed_std)) << cand.name;
        }
      }
      EXPECT_LT(observed, static_cast<int>(d.candidates.size())) << "no early exit";
    }
  }
}

TEST(Observation, ModelEstimatorObservesNothingUntilAskedForTheChosen) {
  std::mt19937_64 rng(5);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 8);
  MatchingOptions options;
  options.emit_candidates = true;
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->observed);
  options.observed = true;
  absl::StatusOr<MatchingInfo> full = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(full.ok());
  ASSERT_TRUE(ObserveChosen(layers, c, &*info).ok());
  EXPECT_TRUE(info->observed);
  for (size_t l = 0; l < layers.size(); ++l) {
    EXPECT_EQ(info->layers[l].observed_std, full->layers[l].observed_std);
    EXPECT_EQ(info->layers[l].observed_mean, full->layers[l].observed_mean);
  }
}

TEST(Observation, ASampledTraceIsJudgedTwoStandardErrorsHigh) {
  std::mt19937_64 rng(9);
  LayerTrace t = RandomLayer(rng, "conv", 25, 2000, 6, 0.3);
  const Catalog c = RandomCatalog(rng, 10);
  MatchingOptions options;
  options.estimator = Estimator::kTrace;
  options.emit_candidates = true;
  options.observed = true;
  absl::StatusOr<MatchingInfo> whole = SelectMultipliers({t}, c, options);
  t.population_rows = 1000000;  // the same rows, now a sample of many more
  absl::StatusOr<MatchingInfo> sampled = SelectMultipliers({t}, c, options);
  ASSERT_TRUE(whole.ok() && sampled.ok());
  const LayerInfo &w = whole->layers[0], &s = sampled->layers[0];
  EXPECT_EQ(w.observed_std_error, 0);
  for (size_t j = 0; j < s.candidates.size(); ++j) {
    const Candidate& cand = s.candidates[j];
    EXPECT_EQ(cand.observed_std, w.candidates[j].observed_std);
    if (cand.observed_std > 0) {
      EXPECT_GT(cand.observed_std_error, 0) << cand.name;
    }
  }
  // The choice: the cheapest with observed_std + 2 SE within max_std.
  const Candidate* best = nullptr;
  for (const Candidate& cand : s.candidates) {
    if (cand.observed_std + 2 * cand.observed_std_error > s.max_std) continue;
    if (best == nullptr || cand.performance_metric < best->performance_metric) best = &cand;
  }
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(s.multiplier_name, best->name);
  EXPECT_GE(s.multiplier_performance_metric, w.multiplier_performance_metric);
}

// A tolerance set between the cheapest candidate's observed_std and
// observed_std + 2 standard errors: the whole trace takes that candidate,
// the same rows as a sample of a larger layer must not.
TEST(Observation, ACandidateInsideTheMarginIsRefusedOnlyForASample) {
  std::mt19937_64 rng(11);
  LayerTrace t = RandomLayer(rng, "conv", 25, 2000, 6, 0.3);
  const Catalog c = RandomCatalog(rng, 10);
  MatchingOptions options;
  options.estimator = Estimator::kTrace;
  options.emit_candidates = true;
  options.observed = true;
  LayerTrace sample = t;
  sample.population_rows = 1000000;
  absl::StatusOr<MatchingInfo> probe = SelectMultipliers({sample}, c, options);
  ASSERT_TRUE(probe.ok()) << probe.status();
  const LayerInfo& p = probe->layers[0];
  const Candidate* cheapest = &p.candidates[0];
  for (const Candidate& cand : p.candidates) {
    if (cand.performance_metric < cheapest->performance_metric) cheapest = &cand;
  }
  ASSERT_GT(cheapest->observed_std_error, 0);
  // max_std is proportional to |max_noise|: put it one standard error above.
  const double wanted = cheapest->observed_std + cheapest->observed_std_error;
  t.max_noise = 0.3 * wanted / p.max_std;
  sample.max_noise = t.max_noise;
  absl::StatusOr<MatchingInfo> whole = SelectMultipliers({t}, c, options);
  absl::StatusOr<MatchingInfo> sampled = SelectMultipliers({sample}, c, options);
  ASSERT_TRUE(whole.ok() && sampled.ok()) << whole.status() << sampled.status();
  EXPECT_NEAR(whole->layers[0].max_std, wanted, 1e-9 * wanted);
  EXPECT_EQ(whole->layers[0].multiplier_name, cheapest->name);
  EXPECT_NE(sampled->layers[0].multiplier_name, cheapest->name);
}

TEST(Observation, SampleTraceRowsKeepsWholeRowsUnderTheCap) {
  std::mt19937_64 rng(3);
  const LayerTrace t = RandomLayer(rng, "conv", 9, 1000, 4, 0.1);
  EXPECT_EQ(SampleTraceRows(t, 9000, 1).features, t.features);  // at the cap: whole
  EXPECT_EQ(SampleTraceRows(t, 0, 1).population_rows, 0);
  const LayerTrace s = SampleTraceRows(t, 900, 1);
  ASSERT_EQ(s.num_rows(), 100);
  EXPECT_EQ(s.population_rows, 1000);
  EXPECT_EQ(s.weights, t.weights);
  // Each sampled row is a row of t, in increasing order of where it was.
  int64_t last = -1;
  for (int64_t r = 0; r < s.num_rows(); ++r) {
    int64_t found = -1;
    for (int64_t q = last + 1; q < t.num_rows() && found < 0; ++q) {
      if (std::equal(s.features.begin() + r * 9, s.features.begin() + (r + 1) * 9,
                     t.features.begin() + q * 9)) {
        found = q;
      }
    }
    ASSERT_GE(found, 0) << r;
    last = found;
  }
  EXPECT_EQ(SampleTraceRows(t, 900, 1).features, s.features);  // seeded
  EXPECT_NE(SampleTraceRows(t, 900, 2).features, s.features);
}

TEST(Select, TraceEstimatorSelectsByObservedStd) {
  std::mt19937_64 rng(22);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 8);
  MatchingOptions options;
  options.emit_candidates = true;
  options.observed = true;
  absl::StatusOr<MatchingInfo> model = SelectMultipliers(layers, c, options);
  options.estimator = Estimator::kTrace;
  absl::StatusOr<MatchingInfo> trace = SelectMultipliers(layers, c, options);
  ASSERT_TRUE(model.ok() && trace.ok()) << model.status() << trace.status();
  EXPECT_TRUE(trace->observed);
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerInfo& info = trace->layers[l];
    // Observed values do not depend on the estimator.
    for (size_t j = 0; j < c.multipliers.size(); ++j) {
      EXPECT_EQ(info.candidates[j].observed_std, model->layers[l].candidates[j].observed_std);
    }
    // The choice: the cheapest with observed_std within max_std.
    const Candidate* best = nullptr;
    for (const Candidate& cand : info.candidates) {
      if (cand.observed_std > info.max_std) continue;
      if (best == nullptr || cand.performance_metric < best->performance_metric ||
          (cand.performance_metric == best->performance_metric &&
           cand.observed_std < best->observed_std)) {
        best = &cand;
      }
    }
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(info.multiplier_name, best->name);
    EXPECT_LE(info.observed_std, info.max_std);
  }
}

TEST(Select, HeldOutOnTheSameTracesIsTheObservedError) {
  std::mt19937_64 rng(24);
  const std::vector<LayerTrace> layers = FourLayers(rng);
  const Catalog c = RandomCatalog(rng, 6);
  for (bool compensate : {false, true}) {
    MatchingOptions options;
    options.observed = true;
    options.compensate_bias = compensate;
    absl::StatusOr<MatchingInfo> info = SelectMultipliers(layers, c, options);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_TRUE(ObserveHeldOut(layers, c, &*info).ok());
    EXPECT_TRUE(info->held_out);
    int within = 0;
    for (const LayerInfo& l : info->layers) {
      const double want = compensate ? l.compensated_observed_std : l.observed_std;
      EXPECT_NEAR(l.held_out_std, want, 1e-9 * want) << l.name;
      within += l.held_out_std <= l.max_std;
    }
    EXPECT_EQ(LayersWithinTolerance(*info), within);
    EXPECT_EQ(LayersWithinTolerance(*info, 1e9), static_cast<int>(layers.size()));
  }
  // Other layers than the matching's are refused, naming them.
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(layers, c, MatchingOptions());
  ASSERT_TRUE(info.ok());
  std::vector<LayerTrace> swapped = layers;
  std::swap(swapped[0], swapped[1]);
  const absl::Status s = ObserveHeldOut(swapped, c, &*info);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(layers[1].name), std::string::npos) << s;
  EXPECT_FALSE(ObserveHeldOut({layers[0]}, c, &*info).ok());
}

}  // namespace
}  // namespace agnapprox

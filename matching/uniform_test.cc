#include "matching/uniform.h"

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

// Two layers of equal opcount; candidates (name, metric, std in layer 1,
// std in layer 2); the chosen multipliers give the matching's energy.
MatchingInfo Example(const std::string& chosen1, double metric1, const std::string& chosen2,
                     double metric2) {
  MatchingInfo m;
  m.metric = "power";
  m.metric_max = 1.0;
  m.opcount = 200;
  const struct {
    const char* name;
    double metric, std1, std2;
  } catalog[] = {{"exact", 1.0, 0, 0},   {"b", 0.6, 4, 4},   {"a", 0.6, 2, 6},
                 {"c", 0.5, 10, 10},     {"cheap", 0.2, 50, 50}};
  for (int l = 0; l < 2; ++l) {
    LayerInfo layer;
    layer.name = l == 0 ? "conv1" : "fc1";
    layer.opcount = 100;
    layer.max_std = 8;  // sums of std / 8 below are exact
    layer.multiplier_name = l == 0 ? chosen1 : chosen2;
    layer.multiplier_performance_metric = l == 0 ? metric1 : metric2;
    for (const auto& c : catalog) {
      layer.candidates.push_back({c.name, c.metric, l == 0 ? c.std1 : c.std2, 0});
    }
    m.layers.push_back(layer);
  }
  return m;
}

TEST(SelectUniformMultiplier, TakesTheMostExpensiveWithinTheBudget) {
  // Budget (0.5 + 0.8) / 2 = 0.65: "a" and "b" (0.6) are the closest.
  absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(Example("c", 0.5, "x", 0.8));
  ASSERT_TRUE(u.ok()) << u.status();
  // Same metric: summed std / max_std is 1 for both "a" (2+6) and "b"
  // (4+4), so the smaller name wins.
  EXPECT_EQ(u->name, "a");
  EXPECT_DOUBLE_EQ(u->relative_energy, 0.6);
  EXPECT_TRUE(u->within_budget);
}

TEST(SelectUniformMultiplier, TiesGoToTheSmallerError) {
  MatchingInfo m = Example("c", 0.5, "x", 0.8);
  m.layers[1].candidates[1].predicted_std = 1;  // "b": 4 + 1 < 2 + 6
  absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(m);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "b");
}

TEST(SelectUniformMultiplier, NeverAboveTheBudget) {
  // Budget 0.55: only "c" (0.5) and "cheap" fit; "a"/"b" (0.6) do not.
  absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(Example("c", 0.5, "x", 0.6));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "c");
}

TEST(SelectUniformMultiplier, NothingThatCheapTakesTheCheapest) {
  absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(Example("z", 0.1, "z", 0.1));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "cheap");
  EXPECT_FALSE(u->within_budget);
}

TEST(SelectUniformMultiplier, RefusesAMatchingWithoutCandidates) {
  MatchingInfo m = Example("c", 0.5, "x", 0.8);
  m.layers[1].candidates.clear();
  absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(m);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("fc1"), std::string::npos);
  EXPECT_FALSE(SelectUniformMultiplier(MatchingInfo()).ok());
}

}  // namespace
}  // namespace agnapprox

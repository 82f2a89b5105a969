#include "matching/verified_search.h"

#include <functional>
#include <map>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

// An oracle from a formula over the option names' last digit per layer.
class FormulaOracle : public AssignmentOracle {
 public:
  explicit FormulaOracle(std::function<int64_t(const std::vector<int>&)> f) : f_(std::move(f)) {}
  absl::StatusOr<int64_t> Correct(const std::vector<std::string>& names) override {
    ++calls;
    std::vector<int> digits;
    for (const std::string& n : names) digits.push_back(n.back() - '0');
    return f_(digits);
  }
  absl::Status SetBase(const std::vector<std::string>&) override { return absl::OkStatus(); }
  int calls = 0;

 private:
  std::function<int64_t(const std::vector<int>&)> f_;
};

// Layer l, option k ("mK"): relative metric 1 - 0.3 k, error ratio k.
std::vector<SearchLayer> Layers(int count, int options, std::vector<double> weights) {
  std::vector<SearchLayer> layers(count);
  for (int l = 0; l < count; ++l) {
    layers[l].name = "layer" + std::to_string(l);
    layers[l].weight = weights[l];
    for (int k = 0; k < options; ++k) {
      layers[l].options.push_back({"m" + std::to_string(k), 1.0 - 0.3 * k, static_cast<double>(k)});
    }
    layers[l].start = 0;
  }
  return layers;
}

// The least energy of any assignment with at least `min_correct`, by brute force.
double BruteForce(const std::vector<SearchLayer>& layers,
                  const std::function<int64_t(const std::vector<int>&)>& f, int64_t min_correct,
                  std::vector<int>* best_choice) {
  double best = 1e9;
  std::vector<int> a(layers.size(), 0);
  std::function<void(size_t)> walk = [&](size_t l) {
    if (l == layers.size()) {
      if (f(a) >= min_correct && AssignmentEnergy(layers, a) < best) {
        best = AssignmentEnergy(layers, a);
        *best_choice = a;
      }
      return;
    }
    for (size_t c = 0; c < layers[l].options.size(); ++c) {
      a[l] = static_cast<int>(c);
      walk(l + 1);
    }
  };
  walk(0);
  return best;
}

// Losses that interact: two approximate layers together lose more than
// their sum, and layer 2 is cheap to approximate.
int64_t Interacting(const std::vector<int>& d) {
  const int64_t separate = 3 * d[0] * d[0] + 5 * d[1] + 1 * d[2];
  return 1000 - separate - 4 * d[0] * d[1];
}

TEST(VerifiedSearch, ExhaustiveFindsTheExactOptimum) {
  const std::vector<SearchLayer> layers = Layers(3, 4, {0.5, 0.3, 0.2});
  SearchOptions o;
  o.min_correct = 985;
  FormulaOracle oracle(Interacting);
  absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, o);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<int> expected;
  const double best = BruteForce(layers, Interacting, o.min_correct, &expected);
  ASSERT_GE(r->chosen, 0);
  // Indices refer to the pruned layers (options by increasing metric).
  const Assignment& chosen = r->evaluated[r->chosen].choice;
  for (size_t l = 0; l < layers.size(); ++l) {
    EXPECT_EQ(r->layers[l].options[chosen[l]].name, layers[l].options[expected[l]].name);
  }
  EXPECT_DOUBLE_EQ(r->evaluated[r->chosen].relative_energy, best);
  EXPECT_EQ(r->measurements, 64);  // every assignment once
}

TEST(VerifiedSearch, HeuristicFindsTheOptimumWhenLossesAdd) {
  // Separable losses: the knapsack over single-layer losses is exact.
  auto additive = [](const std::vector<int>& d) -> int64_t {
    return 1000 - (3 * d[0] * d[0] + 5 * d[1] + d[2] + 2 * d[3] * d[3]);
  };
  const std::vector<SearchLayer> layers = Layers(4, 4, {0.4, 0.3, 0.2, 0.1});
  for (int64_t min_correct : {1000, 995, 990, 980, 970}) {
    SearchOptions o;
    o.min_correct = min_correct;
    o.exhaustive_limit = 0;
    FormulaOracle oracle(additive);
    absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, o);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<int> expected;
    const double best = BruteForce(layers, additive, min_correct, &expected);
    ASSERT_GE(r->chosen, 0) << min_correct;
    EXPECT_NEAR(r->evaluated[r->chosen].relative_energy, best, 1e-12) << min_correct;
    EXPECT_LT(oracle.calls, 256);  // fewer than the 256 assignments
  }
}

TEST(VerifiedSearch, HeuristicQualifiesWhenLossesInteract) {
  const std::vector<SearchLayer> layers = Layers(3, 4, {0.5, 0.3, 0.2});
  SearchOptions o;
  o.min_correct = 985;
  o.exhaustive_limit = 0;
  FormulaOracle oracle(Interacting);
  absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->chosen, 0);
  EXPECT_GE(r->evaluated[r->chosen].correct, o.min_correct);
  std::vector<int> expected;
  const double best = BruteForce(layers, Interacting, o.min_correct, &expected);
  // Descent finishes what the knapsack's additive view misses here.
  EXPECT_NEAR(r->evaluated[r->chosen].relative_energy, best, 1e-12);
}

TEST(VerifiedSearch, ATargetNothingMeetsReportsTheBestOnOffer) {
  const std::vector<SearchLayer> layers = Layers(2, 3, {0.5, 0.5});
  for (int64_t limit : {0, 256}) {
    SearchOptions o;
    o.min_correct = 1001;
    o.exhaustive_limit = limit;
    FormulaOracle oracle([](const std::vector<int>& d) -> int64_t { return 1000 - d[0] - d[1]; });
    absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->chosen, -1);
    EXPECT_EQ(r->best_correct, 1000);
  }
}

TEST(VerifiedSearch, TheFrontIsNonDominatedAndByEnergy) {
  const std::vector<SearchLayer> layers = Layers(3, 4, {0.5, 0.3, 0.2});
  SearchOptions o;
  o.min_correct = 985;
  FormulaOracle oracle(Interacting);
  absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, o);
  ASSERT_TRUE(r.ok());
  ASSERT_GE(r->front.size(), 2u);
  for (size_t i = 1; i < r->front.size(); ++i) {
    const EvaluatedAssignment &a = r->evaluated[r->front[i - 1]], &b = r->evaluated[r->front[i]];
    EXPECT_LT(a.relative_energy, b.relative_energy);
    EXPECT_LT(a.correct, b.correct);
  }
  for (const EvaluatedAssignment& e : r->evaluated) {
    for (size_t f : r->front) {
      const EvaluatedAssignment& p = r->evaluated[f];
      EXPECT_FALSE(e.relative_energy <= p.relative_energy && e.correct >= p.correct &&
                   (e.relative_energy < p.relative_energy || e.correct > p.correct));
    }
  }
}

TEST(VerifiedSearch, PruningDropsDominatedOptionsAndKeepsTheStart) {
  SearchLayer l;
  l.name = "fc";
  l.weight = 1;
  l.options = {{"exact", 1.0, 0.0},   {"good", 0.5, 0.2},  {"worse", 0.6, 0.3},
               {"same", 0.5, 0.2},    {"huge", 0.1, 40.0}, {"cheap", 0.3, 2.0}};
  l.start = 2;  // "worse": dominated by "good", kept as the start
  const std::vector<SearchLayer> p = PruneOptions({l}, 16);
  std::vector<std::string> names;
  for (const SearchOption& o : p[0].options) names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string>{"cheap", "good", "worse", "exact"}));
  EXPECT_EQ(p[0].options[p[0].start].name, "worse");
}

TEST(VerifiedSearch, OracleErrorsPassThrough) {
  class Failing : public AssignmentOracle {
    absl::StatusOr<int64_t> Correct(const std::vector<std::string>&) override {
      return absl::InvalidArgumentError("layer conv1: broken");
    }
    absl::Status SetBase(const std::vector<std::string>&) override { return absl::OkStatus(); }
  } oracle;
  absl::StatusOr<SearchResult> r = SearchAssignments(Layers(2, 2, {0.5, 0.5}), oracle, {});
  EXPECT_EQ(r.status().message(), "layer conv1: broken");
  EXPECT_FALSE(SearchAssignments({}, oracle, {}).ok());
}

}  // namespace
}  // namespace agnapprox

#include "matching/max_distinct.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

SharingProblem RandomProblem(std::mt19937_64& rng, int layers, int mults, double fit) {
  SharingProblem p;
  std::uniform_real_distribution<double> u(0, 1);
  for (int j = 0; j < mults; ++j) p.cost.push_back(std::round(u(rng) * 20) / 20);
  double total = 0;
  for (int l = 0; l < layers; ++l) {
    std::vector<bool> f(mults);
    for (int j = 0; j < mults; ++j) f[j] = u(rng) < fit;
    f[mults - 1] = true;  // an exact-like multiplier always fits
    p.fits.push_back(f);
    p.weight.push_back(1 + u(rng) * 9);
    total += p.weight.back();
    std::vector<int> rank(mults);
    std::vector<int> order(mults);
    for (int j = 0; j < mults; ++j) order[j] = j;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return p.cost[a] != p.cost[b] ? p.cost[a] < p.cost[b] : a < b;
    });
    for (int i = 0; i < mults; ++i) rank[order[i]] = i;
    p.rank.push_back(rank);
  }
  for (double& w : p.weight) w /= total;
  return p;
}

// Brute force over every assignment of layers to multipliers that uses at
// most k distinct ones: the reference the searches must meet.
double BruteForce(const SharingProblem& p, int k) {
  const int layers = p.fits.size(), mults = p.cost.size();
  double best = 1e300;
  std::vector<int> a(layers, 0);
  while (true) {
    bool ok = true;
    std::vector<bool> used(mults, false);
    int distinct = 0;
    double e = 0;
    for (int l = 0; l < layers && ok; ++l) {
      ok = p.fits[l][a[l]];
      if (!used[a[l]]) ++distinct;
      used[a[l]] = true;
      e += p.weight[l] * p.cost[a[l]];
    }
    if (ok && distinct <= k) best = std::min(best, e);
    int i = 0;
    while (i < layers && ++a[i] == mults) a[i++] = 0;
    if (i == layers) break;
  }
  return best;
}

TEST(MaxDistinct, ExactMatchesBruteForce) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 40; ++trial) {
    const SharingProblem p = RandomProblem(rng, 4, 6, 0.5);
    for (int k = 1; k <= 3; ++k) {
      absl::StatusOr<SharingSolution> s = SolveSharingExact(p, k);
      ASSERT_TRUE(s.ok());
      EXPECT_NEAR(s->energy, BruteForce(p, k), 1e-12) << "trial " << trial;
      std::set<int> distinct(s->assignment.begin(), s->assignment.end());
      EXPECT_LE(static_cast<int>(distinct.size()), k);
      for (size_t l = 0; l < p.fits.size(); ++l) EXPECT_TRUE(p.fits[l][s->assignment[l]]);
    }
  }
}

TEST(MaxDistinct, GreedyIsFeasibleAndCloseToExact) {
  std::mt19937_64 rng(2);
  int equal = 0, trials = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const SharingProblem p = RandomProblem(rng, 5, 7, 0.45);
    for (int k = 1; k <= 3; ++k) {
      absl::StatusOr<SharingSolution> g = SolveSharingGreedy(p, k);
      absl::StatusOr<SharingSolution> e = SolveSharingExact(p, k);
      ASSERT_TRUE(g.ok()) << g.status();
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_EQ(g->method, "greedy_swap");
      EXPECT_GE(g->energy, e->energy - 1e-12);
      EXPECT_LE(g->energy, e->energy * 1.25 + 1e-12);
      equal += std::abs(g->energy - e->energy) < 1e-12;
      ++trials;
    }
  }
  // The heuristic finds the optimum in most small cases.
  EXPECT_GE(equal, trials * 8 / 10) << equal << " of " << trials;
}

TEST(MaxDistinct, InfeasibleIsAnError) {
  SharingProblem p;
  p.cost = {0.1, 0.2};
  p.fits = {{true, false}, {false, true}};
  p.weight = {0.5, 0.5};
  p.rank = {{0, 1}, {0, 1}};
  EXPECT_FALSE(SolveSharing(p, 1).ok());
  absl::StatusOr<SharingSolution> two = SolveSharing(p, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->assignment, (std::vector<int>{0, 1}));
  EXPECT_EQ(two->method, "exact");
}

}  // namespace
}  // namespace agnapprox

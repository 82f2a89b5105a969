// Choosing at most K distinct multipliers for a whole network (ALWANN-style
// sharing), minimising relative energy while every layer stays within its
// tolerance.
//
// Exact: every subset of at most K of the useful multipliers (those that fit
// at least one layer), when there are at most kExactSubsetLimit of them.
// Otherwise greedy_swap: add the multiplier that lowers the cost most until
// K are chosen (fewer layers left without a fitting multiplier first, then
// lower energy), then swap one chosen for one unchosen while that lowers the
// cost. Tests compare it with the exact search.
#ifndef AGNAPPROX_MATCHING_MAX_DISTINCT_H_
#define AGNAPPROX_MATCHING_MAX_DISTINCT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace agnapprox {

// fits[l][j]: multiplier j meets layer l's tolerance. cost[j]: its metric.
// weight[l]: layer l's share of the opcount. Rank ties as selection does:
// rank[l][j] orders multipliers for layer l (smaller is preferred).
struct SharingProblem {
  std::vector<std::vector<bool>> fits;
  std::vector<double> cost;
  std::vector<double> weight;
  std::vector<std::vector<int>> rank;
};

struct SharingSolution {
  std::vector<int> assignment;  // multiplier index per layer
  double energy = 0;            // sum_l weight[l] * cost[assignment[l]]
  std::string method;           // "exact" or "greedy_swap"
};

inline constexpr int64_t kExactSubsetLimit = 200000;

// Solves with the exact search when small enough, else greedy_swap.
absl::StatusOr<SharingSolution> SolveSharing(const SharingProblem& p, int k);

// The two methods, for tests and benchmarks.
absl::StatusOr<SharingSolution> SolveSharingExact(const SharingProblem& p, int k);
absl::StatusOr<SharingSolution> SolveSharingGreedy(const SharingProblem& p, int k);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_MAX_DISTINCT_H_

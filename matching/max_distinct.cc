#include "matching/max_distinct.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace agnapprox {
namespace {

// The cost of using only `chosen`: each layer takes its best-ranked fitting
// member. Fewer uncovered layers always wins; then lower energy.
struct Evaluation {
  int uncovered = 0;
  double energy = 0;

  bool feasible() const { return uncovered == 0; }
  bool BetterThan(const Evaluation& o) const {
    if (uncovered != o.uncovered) return uncovered < o.uncovered;
    return energy < o.energy - 1e-12 * std::max(1.0, o.energy);
  }
};

Evaluation Evaluate(const SharingProblem& p, const std::vector<int>& chosen,
                    std::vector<int>* assignment = nullptr) {
  Evaluation e;
  for (size_t l = 0; l < p.fits.size(); ++l) {
    int best = -1;
    for (int j : chosen) {
      if (p.fits[l][j] && (best < 0 || p.rank[l][j] < p.rank[l][best])) best = j;
    }
    if (assignment != nullptr) (*assignment)[l] = best;
    if (best < 0) {
      ++e.uncovered;
    } else {
      e.energy += p.weight[l] * p.cost[best];
    }
  }
  return e;
}

absl::StatusOr<SharingSolution> Finish(const SharingProblem& p,
                                       const std::vector<int>& chosen, int k,
                                       const std::string& method) {
  SharingSolution s;
  s.assignment.resize(p.fits.size());
  const Evaluation e = Evaluate(p, chosen, &s.assignment);
  if (!e.feasible() || chosen.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no set of ", k, " multiplier", k == 1 ? "" : "s",
        " meets every layer's tolerance (", method, " search)"));
  }
  s.energy = e.energy;
  s.method = method;
  return s;
}

std::vector<int> Useful(const SharingProblem& p) {
  std::vector<int> useful;
  for (size_t j = 0; j < p.cost.size(); ++j) {
    for (size_t l = 0; l < p.fits.size(); ++l) {
      if (p.fits[l][j]) {
        useful.push_back(static_cast<int>(j));
        break;
      }
    }
  }
  return useful;
}

// C(n, r), saturating at limit + 1.
int64_t Choose(int64_t n, int64_t r, int64_t limit) {
  int64_t c = 1;
  for (int64_t i = 1; i <= r; ++i) {
    c = c * (n - r + i) / i;
    if (c > limit) return limit + 1;
  }
  return c;
}

}  // namespace

absl::StatusOr<SharingSolution> SolveSharingExact(const SharingProblem& p, int k) {
  const std::vector<int> useful = Useful(p);
  const int size = std::min<int>(k, useful.size());
  if (size == 0) return Finish(p, {}, k, "exact");
  // More multipliers never cost more, so subsets of exactly `size` suffice.
  std::vector<int> index(size);
  for (int i = 0; i < size; ++i) index[i] = i;
  std::vector<int> best;
  Evaluation best_eval{static_cast<int>(p.fits.size()) + 1, 0};
  std::vector<int> chosen(size);
  while (true) {
    for (int i = 0; i < size; ++i) chosen[i] = useful[index[i]];
    const Evaluation e = Evaluate(p, chosen);
    if (e.feasible() && e.BetterThan(best_eval)) {
      best_eval = e;
      best = chosen;
    }
    int i = size - 1;
    while (i >= 0 && index[i] == static_cast<int>(useful.size()) - size + i) --i;
    if (i < 0) break;
    ++index[i];
    for (int j = i + 1; j < size; ++j) index[j] = index[j - 1] + 1;
  }
  return Finish(p, best, k, "exact");
}

absl::StatusOr<SharingSolution> SolveSharingGreedy(const SharingProblem& p, int k) {
  const std::vector<int> useful = Useful(p);
  std::vector<int> chosen;
  auto in_chosen = [&](int j) {
    return std::find(chosen.begin(), chosen.end(), j) != chosen.end();
  };
  while (static_cast<int>(chosen.size()) < k &&
         chosen.size() < useful.size()) {
    int best = -1;
    Evaluation best_eval;
    for (int j : useful) {
      if (in_chosen(j)) continue;
      chosen.push_back(j);
      const Evaluation e = Evaluate(p, chosen);
      chosen.pop_back();
      if (best < 0 || e.BetterThan(best_eval)) {
        best_eval = e;
        best = j;
      }
    }
    chosen.push_back(best);
  }
  // One-for-one swaps while they improve; each swap improves strictly, so
  // this ends.
  Evaluation current = Evaluate(p, chosen);
  bool improved = true;
  while (improved) {
    improved = false;
    for (size_t i = 0; i < chosen.size() && !improved; ++i) {
      const int out = chosen[i];
      for (int j : useful) {
        if (in_chosen(j)) continue;
        chosen[i] = j;
        const Evaluation e = Evaluate(p, chosen);
        if (e.BetterThan(current)) {
          current = e;
          improved = true;
          break;
        }
        chosen[i] = out;
      }
    }
  }
  return Finish(p, chosen, k, "greedy_swap");
}

absl::StatusOr<SharingSolution> SolveSharing(const SharingProblem& p, int k) {
  const int64_t useful = static_cast<int64_t>(Useful(p).size());
  if (Choose(useful, std::min<int64_t>(k, useful), kExactSubsetLimit) <=
      kExactSubsetLimit) {
    return SolveSharingExact(p, k);
  }
  return SolveSharingGreedy(p, k);
}

}  // namespace agnapprox

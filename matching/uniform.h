// The uniform comparison: one multiplier in every layer, at the same or
// lower relative energy than a per-layer matching. It answers "does the
// per-layer choice beat the best single multiplier the same budget buys?".
//
//   absl::StatusOr<UniformChoice> u = SelectUniformMultiplier(matching);
//   DeployUniform(net, *FindMultiplier(catalog, u->name));
#ifndef AGNAPPROX_MATCHING_UNIFORM_H_
#define AGNAPPROX_MATCHING_UNIFORM_H_

#include <string>

#include "absl/status/statusor.h"
#include "matching/select.h"

namespace agnapprox {

struct UniformChoice {
  std::string name;
  double relative_energy = 0;  // metric / metric_max
  // False when no multiplier is as cheap as the matching: then the cheapest
  // one is chosen.
  bool within_budget = true;
};

// Among multipliers whose relative energy is at most the matching's, the
// most expensive (closest to the budget); ties go to the smaller sum over
// layers of predicted_std / max_std, then to the smaller name. When none is
// that cheap, the cheapest (ties as above).
//
// REQUIRES (else InvalidArgument): at least one layer, and every layer's
// `candidates` filled (MatchingOptions::emit_candidates) in the same
// catalog order.
absl::StatusOr<UniformChoice> SelectUniformMultiplier(const MatchingInfo& matching);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_UNIFORM_H_

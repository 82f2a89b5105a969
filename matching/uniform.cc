#include "matching/uniform.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace agnapprox {

absl::StatusOr<UniformChoice> SelectUniformMultiplier(const MatchingInfo& matching) {
  if (matching.layers.empty()) return absl::InvalidArgumentError("the matching has no layers");
  const size_t count = matching.layers[0].candidates.size();
  for (const LayerInfo& l : matching.layers) {
    if (l.candidates.empty() || l.candidates.size() != count) {
      return absl::InvalidArgumentError(
          absl::StrCat("layer ", l.name, ": the matching has no candidates for every multiplier"));
    }
  }
  if (!(matching.metric_max > 0)) {
    return absl::InvalidArgumentError("the matching's metric_max is not positive");
  }
  const double budget = matching.relative_energy_consumption();
  struct Option {
    size_t index;
    double metric;
    double error;  // sum over layers of predicted_std / max_std
  };
  std::vector<Option> options;
  for (size_t j = 0; j < count; ++j) {
    Option o{j, matching.layers[0].candidates[j].performance_metric, 0};
    for (const LayerInfo& l : matching.layers) {
      o.error += l.candidates[j].predicted_std / std::max(l.max_std, 1e-12);
    }
    options.push_back(o);
  }
  auto same_then_better = [&](const Option& a, const Option& b) {
    if (a.error != b.error) return a.error < b.error;
    return matching.layers[0].candidates[a.index].name <
           matching.layers[0].candidates[b.index].name;
  };
  const Option* best = nullptr;
  for (const Option& o : options) {
    if (o.metric / matching.metric_max > budget + 1e-12) continue;
    if (best == nullptr || o.metric > best->metric ||
        (o.metric == best->metric && same_then_better(o, *best))) {
      best = &o;
    }
  }
  UniformChoice choice;
  if (best == nullptr) {
    choice.within_budget = false;
    for (const Option& o : options) {
      if (best == nullptr || o.metric < best->metric ||
          (o.metric == best->metric && same_then_better(o, *best))) {
        best = &o;
      }
    }
  }
  choice.name = matching.layers[0].candidates[best->index].name;
  choice.relative_energy = best->metric / matching.metric_max;
  return choice;
}

}  // namespace agnapprox

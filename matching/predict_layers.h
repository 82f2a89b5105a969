// The error model applied to every candidate of every layer: the predicted
// (and, where the options ask, observed) error of each multiplier of the
// catalog at each layer's output, with the layer's tolerance. Internal to
// //matching:select.
#ifndef AGNAPPROX_MATCHING_PREDICT_LAYERS_H_
#define AGNAPPROX_MATCHING_PREDICT_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "matching/layer_trace.h"
#include "matching/select.h"
#include "multipliers/catalog.h"

namespace agnapprox {

struct LayerJob {
  const LayerTrace* trace;
  double max_noise;
};

struct LayerResult {
  double max_std = 0;
  std::vector<Candidate> candidates;  // catalog order
  // With compensate_bias, per candidate: g and the correction c_o.
  std::vector<std::vector<double>> error_by_weight;
  std::vector<std::vector<double>> bias_correction;
};

// Each job's candidates in catalog order, and its max_std = std(Y) *
// max_noise. The bits of every result do not depend on the thread count.
absl::StatusOr<std::vector<LayerResult>> PredictLayers(const std::vector<LayerJob>& jobs,
                                                       const Catalog& catalog,
                                                       const MatchingOptions& options);

// Copies a candidate's name, metric and errors into `info`.
void TakeCandidate(const Candidate& chosen, LayerInfo* info);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_PREDICT_LAYERS_H_

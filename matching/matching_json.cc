#include "matching/matching_json.h"

namespace agnapprox {
namespace {

// The error figures a layer (its chosen multiplier) and a candidate share:
// the prediction, and what the matching computed beyond it.
template <typename Errors>
void SetErrors(const Errors& e, const MatchingInfo& info, Json* j) {
  j->Set("predicted_std", e.predicted_std).Set("predicted_mean", e.predicted_mean);
  if (info.observed) j->Set("observed_std", e.observed_std).Set("observed_mean", e.observed_mean);
  // A sampled trace's standard error of observed_std.
  if (info.observed && e.observed_std_error > 0) j->Set("observed_std_error", e.observed_std_error);
  if (!info.compensate_bias) return;
  j->Set("compensated_predicted_std", e.compensated_predicted_std)
      .Set("compensated_predicted_mean", e.compensated_predicted_mean);
  if (info.observed) {
    j->Set("compensated_observed_std", e.compensated_observed_std)
        .Set("compensated_observed_mean", e.compensated_observed_mean);
  }
}

}  // namespace

Json MatchingToJson(const MatchingInfo& info, bool with_candidates) {
  Json layers = Json::Array();
  for (const LayerInfo& l : info.layers) {
    Json layer = Json::Object();
    layer.Set("name", l.name)
        .Set("multiplier_name", l.multiplier_name)
        .Set("multiplier_performance_metric", l.multiplier_performance_metric)
        .Set("opcount", l.opcount)
        .Set("fan_in", l.fan_in)
        .Set("max_std", l.max_std);
    SetErrors(l, info, &layer);
    if (info.held_out) {
      layer.Set("held_out_observed_std", l.held_out_std)
          .Set("held_out_observed_mean", l.held_out_mean)
          .Set("held_out_within_tolerance", HeldOutWithinTolerance(l));
    }
    if (info.compensate_bias) {
      Json correction = Json::Array();
      for (double c : l.bias_correction) correction.Push(c);
      layer.Set("bias_correction", std::move(correction));
    }
    layer.Set("relative_opcount", l.relative_opcount(info.opcount))
        .Set("relative_energy_consumption",
             l.relative_energy_consumption(info.metric_max));
    if (with_candidates) {
      Json candidates = Json::Array();
      for (const Candidate& c : l.candidates) {
        Json candidate = Json::Object();
        candidate.Set("name", c.name).Set("performance_metric", c.performance_metric);
        SetErrors(c, info, &candidate);
        candidates.Push(std::move(candidate));
      }
      layer.Set("candidates", std::move(candidates));
    }
    layers.Push(std::move(layer));
  }
  Json out = Json::Object();
  out.Set("metric", info.metric)
      .Set("metric_max", info.metric_max)
      .Set("metrics_are_estimates", info.metrics_are_estimates)
      .Set("opcount", info.opcount)
      .Set("relative_energy_consumption", info.relative_energy_consumption())
      .Set("method", info.method)
      .Set("estimator", EstimatorName(info.estimator))
      .Set("compensate_bias", info.compensate_bias);
  if (info.held_out) {
    out.Set("held_out_layers_within_tolerance", LayersWithinTolerance(info));
  }
  return out.Set("layers", std::move(layers));
}

}  // namespace agnapprox

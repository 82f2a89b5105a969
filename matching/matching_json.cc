#include "matching/matching_json.h"

namespace agnapprox {

Json MatchingToJson(const MatchingInfo& info, bool with_candidates) {
  Json layers = Json::Array();
  for (const LayerInfo& l : info.layers) {
    Json layer = Json::Object();
    layer.Set("name", l.name)
        .Set("multiplier_name", l.multiplier_name)
        .Set("multiplier_performance_metric", l.multiplier_performance_metric)
        .Set("opcount", l.opcount)
        .Set("fan_in", l.fan_in)
        .Set("max_std", l.max_std)
        .Set("predicted_std", l.predicted_std)
        .Set("predicted_mean", l.predicted_mean);
    if (info.observed) {
      layer.Set("observed_std", l.observed_std).Set("observed_mean", l.observed_mean);
    }
    layer.Set("relative_opcount", l.relative_opcount(info.opcount))
        .Set("relative_energy_consumption",
             l.relative_energy_consumption(info.metric_max));
    if (with_candidates) {
      Json candidates = Json::Array();
      for (const Candidate& c : l.candidates) {
        Json candidate = Json::Object();
        candidate.Set("name", c.name)
            .Set("performance_metric", c.performance_metric)
            .Set("predicted_std", c.predicted_std)
            .Set("predicted_mean", c.predicted_mean);
        if (info.observed) {
          candidate.Set("observed_std", c.observed_std).Set("observed_mean", c.observed_mean);
        }
        candidates.Push(std::move(candidate));
      }
      layer.Set("candidates", std::move(candidates));
    }
    layers.Push(std::move(layer));
  }
  return Json::Object()
      .Set("metric", info.metric)
      .Set("metric_max", info.metric_max)
      .Set("opcount", info.opcount)
      .Set("relative_energy_consumption", info.relative_energy_consumption())
      .Set("method", info.method)
      .Set("estimator", info.estimator == Estimator::kTrace ? "trace" : "model")
      .Set("layers", std::move(layers));
}

}  // namespace agnapprox

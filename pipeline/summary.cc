#include "pipeline/summary.h"

#include "pipeline/state.h"

namespace agnapprox {

Json PipelineSummary(const proto::PipelineState& state, const PipelineOptions& o) {
  Json seconds = Json::Object();
  for (const std::string& stage : state.completed()) seconds.Set(stage, state.seconds().at(stage));
  Json sigma = Json::Object();
  for (const proto::LayerRecord& l : state.layers()) sigma.Set(l.name(), l.sigma());
  Json summary = Json::Object();
  summary.Set("net", o.net).Set("dataset", o.dataset).Set("catalog", o.catalog);
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "gradient_search_accuracy",
                          "approx_accuracy_before_retraining", "approx_accuracy"}) {
    summary.Set(key, state.accuracy().at(key));
  }
  summary.Set("lambda", o.lambda)
      .Set("estimator", state.estimator())
      .Set("compensate_bias", state.compensate_bias())
      .Set("relative_energy_consumption", state.relative_energy())
      .Set("held_out_layers_within_tolerance", state.held_out_within_tolerance())
      .Set("layers", state.layers_size())
      .Set("sigma", std::move(sigma))
      .Set("matching", Json::Raw(state.matching_json()));
  if (Completed(state, "uniform")) {
    summary.Set("uniform",
                Json::Object()
                    .Set("name", state.uniform_multiplier())
                    .Set("relative_energy_consumption", state.uniform_relative_energy())
                    .Set("accuracy_before_retraining",
                         state.accuracy().at("uniform_accuracy_before_retraining"))
                    .Set("accuracy", state.accuracy().at("uniform_accuracy")));
  }
  summary.Set("seconds", std::move(seconds));
  return summary;
}

}  // namespace agnapprox

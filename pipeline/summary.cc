#include "pipeline/summary.h"

#include "nets/training/distributed.h"

#include "absl/strings/str_cat.h"
#include "pipeline/comparison.h"
#include "pipeline/state.h"

namespace agnapprox {

absl::StatusOr<Json> PipelineSummary(const proto::PipelineState& state, const PipelineOptions& o,
                                     const std::string& state_path) {
  auto missing = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(state_path, ": no ", what));
  };
  Json seconds = Json::Object();
  for (const std::string& stage : state.completed()) {
    auto it = state.seconds().find(stage);
    if (it == state.seconds().end()) return missing("seconds for stage " + stage);
    seconds.Set(stage, it->second);
  }
  auto accuracy = [&](const std::string& key) -> absl::StatusOr<double> {
    auto it = state.accuracy().find(key);
    if (it == state.accuracy().end()) return missing(key);
    return it->second;
  };
  Json sigma = Json::Object();
  for (const proto::LayerRecord& l : state.layers()) sigma.Set(l.name(), l.sigma());
  Json summary = Json::Object();
  summary.Set("net", NetLabel(o)).Set("dataset", o.dataset).Set("catalog", o.catalog);
  summary.Set("world_size", o.data_parallel == nullptr ? 1 : o.data_parallel->world_size());
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "gradient_search_accuracy",
                          "approx_accuracy_before_retraining", "approx_accuracy"}) {
    absl::StatusOr<double> a = accuracy(key);
    if (!a.ok()) return a.status();
    summary.Set(key, *a);
  }
  summary.Set("lambda", o.lambda)
      .Set("estimator", state.estimator())
      .Set("compensate_bias", state.compensate_bias())
      .Set("retrain_gradient", o.table_gradient ? "table" : "ste")
      .Set("relative_energy_consumption", state.relative_energy())
      .Set("metrics_are_estimates", state.metrics_are_estimates())
      .Set("matched_weights", MatchedWeightsOf(state))
      .Set("held_out_layers_within_tolerance", state.held_out_within_tolerance())
      .Set("selection", state.selection().method())
      .Set("calibration_images", state.calibration_images())
      .Set("qat_calibration_accuracy", state.selection().qat_calibration_accuracy())
      .Set("calibration_accuracy_before_retraining",
           state.selection().chosen_calibration_accuracy())
      .Set("comparison", ComparisonJson(state.selection()))
      .Set("layers", state.layers_size())
      .Set("sigma", std::move(sigma))
      .Set("matching", Json::Raw(state.matching_json()));
  if (Completed(state, "uniform")) {
    absl::StatusOr<double> before = accuracy("uniform_accuracy_before_retraining");
    absl::StatusOr<double> after = accuracy("uniform_accuracy");
    if (!before.ok()) return before.status();
    if (!after.ok()) return after.status();
    summary.Set("uniform", Json::Object()
                               .Set("name", state.uniform_multiplier())
                               .Set("relative_energy_consumption", state.uniform_relative_energy())
                               .Set("accuracy_before_retraining", *before)
                               .Set("accuracy", *after));
  }
  summary.Set("seconds", std::move(seconds));
  return summary;
}

}  // namespace agnapprox

#include "choose.h"

#include "absl/strings/str_format.h"
#include "matching/select.h"
#include "multipliers/open_catalog.h"

absl::StatusOr<std::string> Choose(const std::string& catalog_spec,
                                   const agnapprox::LayerTrace& trace) {
  absl::StatusOr<agnapprox::Catalog> catalog = agnapprox::OpenCatalog(catalog_spec, "");
  if (!catalog.ok()) return catalog.status();
  absl::StatusOr<agnapprox::LayerInfo> info = agnapprox::SelectLayerMultiplier(
      trace, *catalog, trace.max_noise, agnapprox::MatchingOptions());
  if (!info.ok()) return info.status();
  return absl::StrFormat("%s: %s (power %.4g, predicted std %.4g <= max std %.4g)", info->name,
                         info->multiplier_name, info->multiplier_performance_metric,
                         info->predicted_std, info->max_std);
}

absl::StatusOr<std::string> ChooseFirstLayer(const std::string& catalog_spec,
                                             const std::string& traces_path) {
  absl::StatusOr<std::vector<agnapprox::LayerTrace>> traces =
      agnapprox::LoadLayerTraces(traces_path);
  if (!traces.ok()) return traces.status();
  return Choose(catalog_spec, traces->front());
}

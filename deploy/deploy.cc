#include "deploy/deploy.h"

#include "absl/strings/str_cat.h"

namespace agnapprox {

absl::Status DeployMultipliers(ApproxNetImpl& net, const std::vector<LayerMultiplier>& assignment,
                               const Catalog& catalog) {
  auto layers = net.approx_layers();
  if (layers.size() != assignment.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the network has ", layers.size(), " approximable layers but the assignment has ",
        assignment.size()));
  }
  std::vector<std::vector<int32_t>> tables;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerMultiplier& info = assignment[i];
    if (layers[i].first != info.layer) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", i + 1, " is ", layers[i].first, " in the network but ", info.layer,
          " in the assignment (names and order must agree)"));
    }
    const Multiplier* m = FindMultiplier(catalog, info.multiplier);
    if (m == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", info.layer, ": multiplier ", info.multiplier, " is not in ",
          catalog.source));
    }
    if (!info.error_by_weight.empty() && info.error_by_weight.size() != 256) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", info.layer, ": the error compensation has ", info.error_by_weight.size(),
          " entries, not 256"));
    }
    absl::StatusOr<std::vector<int32_t>> table = ProductsFor(*m, OperandRange::kSigned);
    if (!table.ok()) return table.status();
    tables.push_back(std::move(*table));
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i].second->set_table(tables[i], assignment[i].multiplier);
    layers[i].second->set_error_compensation(assignment[i].error_by_weight);
    layers[i].second->set_mode(Mode::kApprox);
  }
  return absl::OkStatus();
}

absl::Status DeployUniform(ApproxNetImpl& net, const Multiplier& multiplier) {
  absl::StatusOr<std::vector<int32_t>> table = ProductsFor(multiplier, OperandRange::kSigned);
  if (!table.ok()) return table.status();
  for (auto& [name, layer] : net.approx_layers()) {
    layer->set_table(*table, multiplier.name);
    layer->set_mode(Mode::kApprox);
  }
  return absl::OkStatus();
}

}  // namespace agnapprox

// Deployment: putting chosen multipliers into a network's layers
// (agnapprox's deploy_multipliers).
//
//   absl::Status s = DeployMultipliers(*net, {{"conv1", "drum4_s"}, ...}, catalog);
//   // every approximable layer now runs in Mode::kApprox with its table
//
// Saving and loading deployed models is model_file.h.
#ifndef AGNAPPROX_DEPLOY_DEPLOY_H_
#define AGNAPPROX_DEPLOY_DEPLOY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "multipliers/catalog.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

// One approximable layer's name and the multiplier it gets.
struct LayerMultiplier {
  std::string layer;
  std::string multiplier;
  // Bias compensation (MatchingOptions::compensate_bias gives it as
  // LayerInfo::error_by_weight): 256 entries, or empty for none.
  std::vector<double> error_by_weight = {};
};

// Sets each layer's product table to its multiplier (signed operands, so
// unsigned multipliers are used in sign-magnitude) and the layers to
// Mode::kApprox, with the error compensation where one is given.
// `assignment` must name the network's approximable layers
// in their order, and every multiplier must be in `catalog`; otherwise
// nothing is changed and the error says which layer differs.
absl::Status DeployMultipliers(ApproxNetImpl& net, const std::vector<LayerMultiplier>& assignment,
                               const Catalog& catalog);

// Puts the same multiplier into every approximable layer.
absl::Status DeployUniform(ApproxNetImpl& net, const Multiplier& multiplier);

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_DEPLOY_H_

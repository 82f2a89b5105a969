// Deployment: putting the chosen multipliers into a network's layers
// (agnapprox's deploy_multipliers), and saving or loading a deployed model.
//
//   absl::Status s = DeployMultipliers(*net, matching, catalog);
//   // every approximable layer now runs in Mode::kApprox with its table
//   s = SaveDeployedModel(*net, "lenet5.deployed.pt");
#ifndef AGNAPPROX_DEPLOY_DEPLOY_H_
#define AGNAPPROX_DEPLOY_DEPLOY_H_

#include <string>

#include "absl/status/status.h"
#include "matching/select.h"
#include "multipliers/catalog.h"
#include "nets/approx_net.h"

namespace agnapprox {

// Sets each layer's product table to its multiplier from `matching` (signed
// operands, so unsigned multipliers are used in sign-magnitude) and the
// layers to Mode::kApprox. The layer names and their order must agree with
// `matching`, and every multiplier must be in `catalog`; otherwise nothing
// is changed and the error says which layer differs.
absl::Status DeployMultipliers(ApproxNetImpl& net, const MatchingInfo& matching,
                               const Catalog& catalog);

// Puts the same multiplier into every approximable layer.
absl::Status DeployUniform(ApproxNetImpl& net, const Multiplier& multiplier);

// Saves the network's parameters and buffers (weights, batch norm and
// observer state, sigma), atomically; no tables.
absl::Status SaveWeights(ApproxNetImpl& net, const std::string& path);

// Loads what SaveWeights wrote into a network of the same type.
absl::Status LoadWeights(ApproxNetImpl& net, const std::string& path);

// Saves weights, quantisation state (observer buffers) and each layer's
// multiplier name and table, atomically.
absl::Status SaveDeployedModel(ApproxNetImpl& net, const std::string& path);

// Loads what SaveDeployedModel wrote into a network of the same type; the
// layers get their tables back and run in Mode::kApprox.
absl::Status LoadDeployedModel(ApproxNetImpl& net, const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_DEPLOY_H_

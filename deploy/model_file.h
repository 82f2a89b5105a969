// Model files: checkpoints (weights and quantisation state) and deployed
// models (the same plus each layer's multiplier name and product table).
// Written atomically; a broken file is a one-line error naming it.
//
//   absl::Status s = SaveDeployedModel(*net, "lenet5.deployed.pt");
//   s = LoadDeployedModel(*other, "lenet5.deployed.pt");  // runs in kApprox
#ifndef AGNAPPROX_DEPLOY_MODEL_FILE_H_
#define AGNAPPROX_DEPLOY_MODEL_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

// Saves the network's parameters and buffers (weights, batch norm and
// observer state, sigma), atomically; no tables.
absl::Status SaveWeights(ApproxNetImpl& net, const std::string& path);

// Loads what SaveWeights wrote into a network of the same type.
absl::Status LoadWeights(ApproxNetImpl& net, const std::string& path);

// Saves weights, quantisation state (observer buffers) and each layer's
// multiplier name, table and error compensation, atomically.
absl::Status SaveDeployedModel(ApproxNetImpl& net, const std::string& path);

// Loads what SaveDeployedModel wrote into a network of the same type; the
// layers get their tables back and run in Mode::kApprox.
absl::Status LoadDeployedModel(ApproxNetImpl& net, const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_MODEL_FILE_H_

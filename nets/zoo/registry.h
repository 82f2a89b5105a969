// The networks the tools can build by name. Adding a network is its own
// file (an ApproxNetImpl) plus one line in registry.cc.
//
//   std::shared_ptr<ApproxNetImpl> net = MakeNet("resnet8");
//   if (net == nullptr) { /* not a name in NetNames() */ }
#ifndef AGNAPPROX_NETS_ZOO_REGISTRY_H_
#define AGNAPPROX_NETS_ZOO_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "nets/layers/approx_net.h"

namespace agnapprox {

// Every registered name, in registration order.
std::vector<std::string> NetNames();

// A new, freshly initialised network, or null for an unknown name.
std::shared_ptr<ApproxNetImpl> MakeNet(const std::string& name);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_REGISTRY_H_

// Picks the multiplier for one layer with agnapprox's matching.
#ifndef CONSUMER_CHOOSE_H_
#define CONSUMER_CHOOSE_H_

#include <string>

#include "absl/status/statusor.h"
#include "matching/layer_trace.h"

// "layer: multiplier (power P, predicted std S <= max std M)" for the first
// layer of `traces_path`, matched against catalog `catalog_spec`.
absl::StatusOr<std::string> ChooseFirstLayer(const std::string& catalog_spec,
                                             const std::string& traces_path);

// The same for a trace already in memory.
absl::StatusOr<std::string> Choose(const std::string& catalog_spec,
                                   const agnapprox::LayerTrace& trace);

#endif  // CONSUMER_CHOOSE_H_

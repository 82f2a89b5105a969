// Tracing: sample data through the network with exact quantised products,
// recording each approximable layer's integer operands for matching.
//
//   absl::StatusOr<std::vector<LayerTrace>> t = TraceNet(*net, sample.images);
//   SelectMultipliers(*t, catalog, options);   // or WriteLayerTraces(*t, path)
#ifndef AGNAPPROX_NETS_TRACE_H_
#define AGNAPPROX_NETS_TRACE_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "matching/layer_trace.h"
#include "nets/approx_net.h"

namespace agnapprox {

// Runs `images` through `net` in eval mode with QAT quantisation and
// returns one trace per approximable layer, in order: activation codes as
// im2col rows, weight codes, fan-in, opcount and the layer's current sigma.
// The network's modes are restored afterwards.
absl::StatusOr<std::vector<LayerTrace>> TraceNet(ApproxNetImpl& net,
                                                 const torch::Tensor& images);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_TRACE_H_

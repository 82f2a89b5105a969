// Tracing: sample data through the network with exact quantised products,
// recording each approximable layer's integer operands for matching.
//
//   absl::StatusOr<std::vector<LayerTrace>> t = TraceNet(*net, sample.images);
//   SelectMultipliers(*t, catalog, options);   // or WriteLayerTraces(*t, path)
#ifndef AGNAPPROX_NETS_LAYERS_TRACE_H_
#define AGNAPPROX_NETS_LAYERS_TRACE_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "matching/layer_trace.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

// Runs `images` through `net` in eval mode with QAT quantisation and
// returns one trace per approximable layer, in order: activation codes as
// im2col rows, weight codes, fan-in, opcount and the layer's current sigma.
// The network's modes are restored afterwards.
//
// With max_codes > 0, a layer whose trace would hold more activation codes
// keeps a seeded sample of its rows (LayerTrace::population_rows says how
// many there were): images are traced in chunks of kTraceChunk, each
// giving the same share of rows per image, so memory stays near the cap.
// Layers within the cap, and every layer of a network traced in one
// chunk, are traced whole, in one forward's row order.
inline constexpr int64_t kTraceChunk = 32;
absl::StatusOr<std::vector<LayerTrace>> TraceNet(ApproxNetImpl& net, const torch::Tensor& images,
                                                 int64_t max_codes = 0, uint64_t seed = 0);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_TRACE_H_

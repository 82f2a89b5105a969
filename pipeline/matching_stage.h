// The pipeline's matching stage: trace two disjoint image sets through the
// gradient-search network (one to match on, one held out), choose each
// layer's multiplier on the first, and check the choice on the second.
#ifndef AGNAPPROX_PIPELINE_MATCHING_STAGE_H_
#define AGNAPPROX_PIPELINE_MATCHING_STAGE_H_

#include <string>

#include "absl/status/statusor.h"
#include "matching/select.h"
#include "multipliers/catalog.h"
#include "nets/data/dataset.h"
#include "nets/layers/approx_net.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// Whether `train_size` training images leave some to hold out after
// `trace_samples`; the error names --trace_samples.
absl::Status CheckTraceSamples(int64_t train_size, int64_t trace_samples);

// Images [0, trace_samples) of `train` are matched on, the next
// trace_samples (at least one) are held out; the traces of both are written
// to `trace_dir` (traces.txtpb and held_out.txtpb, usable with //:match).
// The choice is then measured on `calibration` and, with
// --selection=verified, improved there (pipeline/selection_stage.h; what
// was measured goes to `*selection`), before the held-out check. The
// result has candidates, observed errors and held-out errors.
absl::StatusOr<MatchingInfo> MatchOnTraces(ApproxNetImpl& net, const Dataset& train,
                                           const Dataset& calibration, const Catalog& catalog,
                                           const PipelineOptions& o, double qat_calibration_accuracy,
                                           const std::string& trace_dir,
                                           proto::SelectionRecord* selection);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_MATCHING_STAGE_H_

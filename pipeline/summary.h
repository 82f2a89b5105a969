// summary.json: what a finished run found, in one JSON object (accuracy
// per stage, relative energy, learned sigmas, the matching, the uniform
// comparison, seconds per stage).
#ifndef AGNAPPROX_PIPELINE_SUMMARY_H_
#define AGNAPPROX_PIPELINE_SUMMARY_H_

#include "io/json.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// REQUIRES: every stage up to "approx" completed.
Json PipelineSummary(const proto::PipelineState& state, const PipelineOptions& options);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_SUMMARY_H_

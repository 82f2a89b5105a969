// summary.json: what a finished run found, in one JSON object (accuracy
// per stage, relative energy, learned sigmas, the matching, the uniform
// comparison, seconds per stage).
#ifndef AGNAPPROX_PIPELINE_SUMMARY_H_
#define AGNAPPROX_PIPELINE_SUMMARY_H_

#include <string>

#include "absl/status/statusor.h"
#include "io/json.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// Fails, naming `state_path` and the value, when the state lacks a value of
// a stage it says is complete (a hand-edited state file).
absl::StatusOr<Json> PipelineSummary(const proto::PipelineState& state,
                                     const PipelineOptions& options,
                                     const std::string& state_path);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_SUMMARY_H_

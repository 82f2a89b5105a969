// The options that shape a run's results, as the state file records them,
// so that --resume (and the lambda sweep, and --reuse_search) never
// continues a run under other settings. Each option belongs to the first
// stage it shapes; --threads and --progress are left out (they change
// speed, not what is computed).
#ifndef AGNAPPROX_PIPELINE_RUN_OPTIONS_H_
#define AGNAPPROX_PIPELINE_RUN_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

struct RunOption {
  std::string flag;   // e.g. "lambda", "epochs.qat"
  std::string stage;  // the first stage it shapes
  std::string value;  // exact text (doubles with 17 digits)
};

std::vector<RunOption> ResultOptions(const PipelineOptions& options);

// Compares `options` with those `state` recorded (a state from an older
// version records none) and records them. The error names the flag, both
// values and `state_path`.
absl::Status CheckAndRecordOptions(const PipelineOptions& options, const std::string& state_path,
                                   proto::PipelineState* state);

// Keeps only the recorded options of `stages` (for a run seeded from
// another run's first stages).
void KeepOptionsOf(const std::vector<std::string>& stages, proto::PipelineState* state);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_RUN_OPTIONS_H_

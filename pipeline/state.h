// The run's files that --resume reads back: the state file (state.txtpb,
// text-format PipelineState) and the per-epoch metrics (metrics.jsonl).
#ifndef AGNAPPROX_PIPELINE_STATE_H_
#define AGNAPPROX_PIPELINE_STATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "deploy/deploy.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// Reads a state file; errors name `path`.
absl::StatusOr<proto::PipelineState> ReadState(const std::string& path);

// Writes `state` to `path` atomically.
absl::Status WriteState(const proto::PipelineState& state, const std::string& path);

// Whether `stage` is among the completed ones.
bool Completed(const proto::PipelineState& state, const std::string& stage);

// metrics.jsonl: one JSON object per epoch record (stage, epoch, loss,
// accuracy, seconds, sigma by layer name), one per line.
std::string MetricsLines(const proto::PipelineState& state);

// Starts the run in `dir` from the run in `from_dir`: its checkpoints, and
// its state up to and including `last_stage` ("baseline", "qat" or
// "gradient_search"), so that a --resume in `dir` continues after it (the
// lambda sweep; comparing matching settings on one trained network).
// Errors name the file or the stage that is missing.
absl::Status SeedRunFrom(const std::string& from_dir, const std::string& last_stage,
                         const std::string& dir);

// SeedRunFrom in two halves: what it reads from `from_dir`, and writing
// that into `dir`.
absl::StatusOr<proto::RunSeed> ReadRunSeed(const std::string& from_dir,
                                            const std::string& last_stage);
absl::Status WriteRunSeed(const proto::RunSeed& seed, const std::string& dir);

// The checkpoint a selection traces, measures and deploys on: "qat" for
// the verified selection (its target is QAT's calibration accuracy, which
// the exact product everywhere reproduces on QAT's weights), else
// "gradient_search" (agnapprox's rule).
std::string MatchedWeights(Selection selection);

// The checkpoint `state`'s matching used (older states: gradient_search).
std::string MatchedWeightsOf(const proto::PipelineState& state);

// The chosen multiplier of every layer, in order.
std::vector<LayerMultiplier> ChosenMultipliers(const proto::PipelineState& state);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_STATE_H_

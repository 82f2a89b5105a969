// The lambda sweep: the energy/accuracy trade-off over the weight of the
// noise reward in gradient search.
#ifndef AGNAPPROX_PIPELINE_SWEEP_H_
#define AGNAPPROX_PIPELINE_SWEEP_H_

#include <vector>

#include "absl/status/status.h"
#include "pipeline/pipeline.h"

namespace agnapprox {

// RunPipeline, then stages 3-6 again from the same QAT network for each
// lambda in `lambdas`, each in output_dir/sweep/lambda_<value>/ (resumable).
// Writes sweep.json and sweep.html: the energy/accuracy Pareto table and
// plot of all lambdas, with the uniform and exact points. Data-parallel:
// the first run trains on every rank, then each rank runs its share of the
// lambdas (round-robin, one process each, in its own output_dir/sweep/) and
// rank 0 writes the combined files.
absl::Status RunLambdaSweep(const PipelineOptions& options, const std::vector<double>& lambdas);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_SWEEP_H_

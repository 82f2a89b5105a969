// The pipeline's report: one self-contained HTML page (inline SVG and CSS,
// nothing fetched) with per-layer energy and opcount, sigma over the
// gradient-search epochs, accuracy per stage, heterogeneous versus uniform
// on an energy/accuracy plot, and the matching table.
#ifndef AGNAPPROX_PIPELINE_REPORT_H_
#define AGNAPPROX_PIPELINE_REPORT_H_

#include <string>

#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

std::string RenderReport(const proto::PipelineState& state);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_REPORT_H_

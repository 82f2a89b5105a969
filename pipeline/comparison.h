// How a selection compares with the simple alternatives, as measured on the
// calibration images: the tolerance rule's choice and the best uniform
// assignment (one multiplier in every layer) at no more relative energy.
// The pipeline prints it, and writes it to summary.json and the report.
#ifndef AGNAPPROX_PIPELINE_COMPARISON_H_
#define AGNAPPROX_PIPELINE_COMPARISON_H_

#include <string>

#include "io/json.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// The uniform assignment (one multiplier everywhere) measured by a verified
// selection that is the most accurate on the calibration images at no more
// relative energy than the choice; nullptr when none is that cheap or the
// selection measured none.
const proto::AssignmentPoint* BestUniformWithin(const proto::SelectionRecord& record);

// One sentence comparing the choice with the tolerance rule's choice and
// the best uniform assignment at no more energy, all measured on the
// calibration images ("" without calibration images).
std::string ComparisonText(const proto::SelectionRecord& record);

// The same as JSON: {"chosen", "tolerance", "best_uniform"} with
// relative_energy and calibration_accuracy each (best_uniform also its
// name, or null).
Json ComparisonJson(const proto::SelectionRecord& record);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_COMPARISON_H_

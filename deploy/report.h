// The pipeline's report: one self-contained HTML page (inline SVG and CSS,
// nothing fetched) with per-layer energy and opcount, sigma over the
// gradient-search epochs, accuracy per stage, heterogeneous versus uniform
// on an energy/accuracy plot, and the matching table.
#ifndef AGNAPPROX_DEPLOY_REPORT_H_
#define AGNAPPROX_DEPLOY_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "deploy/pipeline_state.pb.h"

namespace agnapprox {

std::string RenderReport(const proto::PipelineState& state);

// Chart pieces, exposed for tests.
struct Series {
  std::string name;
  std::vector<double> values;
};
// Grouped vertical bars; `marker` >= 0 draws a dashed horizontal line.
std::string BarChartSvg(const std::string& title, const std::vector<std::string>& categories,
                        const std::vector<Series>& series, double marker,
                        const std::string& marker_label);
// One line per series over x = first_x, first_x + 1, ...
std::string LineChartSvg(const std::string& title, const std::string& x_label,
                         const std::vector<Series>& series, int first_x);
// Labelled points (x, y).
std::string ScatterSvg(const std::string& title, const std::string& x_label,
                       const std::string& y_label,
                       const std::vector<std::pair<std::string, std::pair<double, double>>>& points);

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_REPORT_H_

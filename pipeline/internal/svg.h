// SVG chart pieces for the pipeline's HTML pages (the report and the
// lambda sweep): fixed 640x300 charts with inline styles by class name
// (.title, .tick, .grid, .marker), every value also in a <title> tooltip.
#ifndef AGNAPPROX_PIPELINE_INTERNAL_SVG_H_
#define AGNAPPROX_PIPELINE_INTERNAL_SVG_H_

#include <string>
#include <utility>
#include <vector>

namespace agnapprox {

// Text made safe for HTML and SVG.
std::string Escape(const std::string& s);

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
// Labelled points (x, y). With `identity_line`, both axes run from 0 on one
// scale and the line y = x is drawn (a calibration chart).
std::string ScatterSvg(const std::string& title, const std::string& x_label,
                       const std::string& y_label,
                       const std::vector<std::pair<std::string, std::pair<double, double>>>& points,
                       bool identity_line = false);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_INTERNAL_SVG_H_

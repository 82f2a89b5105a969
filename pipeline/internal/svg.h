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
// Grouped vertical bars; `marker` >= 0 draws a dashed horizontal line. The
// y axis spans [bottom, top] (top <= bottom: from 0 to a round number above
// the data), so that values 0.1 point apart can be told apart. A category
// "a (b)" is labelled on two lines.
std::string BarChartSvg(const std::string& title, const std::vector<std::string>& categories,
                        const std::vector<Series>& series, double marker,
                        const std::string& marker_label, double bottom = 0, double top = 0);
// One line per series over x = first_x, first_x + 1, ...
std::string LineChartSvg(const std::string& title, const std::string& x_label,
                         const std::vector<Series>& series, int first_x);
// Labelled points (x, y), labels placed so that none overlap (a label with
// no room left is dropped; its point keeps the tooltip). With `identity_line`, both axes run from 0 on one
// scale and the line y = x is drawn (a calibration chart).
std::string ScatterSvg(const std::string& title, const std::string& x_label,
                       const std::string& y_label,
                       const std::vector<std::pair<std::string, std::pair<double, double>>>& points,
                       bool identity_line = false);

// Sets of points (x, y) on one pair of axes, each set in its own colour
// and named in a legend; a connected set is drawn as a line in the order
// given (e.g. a Pareto front by energy). Every point has a tooltip. The y
// axis starts no lower than `y_floor`; points below it sit on the x axis.
struct Point {
  double x = 0, y = 0;
  std::string label;
};
struct PointSet {
  std::string name;
  std::vector<Point> points;
  bool connect = false;
  double radius = 4;
  double opacity = 1;
};
std::string PointSetsSvg(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const std::vector<PointSet>& sets,
                         double y_floor = -1e300);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_INTERNAL_SVG_H_

#include "pipeline/internal/svg.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace agnapprox {

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

namespace {

constexpr int kWidth = 640, kHeight = 300;
constexpr int kLeft = 60, kRight = 20, kTop = 36, kBottom = 50;
const char* const kColors[] = {"#3b6ea8", "#e07b39", "#4a9a5b", "#b5485d",
                               "#7d5ba6", "#8c6d31", "#2a9d9d", "#666666"};

std::string Header(const std::string& title) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
      "height=\"%d\" role=\"img\"><title>%s</title>"
      "<text x=\"%d\" y=\"20\" class=\"title\">%s</text>",
      kWidth, kHeight, kWidth, kHeight, Escape(title), kLeft, Escape(title));
}

// Y axis with 5 ticks from `bottom` to `top`.
std::string YAxis(double bottom, double top) {
  std::string s;
  const int plot_h = kHeight - kTop - kBottom;
  for (int i = 0; i <= 5; ++i) {
    const double v = bottom + (top - bottom) * i / 5;
    const double y = kHeight - kBottom - plot_h * i / 5.0;
    absl::StrAppendFormat(&s,
                          "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.3g</text>",
                          kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4, v);
  }
  return s;
}

double NiceTop(double max) {
  if (max <= 0) return 1;
  const double p = std::pow(10, std::floor(std::log10(max)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= max) return m * p;
  }
  return 10 * p;
}

std::string Legend(const std::vector<Series>& series) {
  std::string s;
  int x = kLeft;
  for (size_t i = 0; i < series.size(); ++i) {
    absl::StrAppendFormat(&s,
                          "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"tick\">%s</text>",
                          x, kHeight - 14, kColors[i % 8], x + 14, kHeight - 5,
                          Escape(series[i].name));
    x += 24 + 7 * static_cast<int>(series[i].name.size());
  }
  return s;
}

// A category label on two lines when it has a parenthesis, "approx
// (before)", so that neighbouring labels do not run into each other.
std::string CategoryLabel(double x, int y, const std::string& label) {
  size_t paren = label.find(" (");
  if (paren == std::string::npos && label.size() > 10) paren = label.find(' ');
  if (paren == std::string::npos) {
    return absl::StrFormat(
        "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>", x, y,
        Escape(label));
  }
  return absl::StrFormat(
      "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s"
      "<tspan x=\"%.1f\" dy=\"12\">%s</tspan></text>",
      x, y, Escape(label.substr(0, paren)), x, Escape(label.substr(paren + 1)));
}

// Places point labels so that no two overlap: beside the point, first
// right and above, then the other corners, then further down.
class LabelPlacer {
 public:
  // Keeps labels off a point drawn at (x, y) with radius r.
  void Avoid(double x, double y, double r) { boxes_.push_back({x - r, y - r, 2 * r, 2 * r}); }

  // Returns the label's text element for a point at (x, y).
  std::string Place(double x, double y, const std::string& text) {
    const double w = 6.5 * text.size() + 4, h = 13;
    const double candidates[][2] = {{9, -8}, {9, 16}, {-9 - w, -8}, {-9 - w, 16}};
    for (int shift = 0; shift < 40; ++shift) {
      for (const auto& c : candidates) {
        const double lx = x + c[0], ly = y + c[1] + shift * h;
        if (lx < 2 || lx + w > kWidth - 2 || ly - h < kTop || ly > kHeight - 4) continue;
        if (Free(lx, ly - h, w, h)) {
          boxes_.push_back({lx, ly - h, w, h});
          return absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>", lx, ly,
                                 Escape(text));
        }
      }
    }
    return "";  // no room: the point keeps its tooltip
  }

 private:
  struct Box {
    double x, y, w, h;
  };
  bool Free(double x, double y, double w, double h) const {
    for (const Box& b : boxes_) {
      if (x < b.x + b.w && b.x < x + w && y < b.y + b.h && b.y < y + h) return false;
    }
    return true;
  }
  std::vector<Box> boxes_;
};

}  // namespace

std::string BarChartSvg(const std::string& title, const std::vector<std::string>& categories,
                        const std::vector<Series>& series, double marker,
                        const std::string& marker_label, double bottom, double top) {
  double max = marker;
  for (const Series& s : series) {
    for (double v : s.values) max = std::max(max, v);
  }
  if (!(top > bottom)) top = NiceTop(max);
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string svg = Header(title) + YAxis(bottom, top);
  const double group_w = static_cast<double>(plot_w) / std::max<size_t>(1, categories.size());
  const double bar_w = group_w * 0.8 / std::max<size_t>(1, series.size());
  for (size_t c = 0; c < categories.size(); ++c) {
    const double gx = kLeft + group_w * c + group_w * 0.1;
    for (size_t k = 0; k < series.size(); ++k) {
      const double v = c < series[k].values.size() ? series[k].values[c] : 0;
      const double h = plot_h * std::clamp((v - bottom) / (top - bottom), 0.0, 1.0);
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"%s\"><title>%s %s: %.4g</title></rect>",
                            gx + bar_w * k, kHeight - kBottom - h, bar_w * 0.95, h,
                            kColors[k % 8], Escape(categories[c]), Escape(series[k].name), v);
    }
    svg += CategoryLabel(kLeft + group_w * (c + 0.5), kHeight - kBottom + 14, categories[c]);
  }
  if (marker >= 0) {
    const double y = kHeight - kBottom - plot_h * (marker - bottom) / (top - bottom);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"marker\"/>"
                          "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                          kLeft, kWidth - kRight, y, y, kWidth - kRight, y - 4,
                          Escape(marker_label));
  }
  return svg + Legend(series) + "</svg>";
}

std::string LineChartSvg(const std::string& title, const std::string& x_label,
                         const std::vector<Series>& series, int first_x) {
  double max = 0;
  size_t n = 0;
  for (const Series& s : series) {
    for (double v : s.values) max = std::max(max, std::abs(v));
    n = std::max(n, s.values.size());
  }
  const double top = NiceTop(max);
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string svg = Header(title) + YAxis(0, top);
  auto x_of = [&](size_t i) {
    return n <= 1 ? kLeft + plot_w / 2.0 : kLeft + plot_w * i / static_cast<double>(n - 1);
  };
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%d</text>",
                          x_of(i), kHeight - kBottom + 16, static_cast<int>(i) + first_x);
  }
  absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" class=\"tick\">%s</text>",
                        kWidth - kRight - 60, kHeight - kBottom + 30, Escape(x_label));
  for (size_t k = 0; k < series.size(); ++k) {
    std::string points;
    for (size_t i = 0; i < series[k].values.size(); ++i) {
      const double y = kHeight - kBottom - plot_h * std::abs(series[k].values[i]) / top;
      absl::StrAppendFormat(&points, "%.1f,%.1f ", x_of(i), y);
      absl::StrAppendFormat(&svg,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s epoch %d: "
                            "%.4g</title></circle>",
                            x_of(i), y, kColors[k % 8], Escape(series[k].name),
                            static_cast<int>(i) + first_x, series[k].values[i]);
    }
    absl::StrAppendFormat(&svg, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>",
                          points, kColors[k % 8]);
  }
  return svg + Legend(series) + "</svg>";
}

// Grid, ticks (five per axis) and axis labels of an x-y chart.
std::string XyAxes(const std::string& x_label, const std::string& y_label, double x_min,
                   double x_max, double y_min, double y_max) {
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string svg;
  for (int i = 0; i <= 4; ++i) {
    const double yv = y_min + (y_max - y_min) * i / 4, xv = x_min + (x_max - x_min) * i / 4;
    const double y = kHeight - kBottom - plot_h * i / 4.0, x = kLeft + plot_w * i / 4.0;
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.4g</text>"
                          "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%.4g</text>",
                          kLeft, kWidth - kRight, y, y, kLeft - 6, y + 4, yv, x,
                          kHeight - kBottom + 16, xv);
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>"
                        "<text x=\"14\" y=\"%d\" class=\"tick\" transform=\"rotate(-90 14 %d)\" "
                        "text-anchor=\"middle\">%s</text>",
                        kLeft + plot_w / 2, kHeight - 12, Escape(x_label), kTop + plot_h / 2,
                        kTop + plot_h / 2, Escape(y_label));
  return svg;
}

std::string ScatterSvg(const std::string& title, const std::string& x_label,
                       const std::string& y_label,
                       const std::vector<std::pair<std::string, std::pair<double, double>>>& points,
                       bool identity_line) {
  double x_min = 1e300, x_max = -1e300, y_min = 1e300, y_max = -1e300;
  for (const auto& [name, p] : points) {
    x_min = std::min(x_min, p.first);
    x_max = std::max(x_max, p.first);
    y_min = std::min(y_min, p.second);
    y_max = std::max(y_max, p.second);
  }
  if (identity_line) {
    // One scale on both axes from 0, so that y = x is the diagonal.
    x_min = y_min = 0;
    x_max = y_max = NiceTop(std::max(x_max, y_max) * 1.05);
  } else {
    const double x_pad = std::max(0.05, (x_max - x_min) * 0.15);
    const double y_pad = std::max(0.01, (y_max - y_min) * 0.15);
    x_min -= x_pad, x_max += x_pad, y_min -= y_pad, y_max += y_pad;
  }
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string svg = Header(title);
  if (identity_line) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"marker\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">y = x</text>",
                          kLeft, kHeight - kBottom, kWidth - kRight, kTop, kWidth - kRight - 4,
                          kTop + 14);
  }
  svg += XyAxes(x_label, y_label, x_min, x_max, y_min, y_max);
  LabelPlacer labels;
  auto x_of = [&](double v) { return kLeft + plot_w * (v - x_min) / (x_max - x_min); };
  auto y_of = [&](double v) { return kHeight - kBottom - plot_h * (v - y_min) / (y_max - y_min); };
  for (const auto& [name, p] : points) labels.Avoid(x_of(p.first), y_of(p.second), 6);
  std::string texts;
  for (size_t k = 0; k < points.size(); ++k) {
    const auto& [name, p] = points[k];
    const double x = x_of(p.first), y = y_of(p.second);
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"><title>%s: %s %.4g, "
                          "%s %.4g</title></circle>",
                          x, y, kColors[k % 8], Escape(name), Escape(x_label), p.first,
                          Escape(y_label), p.second);
    texts += labels.Place(x, y, name);
  }
  svg += texts;
  return svg + "</svg>";
}

std::string PointSetsSvg(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const std::vector<PointSet>& sets,
                         double y_floor) {
  double x_min = 1e300, x_max = -1e300, y_min = 1e300, y_max = -1e300;
  for (const PointSet& set : sets) {
    for (const Point& p : set.points) {
      x_min = std::min(x_min, p.x), x_max = std::max(x_max, p.x);
      y_min = std::min(y_min, std::max(p.y, y_floor)), y_max = std::max(y_max, p.y);
    }
  }
  if (x_min > x_max) x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  const double x_pad = std::max(0.02, (x_max - x_min) * 0.05);
  const double y_pad = std::max(0.002, (y_max - y_min) * 0.05);
  x_min -= x_pad, x_max += x_pad, y_min -= y_pad, y_max += y_pad;
  const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto x_of = [&](double v) { return kLeft + plot_w * (v - x_min) / (x_max - x_min); };
  // Points below the floor sit on the x axis (their tooltip keeps the value).
  auto y_of = [&](double v) {
    return kHeight - kBottom - plot_h * (std::max(v, y_min) - y_min) / (y_max - y_min);
  };
  std::string svg = Header(title) + XyAxes(x_label, y_label, x_min, x_max, y_min, y_max);
  for (size_t k = 0; k < sets.size(); ++k) {
    const PointSet& set = sets[k];
    const char* color = kColors[k % 8];
    if (set.connect && set.points.size() > 1) {
      std::string path;
      for (const Point& p : set.points) {
        absl::StrAppendFormat(&path, "%.1f,%.1f ", x_of(p.x), y_of(p.y));
      }
      absl::StrAppendFormat(&svg, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                            "stroke-width=\"2\"/>", path, color);
    }
    for (const Point& p : set.points) {
      absl::StrAppendFormat(&svg,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
                            "fill-opacity=\"%.2f\"><title>%s: %s (%s %.4g, %s %.4g)</title></circle>",
                            x_of(p.x), y_of(p.y), set.radius, color, set.opacity, Escape(set.name),
                            Escape(p.label), Escape(x_label), p.x, Escape(y_label), p.y);
    }
    // Legend, bottom right, one line per set.
    const int ly = kHeight - kBottom - 10 - 14 * static_cast<int>(sets.size() - 1 - k);
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"tick\">%s</text>",
                          kWidth - kRight - 190, ly, color, kWidth - kRight - 180, ly + 4,
                          Escape(set.name));
  }
  return svg + "</svg>";
}

}  // namespace agnapprox

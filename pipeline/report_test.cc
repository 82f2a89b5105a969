// The report is self-contained HTML whose charts render in a real browser:
// checked with Debian's headless Chromium (installed by ./bazelw).
#include "pipeline/report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "pipeline/internal/svg.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

proto::PipelineState Example() {
  proto::PipelineState s;
  s.set_net("lenet5");
  s.set_metric("power");
  s.set_catalog("builtin:_s");
  s.set_matching_method("per_layer");
  s.set_initial_noise(0.1);
  s.set_relative_energy(0.475);
  s.set_uniform_multiplier("oround3_s");
  s.set_uniform_relative_energy(0.469);
  const struct {
    const char* name;
    double relative_energy, relative_opcount;
    const char* multiplier;
  } layers[] = {{"conv1", 0.625, 0.28, "mitchell_c_s"},
                {"conv2", 0.367, 0.58, "drum3_s"},
                {"fc<1>", 0.609, 0.14, "mitchell_s"}};
  for (const auto& l : layers) {
    proto::LayerRecord* r = s.add_layers();
    r->set_name(l.name);
    r->set_relative_energy(l.relative_energy);
    r->set_relative_opcount(l.relative_opcount);
    r->set_multiplier(l.multiplier);
    r->set_predicted_std(100 * l.relative_energy);
    r->set_held_out_std(120 * l.relative_energy);
    r->set_max_std(70);
  }
  s.set_held_out_within_tolerance(1);
  for (int e = 1; e <= 3; ++e) {
    proto::EpochRecord* r = s.add_epochs();
    r->set_stage("gradient_search");
    r->set_epoch(e);
    for (double v : {0.1 + 0.01 * e, 0.1 - 0.02 * e, 0.1}) r->add_sigma(v);
  }
  (*s.mutable_accuracy())["baseline_accuracy"] = 0.887;
  (*s.mutable_accuracy())["qat_accuracy"] = 0.902;
  (*s.mutable_accuracy())["approx_accuracy"] = 0.909;
  (*s.mutable_accuracy())["uniform_accuracy"] = 0.902;
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Report, SelfContainedWithFourChartsAndATable) {
  const std::string html = RenderReport(Example());
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 5u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("fc&lt;1&gt;"), std::string::npos);  // names are escaped
  EXPECT_EQ(html.find("fc<1>"), std::string::npos);
  EXPECT_NE(html.find("drum3_s"), std::string::npos);
  EXPECT_NE(html.find("y = x"), std::string::npos);  // the calibration chart
  EXPECT_NE(html.find("<b>1 of 3</b> layers"), std::string::npos);
  EXPECT_EQ(html.find("data-parallel"), std::string::npos);  // one process
  proto::PipelineState ranks = Example();
  ranks.set_world_size(2);
  EXPECT_NE(RenderReport(ranks).find("Trained data-parallel on 2 ranks."), std::string::npos);
}

// Text boxes of the labels in an SVG: (x, y, width) per <text class="tick">
// whose content is one of `names`, as the placer sized them.
struct Label {
  double x, y;
  std::string text;
};
std::vector<Label> Labels(const std::string& svg, const std::vector<std::string>& names) {
  std::vector<Label> out;
  for (size_t p = svg.find("<text x=\""); p != std::string::npos;
       p = svg.find("<text x=\"", p + 1)) {
    const size_t close = svg.find('>', p), end = svg.find("</text>", p);
    const std::string text = svg.substr(close + 1, end - close - 1);
    if (std::find(names.begin(), names.end(), text) == names.end()) continue;
    Label l;
    l.x = std::atof(svg.c_str() + p + 9);
    l.y = std::atof(svg.c_str() + svg.find("y=\"", p) + 3);
    l.text = text;
    out.push_back(l);
  }
  return out;
}

TEST(Report, ScatterLabelsDoNotOverlap) {
  // Three points almost on top of each other, as heterogeneous and uniform
  // often are.
  const std::string svg = ScatterSvg("t", "x", "y",
                                     {{"heterogeneous", {0.62, 0.9167}},
                                      {"uniform mitchell_s", {0.61, 0.9165}},
                                      {"exact (QAT)", {1.0, 0.9152}},
                                      {"other", {0.615, 0.9166}}});
  const std::vector<Label> labels =
      Labels(svg, {"heterogeneous", "uniform mitchell_s", "exact (QAT)", "other"});
  ASSERT_EQ(labels.size(), 4u) << svg;
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = i + 1; j < labels.size(); ++j) {
      const Label& a = labels[i];
      const Label& b = labels[j];
      const double wa = 6.5 * a.text.size() + 4, wb = 6.5 * b.text.size() + 4;
      const bool apart = a.x + wa <= b.x || b.x + wb <= a.x || std::abs(a.y - b.y) >= 13;
      EXPECT_TRUE(apart) << a.text << " and " << b.text << " overlap";
    }
  }
}

TEST(Report, AccuracyChartIsZoomedToTheDataWithTheQatLevel) {
  const std::string html = RenderReport(Example());
  const size_t chart = html.find("Top-1 accuracy per stage");
  ASSERT_NE(chart, std::string::npos);
  const std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  // Accuracies 0.887..0.909: the axis runs 0.88 ... 0.93 in steps of 0.01.
  EXPECT_NE(svg.find(">0.88<"), std::string::npos) << svg.substr(0, 1500);
  EXPECT_NE(svg.find(">0.93<"), std::string::npos);
  EXPECT_EQ(svg.find(">0<"), std::string::npos);
  EXPECT_NE(svg.find("QAT 0.9020"), std::string::npos);
  EXPECT_NE(svg.find("<tspan"), std::string::npos);  // two-line stage names
}

TEST(Report, RendersInHeadlessChromium) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  ASSERT_TRUE(WriteFileAtomically(dir + "/report.html", RenderReport(Example())).ok());
  ASSERT_EQ(std::system("test -x /usr/bin/chromium"), 0)
      << "Debian's chromium is needed; ./bazelw installs it";
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + dir + "/chrome --enable-logging=stderr --v=0";
  const std::string cmd = "HOME=" + dir + " /usr/bin/chromium " + flags + " --dump-dom file://" +
                          dir + "/report.html >" + dir + "/dom.html 2>" + dir + "/chrome.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << Slurp(dir + "/chrome.log");
  const std::string dom = Slurp(dir + "/dom.html");
  size_t svgs = 0;
  for (size_t p = dom.find("<svg"); p != std::string::npos; p = dom.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 5u) << dom.substr(0, 500);
  const std::string log = Slurp(dir + "/chrome.log");
  EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << log;
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  // The page fits 1000 px: an instrumented copy reports the document's
  // scroll width in its title (the report itself has no script).
  std::string probe = RenderReport(Example());
  probe.insert(probe.rfind("</body>"),
               "<script>document.title = 'width:' + document.documentElement.scrollWidth;"
               "</script>");
  ASSERT_TRUE(WriteFileAtomically(dir + "/probe.html", probe).ok());
  const std::string measure = "HOME=" + dir + " /usr/bin/chromium " + flags +
                              " --window-size=1000,900 --dump-dom file://" + dir +
                              "/probe.html >" + dir + "/probe_dom.html 2>/dev/null";
  ASSERT_EQ(std::system(measure.c_str()), 0);
  const std::string probe_dom = Slurp(dir + "/probe_dom.html");
  const size_t w = probe_dom.find("<title>width:");
  ASSERT_NE(w, std::string::npos) << probe_dom.substr(0, 300);
  const int scroll_width = std::atoi(probe_dom.c_str() + w + 13);
  EXPECT_GT(scroll_width, 500);
  EXPECT_LE(scroll_width, 1000) << "the page scrolls sideways at 1000 px";
  const std::string shot = "HOME=" + dir + " /usr/bin/chromium " + flags +
                           " --window-size=1000,2200 --screenshot=" + dir +
                           "/report.png file://" + dir + "/report.html >/dev/null 2>&1";
  ASSERT_EQ(std::system(shot.c_str()), 0);
  std::ifstream png(dir + "/report.png", std::ios::binary | std::ios::ate);
  EXPECT_GT(static_cast<long>(png.tellg()), 20000);  // a real picture, not a blank page
}

}  // namespace
}  // namespace agnapprox

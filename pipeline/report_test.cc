// The report is self-contained HTML whose charts render in a real browser:
// checked with Debian's headless Chromium (installed by ./bazelw).
#include "pipeline/report.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
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
  const std::string shot = "HOME=" + dir + " /usr/bin/chromium " + flags +
                           " --window-size=1000,2200 --screenshot=" + dir +
                           "/report.png file://" + dir + "/report.html >/dev/null 2>&1";
  ASSERT_EQ(std::system(shot.c_str()), 0);
  std::ifstream png(dir + "/report.png", std::ios::binary | std::ios::ate);
  EXPECT_GT(static_cast<long>(png.tellg()), 20000);  // a real picture, not a blank page
}

}  // namespace
}  // namespace agnapprox

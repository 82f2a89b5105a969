#include "pipeline/report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pipeline/internal/svg.h"
#include "pipeline/comparison.h"

namespace agnapprox {

namespace {

// The promise check (calibration accuracy of the choice against its test
// accuracy before retraining) and, for the verified selection, the front.
std::string SelectionSection(const proto::PipelineState& s, double test_before) {
  const proto::SelectionRecord& r = s.selection();
  if (r.calibration_images() == 0) return "";
  std::string html = absl::StrFormat(
      "<h2>Selection</h2><p>%s selection. On %d calibration images held out of training: "
      "QAT %.4f, the choice %.4f (relative energy %.3f); on the test images before "
      "retraining %.4f.",
      Escape(r.method()), r.calibration_images(), r.qat_calibration_accuracy(),
      r.chosen_calibration_accuracy(), r.chosen_relative_energy(), test_before);
  if (r.method() != "verified") return html + "</p>";
  absl::StrAppendFormat(&html,
                        " Budget %g points (target %.4f); %d assignments measured in %.0f s. "
                        "Compared %s.</p>",
                        r.accuracy_budget(), r.target_accuracy(), r.measurements(), r.seconds(),
                        Escape(ComparisonText(r)));
  auto points = [](const auto& list) {
    std::vector<Point> p;
    for (const proto::AssignmentPoint& a : list) {
      std::string label;
      for (const std::string& m : a.multipliers()) {
        absl::StrAppend(&label, label.empty() ? "" : " ", m);
      }
      p.push_back({a.relative_energy(), a.calibration_accuracy(),
                   label.empty() ? a.step() : label});
    }
    return p;
  };
  std::vector<PointSet> sets;
  sets.push_back({"every measured assignment", points(r.evaluated()), false, 2.5, 0.35});
  sets.push_back({"verified front", points(r.front()), true, 4, 1});
  sets.push_back({"uniform (one multiplier everywhere)", points(r.uniform()), false, 4, 1});
  sets.push_back({"tolerance rule's choice",
                  {{r.tolerance_relative_energy(), r.tolerance_calibration_accuracy(),
                    "tolerance"}},
                  false, 7, 1});
  sets.push_back({"chosen",
                  {{r.chosen_relative_energy(), r.chosen_calibration_accuracy(), "chosen"}},
                  false, 7, 1});
  // Zoomed to 5 points below the target: what lies lower sits on the axis.
  return html + PointSetsSvg("Energy versus calibration accuracy before retraining",
                             "relative energy", "calibration accuracy", sets,
                             r.target_accuracy() - 0.05);
}

}  // namespace

std::string RenderReport(const proto::PipelineState& s) {
  auto acc = [&](const std::string& key) {
    auto it = s.accuracy().find(key);
    return it == s.accuracy().end() ? 0.0 : it->second;
  };
  std::vector<std::string> layers;
  Series relative_energy{"relative energy (metric / max)", {}};
  Series relative_opcount{"relative opcount", {}};
  for (const proto::LayerRecord& l : s.layers()) {
    layers.push_back(l.name());
    relative_energy.values.push_back(l.relative_energy());
    relative_opcount.values.push_back(l.relative_opcount());
  }
  const std::string energy = BarChartSvg(
      "Per-layer relative energy and relative opcount", layers,
      {relative_energy, relative_opcount},
      s.relative_energy(), absl::StrFormat("network: %.3f", s.relative_energy()));
  // Epoch 0 is the initial noise every layer starts from.
  std::vector<Series> sigma(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    sigma[i].name = layers[i];
    sigma[i].values.push_back(std::abs(s.initial_noise()));
  }
  for (const proto::EpochRecord& e : s.epochs()) {
    if (e.stage() != "gradient_search") continue;
    for (int i = 0; i < e.sigma_size() && i < static_cast<int>(sigma.size()); ++i) {
      sigma[i].values.push_back(std::abs(e.sigma(i)));
    }
  }
  const std::string sigma_svg =
      LineChartSvg("|sigma| per layer over the gradient-search epochs", "epoch", sigma, 0);
  const std::vector<std::string> stages = {"baseline", "qat", "gradient search",
                                           "approx (before)", "approx", "uniform (before)",
                                           "uniform"};
  const std::vector<double> accuracies = {
      acc("baseline_accuracy"), acc("qat_accuracy"), acc("gradient_search_accuracy"),
      acc("approx_accuracy_before_retraining"), acc("approx_accuracy"),
      acc("uniform_accuracy_before_retraining"), acc("uniform_accuracy")};
  // Zoomed to the data (stages 0.1 point apart must look apart), on a
  // 0.01 grid, with the QAT level marked.
  double low = 1, high = 0;
  for (double a : accuracies) {
    if (a <= 0) continue;  // a stage that did not run
    low = std::min(low, a);
    high = std::max(high, a);
  }
  if (low > high) low = 0, high = 1;
  // Five intervals of a round step (0.002 ... 0.2) that hold the data with
  // a margin below, starting on a multiple of the step.
  double bottom = 0, top = 1;
  for (double step : {0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2}) {
    bottom = std::max(0.0, std::floor((low - step / 2) / step) * step);
    top = bottom + 5 * step;
    if (top >= high) break;
  }
  const std::string accuracy_svg =
      BarChartSvg("Top-1 accuracy per stage", stages, {{"accuracy", accuracies}},
                  acc("qat_accuracy"), absl::StrFormat("QAT %.4f", acc("qat_accuracy")), bottom,
                  top);
  const std::string pareto = ScatterSvg(
      "Energy versus accuracy", "relative energy", "accuracy after retraining",
      {{"exact (QAT)", {1.0, acc("qat_accuracy")}},
       {"heterogeneous", {s.relative_energy(), acc("approx_accuracy")}},
       {"uniform " + s.uniform_multiplier(), {s.uniform_relative_energy(), acc("uniform_accuracy")}}});
  // Calibration: the error model's prediction against the error observed
  // on held-out images, for each chosen multiplier.
  std::vector<std::pair<std::string, std::pair<double, double>>> calibration;
  for (const proto::LayerRecord& l : s.layers()) {
    calibration.push_back({l.name(), {l.predicted_std(), l.held_out_std()}});
  }
  const std::string calibration_svg = ScatterSvg(
      "Calibration: predicted vs held-out observed error std",
      "predicted std", "held-out observed std", calibration, /*identity_line=*/true);
  const std::string selection = SelectionSection(s, acc("approx_accuracy_before_retraining"));
  std::string table =
      "<table><tr><th>layer</th><th>multiplier</th><th>" + Escape(s.metric()) +
      "</th><th>predicted std</th><th>observed std (matching images)</th>"
      "<th>observed std (held out)</th><th>max std</th><th>held out within</th>"
      "<th>relative opcount</th><th>relative energy</th><th>sigma</th></tr>";
  for (const proto::LayerRecord& l : s.layers()) {
    absl::StrAppendFormat(
        &table,
        "<tr><td>%s</td><td>%s</td><td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.4g</td>"
        "<td>%.4g</td><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.4f</td></tr>",
        Escape(l.name()), Escape(l.multiplier()), l.metric(), l.predicted_std(),
        l.observed_std(), l.held_out_std(), l.max_std(),
        l.held_out_std() <= l.max_std() ? "yes" : "<b>no</b>", l.relative_opcount(),
        l.relative_energy(), l.sigma());
  }
  table += "</table>";
  return absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>agnapprox report: ", Escape(s.net()), "</title><style>"
      "body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
      "svg{display:block;margin:1em 0;background:#fafafa;border:1px solid #ddd}"
      ".title{font-size:15px;font-weight:bold}.tick{font-size:11px;fill:#444}"
      ".grid{stroke:#e3e3e3}.marker{stroke:#b5485d;stroke-dasharray:6 4;stroke-width:2}"
      ".wide{overflow-x:auto}table{border-collapse:collapse;font-size:13px}"
      "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#eee}"
      "td:first-child,td:nth-child(2){text-align:left}"
      "</style></head><body><h1>agnapprox: ", Escape(s.net()), "</h1>",
      absl::StrFormat("<p>Relative energy of the multiplications: <b>%.3f</b>%s "
                      "(catalog %s, metric %s, %s selection, estimator %s%s; uniform %s: "
                      "%.3f). Accuracy: QAT %.4f, approximate after retraining <b>%.4f</b>. "
                      "On held-out images <b>%d of %d</b> layers stay within their "
                      "tolerance.%s</p>",
                      s.relative_energy(),
                      s.metrics_are_estimates() ? " (estimated: the built-in catalog's costs "
                                                  "are a first-order model, not synthesis)"
                                                : "",
                      Escape(s.catalog()), Escape(s.metric()),
                      Escape(s.matching_method()), Escape(s.estimator()),
                      s.compensate_bias() ? ", bias compensated" : "",
                      Escape(s.uniform_multiplier()), s.uniform_relative_energy(),
                      acc("qat_accuracy"), acc("approx_accuracy"), s.held_out_within_tolerance(),
                      s.layers_size(),
                      s.world_size() > 1
                          ? absl::StrCat(" Trained data-parallel on ", s.world_size(), " ranks.")
                          : std::string()),
      energy, sigma_svg, accuracy_svg, pareto, selection, "<h2>Matching</h2>", calibration_svg,
      "<div class=\"wide\">", table, "</div></body></html>\n");
}

}  // namespace agnapprox

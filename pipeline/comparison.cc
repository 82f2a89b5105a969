#include "pipeline/comparison.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace agnapprox {

const proto::AssignmentPoint* BestUniformWithin(const proto::SelectionRecord& r) {
  const proto::AssignmentPoint* best = nullptr;
  for (const proto::AssignmentPoint& p : r.uniform()) {
    if (p.relative_energy() > r.chosen_relative_energy() + 1e-12) continue;
    if (best == nullptr || p.calibration_accuracy() > best->calibration_accuracy()) best = &p;
  }
  return best;
}

std::string ComparisonText(const proto::SelectionRecord& r) {
  if (r.calibration_images() == 0) return "";
  std::string text = absl::StrFormat(
      "on %d calibration images: the choice %.4f at relative energy %.4f", r.calibration_images(),
      r.chosen_calibration_accuracy(), r.chosen_relative_energy());
  if (r.method() == "verified") {
    absl::StrAppendFormat(&text, "; the tolerance rule's choice %.4f at %.4f",
                          r.tolerance_calibration_accuracy(), r.tolerance_relative_energy());
    if (const proto::AssignmentPoint* u = BestUniformWithin(r); u != nullptr) {
      absl::StrAppendFormat(&text, "; the best uniform at no more energy, %s everywhere, %.4f at %.4f",
                            u->multipliers_size() > 0 ? u->multipliers(0) : "?",
                            u->calibration_accuracy(), u->relative_energy());
    } else {
      absl::StrAppend(&text, "; no uniform assignment is as cheap");
    }
  }
  return text;
}

Json ComparisonJson(const proto::SelectionRecord& r) {
  auto point = [](double energy, double accuracy) {
    return Json::Object().Set("relative_energy", energy).Set("calibration_accuracy", accuracy);
  };
  Json j = Json::Object();
  j.Set("chosen", point(r.chosen_relative_energy(), r.chosen_calibration_accuracy()))
      .Set("tolerance", point(r.tolerance_relative_energy(), r.tolerance_calibration_accuracy()));
  const proto::AssignmentPoint* u = BestUniformWithin(r);
  if (u == nullptr) {
    j.Set("best_uniform", Json());
  } else {
    j.Set("best_uniform", point(u->relative_energy(), u->calibration_accuracy())
                              .Set("name", u->multipliers_size() > 0 ? u->multipliers(0) : ""));
  }
  return j;
}

}  // namespace agnapprox

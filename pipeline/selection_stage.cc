#include "pipeline/selection_stage.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace agnapprox {
namespace {

std::vector<std::string> Chosen(const MatchingInfo& info) {
  std::vector<std::string> names;
  for (const LayerInfo& l : info.layers) names.push_back(l.multiplier_name);
  return names;
}

void AddPoint(double energy, int64_t correct, int64_t images, std::vector<std::string> names,
              const std::string& step, proto::AssignmentPoint* p) {
  p->set_relative_energy(energy);
  p->set_calibration_accuracy(static_cast<double>(correct) / static_cast<double>(images));
  for (std::string& n : names) p->add_multipliers(std::move(n));
  if (!step.empty()) p->set_step(step);
}

}  // namespace

absl::StatusOr<int64_t> CalibrationOracle::Correct(const std::vector<std::string>& m) {
  absl::StatusOr<int64_t> c = e_.Correct(m);
  if (progress_ && c.ok()) {
    std::fprintf(stderr, "\r[selection] %lld assignments measured", ++count_);
    std::fflush(stderr);
  }
  return c;
}

absl::Status CalibrationOracle::SetBase(const std::vector<std::string>& m) {
  return e_.SetBase(m);
}

void CalibrationOracle::Done() const {
  if (progress_ && count_ > 0) std::fprintf(stderr, "\n");
}

std::vector<SearchLayer> SearchLayersOf(const MatchingInfo& info, const PipelineOptions& o) {
  // The run's rule (estimator, compensation) orders the options.
  MatchingOptions rule;
  rule.estimator = o.estimator;
  rule.compensate_bias = o.compensate_bias;
  std::vector<SearchLayer> layers;
  for (const LayerInfo& l : info.layers) {
    SearchLayer s;
    s.name = l.name;
    s.weight = l.relative_opcount(info.opcount);
    for (const Candidate& c : l.candidates) {
      if (c.name == l.multiplier_name) s.start = static_cast<int>(s.options.size());
      const double std = ComparedErrorStd(c, rule);
      s.options.push_back(
          {c.name, c.performance_metric / info.metric_max, l.max_std > 0 ? std / l.max_std : std});
    }
    layers.push_back(std::move(s));
  }
  return layers;
}

absl::StatusOr<proto::SelectionRecord> CheckSelection(ApproxNetImpl& net,
                                                      const Dataset& calibration,
                                                      const Catalog& catalog,
                                                      const std::vector<LayerTrace>& traces,
                                                      const PipelineOptions& o,
                                                      double qat_calibration_accuracy,
                                                      MatchingInfo* info) {
  const auto start = std::chrono::steady_clock::now();
  proto::SelectionRecord record;
  const bool verified = o.selection == Selection::kVerified;
  record.set_method(verified ? "verified" : "tolerance");
  record.set_calibration_images(calibration.size());
  record.set_qat_calibration_accuracy(qat_calibration_accuracy);
  if (calibration.size() == 0) {
    if (verified) {
      return absl::InvalidArgumentError(
          "--calibration_images: the verified selection needs calibration images (0 given)");
    }
    return record;  // nothing to measure on
  }
  // Each (layer, multiplier)'s compensation, as deployment would have it:
  // the candidate's g (empty without compensation).
  CachedEvaluator evaluator(net, calibration, catalog,
                            [&](size_t l, const std::string& m) -> std::vector<double> {
                              for (const Candidate& c : info->layers[l].candidates) {
                                if (c.name == m) return c.error_by_weight;
                              }
                              return {};
                            });
  const int64_t images = calibration.size();
  const std::vector<std::string> tolerance = Chosen(*info);
  absl::StatusOr<int64_t> tolerance_correct = evaluator.Correct(tolerance);
  if (!tolerance_correct.ok()) return tolerance_correct.status();
  record.set_tolerance_relative_energy(info->relative_energy_consumption());
  record.set_tolerance_calibration_accuracy(static_cast<double>(*tolerance_correct) / images);
  record.set_chosen_relative_energy(info->relative_energy_consumption());
  record.set_chosen_calibration_accuracy(record.tolerance_calibration_accuracy());
  record.set_measurements(1);
  if (!verified) {
    record.set_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return record;
  }
  record.set_accuracy_budget(o.accuracy_budget);
  const double target = qat_calibration_accuracy - o.accuracy_budget / 100;
  record.set_target_accuracy(target);

  const std::vector<SearchLayer> layers = SearchLayersOf(*info, o);
  SearchOptions search;
  // The least count of correct images that reaches the target (with a
  // little slack for the rounding of target * images).
  search.min_correct = static_cast<int64_t>(std::ceil(target * images - 1e-9));
  CalibrationOracle oracle(evaluator, o.progress);
  absl::StatusOr<SearchResult> r = SearchAssignments(layers, oracle, search);
  if (!r.ok()) return r.status();
  // Every measured assignment: the search's, then the uniform ones (each
  // multiplier in every layer, measured the same way), which take part in
  // the front and the choice like any other.
  struct Measured {
    std::vector<std::string> names;
    std::string step;
  };
  std::vector<Measured> measured;
  std::vector<std::pair<double, int64_t>> points;
  for (const EvaluatedAssignment& e : r->evaluated) {
    measured.push_back({AssignmentNames(r->layers, e.choice), e.step});
    points.push_back({e.relative_energy, e.correct});
  }
  std::vector<std::pair<double, std::string>> uniform;
  for (const Candidate& c : info->layers.front().candidates) {
    uniform.push_back({c.performance_metric / info->metric_max, c.name});
  }
  std::sort(uniform.begin(), uniform.end());
  for (const auto& [energy, name] : uniform) {
    const std::vector<std::string> everywhere(info->layers.size(), name);
    absl::StatusOr<int64_t> c = oracle.Correct(everywhere);
    if (!c.ok()) return c.status();
    AddPoint(energy, *c, images, {name}, "", record.add_uniform());
    measured.push_back({everywhere, "uniform"});
    points.push_back({energy, *c});
  }
  oracle.Done();
  const int64_t chosen = CheapestWithin(points, search.min_correct);
  if (chosen < 0) {
    int64_t best = 0;
    for (const auto& p : points) best = std::max(best, p.second);
    return absl::InvalidArgumentError(absl::StrFormat(
        "--accuracy_budget=%g: no assignment reaches calibration accuracy %.4f (QAT %.4f "
        "minus %g points); the best on offer is %.4f (%d assignments measured)",
        o.accuracy_budget, target, qat_calibration_accuracy, o.accuracy_budget,
        static_cast<double>(best) / images, points.size()));
  }
  for (size_t i = 0; i < points.size(); ++i) {
    AddPoint(points[i].first, points[i].second, images, {}, measured[i].step,
             record.add_evaluated());
  }
  for (size_t i : ParetoFront(points)) {
    AddPoint(points[i].first, points[i].second, images, measured[i].names, measured[i].step,
             record.add_front());
  }
  for (size_t l = 0; l < info->layers.size(); ++l) {
    if (absl::Status s = ChooseCandidate(traces[l], measured[chosen].names[l], &info->layers[l]);
        !s.ok()) {
      return s;
    }
  }
  record.set_chosen_relative_energy(info->relative_energy_consumption());
  record.set_chosen_calibration_accuracy(static_cast<double>(points[chosen].second) / images);
  record.set_measurements(static_cast<int64_t>(points.size()) + 1);
  record.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return record;
}

Json SelectionJson(const proto::SelectionRecord& r) {
  auto point = [](const proto::AssignmentPoint& p) {
    Json j = Json::Object();
    j.Set("relative_energy", p.relative_energy()).Set("calibration_accuracy",
                                                       p.calibration_accuracy());
    Json m = Json::Array();
    for (const std::string& n : p.multipliers()) m.Push(n);
    if (p.multipliers_size() > 0) j.Set("multipliers", std::move(m));
    if (p.has_step()) j.Set("step", p.step());
    return j;
  };
  Json j = Json::Object();
  j.Set("method", r.method())
      .Set("calibration_images", r.calibration_images())
      .Set("qat_calibration_accuracy", r.qat_calibration_accuracy())
      .Set("tolerance_relative_energy", r.tolerance_relative_energy())
      .Set("tolerance_calibration_accuracy", r.tolerance_calibration_accuracy())
      .Set("chosen_relative_energy", r.chosen_relative_energy())
      .Set("chosen_calibration_accuracy", r.chosen_calibration_accuracy())
      .Set("measurements", r.measurements());  // no seconds: the file is deterministic
  if (r.method() == "verified") {
    j.Set("accuracy_budget", r.accuracy_budget()).Set("target_accuracy", r.target_accuracy());
    Json front = Json::Array(), uniform = Json::Array();
    for (const proto::AssignmentPoint& p : r.front()) front.Push(point(p));
    for (const proto::AssignmentPoint& p : r.uniform()) uniform.Push(point(p));
    j.Set("front", std::move(front)).Set("uniform", std::move(uniform));
  }
  return j;
}

}  // namespace agnapprox

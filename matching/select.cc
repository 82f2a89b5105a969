// select_layer_multiplier / select_multipliers: the choice per layer by the
// selection rule, the report of what was chosen, and the observed error of
// the chosen multipliers. The error model over the candidates is
// predict_layers.cc.
#include "matching/select.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/parallel.h"
#include "matching/max_distinct.h"
#include "matching/observed.h"
#include "matching/predict_layers.h"
#include "matching/selection_rule.h"
#include "stats/error_model.h"
#include "stats/output_stats.h"
#include "stats/sampling.h"

namespace agnapprox {

void TakeCandidate(const Candidate& chosen, LayerInfo* info) {
  info->multiplier_name = chosen.name;
  info->multiplier_performance_metric = chosen.performance_metric;
  info->predicted_std = chosen.predicted_std;
  info->predicted_mean = chosen.predicted_mean;
  info->observed_std = chosen.observed_std;
  info->observed_mean = chosen.observed_mean;
  info->observed_std_error = chosen.observed_std_error;
  info->compensated_predicted_std = chosen.compensated_predicted_std;
  info->compensated_predicted_mean = chosen.compensated_predicted_mean;
  info->compensated_observed_std = chosen.compensated_observed_std;
  info->compensated_observed_mean = chosen.compensated_observed_mean;
}

namespace {

LayerInfo MakeLayerInfo(const LayerTrace& t, const LayerResult& r, size_t chosen_index,
                        bool emit_candidates) {
  LayerInfo info;
  info.name = t.name;
  info.opcount = t.opcount;
  info.fan_in = t.fan_in;
  info.max_std = r.max_std;
  TakeCandidate(r.candidates[chosen_index], &info);
  if (!r.error_by_weight.empty()) {
    info.error_by_weight = r.error_by_weight[chosen_index];
    info.bias_correction = r.bias_correction[chosen_index];
  }
  if (emit_candidates) info.candidates = r.candidates;
  return info;
}

absl::StatusOr<LayerInfo> ChooseForLayer(const LayerTrace& t, const LayerResult& r,
                                         const MatchingOptions& options) {
  const Candidate* best = nullptr;
  const Candidate* least = nullptr;
  for (const Candidate& c : r.candidates) {
    if (least == nullptr || Tolerated(c, options) < Tolerated(*least, options)) {
      least = &c;
    }
    if (Tolerated(c, options) <= r.max_std && (best == nullptr || Preferred(c, *best, options))) {
      best = &c;
    }
  }
  if (best == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "layer %s: no multiplier meets max_std %.6g; the least %s%s%s "
        "on offer is %.6g (%s)",
        t.name, r.max_std, options.compensate_bias ? "compensated_" : "",
        UsesTrace(options) ? "observed_std" : "predicted_std",
        options.bias_aware ? " (with bias)" : "", Tolerated(*least, options), least->name));
  }
  return MakeLayerInfo(t, r, best - r.candidates.data(), options.emit_candidates);
}

}  // namespace

double ComparedErrorStd(const Candidate& c, const MatchingOptions& options) {
  return ErrorStd(c, options);
}

absl::StatusOr<Estimator> ParseEstimator(const std::string& name) {
  if (name == "model") return Estimator::kModel;
  if (name == "trace") return Estimator::kTrace;
  return absl::InvalidArgumentError(
      absl::StrCat("--estimator: unknown estimator '", name, "' (expected model or trace)"));
}

const char* EstimatorName(Estimator estimator) {
  return estimator == Estimator::kTrace ? "trace" : "model";
}

double MatchingInfo::relative_energy_consumption() const {
  double sum = 0;
  for (const LayerInfo& l : layers) {
    sum += l.relative_opcount(opcount) * l.relative_energy_consumption(metric_max);
  }
  return sum;
}

absl::StatusOr<std::vector<Candidate>> PredictCandidates(
    const LayerTrace& trace, const Catalog& catalog, double max_noise,
    const MatchingOptions& options, double* max_std) {
  absl::StatusOr<std::vector<LayerResult>> r =
      PredictLayers({{&trace, max_noise}}, catalog, options);
  if (!r.ok()) return r.status();
  if (max_std != nullptr) *max_std = (*r)[0].max_std;
  return std::move((*r)[0].candidates);
}

absl::StatusOr<LayerInfo> SelectLayerMultiplier(const LayerTrace& trace,
                                                const Catalog& catalog,
                                                double max_noise,
                                                const MatchingOptions& options) {
  absl::StatusOr<std::vector<LayerResult>> r =
      PredictLayers({{&trace, max_noise}}, catalog, options);
  if (!r.ok()) return r.status();
  return ChooseForLayer(trace, (*r)[0], options);
}

absl::StatusOr<MatchingInfo> SelectMultipliers(
    const std::vector<LayerTrace>& traces, const Catalog& catalog,
    const MatchingOptions& options) {
  if (traces.empty()) return absl::InvalidArgumentError("no layers to match");
  absl::StatusOr<double> metric_max = MetricMax(catalog, options.metric);
  if (!metric_max.ok()) return metric_max.status();
  std::vector<LayerJob> jobs;
  for (const LayerTrace& t : traces) jobs.push_back({&t, t.max_noise});
  absl::StatusOr<std::vector<LayerResult>> results =
      PredictLayers(jobs, catalog, options);
  if (!results.ok()) return results.status();

  MatchingInfo info;
  info.metric = options.metric;
  info.observed = options.observed || UsesTrace(options);
  info.compensate_bias = options.compensate_bias;
  info.estimator = options.estimator;
  info.metric_max = *metric_max;
  for (const Multiplier& m : catalog.multipliers) {
    info.metrics_are_estimates = info.metrics_are_estimates || m.metrics_are_estimates;
  }
  for (const LayerTrace& t : traces) info.opcount += t.opcount;

  if (options.max_distinct <= 0) {
    for (size_t l = 0; l < traces.size(); ++l) {
      absl::StatusOr<LayerInfo> layer =
          ChooseForLayer(traces[l], (*results)[l], options);
      if (!layer.ok()) return layer.status();
      info.layers.push_back(std::move(*layer));
    }
    return info;
  }

  // Shared multipliers: every layer must first have some candidate at all.
  SharingProblem problem;
  const size_t num_maps = catalog.multipliers.size();
  for (size_t l = 0; l < traces.size(); ++l) {
    const LayerResult& r = (*results)[l];
    if (absl::StatusOr<LayerInfo> alone = ChooseForLayer(traces[l], r, options);
        !alone.ok()) {
      return alone.status();
    }
    std::vector<bool> fits(num_maps);
    for (size_t j = 0; j < num_maps; ++j) {
      fits[j] = Tolerated(r.candidates[j], options) <= r.max_std;
    }
    std::vector<int> order(num_maps);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return Preferred(r.candidates[a], r.candidates[b], options);
    });
    std::vector<int> rank(num_maps);
    for (size_t i = 0; i < num_maps; ++i) rank[order[i]] = static_cast<int>(i);
    problem.fits.push_back(std::move(fits));
    problem.rank.push_back(std::move(rank));
    problem.weight.push_back(static_cast<double>(traces[l].opcount) /
                             static_cast<double>(info.opcount));
  }
  for (const Candidate& c : (*results)[0].candidates) {
    problem.cost.push_back(c.performance_metric);
  }
  absl::StatusOr<SharingSolution> solution =
      SolveSharing(problem, options.max_distinct);
  if (!solution.ok()) return solution.status();
  info.method = solution->method;
  for (size_t l = 0; l < traces.size(); ++l) {
    const LayerResult& r = (*results)[l];
    info.layers.push_back(
        MakeLayerInfo(traces[l], r, solution->assignment[l], options.emit_candidates));
  }
  return info;
}

namespace {

// Each layer's chosen multiplier's observed error on `held_out` (other
// images, into held_out_*) or on the matched traces (into observed_*).
absl::Status ObserveChoices(const std::vector<LayerTrace>& traces, const Catalog& catalog,
                            MatchingInfo* info, int threads, bool is_held_out) {
  const std::string what = is_held_out ? "held-out" : "traced";
  if (traces.size() != info->layers.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the ", what, " traces have ", traces.size(),
                                                   " layers but the matching has ",
                                                   info->layers.size()));
  }
  for (size_t l = 0; l < traces.size(); ++l) {
    const LayerTrace& t = traces[l];
    LayerInfo& layer = info->layers[l];
    if (t.name != layer.name) {
      return absl::InvalidArgumentError(absl::StrCat(what, " layer ", l + 1, " is ", t.name,
                                                     " but the matching's is ", layer.name));
    }
    const Multiplier* m = FindMultiplier(catalog, layer.multiplier_name);
    if (m == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", layer.name, ": multiplier ", layer.multiplier_name, " is not in ",
          catalog.source));
    }
    absl::StatusOr<ErrorMap> map = ErrorMapFor(*m, t.range);
    if (!map.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("layer ", layer.name, ": ", map.status().message()));
    }
    const ObservedErrorStats e = ObserveError(IndicesOf(t), ErrorTable(*map), threads);
    ErrorMoments moments{e.mean, e.std};
    if (info->compensate_bias) {
      if (static_cast<int64_t>(layer.bias_correction.size()) !=
          static_cast<int64_t>(t.weights.size()) / t.fan_in) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " layer ", t.name, " has other weights than the matching's"));
      }
      moments = OffsetError(
          e, ChannelCorrection(layer.error_by_weight, t.weights, t.fan_in, t.range));
    }
    if (is_held_out) {
      layer.held_out_std = moments.std;
      layer.held_out_mean = moments.mean;
    } else {
      layer.observed_std = e.std;
      layer.observed_mean = e.mean;
      layer.observed_std_error = t.population_rows > t.num_rows() ? e.std_error : 0;
      layer.compensated_observed_std = moments.std;
      layer.compensated_observed_mean = moments.mean;
    }
  }
  (is_held_out ? info->held_out : info->observed) = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status ObserveHeldOut(const std::vector<LayerTrace>& held_out, const Catalog& catalog,
                            MatchingInfo* info, int threads) {
  return ObserveChoices(held_out, catalog, info, threads, /*is_held_out=*/true);
}

absl::Status ObserveChosen(const std::vector<LayerTrace>& traces, const Catalog& catalog,
                           MatchingInfo* info, int threads) {
  return ObserveChoices(traces, catalog, info, threads, /*is_held_out=*/false);
}

absl::Status ChooseCandidate(const LayerTrace& trace, const std::string& name,
                             LayerInfo* layer) {
  if (trace.name != layer->name) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace of layer ", trace.name, " given for layer ", layer->name));
  }
  for (const Candidate& c : layer->candidates) {
    if (c.name != name) continue;
    TakeCandidate(c, layer);
    if (!layer->error_by_weight.empty()) {
      layer->error_by_weight = c.error_by_weight;
      layer->bias_correction =
          ChannelCorrection(c.error_by_weight, trace.weights, trace.fan_in, trace.range);
    }
    layer->held_out_std = layer->held_out_mean = 0;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("layer ", layer->name, ": no candidate named ", name));
}

int LayersWithinTolerance(const MatchingInfo& info, double slack) {
  int count = 0;
  for (const LayerInfo& l : info.layers) count += HeldOutWithinTolerance(l, slack);
  return count;
}

}  // namespace agnapprox

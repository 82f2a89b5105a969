#include "matching/select.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "matching/max_distinct.h"
#include "matching/observed.h"
#include "io/parallel.h"
#include "stats/error_model.h"
#include "stats/output_stats.h"
#include "stats/sampling.h"

namespace agnapprox {
namespace {

// Multipliers per prediction task. Fixed, so that the blocks of every
// matrix product, and so the bits of every result, do not depend on the
// number of threads.
constexpr size_t kMapsPerTask = 8;
// Feature rows per task of the accurate-output moments.
constexpr int64_t kRowsPerTask = 1024;

struct LayerJob {
  const LayerTrace* trace;
  double max_noise;
};

struct LayerResult {
  double max_std = 0;
  std::vector<Candidate> candidates;  // catalog order
  // With compensate_bias, per candidate: g and the correction c_o.
  std::vector<std::vector<double>> error_by_weight;
  std::vector<std::vector<double>> bias_correction;
};

bool UsesTrace(const MatchingOptions& o) { return o.estimator == Estimator::kTrace; }

// The error std the selection compares with the tolerance, and its mean.
double ErrorStd(const Candidate& c, const MatchingOptions& o) {
  if (o.compensate_bias) {
    return UsesTrace(o) ? c.compensated_observed_std : c.compensated_predicted_std;
  }
  return UsesTrace(o) ? c.observed_std : c.predicted_std;
}

double ErrorMean(const Candidate& c, const MatchingOptions& o) {
  if (o.compensate_bias) {
    return UsesTrace(o) ? c.compensated_observed_mean : c.compensated_predicted_mean;
  }
  return UsesTrace(o) ? c.observed_mean : c.predicted_mean;
}

// What is compared with max_std: with a sampled trace and the trace
// estimator, two standard errors above the observed std.
double Tolerated(const Candidate& c, const MatchingOptions& o) {
  const double margin = UsesTrace(o) ? 2 * c.observed_std_error : 0;
  if (!o.bias_aware) return ErrorStd(c, o) + margin;
  return std::hypot(ErrorStd(c, o) + margin, ErrorMean(c, o));
}

// Orders candidates by the selection rule: metric, error std, name.
bool Preferred(const Candidate& a, const Candidate& b, const MatchingOptions& o) {
  if (a.performance_metric != b.performance_metric) {
    return a.performance_metric < b.performance_metric;
  }
  if (ErrorStd(a, o) != ErrorStd(b, o)) return ErrorStd(a, o) < ErrorStd(b, o);
  return a.name < b.name;
}

absl::StatusOr<std::vector<LayerResult>> PredictLayers(
    const std::vector<LayerJob>& jobs, const Catalog& catalog,
    const MatchingOptions& options) {
  if (catalog.multipliers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(catalog.source, ": the catalog has no multipliers"));
  }
  const size_t num_maps = catalog.multipliers.size();
  std::vector<double> metrics(num_maps);
  for (size_t j = 0; j < num_maps; ++j) {
    absl::StatusOr<double> m = MetricOf(catalog.multipliers[j], options.metric);
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(catalog.source, ": ", m.status().message()));
    }
    metrics[j] = *m;
  }

  // Error maps for each operand range the layers use.
  std::map<OperandRange, std::vector<ErrorMap>> maps;
  for (const LayerJob& job : jobs) {
    if (maps.count(job.trace->range)) continue;
    std::vector<ErrorMap>& list = maps[job.trace->range];
    list.resize(num_maps);
    std::vector<absl::Status> status(num_maps);
    RunTasks(options.threads, num_maps, [&](size_t j) {
      absl::StatusOr<ErrorMap> e = ErrorMapFor(catalog.multipliers[j], job.trace->range);
      if (e.ok()) {
        list[j] = std::move(*e);
      } else {
        status[j] = e.status();
      }
    });
    for (const absl::Status& s : status) {
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("layer ", job.trace->name, ": ", s.message()));
      }
    }
  }

  // Per layer: sampled rows and the weight histogram (cheap, done here),
  // then tasks for max_std and for blocks of multipliers.
  std::vector<std::vector<int64_t>> rows(jobs.size());
  std::vector<OperandHistogram> weights(jobs.size());
  std::vector<LayerResult> results(jobs.size());
  enum class Kind { kOutputMoments, kPrediction, kObserved };
  struct Task {
    size_t layer;
    Kind kind;
    int64_t first;  // first row, or first multiplier
    int64_t count = 0;  // kOutputMoments: rows (all of one group)
    int64_t slot = 0;   // kOutputMoments: its place in moments[layer]
  };
  const bool observe_all = options.observed || (UsesTrace(options) && options.max_distinct > 0);
  const bool observe_deciding = UsesTrace(options) && !observe_all;
  std::vector<TraceIndices> indices(observe_all || observe_deciding ? jobs.size() : 0);
  std::vector<Task> tasks;
  std::vector<std::vector<OutputMoments>> moments(jobs.size());
  for (size_t l = 0; l < jobs.size(); ++l) {
    const LayerTrace& t = *jobs[l].trace;
    rows[l] = SampleRows(t.num_rows(), options.num_samples, options.seed);
    weights[l] = HistogramOf(t.weights, t.range);
    results[l].candidates.resize(num_maps);
    // Row blocks within one group each (grouped layers: a group's rows
    // meet only its own outputs).
    const int64_t groups = std::max<int64_t>(1, t.groups);
    const int64_t group_rows = t.num_rows() / groups;
    int64_t slot = 0;
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t first = 0; first < group_rows; first += kRowsPerTask) {
        tasks.push_back({l, Kind::kOutputMoments, g * group_rows + first,
                         std::min(kRowsPerTask, group_rows - first), slot++});
      }
    }
    moments[l].resize(slot);
    for (size_t first = 0; first < num_maps; first += kMapsPerTask) {
      tasks.push_back({l, Kind::kPrediction, static_cast<int64_t>(first)});
    }
    if (observe_all || observe_deciding) indices[l] = IndicesOf(t);
    if (observe_all) {
      for (size_t j = 0; j < num_maps; ++j) {
        tasks.push_back({l, Kind::kObserved, static_cast<int64_t>(j)});
      }
    }
  }
  // Bias compensation first: every (layer, multiplier)'s g and c_o, which
  // the prediction and observation tasks use.
  if (options.compensate_bias) {
    // Each layer's activation histogram once, shared by its multipliers.
    std::vector<OperandHistogram> activations(jobs.size());
    for (size_t l = 0; l < jobs.size(); ++l) {
      results[l].error_by_weight.resize(num_maps);
      results[l].bias_correction.resize(num_maps);
      activations[l] = HistogramOf(jobs[l].trace->features, jobs[l].trace->range);
    }
    RunTasks(options.threads, jobs.size() * num_maps, [&](size_t i) {
      const size_t l = i / num_maps, j = i % num_maps;
      const LayerTrace& t = *jobs[l].trace;
      results[l].error_by_weight[j] = ExpectedErrorByWeight(maps.at(t.range)[j], activations[l]);
      results[l].bias_correction[j] =
          ChannelCorrection(results[l].error_by_weight[j], t.weights, t.fan_in, t.range);
    });
  }
  // Candidate j's observed error on layer l's traced operands.
  auto observe = [&](size_t l, size_t j) {
    const LayerTrace& t = *jobs[l].trace;
    LayerResult& r = results[l];
    const ObservedErrorStats e =
        ObserveError(indices[l], ErrorTable(maps.at(t.range)[j]), /*threads=*/1);
    Candidate& c = r.candidates[j];
    c.observed_mean = e.mean;
    c.observed_std = e.std;
    c.observed_std_error = t.population_rows > t.num_rows() ? e.std_error : 0;
    if (options.compensate_bias) {
      const ErrorMoments after = OffsetError(e, r.bias_correction[j]);
      c.compensated_observed_mean = after.mean;
      c.compensated_observed_std = after.std;
    }
  };
  RunTasks(options.threads, tasks.size(), [&](size_t i) {
    const Task& task = tasks[i];
    const LayerTrace& t = *jobs[task.layer].trace;
    LayerResult& r = results[task.layer];
    if (task.kind == Kind::kObserved) {
      observe(task.layer, static_cast<size_t>(task.first));
      return;
    }
    if (task.kind == Kind::kOutputMoments) {
      const int64_t groups = std::max<int64_t>(1, t.groups);
      const int64_t group = task.first / (t.num_rows() / groups);
      const int64_t group_weights = static_cast<int64_t>(t.weights.size()) / groups;
      moments[task.layer][task.slot] = AccurateOutputMoments(
          absl::MakeConstSpan(t.features).subspan(task.first * t.fan_in, task.count * t.fan_in),
          absl::MakeConstSpan(t.weights).subspan(group * group_weights, group_weights), t.fan_in,
          t.activation_zero_point);
      return;
    }
    const size_t begin = static_cast<size_t>(task.first);
    const size_t end = std::min(num_maps, begin + kMapsPerTask);
    std::vector<const ErrorMap*> block;
    for (size_t j = begin; j < end; ++j) block.push_back(&maps.at(t.range)[j]);
    const std::vector<ErrorMoments> p =
        PredictPopulation(block, weights[task.layer], t.features, t.fan_in,
                          rows[task.layer]);
    for (size_t j = begin; j < end; ++j) {
      Candidate& c = r.candidates[j];
      c.name = catalog.multipliers[j].name;
      c.performance_metric = metrics[j];
      c.predicted_std = p[j - begin].std;
      c.predicted_mean = p[j - begin].mean;
      if (options.compensate_bias) {
        // In the model's own terms (independent products, weights drawn
        // from the layer's histogram p_w), a neuron's mean error is a sum of
        // n draws of g(w): compensation removes n var_w(g) from the
        // predicted variance and n E_w[g] from the predicted mean. (The
        // realised spread of the c_o would not do: it is not part of what
        // the model predicts, and subtracting it can claim an error of 0.)
        const std::vector<double>& g = r.error_by_weight[j];
        double mean = 0, second = 0;
        for (int b = 0; b < kNumOperands; ++b) {
          const double p = weights[task.layer].Probability(b);
          mean += p * g[b];
          second += p * g[b] * g[b];
        }
        const double n = static_cast<double>(t.fan_in);
        c.compensated_predicted_std = std::sqrt(
            std::max(0.0, c.predicted_std * c.predicted_std - n * (second - mean * mean)));
        c.compensated_predicted_mean = c.predicted_mean - n * mean;
        c.error_by_weight = g;
      }
    }
  });
  for (size_t l = 0; l < jobs.size(); ++l) {
    OutputMoments all;
    for (const OutputMoments& m : moments[l]) all.Merge(m);
    results[l].max_std = all.Std() * std::abs(jobs[l].max_noise);
  }
  // Only the candidates that decide: in the rule's order (metric, then
  // name), up to the first within tolerance and every one of its metric
  // (ties go to the smaller observed std).
  if (observe_deciding) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    RunTasks(options.threads, jobs.size(), [&](size_t l) {
      LayerResult& r = results[l];
      std::vector<size_t> order(num_maps);
      for (size_t j = 0; j < num_maps; ++j) {
        order[j] = j;
        Candidate& c = r.candidates[j];
        c.observed_mean = c.observed_std = nan;
        c.compensated_observed_mean = c.compensated_observed_std = nan;
      }
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const Candidate &x = r.candidates[a], &y = r.candidates[b];
        if (x.performance_metric != y.performance_metric) {
          return x.performance_metric < y.performance_metric;
        }
        return x.name < y.name;
      });
      bool found = false;
      double found_metric = 0;
      for (size_t j : order) {
        const Candidate& c = r.candidates[j];
        if (found && c.performance_metric > found_metric) break;
        observe(l, j);
        if (!found && Tolerated(c, options) <= r.max_std) {
          found = true;
          found_metric = c.performance_metric;
        }
      }
    });
  }
  return results;
}

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

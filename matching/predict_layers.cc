#include "matching/predict_layers.h"

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
#include "matching/selection_rule.h"
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

}  // namespace

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
  // Each multiplier's error map, once per operand range the layers use, in
  // a task of its own, reduced at once to what the layers need of it (the
  // two columns of the error model per layer; g and c_o with bias
  // compensation; the integer error table where errors are observed) and
  // dropped: a whole catalog's maps at once were 512 KiB each.
  std::vector<OperandRange> ranges;
  for (const LayerJob& job : jobs) {
    if (std::find(ranges.begin(), ranges.end(), job.trace->range) == ranges.end()) {
      ranges.push_back(job.trace->range);
    }
  }
  const bool observes = observe_all || observe_deciding;
  // weighted[l][j]: candidate j's columns for layer l.
  std::vector<std::vector<WeightedError>> weighted(jobs.size());
  // error_tables[r][j]: candidate j's error table over ranges[r].
  std::vector<std::vector<std::vector<int32_t>>> error_tables(ranges.size());
  std::vector<OperandHistogram> activations(options.compensate_bias ? jobs.size() : 0);
  for (size_t l = 0; l < jobs.size(); ++l) {
    weighted[l].resize(num_maps);
    if (options.compensate_bias) {
      results[l].error_by_weight.resize(num_maps);
      results[l].bias_correction.resize(num_maps);
      // Each layer's activation histogram once, shared by its multipliers.
      activations[l] = HistogramOf(jobs[l].trace->features, jobs[l].trace->range);
    }
  }
  for (auto& tables : error_tables) tables.resize(observes ? num_maps : 0);
  std::vector<absl::Status> map_status(ranges.size() * num_maps);
  RunTasks(options.threads, map_status.size(), [&](size_t i) {
    const size_t r = i / num_maps, j = i % num_maps;
    absl::StatusOr<ErrorMap> map = ErrorMapFor(catalog.multipliers[j], ranges[r]);
    if (!map.ok()) {
      map_status[i] = map.status();
      return;
    }
    for (size_t l = 0; l < jobs.size(); ++l) {
      const LayerTrace& t = *jobs[l].trace;
      if (t.range != ranges[r]) continue;
      weighted[l][j] = WeightError(*map, weights[l]);
      if (options.compensate_bias) {
        results[l].error_by_weight[j] = ExpectedErrorByWeight(*map, activations[l]);
        results[l].bias_correction[j] =
            ChannelCorrection(results[l].error_by_weight[j], t.weights, t.fan_in, t.range);
      }
    }
    if (observes) error_tables[r][j] = ErrorTable(*map);
  });
  for (size_t i = 0; i < map_status.size(); ++i) {
    if (map_status[i].ok()) continue;
    const OperandRange range = ranges[i / num_maps];
    const auto job = std::find_if(jobs.begin(), jobs.end(),
                                  [&](const LayerJob& j) { return j.trace->range == range; });
    return absl::InvalidArgumentError(
        absl::StrCat("layer ", job->trace->name, ": ", map_status[i].message()));
  }
  auto table_of = [&](const LayerTrace& t, size_t j) -> const std::vector<int32_t>& {
    const size_t r = std::find(ranges.begin(), ranges.end(), t.range) - ranges.begin();
    return error_tables[r][j];
  };
  // Candidate j's observed error on layer l's traced operands.
  auto observe = [&](size_t l, size_t j) {
    const LayerTrace& t = *jobs[l].trace;
    LayerResult& r = results[l];
    const ObservedErrorStats e =
        ObserveError(indices[l], table_of(t, j), /*threads=*/1);
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
    std::vector<const WeightedError*> block;
    for (size_t j = begin; j < end; ++j) block.push_back(&weighted[task.layer][j]);
    const std::vector<ErrorMoments> p =
        PredictPopulationFromWeighted(block, t.features, t.fan_in, rows[task.layer]);
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

}  // namespace agnapprox

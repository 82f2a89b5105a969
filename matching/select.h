// Choosing each layer's approximate multiplier (agnapprox's
// select_layer_multiplier / select_multipliers, spec section 5).
//
// For each layer, the error model predicts every catalog multiplier's error
// std at the layer output; among those within max_std = std(Y) * |sigma_l|
// the smallest metric wins, ties going to the smaller predicted std, then to
// the smaller name.
//
//   MatchingOptions options;          // metric "power", 512 samples, seed 0
//   absl::StatusOr<MatchingInfo> m = SelectMultipliers(traces, catalog, options);
//   double energy = m->relative_energy_consumption();
#ifndef AGNAPPROX_MATCHING_SELECT_H_
#define AGNAPPROX_MATCHING_SELECT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "matching/layer_trace.h"
#include "multipliers/catalog.h"

namespace agnapprox {

// What a candidate's error std is taken from when it is compared with the
// tolerance: the error model's prediction (agnapprox's way) or the observed
// error on the traced operands.
enum class Estimator { kModel, kTrace };

// "model" or "trace" (the --estimator flag); the error names the flag.
absl::StatusOr<Estimator> ParseEstimator(const std::string& name);
const char* EstimatorName(Estimator estimator);

struct MatchingOptions {
  std::string metric = "power";
  // Rows sampled with replacement per layer; 0 uses every row once.
  int64_t num_samples = 512;
  uint64_t seed = 0;
  // Keep every multiplier's prediction in LayerInfo::candidates.
  bool emit_candidates = false;
  // Worker threads; 0 means one per core. Results do not depend on it.
  int threads = 0;
  // Compare sqrt(std^2 + mean^2) with the tolerance instead of std alone.
  bool bias_aware = false;
  // At most this many distinct multipliers across the network; 0 = no limit.
  int max_distinct = 0;
  // Also compute every candidate's observed error (exact, every traced row).
  bool observed = false;
  // kTrace selects by observed_std. Without `observed` (and without
  // max_distinct, which needs every candidate's), only the candidates that
  // decide are observed: in the rule's order, up to the first within
  // tolerance (and those of equal metric); the others' observed_* are NaN.
  // Where a trace's rows are a sample (LayerTrace::population_rows), the
  // comparison is conservative: observed std + 2 standard errors.
  Estimator estimator = Estimator::kModel;
  // Compare the error after bias compensation: each output neuron's
  // systematic error, predicted from its weights and the layer's activation
  // histogram (stats/error_model.h), is subtracted by deployment.
  bool compensate_bias = false;
};

// One multiplier's prediction for one layer.
struct Candidate {
  std::string name;
  double performance_metric = 0;
  double predicted_std = 0;
  double predicted_mean = 0;
  // With MatchingOptions::observed: the error on the traced operands.
  double observed_std = 0;
  double observed_mean = 0;
  // The standard error of observed_std when the trace's rows are a sample
  // (ObservedErrorStats::std_error), else 0.
  double observed_std_error = 0;
  // With MatchingOptions::compensate_bias: the same after each neuron's
  // predicted systematic error is subtracted.
  double compensated_predicted_std = 0;
  double compensated_predicted_mean = 0;
  double compensated_observed_std = 0;
  double compensated_observed_mean = 0;
  // With compensate_bias: g, what deployment subtracts (see LayerInfo).
  std::vector<double> error_by_weight = {};
};

struct LayerInfo {
  std::string name;
  std::string multiplier_name;
  double multiplier_performance_metric = 0;
  int64_t opcount = 0;
  int64_t fan_in = 0;
  double max_std = 0;
  double predicted_std = 0;
  double predicted_mean = 0;
  double observed_std = 0;   // with MatchingOptions::observed
  double observed_mean = 0;
  double observed_std_error = 0;  // see Candidate
  // With MatchingOptions::compensate_bias (see Candidate), and what
  // deployment needs: g (256 entries, expected error of one product given
  // the weight operand) and the resulting correction c_o per output neuron.
  double compensated_predicted_std = 0;
  double compensated_predicted_mean = 0;
  double compensated_observed_std = 0;
  double compensated_observed_mean = 0;
  std::vector<double> error_by_weight;
  std::vector<double> bias_correction;
  // With ObserveHeldOut: the chosen multiplier's observed error on other
  // traces of the same layer (after compensation when compensate_bias).
  double held_out_std = 0;
  double held_out_mean = 0;
  // Every multiplier in catalog order, when asked for.
  std::vector<Candidate> candidates;

  double relative_opcount(int64_t total_opcount) const {
    return static_cast<double>(opcount) / static_cast<double>(total_opcount);
  }
  double relative_energy_consumption(double metric_max) const {
    return multiplier_performance_metric / metric_max;
  }
};

struct MatchingInfo {
  std::vector<LayerInfo> layers;
  std::string metric;
  double metric_max = 0;
  int64_t opcount = 0;
  // "per_layer" without max_distinct, else "exact" or "greedy_swap".
  std::string method = "per_layer";
  // Whether the observed_* and compensated_* fields are filled.
  bool observed = false;
  bool compensate_bias = false;
  bool held_out = false;  // whether held_out_* are filled
  Estimator estimator = Estimator::kModel;
  // Whether the catalog's costs are estimates (the built-in catalog's), not
  // figures from synthesis or measurement (spec section 2).
  bool metrics_are_estimates = false;

  // sum_l (opcount_l / opcount) * (metric_l / metric_max)
  double relative_energy_consumption() const;
};

// The error std the rule compares with max_std for `c` (before the margin
// of a sampled trace): predicted or observed (options.estimator), after
// bias compensation when options.compensate_bias.
double ComparedErrorStd(const Candidate& c, const MatchingOptions& options);

// Every multiplier's predicted error at `trace`'s output, in catalog order,
// and the layer's tolerance max_std (written to `*max_std`).
absl::StatusOr<std::vector<Candidate>> PredictCandidates(
    const LayerTrace& trace, const Catalog& catalog, double max_noise,
    const MatchingOptions& options, double* max_std);

// The choice for one layer with tolerance sigma = `max_noise`.
absl::StatusOr<LayerInfo> SelectLayerMultiplier(const LayerTrace& trace,
                                                const Catalog& catalog,
                                                double max_noise,
                                                const MatchingOptions& options);

// The choice for every layer (each with its own trace.max_noise), work spread
// over layers x multipliers on options.threads threads.
absl::StatusOr<MatchingInfo> SelectMultipliers(
    const std::vector<LayerTrace>& traces, const Catalog& catalog,
    const MatchingOptions& options);

// Checks a matching on held-out traces of the same layers (other images):
// fills every layer's held_out_std/held_out_mean with the chosen
// multiplier's observed error there, after the same bias compensation
// when the matching has it. Errors name a layer whose name or weights
// differ, or a multiplier missing from `catalog`.
absl::Status ObserveHeldOut(const std::vector<LayerTrace>& held_out, const Catalog& catalog,
                            MatchingInfo* info, int threads = 0);

// Makes the candidate `name` the layer's choice (a choice another rule
// made, e.g. the verified selection): its metric and errors, and with
// compensation its g and, from `trace`'s weights, c_o. The held-out error
// is cleared (ObserveHeldOut fills it again). REQUIRES: the layer's
// candidates, `trace` the layer's own.
absl::Status ChooseCandidate(const LayerTrace& trace, const std::string& name, LayerInfo* layer);

// Fills every layer's observed_* (and compensated_observed_* with
// compensation) with its chosen multiplier's observed error on `traces`
// (the ones it was matched on), for a matching that did not observe them.
absl::Status ObserveChosen(const std::vector<LayerTrace>& traces, const Catalog& catalog,
                           MatchingInfo* info, int threads = 0);

// Whether a layer's held-out observed std is within its max_std (times
// `slack`, e.g. 1.1 for "within 10%"). REQUIRES: its matching has held_out.
inline bool HeldOutWithinTolerance(const LayerInfo& layer, double slack = 1.0) {
  return layer.held_out_std <= layer.max_std * slack;
}

// How many layers are HeldOutWithinTolerance. REQUIRES: info.held_out.
int LayersWithinTolerance(const MatchingInfo& info, double slack = 1.0);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_SELECT_H_

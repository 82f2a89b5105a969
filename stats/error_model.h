// The error model: predicted mean and std of a multiplier's error at a
// layer's output, from operand histograms (agnapprox, ICCAD 2022, Eq. 15/16).
//
// For fan-in n, weight histogram p_w and feature rows x_1..x_N with
// histograms p_i:
//   m_i = p_i^T E p_w                      (mean error of one product)
//   v_i = p_i^T (E∘E) p_w - m_i^2          (its variance)
//   predicted_mean = n * mean_i(m_i)
//   predicted_std  = sqrt(n^2 var_i(m_i) + n mean_i(v_i))
//
// PredictPopulation is the closed form: it computes E p_w and (E∘E) p_w once
// per multiplier, stacks them for a whole catalog into a 256 x 2M matrix U,
// and gets every row's m_i and second moment from one product H U, where H
// holds the sampled rows' histograms. It never evaluates a 256x256 form per
// row; tests compare it with that plain per-row evaluation.
//
//   std::vector<int64_t> rows = SampleRows(num_rows, 512, seed);
//   std::vector<ErrorMoments> p =
//       PredictPopulation(maps, HistogramOf(weights, range), features,
//                         fan_in, rows);
#ifndef AGNAPPROX_STATS_ERROR_MODEL_H_
#define AGNAPPROX_STATS_ERROR_MODEL_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "stats/error_map.h"
#include "stats/operands.h"

namespace agnapprox {

// Mean and standard deviation of an error.
struct ErrorMoments {
  double mean = 0;
  double std = 0;
};

// Mean and std of one product's error when a ~ p_a and b ~ p_b independently.
// REQUIRES: all three share one range; both histograms non-empty.
ErrorMoments PredictSingle(const ErrorMap& map, const OperandHistogram& a,
                           const OperandHistogram& b);

// The multi-population prediction for each map in `maps` (see above).
// `features` is row-major [num_rows, fan_in] activation operands; `rows`
// selects the rows to use (repeats allowed). REQUIRES: every map has
// `weights.range`, every feature is inside it, fan_in > 0, rows not empty.
std::vector<ErrorMoments> PredictPopulation(
    absl::Span<const ErrorMap* const> maps, const OperandHistogram& weights,
    absl::Span<const int16_t> features, int64_t fan_in,
    absl::Span<const int64_t> rows);

// All that PredictPopulation needs of one map for one weight histogram: its
// two columns of U, E p_w and (E∘E) p_w (256 entries each). A caller that
// keeps these instead of the map (512 KiB) can drop the map at once.
struct WeightedError {
  OperandRange range = OperandRange::kSigned;
  std::vector<double> mean;    // E p_w
  std::vector<double> second;  // (E∘E) p_w
};

// REQUIRES: `weights` has the map's range and is non-empty.
WeightedError WeightError(const ErrorMap& map, const OperandHistogram& weights);

// PredictPopulation from each map's WeightedError for the layer's weight
// histogram: the same results, bit for bit.
// REQUIRES: every entry has one range, the features' range.
std::vector<ErrorMoments> PredictPopulationFromWeighted(
    absl::Span<const WeightedError* const> weighted, absl::Span<const int16_t> features,
    int64_t fan_in, absl::Span<const int64_t> rows);

// Bias compensation. A multiplier's systematic error at output neuron o is
// predictable from that neuron's weights and the layer's activation
// histogram p_a:
//   g[b]  = sum_a p_a(a) E[a][b]        (expected error of one product, given b)
//   c_o   = sum_j g[w_oj]               (expected error of neuron o)
// A deployment that subtracts c_o from neuron o's accumulator removes it.

// g, indexed like the map's weight operands (256 entries).
// REQUIRES: `activations` has the map's range and is non-empty.
std::vector<double> ExpectedErrorByWeight(const ErrorMap& map,
                                          const OperandHistogram& activations);

// c_o for each row of `weights` ([out, fan_in] operands in g's range).
std::vector<double> ChannelCorrection(absl::Span<const double> error_by_weight,
                                      absl::Span<const int16_t> weights, int64_t fan_in,
                                      OperandRange range);

}  // namespace agnapprox

#endif  // AGNAPPROX_STATS_ERROR_MODEL_H_

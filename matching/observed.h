// The observed error: what a multiplier's table actually adds to a layer's
// outputs on the traced operands (spec section 4), with no independence
// assumption and no sampling. For every traced row r and output neuron o,
//
//   e_ro = sum_j E[x_rj][w_oj]
//
// computed exactly with the table GEMM over the error map E, then its mean
// and population std over all (r, o), and its mean per output neuron (the
// part a bias can cancel).
//
//   TraceIndices x = IndicesOf(trace);
//   ObservedErrorStats e = ObserveError(x, ErrorTable(map));
#ifndef AGNAPPROX_MATCHING_OBSERVED_H_
#define AGNAPPROX_MATCHING_OBSERVED_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "matching/layer_trace.h"
#include "stats/error_map.h"
#include "stats/error_model.h"

namespace agnapprox {

// A trace's operands as table indices (value order), shared by every
// multiplier that is tried on the layer.
struct TraceIndices {
  std::vector<uint8_t> features;  // [rows][fan_in]
  std::vector<uint8_t> weights;   // [out][fan_in]
  int64_t rows = 0, out = 0, fan_in = 0;
  // LayerTrace::groups: rows and outputs in as many blocks, each block of
  // rows meeting only its own block of outputs.
  int64_t groups = 1;
};

TraceIndices IndicesOf(const LayerTrace& trace);

// An error map as the int32 table the table GEMM reads (error maps hold
// exact integers).
std::vector<int32_t> ErrorTable(const ErrorMap& map);

struct ObservedErrorStats {
  double mean = 0;
  double std = 0;  // population std over all rows and outputs
  // Mean over rows of e_ro for each output neuron o.
  std::vector<double> channel_mean;
  // Population std of e_ro - channel_mean[o] over all rows and outputs:
  // what is left after a per-neuron bias correction.
  double std_after_channel_mean = 0;
  // The standard error of `std` as an estimate of the std of a larger
  // population the traced rows were sampled from (delta method, rows as the
  // independent units: sqrt((m4 - var^2) / rows) / (2 std), m4 the central
  // fourth moment). It says nothing when the rows are the whole population.
  double std_error = 0;
};

// Exact over every row (of grouped layers: every row and output of one
// group); the same bits for any `threads` (0 = one per core). Groups with
// at most 4 outputs (depthwise: 1) take a direct loop over their rows,
// wider ones the table GEMM.
ObservedErrorStats ObserveError(const TraceIndices& x, absl::Span<const int32_t> error_table,
                           int threads = 0);

// Mean and population std of e_ro - offset[o], from `e` alone (no second
// pass): what is left after a per-neuron correction. REQUIRES:
// offset.size() == e.channel_mean.size().
ErrorMoments OffsetError(const ObservedErrorStats& e, absl::Span<const double> offset);

// The plain triple loop ObserveError must agree with, for tests and
// benchmarks: e_ro summed in int64, moments in long double.
ObservedErrorStats ObserveErrorReference(const TraceIndices& x, absl::Span<const int32_t> error_table);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_OBSERVED_H_

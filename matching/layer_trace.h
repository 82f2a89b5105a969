// A layer's integer operands as seen on sample data: what matching needs to
// predict each multiplier's error at the layer output.
//
//   absl::StatusOr<std::vector<LayerTrace>> t = LoadLayerTraces("traces.txtpb");
//   // t->at(0).features: rows of fan_in activation operands (im2col rows)
#ifndef AGNAPPROX_MATCHING_LAYER_TRACE_H_
#define AGNAPPROX_MATCHING_LAYER_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/npy.h"
#include "stats/operand_range.h"

namespace agnapprox {

struct LayerTrace {
  std::string name;
  double max_noise = 0;  // learned sigma_l (sign ignored by matching)
  int64_t opcount = 0;   // multiplications per inference, > 0
  int64_t fan_in = 0;
  // Row-major [num_rows, fan_in] activation operands.
  std::vector<int16_t> features;
  // Row-major [out, fan_in] weight operands.
  std::vector<int16_t> weights;
  // Signed when every operand fits -128..127, else unsigned (0..255).
  OperandRange range = OperandRange::kSigned;
  // The activation codes' zero point: the layer's real output is
  // proportional to (features - zero point) W^T.
  int activation_zero_point = 0;
  // When the rows are a sample (SampleTraceRows): how many rows the layer
  // had; 0 when they are all of them.
  int64_t population_rows = 0;
  // A grouped convolution's groups G (depthwise: one per channel): the rows
  // are G consecutive blocks of num_rows() / G, the weights G blocks of
  // out / G, and the rows of block g meet only the outputs of block g.
  int64_t groups = 1;

  int64_t num_rows() const {
    return static_cast<int64_t>(features.size()) / fan_in;
  }
  int64_t num_outputs() const { return static_cast<int64_t>(weights.size()) / fan_in; }
};

// Builds a trace from operand arrays, checking shapes (features [..., n],
// weights [out, n] or [out, in, kh, kw] with in*kh*kw = n), integrality and
// ranges, and that the zero point is an activation operand (and, where the
// operands are unsigned, at most every feature). Errors name
// `features_name`/`weights_name` or the layer, and the problem.
absl::StatusOr<LayerTrace> MakeLayerTrace(
    const std::string& name, double max_noise, int64_t opcount,
    const NpyArray& features, const std::string& features_name,
    const NpyArray& weights, const std::string& weights_name,
    int64_t activation_zero_point = 0);

// Reads a trace file and its `.npy` operands (paths relative to the file).
// Errors name the file and the layer.
absl::StatusOr<std::vector<LayerTrace>> LoadLayerTraces(const std::string& path);

// At most `max_codes` activation codes of `trace`: when it holds more, a
// sample of floor(max_codes / fan_in) rows (at least one per group, the
// same number from each group) drawn without replacement by a generator
// seeded with `seed`, kept in their order, and population_rows set;
// otherwise `trace` unchanged. max_codes <= 0: no cap.
LayerTrace SampleTraceRows(const LayerTrace& trace, int64_t max_codes, uint64_t seed);

// The pipeline's cap of activation codes per layer trace (--trace_codes):
// one byte each on disk, so that a layer's trace file stays under 0.8 MB
// (MobileNetV2's 53 layers, matched and held out: under 90 MB).
inline constexpr int64_t kDefaultTraceCodes = int64_t{3} << 18;

// Writes traces as a trace file at `path` with `<stem>.<layer>.features.npy`
// and `<stem>.<layer>.weights.npy` beside it, each in the narrowest dtype
// that holds its values (uint8, int8, else int16), where <stem> is the
// trace file's name up to its first '.' and <layer> the layer's name with
// characters other than letters, digits, '_' and '-' replaced by '_'.
absl::Status WriteLayerTraces(const std::vector<LayerTrace>& traces,
                              const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_LAYER_TRACE_H_

// One 8-bit approximate multiplier: its product table and its costs.
//
// The table is in value order (row = activation a, column = weight b). An
// unsigned multiplier applied to signed operands is used in sign-magnitude,
// as TorchApprox does: P(a, b) = sign(a) sign(b) P_u(|a|, |b|), |-128| = 128.
//
//   absl::StatusOr<std::vector<int32_t>> p =
//       ProductsFor(m, OperandRange::kSigned);   // derived table if unsigned
#ifndef AGNAPPROX_MULTIPLIERS_MULTIPLIER_H_
#define AGNAPPROX_MULTIPLIERS_MULTIPLIER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "stats/error_map.h"
#include "stats/operand_range.h"

namespace agnapprox {

struct Multiplier {
  std::string name;
  bool is_signed = true;
  // kTableSize products in value order for this multiplier's own range.
  std::vector<int32_t> products;
  // Non-negative costs by metric name ("power", "area", "delay", "pdp").
  std::map<std::string, double> metrics;
  // True when the metrics come from a model rather than a measurement.
  bool metrics_are_estimates = false;

  OperandRange range() const {
    return is_signed ? OperandRange::kSigned : OperandRange::kUnsigned;
  }
};

// The signed (value-order) table of an unsigned multiplier in sign-magnitude.
// REQUIRES: unsigned_products has kTableSize entries in unsigned value order.
std::vector<int32_t> SignMagnitudeProducts(
    absl::Span<const int32_t> unsigned_products);

// The table to use with operands in `range`: the multiplier's own, or its
// sign-magnitude version for an unsigned multiplier on signed operands. A
// signed multiplier cannot take unsigned operands above 127: that is an
// error naming the multiplier.
absl::StatusOr<std::vector<int32_t>> ProductsFor(const Multiplier& m,
                                                 OperandRange range);

// ErrorMapFromProducts(ProductsFor(m, range)).
absl::StatusOr<ErrorMap> ErrorMapFor(const Multiplier& m, OperandRange range);

// The value of `metric`, or an error naming the multiplier and the metrics
// it does have.
absl::StatusOr<double> MetricOf(const Multiplier& m, const std::string& metric);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_MULTIPLIER_H_

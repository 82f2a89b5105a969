// Error figures of a multiplier over all operand pairs of its own range,
// uniformly weighted (the catalog listing's "error" object, spec section 6).
#ifndef AGNAPPROX_MULTIPLIERS_ERROR_SUMMARY_H_
#define AGNAPPROX_MULTIPLIERS_ERROR_SUMMARY_H_

#include "multipliers/multiplier.h"

namespace agnapprox {

struct ErrorSummary {
  double mean = 0;  // mean e
  double std = 0;   // population std of e
  double mae = 0;   // mean |e|
  double wce = 0;   // max |e|
  double ep = 0;    // percent of pairs with e != 0
  double mre = 0;   // percent: mean |e| / |a b| over pairs with a b != 0
  double mse = 0;   // mean e^2
};

ErrorSummary SummarizeErrors(const Multiplier& m);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_ERROR_SUMMARY_H_

// The selection rule of matching (spec section 4): the error a candidate is
// judged by under the options (model or trace estimator, bias compensated
// or not), what is compared with the layer's max_std, and the order among
// the candidates that fit. Internal to //matching:select.
#ifndef AGNAPPROX_MATCHING_SELECTION_RULE_H_
#define AGNAPPROX_MATCHING_SELECTION_RULE_H_

#include "matching/select.h"

namespace agnapprox {

bool UsesTrace(const MatchingOptions& o);

// The error std the selection compares with the tolerance, and its mean.
double ErrorStd(const Candidate& c, const MatchingOptions& o);
double ErrorMean(const Candidate& c, const MatchingOptions& o);

// What is compared with max_std: with a sampled trace and the trace
// estimator, two standard errors above the observed std.
double Tolerated(const Candidate& c, const MatchingOptions& o);

// Orders candidates by the selection rule: metric, error std, name.
bool Preferred(const Candidate& a, const Candidate& b, const MatchingOptions& o);

}  // namespace agnapprox

#endif  // AGNAPPROX_MATCHING_SELECTION_RULE_H_

#include "matching/selection_rule.h"

#include <cmath>

namespace agnapprox {

bool UsesTrace(const MatchingOptions& o) { return o.estimator == Estimator::kTrace; }

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

double Tolerated(const Candidate& c, const MatchingOptions& o) {
  const double margin = UsesTrace(o) ? 2 * c.observed_std_error : 0;
  if (!o.bias_aware) return ErrorStd(c, o) + margin;
  return std::hypot(ErrorStd(c, o) + margin, ErrorMean(c, o));
}

bool Preferred(const Candidate& a, const Candidate& b, const MatchingOptions& o) {
  if (a.performance_metric != b.performance_metric) {
    return a.performance_metric < b.performance_metric;
  }
  if (ErrorStd(a, o) != ErrorStd(b, o)) return ErrorStd(a, o) < ErrorStd(b, o);
  return a.name < b.name;
}

}  // namespace agnapprox

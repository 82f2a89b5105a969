// The pipeline's selection check: the matched assignment measured on the
// calibration images (held out of training), and with --selection=verified
// the search that improves it by measured accuracy
// (matching/verified_search.h), the uniform front measured the same way,
// and the front of every assignment measured.
#ifndef AGNAPPROX_PIPELINE_SELECTION_STAGE_H_
#define AGNAPPROX_PIPELINE_SELECTION_STAGE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "deploy/cached_evaluation.h"
#include "io/json.h"
#include "matching/layer_trace.h"
#include "matching/select.h"
#include "matching/verified_search.h"
#include "multipliers/catalog.h"
#include "nets/data/dataset.h"
#include "nets/layers/approx_net.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"

namespace agnapprox {

// Measures `info`'s choice on `calibration` (deployed as matching deploys
// it: with bias compensation when the run compensates). With
// o.selection == kVerified, searches assignments within
// qat_calibration_accuracy - o.accuracy_budget / 100 and makes the cheapest
// found `info`'s choice (ChooseCandidate with `traces`); an unmet budget is
// an error naming the best accuracy on offer. Leaves the network deployed
// with some assignment: the caller deploys again.
// REQUIRES: info's candidates (emit_candidates), traces in info's order.
absl::StatusOr<proto::SelectionRecord> CheckSelection(ApproxNetImpl& net,
                                                      const Dataset& calibration,
                                                      const Catalog& catalog,
                                                      const std::vector<LayerTrace>& traces,
                                                      const PipelineOptions& o,
                                                      double qat_calibration_accuracy,
                                                      MatchingInfo* info);

// The verified search's layers for `info` (every candidate, its relative
// metric, and its error under the run's rule over the layer's max_std).
std::vector<SearchLayer> SearchLayersOf(const MatchingInfo& info, const PipelineOptions& o);

// The search's measurements: an evaluator's correct counts, with a
// progress line on stderr when `progress`.
class CalibrationOracle : public AssignmentOracle {
 public:
  CalibrationOracle(CachedEvaluator& e, bool progress) : e_(e), progress_(progress) {}
  absl::StatusOr<int64_t> Correct(const std::vector<std::string>& multipliers) override;
  absl::Status SetBase(const std::vector<std::string>& multipliers) override;
  // Ends the progress line.
  void Done() const;

 private:
  CachedEvaluator& e_;
  bool progress_;
  long long count_ = 0;
};

// The record as matching.json's "selection" object.
Json SelectionJson(const proto::SelectionRecord& record);

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_SELECTION_STAGE_H_

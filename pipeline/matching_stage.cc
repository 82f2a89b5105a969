#include "pipeline/matching_stage.h"

#include "absl/strings/str_cat.h"
#include "nets/layers/trace.h"
#include "pipeline/selection_stage.h"

namespace agnapprox {

absl::Status CheckTraceSamples(int64_t train_size, int64_t trace_samples) {
  if (train_size > trace_samples) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--trace_samples: ", trace_samples, " images to match on leave none of the ",
                   train_size, " training images to hold out"));
}

absl::StatusOr<MatchingInfo> MatchOnTraces(ApproxNetImpl& net, const Dataset& train,
                                           const Dataset& calibration, const Catalog& catalog,
                                           const PipelineOptions& o, double qat_calibration_accuracy,
                                           const std::string& trace_dir,
                                           proto::SelectionRecord* selection) {
  const int64_t n = o.trace_samples;
  if (absl::Status s = CheckTraceSamples(train.size(), n); !s.ok()) return s;
  // Large layers keep a seeded sample of their rows (--trace_codes).
  absl::StatusOr<std::vector<LayerTrace>> traces =
      TraceNet(net, train.Images(0, n), o.trace_codes, o.seed);
  if (!traces.ok()) return traces.status();
  absl::StatusOr<std::vector<LayerTrace>> held_out = TraceNet(
      net, train.Images(n, std::min(2 * n, train.size())), o.trace_codes, o.seed + 1);
  if (!held_out.ok()) return held_out.status();
  if (absl::Status s = WriteLayerTraces(*traces, trace_dir + "/traces.txtpb"); !s.ok()) return s;
  if (absl::Status s = WriteLayerTraces(*held_out, trace_dir + "/held_out.txtpb"); !s.ok()) {
    return s;
  }
  MatchingOptions m;
  m.metric = o.metric;
  m.num_samples = o.num_samples;
  m.seed = o.seed;
  m.threads = o.threads;
  m.max_distinct = o.max_distinct;
  m.emit_candidates = true;
  // Every candidate's observed error only where it orders the verified
  // search; otherwise the trace estimator observes the deciding ones, and
  // the chosen ones are observed below.
  m.observed = o.estimator == Estimator::kTrace && o.selection == Selection::kVerified;
  m.estimator = o.estimator;
  m.compensate_bias = o.compensate_bias;
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(*traces, catalog, m);
  if (!info.ok()) return info.status();
  absl::StatusOr<proto::SelectionRecord> checked = CheckSelection(
      net, calibration, catalog, *traces, o, qat_calibration_accuracy, &*info);
  if (!checked.ok()) return checked.status();
  *selection = std::move(*checked);
  if (absl::Status s = ObserveChosen(*traces, catalog, &*info, o.threads); !s.ok()) return s;
  if (absl::Status s = ObserveHeldOut(*held_out, catalog, &*info, o.threads); !s.ok()) return s;
  return info;
}

}  // namespace agnapprox

// `bazel run //:match -- --catalog=PATH|builtin[:FILTER] --layers=PATH
//  --output=OUT.json [--metric=power] [--num_samples=512] [--seed=0]
//  [--emit_candidates] [--threads=0] [--max_distinct=0] [--bias_aware]
//  [--observed] [--estimator=model|trace] [--compensate_bias] [--held_out=TRACES]`
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/command_line.h"
#include "io/heap.h"
#include "matching/layer_trace.h"
#include "matching/matching_json.h"
#include "matching/select.h"
#include "multipliers/open_catalog.h"
#include "io/file_io.h"

ABSL_FLAG(std::string, catalog, "builtin",
          "catalog file, 'builtin' or 'builtin:FILTER'");
ABSL_FLAG(std::string, catalog_filter, "",
          "keep only the catalog's entries whose name contains this");
ABSL_FLAG(std::string, layers, "", "layer trace file (spec section 3)");
ABSL_FLAG(std::string, output, "", "where to write the matching JSON");
ABSL_FLAG(std::string, metric, "power",
          "cost metric: any key the catalog's entries carry (power, area, delay, pdp, cells, ...)");
ABSL_FLAG(int64_t, num_samples, 512,
          "feature rows sampled per layer (with replacement); 0 = every row");
ABSL_FLAG(uint64_t, seed, 0, "seed of the row sampling");
ABSL_FLAG(bool, emit_candidates, false,
          "add every multiplier's prediction to each layer");
ABSL_FLAG(int32_t, threads, 0, "worker threads; 0 = one per core");
ABSL_FLAG(int32_t, max_distinct, 0,
          "use at most this many distinct multipliers; 0 = no limit");
ABSL_FLAG(bool, bias_aware, false,
          "compare sqrt(std^2 + mean^2) with the tolerance");
ABSL_FLAG(bool, observed, false,
          "add observed_std and observed_mean (exact, every traced row) to every layer "
          "and candidate");
ABSL_FLAG(bool, compensate_bias, false,
          "compare the error after each output neuron's predicted systematic error is "
          "subtracted (as deployment with bias compensation does)");
ABSL_FLAG(std::string, held_out, "",
          "a second trace file of the same layers (other images): report each chosen "
          "multiplier's observed error there (held_out_observed_std)");
ABSL_FLAG(std::string, estimator, "model",
          "what the tolerance is compared with: model (predicted_std, agnapprox's) or "
          "trace (observed_std; implies --observed)");

namespace agnapprox {
namespace {

constexpr char kUsage[] =
    "match --catalog=PATH|builtin[:FILTER] --layers=TRACES --output=OUT.json "
    "[--metric=power] [--num_samples=512] [--seed=0] [--emit_candidates] "
    "[--threads=0] [--max_distinct=0] [--bias_aware] [--observed] "
    "[--estimator=model|trace] [--compensate_bias] [--held_out=TRACES]";

absl::Status Run() {
  MatchingOptions options;
  options.metric = absl::GetFlag(FLAGS_metric);
  options.num_samples = absl::GetFlag(FLAGS_num_samples);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.emit_candidates = absl::GetFlag(FLAGS_emit_candidates);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_distinct = absl::GetFlag(FLAGS_max_distinct);
  options.bias_aware = absl::GetFlag(FLAGS_bias_aware);
  options.observed = absl::GetFlag(FLAGS_observed);
  options.compensate_bias = absl::GetFlag(FLAGS_compensate_bias);
  absl::StatusOr<Estimator> estimator = ParseEstimator(absl::GetFlag(FLAGS_estimator));
  if (!estimator.ok()) UsageError(std::string(estimator.status().message()));
  options.estimator = *estimator;
  // The spec's "--estimator=trace implies --observed": every candidate the
  // output shows carries its observed error (without --emit_candidates only
  // the chosen ones are shown, and only the deciding ones are computed).
  if (options.estimator == Estimator::kTrace && options.emit_candidates) options.observed = true;
  // Any metric the catalog's entries carry (spec section 2); one an entry
  // lacks is an error naming it (bad input, exit 1).
  if (options.metric.empty()) UsageError("--metric: must name a metric of the catalog");
  if (options.num_samples < 0) {
    UsageError(absl::StrCat("--num_samples=", options.num_samples, ": must be >= 0"));
  }
  if (options.max_distinct < 0) {
    UsageError(absl::StrCat("--max_distinct=", options.max_distinct, ": must be >= 0"));
  }
  if (options.threads < 0) {
    UsageError(absl::StrCat("--threads=", options.threads, ": must be >= 0 (0: one per core)"));
  }
  absl::StatusOr<Catalog> catalog =
      OpenCatalog(absl::GetFlag(FLAGS_catalog), UserDirectory());
  if (!catalog.ok()) return catalog.status();
  if (const std::string filter = absl::GetFlag(FLAGS_catalog_filter); !filter.empty()) {
    absl::StatusOr<Catalog> kept = KeepMatching(*catalog, filter);
    if (!kept.ok()) return kept.status();
    catalog = std::move(kept);
  }
  absl::StatusOr<std::vector<LayerTrace>> traces =
      LoadLayerTraces(UserPath(absl::GetFlag(FLAGS_layers)));
  if (!traces.ok()) return traces.status();
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(*traces, *catalog, options);
  if (!info.ok()) return info.status();
  if (const std::string held_out = absl::GetFlag(FLAGS_held_out); !held_out.empty()) {
    absl::StatusOr<std::vector<LayerTrace>> other = LoadLayerTraces(UserPath(held_out));
    if (!other.ok()) return other.status();
    if (absl::Status s = ObserveHeldOut(*other, *catalog, &*info, options.threads); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(held_out, ": ", s.message()));
    }
  }
  const std::string output = UserPath(absl::GetFlag(FLAGS_output));
  if (absl::Status s = WriteFileAtomically(
          output, MatchingToJson(*info, options.emit_candidates).Dump());
      !s.ok()) {
    return s;
  }
  std::cout << absl::StrFormat("%-16s %-16s %10s %12s %12s %12s %10s\n", "layer",
                               "multiplier", options.metric, "pred. std",
                               info->observed ? "obs. std" : "", "max std", "opcount");
  for (const LayerInfo& l : info->layers) {
    std::cout << absl::StrFormat(
        "%-16s %-16s %10.4g %12.4g %12s %12.4g %10d\n", l.name, l.multiplier_name,
        l.multiplier_performance_metric, l.predicted_std,
        info->observed ? absl::StrFormat("%.4g", l.observed_std) : "", l.max_std, l.opcount);
  }
  std::cout << absl::StrFormat(
      "relative energy consumption %.4f (metric %s%s, max %.4g, %s); wrote %s\n",
      info->relative_energy_consumption(), info->metric,
      info->metrics_are_estimates ? ", estimated" : "", info->metric_max, info->method, output);
  return absl::OkStatus();
}

}  // namespace
}  // namespace agnapprox

int main(int argc, char** argv) {
  using namespace agnapprox;
  KeepHeapOnHugePages(/*reserve_mib=*/256);
  std::vector<char*> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (args.size() > 1) UsageError(std::string("unexpected argument ") + args[1]);
  if (absl::GetFlag(FLAGS_layers).empty()) UsageError("--layers is required");
  if (absl::GetFlag(FLAGS_output).empty()) UsageError("--output is required");
  absl::Status s;
  try {
    s = Run();
  } catch (const std::exception& e) {  // e.g. out of memory in a worker thread
    s = absl::InternalError(std::string("internal error: ") + e.what());
  }
  if (!s.ok()) FailWith(s);
  return 0;
}

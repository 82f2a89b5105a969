#include "pipeline/sweep.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/file_io.h"
#include "io/json.h"
#include "nets/training/distributed.h"
#include "pipeline/internal/share.h"
#include "pipeline/internal/svg.h"
#include "pipeline/pipeline_state.pb.h"
#include "pipeline/state.h"

namespace agnapprox {
namespace {

// One point of the sweep, as a run of its own (one process) in
// output_dir/sweep/lambda_<value>/, started from `seed` unless it is there
// already (then it resumes).
absl::StatusOr<proto::PipelineState> RunSweepPoint(const PipelineOptions& options, double lambda,
                                                   const proto::RunSeed& seed) {
  PipelineOptions sub = options;
  sub.lambda = lambda;
  sub.resume = true;
  sub.skip_uniform = true;
  sub.data_parallel = nullptr;
  sub.output_dir = absl::StrCat(options.output_dir, "/sweep/lambda_", lambda);
  std::fprintf(stderr, "[pipeline] sweep: lambda %g in %s\n", lambda, sub.output_dir.c_str());
  if (!PathExists(sub.output_dir + "/state.txtpb")) {
    if (absl::Status s = WriteRunSeed(seed, sub.output_dir); !s.ok()) return s;
  }
  if (absl::Status s = RunPipeline(sub); !s.ok()) return s;
  return ReadState(sub.output_dir + "/state.txtpb");
}

}  // namespace

absl::Status RunLambdaSweep(const PipelineOptions& options, const std::vector<double>& lambdas) {
  if (absl::Status s = RunPipeline(options); !s.ok()) return s;
  // Data-parallel: the main run trained on every rank; its lambdas are
  // independent runs, dealt round-robin to the ranks (one process each),
  // and rank 0 gathers their states for the combined files.
  DataParallel* dp = options.data_parallel;
  const int rank = dp == nullptr ? 0 : dp->rank();
  const int world = dp == nullptr ? 1 : dp->world_size();
  // Every lambda starts from the main run's QAT network, which rank 0 reads
  // and sends to the other ranks (they may not see its folder).
  proto::RunSeed seed;
  absl::Status read = absl::OkStatus();
  if (rank == 0) {
    absl::StatusOr<proto::RunSeed> r = ReadRunSeed(options.output_dir, "qat");
    read = r.status();
    if (r.ok()) seed = *std::move(r);
  }
  if (dp != nullptr) {
    read = ShareFromRankZero(*dp, "sweep/seed", read, "rank 0's sweep start", &seed);
  }
  if (!read.ok()) return read;
  std::map<size_t, proto::PipelineState> by_index;
  for (size_t i = 0; i < lambdas.size(); ++i) {
    if (static_cast<int>(i % world) != rank) continue;
    absl::StatusOr<proto::PipelineState> state = RunSweepPoint(options, lambdas[i], seed);
    if (rank != 0) {
      const absl::Status published = dp->Publish(
          absl::StrCat("sweep/run/", i),
          state.ok() ? absl::StatusOr<std::string>(state->SerializeAsString()) : state.status());
      if (!state.ok()) return state.status();
      if (!published.ok()) return published;
      continue;
    }
    if (!state.ok()) return state.status();
    by_index[i] = *std::move(state);
  }
  if (rank != 0) return absl::OkStatus();
  for (size_t i = 0; i < lambdas.size(); ++i) {
    const int owner = static_cast<int>(i % world);
    if (owner == 0) continue;
    proto::PipelineState state;
    if (absl::Status s = ParseShared(*dp, dp->Fetch(absl::StrCat("sweep/run/", i), owner),
                                     absl::StrCat("rank ", owner, "'s sweep run"), &state);
        !s.ok()) {
      return s;
    }
    by_index[i] = std::move(state);
  }
  absl::StatusOr<proto::PipelineState> main = ReadState(options.output_dir + "/state.txtpb");
  if (!main.ok()) return main.status();
  std::vector<std::pair<double, proto::PipelineState>> runs = {{options.lambda, *main}};
  for (auto& [i, state] : by_index) runs.emplace_back(lambdas[i], std::move(state));
  // Lambda order within equal energies (stable).
  std::stable_sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return a.second.relative_energy() < b.second.relative_energy();
  });
  Json list = Json::Array();
  std::vector<std::pair<std::string, std::pair<double, double>>> points;
  std::string table =
      "<table><tr><th>lambda</th><th>relative energy</th><th>accuracy before retraining</th>"
      "<th>accuracy</th><th>Pareto-optimal</th></tr>";
  double best_accuracy = -1;
  // Sorted by energy, a run is Pareto-optimal when it is more accurate than
  // every cheaper run.
  for (const auto& [lambda, st] : runs) {
    const double acc = st.accuracy().at("approx_accuracy");
    const bool pareto = acc > best_accuracy;
    best_accuracy = std::max(best_accuracy, acc);
    list.Push(Json::Object()
                  .Set("lambda", lambda)
                  .Set("relative_energy_consumption", st.relative_energy())
                  .Set("approx_accuracy_before_retraining",
                       st.accuracy().at("approx_accuracy_before_retraining"))
                  .Set("approx_accuracy", acc)
                  .Set("pareto_optimal", pareto));
    points.push_back({absl::StrCat("lambda ", lambda), {st.relative_energy(), acc}});
    absl::StrAppendFormat(&table,
                          "<tr><td>%g</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%s</td></tr>",
                          lambda, st.relative_energy(),
                          st.accuracy().at("approx_accuracy_before_retraining"), acc,
                          pareto ? "yes" : "");
  }
  table += "</table>";
  points.push_back({"exact (QAT)", {1.0, main->accuracy().at("qat_accuracy")}});
  if (main->accuracy().count("uniform_accuracy")) {
    points.push_back({"uniform " + main->uniform_multiplier(),
                      {main->uniform_relative_energy(), main->accuracy().at("uniform_accuracy")}});
  }
  if (absl::Status s = WriteFileAtomically(options.output_dir + "/sweep.json", list.Dump());
      !s.ok()) {
    return s;
  }
  const std::string html = absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>agnapprox lambda "
      "sweep</title><style>body{font-family:sans-serif;max-width:980px;margin:2em auto}"
      "svg{display:block;background:#fafafa;border:1px solid #ddd}.title{font-size:15px;"
      "font-weight:bold}.tick{font-size:11px;fill:#444}.grid{stroke:#e3e3e3}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
      "</head><body><h1>Energy/accuracy trade-off over lambda</h1>",
      ScatterSvg("Relative energy versus accuracy after retraining", "relative energy",
                 "accuracy", points),
      table, "</body></html>\n");
  return WriteFileAtomically(options.output_dir + "/sweep.html", html);
}

}  // namespace agnapprox

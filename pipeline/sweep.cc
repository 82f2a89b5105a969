#include "pipeline/sweep.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/file_io.h"
#include "io/json.h"
#include "pipeline/internal/svg.h"
#include "pipeline/pipeline_state.pb.h"
#include "pipeline/state.h"

namespace agnapprox {
absl::Status RunLambdaSweep(const PipelineOptions& options, const std::vector<double>& lambdas) {
  if (absl::Status s = RunPipeline(options); !s.ok()) return s;
  absl::StatusOr<proto::PipelineState> main = ReadState(options.output_dir + "/state.txtpb");
  if (!main.ok()) return main.status();
  std::vector<std::pair<double, proto::PipelineState>> runs = {{options.lambda, *main}};
  for (double lambda : lambdas) {
    PipelineOptions sub = options;
    sub.lambda = lambda;
    sub.resume = true;
    sub.skip_uniform = true;
    sub.output_dir = absl::StrCat(options.output_dir, "/sweep/lambda_", lambda);
    std::fprintf(stderr, "[pipeline] sweep: lambda %g in %s\n", lambda, sub.output_dir.c_str());
    if (!PathExists(sub.output_dir + "/state.txtpb")) {
      if (absl::Status s = SeedRunFrom(options.output_dir, "qat", sub.output_dir); !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = RunPipeline(sub); !s.ok()) return s;
    absl::StatusOr<proto::PipelineState> state = ReadState(sub.output_dir + "/state.txtpb");
    if (!state.ok()) return state.status();
    runs.emplace_back(lambda, *state);
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
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

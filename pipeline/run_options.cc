#include "pipeline/run_options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace agnapprox {
namespace {

std::string Exact(double v) { return absl::StrFormat("%.17g", v); }

// Where each stage's recorded options are kept in the state's map:
// "<stage>/<flag>".
std::string Key(const RunOption& o) { return o.stage + "/" + o.flag; }

}  // namespace

std::vector<RunOption> ResultOptions(const PipelineOptions& o) {
  std::vector<RunOption> out = {
      {"net", "baseline", NetLabel(o)},
      {"dataset", "baseline", o.dataset},
      {"data_dir", "baseline", o.data_dir},
      {"batch_size", "baseline", absl::StrCat(o.batch_size)},
      {"seed", "baseline", absl::StrCat(o.seed)},
      {"train_limit", "baseline", absl::StrCat(o.train_limit)},
      {"calibration_images", "baseline", absl::StrCat(o.calibration_images)},
      {"lambda", "gradient_search", Exact(o.lambda)},
      {"initial_noise", "gradient_search", Exact(o.initial_noise)},
      {"sigma_max", "gradient_search", Exact(o.sigma_max)},
      {"catalog", "matching", o.catalog},
      {"catalog_filter", "matching", o.catalog_filter},
      {"metric", "matching", o.metric},
      {"max_distinct", "matching", absl::StrCat(o.max_distinct)},
      {"trace_samples", "matching", absl::StrCat(o.trace_samples)},
      {"num_samples", "matching", absl::StrCat(o.num_samples)},
      {"trace_codes", "matching", absl::StrCat(o.trace_codes)},
      {"estimator", "matching", EstimatorName(o.estimator)},
      {"compensate_bias", "matching", o.compensate_bias ? "true" : "false"},
      {"selection", "matching", o.selection == Selection::kVerified ? "verified" : "tolerance"},
      {"accuracy_budget", "matching", Exact(o.accuracy_budget)},
      {"retrain_gradient", "approx", o.table_gradient ? "table" : "ste"},
  };
  // The streamed data sets' preprocessing (spec section 9).
  if (o.dataset == "folder" || o.dataset == "npy") {
    auto list = [](const std::vector<double>& v) {
      std::string text;
      for (double x : v) absl::StrAppend(&text, text.empty() ? "" : ",", Exact(x));
      return text.empty() ? std::string("default") : text;
    };
    out.push_back({"image_size", "baseline", absl::StrCat(o.image_size)});
    out.push_back({"resize", "baseline", absl::StrCat(o.resize)});
    out.push_back({"mean", "baseline", list(o.mean)});
    out.push_back({"std", "baseline", list(o.std)});
    out.push_back({"augment", "baseline", o.augment ? "random_crop_flip" : "none"});
  }
  // Epoch overrides: "network's default" unless given.
  for (const char* stage : {"baseline", "qat", "gradient_search", "approx"}) {
    auto it = o.epochs.find(stage);
    out.push_back({absl::StrCat("epochs.", stage), stage,
                   it == o.epochs.end() ? "default" : absl::StrCat(it->second)});
    auto lr = o.lr.find(stage);
    out.push_back({absl::StrCat("lr.", stage), stage,
                   lr == o.lr.end() ? "default" : Exact(lr->second)});
  }
  return out;
}

absl::Status CheckAndRecordOptions(const PipelineOptions& options, const std::string& state_path,
                                   proto::PipelineState* state) {
  const std::vector<RunOption> current = ResultOptions(options);
  for (const RunOption& o : current) {
    auto it = state->options().find(Key(o));
    if (it != state->options().end() && it->second != o.value) {
      const size_t dot = o.flag.find('.');
      const std::string flag = dot != std::string::npos
                                   ? "--" + o.flag.substr(0, dot) + " (" + o.flag.substr(dot + 1) + ")"
                                   : "--" + o.flag;
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": this run has ", o.value.empty() ? "\"\"" : o.value, " but ", state_path,
          " was made with ", it->second.empty() ? "\"\"" : it->second,
          " (--resume continues the same run; use another --output_dir)"));
    }
  }
  for (const RunOption& o : current) (*state->mutable_options())[Key(o)] = o.value;
  return absl::OkStatus();
}

void KeepOptionsOf(const std::vector<std::string>& stages, proto::PipelineState* state) {
  auto* options = state->mutable_options();
  for (auto it = options->begin(); it != options->end();) {
    const std::string stage = it->first.substr(0, it->first.find('/'));
    if (std::find(stages.begin(), stages.end(), stage) == stages.end()) {
      it = options->erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace agnapprox

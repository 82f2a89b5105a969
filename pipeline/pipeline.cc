// The pipeline's stages in order (baseline, qat, gradient_search, match,
// approx, uniform, summary), each skipped when the state has it already.
#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "deploy/deploy.h"
#include "deploy/model_file.h"
#include "io/file_io.h"
#include "io/folder_lock.h"
#include "io/json.h"
#include "matching/matching_json.h"
#include "matching/select.h"
#include "matching/uniform.h"
#include "multipliers/open_catalog.h"
#include "nets/data/open_dataset.h"
#include "nets/onnx/onnx_net.h"
#include "nets/training/distributed.h"
#include "nets/training/train.h"
#include "nets/zoo/registry.h"
#include "pipeline/internal/share.h"
#include "pipeline/pipeline_run.h"
#include "pipeline/comparison.h"
#include "pipeline/matching_stage.h"
#include "pipeline/pipeline_state.pb.h"
#include "pipeline/report.h"
#include "pipeline/run_options.h"
#include "pipeline/selection_stage.h"
#include "pipeline/state.h"
#include "pipeline/summary.h"

namespace agnapprox {
namespace pipeline_internal {

double Pipeline::Train(const std::string& stage, Mode mode, const StageSettings& settings) {
  TrainOptions t;
  t.batch_size = o_.batch_size;
  t.seed = o_.seed;
  t.lambda = o_.lambda;
  t.sigma_max = o_.sigma_max;
  t.label = stage;
  t.progress = o_.progress && lead_;
  t.augment = augment_;
  t.data_parallel = dp_;
  std::vector<EpochResult> results = TrainStage(*net_, mode, settings, train_, test_, t);
  for (const EpochResult& r : results) {
    proto::EpochRecord* e = state_.add_epochs();
    e->set_stage(stage);
    e->set_epoch(r.epoch);
    e->set_loss(r.loss);
    e->set_accuracy(r.accuracy);
    e->set_seconds(r.seconds);
    for (double s : r.sigmas) e->add_sigma(s);
  }
  return results.empty() ? EvaluateTest() : results.back().accuracy;
}

absl::Status Pipeline::Baseline() {
  const auto start = Clock::now();
  const double acc = Train("baseline", Mode::kBaseline,
                           Settings("baseline", net_->training_settings().baseline));
  (*state_.mutable_accuracy())["baseline_accuracy"] = acc;
  if (absl::Status s = SaveCheckpoint("baseline"); !s.ok()) return s;
  return Finish("baseline",
                std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("FP32 accuracy %.4f", acc));
}

absl::Status Pipeline::Qat() {
  const auto start = Clock::now();
  const double acc = Train("qat", Mode::kQat, Settings("qat", net_->training_settings().qat));
  (*state_.mutable_accuracy())["qat_accuracy"] = acc;
  if (lead_ && calibration_.size() > 0) {
    (*state_.mutable_accuracy())["qat_calibration_accuracy"] = Evaluate(*net_, calibration_, 512);
  }
  if (absl::Status s = SaveCheckpoint("qat"); !s.ok()) return s;
  return Finish("qat", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("8-bit accuracy %.4f", acc));
}

absl::Status Pipeline::GradientSearch() {
  const auto start = Clock::now();
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, layer] : net_->approx_layers()) layer->sigma.fill_(o_.initial_noise);
  }
  state_.set_initial_noise(o_.initial_noise);
  const double acc = Train("gradient_search", Mode::kGradientSearch,
                           Settings("gradient_search", net_->training_settings().gradient_search));
  (*state_.mutable_accuracy())["gradient_search_accuracy"] = acc;
  state_.clear_layers();
  std::string sigmas;
  for (auto& [name, layer] : net_->approx_layers()) {
    proto::LayerRecord* l = state_.add_layers();
    l->set_name(name);
    l->set_sigma(layer->sigma.item<double>());
    absl::StrAppend(&sigmas, sigmas.empty() ? "" : ", ", name, " ",
                    absl::StrFormat("%.3f", l->sigma()));
  }
  if (absl::Status s = SaveCheckpoint("gradient_search"); !s.ok()) return s;
  return Finish("gradient_search",
                std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("accuracy %.4f; sigma: %s", acc, sigmas));
}

absl::Status Pipeline::Match() {
  if (!lead_) return absl::OkStatus();  // the choice comes with Sync
  const auto start = Clock::now();
  auto qat = state_.accuracy().find("qat_calibration_accuracy");
  if (calibration_.size() > 0 && qat == state_.accuracy().end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Path("state.txtpb"), ": the run has no QAT calibration accuracy (older version); "
        "start it again without --resume"));
  }
  // The verified selection traces, measures and deploys on QAT's weights:
  // its target is QAT's calibration accuracy, which the exact product
  // everywhere reproduces on them whatever noise training at a high lambda
  // did to the gradient-search weights. Gradient search contributes the
  // tolerances (sigma), restored below. agnapprox's tolerance rule stays on
  // the gradient-search weights.
  const std::string weights = MatchedWeights(o_.selection);
  if (weights != "gradient_search") {
    // Rank 0 alone: the other ranks take these weights in Redeploy.
    if (absl::Status s = LoadWeights(*net_, Checkpoint(weights)); !s.ok()) return s;
    torch::NoGradGuard no_grad;
    int i = 0;
    for (auto& [name, layer] : net_->approx_layers()) {
      if (i >= state_.layers_size() || state_.layers(i).name() != name) {
        return absl::InternalError("the network's layers are not the gradient-search layers");
      }
      layer->sigma.fill_(state_.layers(i++).sigma());
    }
  }
  state_.set_matched_weights(weights);
  absl::StatusOr<MatchingInfo> info =
      MatchOnTraces(*net_, train_, calibration_, catalog_, o_,
                    qat == state_.accuracy().end() ? 0.0 : qat->second, Path("traces"),
                    state_.mutable_selection());
  if (!info.ok()) return info.status();
  Json matching = MatchingToJson(*info, false);
  matching.Set("selection", SelectionJson(state_.selection()));
  // An imported network's multiplications that stay exact (attention's
  // MatMul of two activations), measured by the traced forward passes.
  if (auto onnx = std::dynamic_pointer_cast<OnnxNetImpl>(net_);
      onnx != nullptr && !onnx->exact_layers().empty()) {
    Json exact = Json::Array();
    int64_t exact_ops = 0;
    for (const auto& [name, ops] : onnx->exact_layers()) {
      exact.Push(Json::Object().Set("name", name).Set("opcount", ops));
      exact_ops += ops;
    }
    matching.Set("exact_layers", std::move(exact))
        .Set("approximable_share",
             static_cast<double>(info->opcount) / static_cast<double>(info->opcount + exact_ops));
  }
  const std::string json = matching.Dump();
  if (absl::Status s = WriteFileAtomically(Path("matching.json"), json); !s.ok()) return s;
  state_.set_matching_json(json);
  state_.set_relative_energy(info->relative_energy_consumption());
  state_.set_matching_method(info->method);
  state_.set_metrics_are_estimates(info->metrics_are_estimates);
  if (info->layers.size() != static_cast<size_t>(state_.layers_size())) {
    return absl::InternalError("the traced layers are not the gradient-search layers");
  }
  for (size_t i = 0; i < info->layers.size(); ++i) {
    const LayerInfo& l = info->layers[i];
    proto::LayerRecord* r = state_.mutable_layers(static_cast<int>(i));
    r->set_multiplier(l.multiplier_name);
    r->set_metric(l.multiplier_performance_metric);
    r->set_relative_energy(l.relative_energy_consumption(info->metric_max));
    r->set_relative_opcount(l.relative_opcount(info->opcount));
    r->set_predicted_std(o_.compensate_bias ? l.compensated_predicted_std : l.predicted_std);
    r->set_observed_std(o_.compensate_bias ? l.compensated_observed_std : l.observed_std);
    r->set_held_out_std(l.held_out_std);
    r->set_max_std(l.max_std);
    r->clear_error_by_weight();
    for (double g : l.error_by_weight) r->add_error_by_weight(g);
  }
  state_.set_held_out_within_tolerance(LayersWithinTolerance(*info));
  absl::StatusOr<UniformChoice> uniform = SelectUniformMultiplier(*info);
  if (!uniform.ok()) return uniform.status();
  state_.set_uniform_multiplier(uniform->name);
  state_.set_uniform_relative_energy(uniform->relative_energy);
  std::string choice;
  for (const LayerInfo& l : info->layers) {
    absl::StrAppend(&choice, choice.empty() ? "" : ", ", l.name, " ", l.multiplier_name);
  }
  const proto::SelectionRecord& sel = state_.selection();
  const std::string compared = ComparisonText(sel);
  return Finish("matching", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("%s selection on the %s weights, relative energy %.4f%s; %s; "
                                "QAT calibration accuracy %.4f, %d measurements; %d of %d "
                                "layers within tolerance on held-out images%s",
                                sel.method(), weights, info->relative_energy_consumption(),
                                info->metrics_are_estimates ? " (estimated costs)" : "", choice,
                                sel.qat_calibration_accuracy(), sel.measurements(),
                                state_.held_out_within_tolerance(), info->layers.size(),
                                compared.empty() ? "" : "\n[pipeline]   " + compared));
}

absl::Status Pipeline::Redeploy() {
  if (absl::Status s = LoadCheckpoint(MatchedWeightsOf(state_)); !s.ok()) return s;
  if (absl::Status s = DeployMultipliers(*net_, ChosenMultipliers(state_), catalog_); !s.ok()) {
    return s;
  }
  deployed_ = true;
  return absl::OkStatus();
}

absl::Status Pipeline::DeployAndEvaluate() {
  const auto start = Clock::now();
  if (absl::Status s = Redeploy(); !s.ok()) return s;
  const double acc = EvaluateTest();
  (*state_.mutable_accuracy())["approx_accuracy_before_retraining"] = acc;
  return Finish("deploy", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("approximate accuracy before retraining %.4f (calibration "
                                "images: %.4f)",
                                acc, state_.selection().chosen_calibration_accuracy()));
}

void Pipeline::SetRetrainGradient() {
  for (auto& [name, layer] : net_->approx_layers()) {
    layer->set_retrain_gradient(o_.table_gradient ? RetrainGradient::kTable
                                                  : RetrainGradient::kStraightThrough);
  }
}

absl::Status Pipeline::Retrain() {
  const auto start = Clock::now();
  SetRetrainGradient();
  const double acc = Train("approx", Mode::kApprox,
                           Settings("approx", net_->training_settings().approx));
  (*state_.mutable_accuracy())["approx_accuracy"] = acc;
  if (lead_) {
    if (absl::Status s = SaveDeployedModel(*net_, Checkpoint("approx")); !s.ok()) return s;
  }
  return Finish("approx", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("approximate accuracy after retraining %.4f", acc));
}

absl::Status Pipeline::Uniform() {
  const auto start = Clock::now();
  // The same weights as the choice, for a fair comparison.
  if (absl::Status s = LoadCheckpoint(MatchedWeightsOf(state_)); !s.ok()) return s;
  const Multiplier* m = FindMultiplier(catalog_, state_.uniform_multiplier());
  if (m == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "uniform multiplier ", state_.uniform_multiplier(), " is not in ", o_.catalog));
  }
  if (absl::Status s = DeployUniform(*net_, *m); !s.ok()) return s;
  SetRetrainGradient();
  const double before = EvaluateTest();
  const double after =
      Train("uniform", Mode::kApprox, Settings("approx", net_->training_settings().approx));
  (*state_.mutable_accuracy())["uniform_accuracy_before_retraining"] = before;
  (*state_.mutable_accuracy())["uniform_accuracy"] = after;
  return Finish("uniform", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("%s everywhere: accuracy %.4f before, %.4f after retraining",
                                m->name, before, after));
}

absl::Status Pipeline::Summary() {
  absl::StatusOr<Json> summary = PipelineSummary(state_, o_, Path("state.txtpb"));
  if (!summary.ok()) return summary.status();
  if (absl::Status s = WriteFileAtomically(Path("summary.json"), summary->Dump()); !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(Path("report.html"), RenderReport(state_)); !s.ok()) {
    return s;
  }
  Say(absl::StrFormat("done: relative energy %.3f; accuracy baseline %.4f, qat %.4f, approx %.4f; %s",
                      state_.relative_energy(), state_.accuracy().at("baseline_accuracy"),
                      state_.accuracy().at("qat_accuracy"), state_.accuracy().at("approx_accuracy"),
                      Path("report.html")));
  return absl::OkStatus();
}

absl::Status Pipeline::Run() {
  if (absl::Status s = Sync("setup", Catching([&] { return Setup(); })); !s.ok()) return s;
  // Resuming: restore the weights of the last stage that left a checkpoint.
  absl::Status resumed = Catching([&] {
    for (const char* stage : {"gradient_search", "qat", "baseline"}) {
      if (Done(stage)) return LoadCheckpoint(stage);
    }
    return absl::OkStatus();
  });
  if (absl::Status s = Sync("resume", resumed); !s.ok()) return s;
  struct Stage {
    const char* name;
    absl::Status (Pipeline::*run)();
  };
  for (const Stage& stage : {Stage{"baseline", &Pipeline::Baseline}, Stage{"qat", &Pipeline::Qat},
                             Stage{"gradient_search", &Pipeline::GradientSearch},
                             Stage{"matching", &Pipeline::Match},
                             Stage{"deploy", &Pipeline::DeployAndEvaluate},
                             Stage{"approx", &Pipeline::Retrain},
                             Stage{"uniform", &Pipeline::Uniform}}) {
    if (Done(stage.name)) continue;
    if (o_.skip_uniform && std::string(stage.name) == "uniform") continue;
    const absl::Status done = Catching([&] {
      // Retraining starts from the deployed network; after a resume it is
      // deployed again from the saved choice.
      if (std::string(stage.name) == "approx" && !deployed_) {
        if (absl::Status s = Redeploy(); !s.ok()) return s;
      }
      return (this->*stage.run)();
    });
    if (absl::Status s = Sync(stage.name, done); !s.ok()) return s;
  }
  return Sync("summary", lead_ ? Catching([&] { return Summary(); }) : absl::OkStatus());
}

}  // namespace pipeline_internal

using pipeline_internal::Catching;
using pipeline_internal::Pipeline;

void ApplyQuick(PipelineOptions* o) {
  o->net = "lenet5";
  o->dataset = "fashion_mnist";
  o->epochs = {{"baseline", 3}, {"qat", 1}, {"gradient_search", 1}, {"approx", 1}};
}

absl::Status RunPipeline(const PipelineOptions& options) {
  return Catching([&] {
    Pipeline p(options);
    return p.Run();
  });
}

}  // namespace agnapprox

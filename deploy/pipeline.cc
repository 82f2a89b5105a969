#include "deploy/pipeline.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "deploy/deploy.h"
#include "deploy/pipeline_state.pb.h"
#include "deploy/report.h"
#include "google/protobuf/text_format.h"
#include "json.h"
#include "matching/matching_json.h"
#include "matching/select.h"
#include "multipliers/open_catalog.h"
#include "multipliers/text_format.h"
#include "nets/cifar.h"
#include "nets/dataset.h"
#include "nets/alexnet.h"
#include "nets/lenet5.h"
#include "nets/mobilenetv2.h"
#include "nets/resnet.h"
#include "nets/vgg.h"
#include "nets/trace.h"
#include "nets/train.h"
#include "stats/file_io.h"

namespace agnapprox {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<ApproxNetImpl> MakeNet(const std::string& name) {
  if (name == "lenet5") return std::make_shared<LeNet5Impl>();
  for (int depth : {8, 14, 20, 32}) {
    if (name == "resnet" + std::to_string(depth)) return std::make_shared<ResNetImpl>(depth);
  }
  for (int depth : {11, 13, 16, 19}) {
    if (name == "vgg" + std::to_string(depth)) return std::make_shared<VggImpl>(depth);
  }
  if (name == "alexnet") return std::make_shared<AlexNetImpl>();
  if (name == "mobilenetv2") return std::make_shared<MobileNetV2Impl>();
  return nullptr;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) absl::StrAppend(&s, s.empty() ? "" : "x", d);
  return s;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class Pipeline {
 public:
  explicit Pipeline(const PipelineOptions& o) : o_(o) {}

  absl::Status Run();

 private:
  absl::Status Setup();
  bool Done(const std::string& stage) const {
    return std::find(state_.completed().begin(), state_.completed().end(), stage) !=
           state_.completed().end();
  }
  StageSettings Settings(const std::string& stage, StageSettings s) const {
    auto it = o_.epochs.find(stage);
    if (it != o_.epochs.end()) s.epochs = it->second;
    return s;
  }
  std::string Path(const std::string& name) const { return o_.output_dir + "/" + name; }
  std::string Checkpoint(const std::string& stage) const {
    return Path("checkpoints/" + stage + ".pt");
  }
  absl::Status SaveCheckpoint(const std::string& stage);
  absl::Status LoadCheckpoint(const std::string& stage);
  absl::Status Finish(const std::string& stage, double seconds, const std::string& line);
  absl::Status WriteMetrics();
  double Train(const std::string& stage, Mode mode, const StageSettings& settings);
  void Say(const std::string& line) const {
    std::fprintf(stderr, "[pipeline] %s\n", line.c_str());
    std::fflush(stderr);
  }

  absl::Status Baseline();
  absl::Status Qat();
  absl::Status GradientSearch();
  absl::Status Match();
  absl::Status DeployAndEvaluate();
  // Loads the gradient-search weights and deploys the matched multipliers.
  absl::Status Redeploy();
  absl::Status Retrain();
  absl::Status Uniform();
  absl::Status Summary();

  const PipelineOptions& o_;
  std::shared_ptr<ApproxNetImpl> net_;
  Dataset train_, test_;
  Catalog catalog_;
  proto::PipelineState state_;
  bool deployed_ = false;
  // Training augmentation of the data set (CIFAR-10: crop and flip).
  std::function<torch::Tensor(const torch::Tensor&, uint64_t)> augment_;
};

absl::Status Pipeline::Setup() {
  net_ = MakeNet(o_.net);
  if (net_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--net: unknown network '", o_.net,
        "' (available: lenet5, resnet8, resnet14, resnet20, resnet32, vgg11, vgg13, vgg16, "
        "vgg19, alexnet, mobilenetv2)"));
  }
  const bool cifar = o_.dataset == "cifar10";
  if (o_.dataset != "fashion_mnist" && o_.dataset != "mnist" && !cifar) {
    return absl::InvalidArgumentError(absl::StrCat("--dataset: unknown data set '", o_.dataset,
                                                   "' (available: fashion_mnist, mnist, cifar10)"));
  }
  if (cifar && o_.data_dir.empty()) {
    return absl::InvalidArgumentError(
        "--data_dir: cifar10 needs the folder of data_batch_1.bin ... test_batch.bin");
  }
  const std::string dir = o_.data_dir.empty() ? kFashionMnistDir : o_.data_dir;
  absl::StatusOr<Dataset> train = cifar ? LoadCifar10(dir, true) : LoadMnistLike(dir, true);
  if (!train.ok()) return train.status();
  absl::StatusOr<Dataset> test = cifar ? LoadCifar10(dir, false) : LoadMnistLike(dir, false);
  if (!test.ok()) return test.status();
  train_ = o_.train_limit > 0 ? Head(*train, o_.train_limit) : *train;
  test_ = *test;
  const std::vector<int64_t> shape(train_.images.sizes().begin() + 1, train_.images.sizes().end());
  if (shape != net_->input_shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--net=", o_.net, " takes ", ShapeText(net_->input_shape()), " images but --dataset=",
        o_.dataset, " has ", ShapeText(shape)));
  }
  if (cifar) augment_ = AugmentCifar;
  absl::StatusOr<Catalog> catalog = OpenCatalog(o_.catalog, "");
  if (!catalog.ok()) return catalog.status();
  catalog_ = *catalog;
  if (absl::StatusOr<double> m = MetricMax(catalog_, o_.metric); !m.ok()) return m.status();

  std::error_code ec;
  std::filesystem::create_directories(Path("checkpoints"), ec);
  std::filesystem::create_directories(Path("traces"), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(o_.output_dir, ": ", ec.message()));
  torch::set_num_threads(o_.threads > 0 ? o_.threads
                                        : std::max(1u, std::thread::hardware_concurrency()));
  torch::manual_seed(o_.seed);

  if (o_.resume && Exists(Path("state.txtpb"))) {
    absl::StatusOr<std::string> text = ReadFile(Path("state.txtpb"));
    if (!text.ok()) return text.status();
    if (absl::Status s = ParseTextFormat(*text, Path("state.txtpb"), &state_); !s.ok()) return s;
    if (state_.net() != o_.net) {
      return absl::InvalidArgumentError(absl::StrCat(Path("state.txtpb"), ": a run of ",
                                                     state_.net(), ", not ", o_.net));
    }
    Say(absl::StrCat("resuming after: ", state_.completed_size() == 0
                                              ? std::string("nothing")
                                              : state_.completed(state_.completed_size() - 1)));
  } else {
    state_.Clear();
    state_.set_net(o_.net);
  }
  state_.set_metric(o_.metric);
  state_.set_catalog(o_.catalog);
  return absl::OkStatus();
}

absl::Status Pipeline::SaveCheckpoint(const std::string& stage) {
  return SaveWeights(*net_, Checkpoint(stage));
}

absl::Status Pipeline::LoadCheckpoint(const std::string& stage) {
  return LoadWeights(*net_, Checkpoint(stage));
}

absl::Status Pipeline::WriteMetrics() {
  std::string lines;
  for (const proto::EpochRecord& e : state_.epochs()) {
    Json sigma = Json::Object();
    for (int i = 0; i < e.sigma_size() && i < state_.layer_names_size(); ++i) {
      sigma.Set(state_.layer_names(i), e.sigma(i));
    }
    Json line = Json::Object();
    line.Set("stage", e.stage())
        .Set("epoch", e.epoch())
        .Set("loss", e.loss())
        .Set("accuracy", e.accuracy())
        .Set("seconds", e.seconds())
        .Set("sigma", std::move(sigma));
    lines += line.DumpLine() + "\n";
  }
  return WriteFileAtomically(Path("metrics.jsonl"), lines);
}

absl::Status Pipeline::Finish(const std::string& stage, double seconds,
                              const std::string& line) {
  state_.add_completed(stage);
  (*state_.mutable_seconds())[stage] = seconds;
  std::string text;
  google::protobuf::TextFormat::PrintToString(state_, &text);
  if (absl::Status s = WriteFileAtomically(Path("state.txtpb"), text); !s.ok()) return s;
  if (absl::Status s = WriteMetrics(); !s.ok()) return s;
  Say(absl::StrFormat("%s: %s (%.0f s)", stage, line, seconds));
  return absl::OkStatus();
}

double Pipeline::Train(const std::string& stage, Mode mode, const StageSettings& settings) {
  TrainOptions t;
  t.batch_size = o_.batch_size;
  t.seed = o_.seed;
  t.lambda = o_.lambda;
  t.sigma_max = o_.sigma_max;
  t.label = stage;
  t.progress = o_.progress;
  t.augment = augment_;
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
  return results.empty() ? Evaluate(*net_, test_, 512) : results.back().accuracy;
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
  state_.clear_layer_names();
  state_.clear_layer_sigma();
  for (auto& [name, layer] : net_->approx_layers()) {
    state_.add_layer_names(name);
    state_.add_layer_sigma(layer->sigma.item<double>());
  }
  if (absl::Status s = SaveCheckpoint("gradient_search"); !s.ok()) return s;
  std::string sigmas;
  for (int i = 0; i < state_.layer_names_size(); ++i) {
    absl::StrAppend(&sigmas, i ? ", " : "", state_.layer_names(i), " ",
                    absl::StrFormat("%.3f", state_.layer_sigma(i)));
  }
  return Finish("gradient_search",
                std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("accuracy %.4f; sigma: %s", acc, sigmas));
}

absl::Status Pipeline::Match() {
  const auto start = Clock::now();
  absl::StatusOr<std::vector<LayerTrace>> traces =
      TraceNet(*net_, Head(train_, o_.trace_samples).images);
  if (!traces.ok()) return traces.status();
  if (absl::Status s = WriteLayerTraces(*traces, Path("traces/traces.txtpb")); !s.ok()) return s;
  MatchingOptions m;
  m.metric = o_.metric;
  m.num_samples = o_.num_samples;
  m.seed = o_.seed;
  m.threads = o_.threads;
  m.max_distinct = o_.max_distinct;
  m.emit_candidates = true;
  absl::StatusOr<MatchingInfo> info = SelectMultipliers(*traces, catalog_, m);
  if (!info.ok()) return info.status();
  const std::string json = MatchingToJson(*info, false).Dump();
  if (absl::Status s = WriteFileAtomically(Path("matching.json"), json); !s.ok()) return s;
  state_.set_matching_json(json);
  state_.set_relative_energy(info->relative_energy_consumption());
  state_.set_matching_method(info->method);
  state_.clear_layer_multipliers();
  state_.clear_layer_relative_energy();
  state_.clear_layer_relative_opcount();
  state_.clear_layer_predicted_std();
  state_.clear_layer_max_std();
  state_.clear_layer_metric();
  for (const LayerInfo& l : info->layers) {
    state_.add_layer_multipliers(l.multiplier_name);
    state_.add_layer_relative_energy(l.relative_energy_consumption(info->metric_max));
    state_.add_layer_relative_opcount(l.relative_opcount(info->opcount));
    state_.add_layer_predicted_std(l.predicted_std);
    state_.add_layer_max_std(l.max_std);
    state_.add_layer_metric(l.multiplier_performance_metric);
  }
  // The uniform comparison: one multiplier everywhere with relative energy
  // at most the heterogeneous one's; the most expensive such (the closest
  // to the budget), ties to the smaller summed predicted std / max std.
  const double budget = info->relative_energy_consumption();
  int best = -1;
  double best_metric = -1, best_error = 0;
  for (size_t j = 0; j < catalog_.multipliers.size(); ++j) {
    const double rel = info->layers[0].candidates[j].performance_metric / info->metric_max;
    if (rel > budget + 1e-12) continue;
    double error = 0;
    for (const LayerInfo& l : info->layers) {
      error += l.candidates[j].predicted_std / std::max(l.max_std, 1e-12);
    }
    const double metric = info->layers[0].candidates[j].performance_metric;
    if (best < 0 || metric > best_metric || (metric == best_metric && error < best_error)) {
      best = static_cast<int>(j);
      best_metric = metric;
      best_error = error;
    }
  }
  if (best < 0) {
    // Nothing is as cheap: take the cheapest and say so in the report.
    for (size_t j = 0; j < catalog_.multipliers.size(); ++j) {
      const double metric = info->layers[0].candidates[j].performance_metric;
      if (best < 0 || metric < best_metric) {
        best = static_cast<int>(j);
        best_metric = metric;
      }
    }
  }
  state_.set_uniform_multiplier(catalog_.multipliers[best].name);
  state_.set_uniform_relative_energy(best_metric / info->metric_max);
  std::string choice;
  for (const LayerInfo& l : info->layers) {
    absl::StrAppend(&choice, choice.empty() ? "" : ", ", l.name, " ", l.multiplier_name);
  }
  return Finish("matching", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("relative energy %.4f; %s; uniform %s", budget, choice,
                                state_.uniform_multiplier()));
}

absl::Status Pipeline::Redeploy() {
  if (absl::Status s = LoadCheckpoint("gradient_search"); !s.ok()) return s;
  MatchingInfo info;
  for (int i = 0; i < state_.layer_names_size(); ++i) {
    LayerInfo l;
    l.name = state_.layer_names(i);
    l.multiplier_name = state_.layer_multipliers(i);
    info.layers.push_back(l);
  }
  if (absl::Status s = DeployMultipliers(*net_, info, catalog_); !s.ok()) return s;
  deployed_ = true;
  return absl::OkStatus();
}

absl::Status Pipeline::DeployAndEvaluate() {
  const auto start = Clock::now();
  if (absl::Status s = Redeploy(); !s.ok()) return s;
  const double acc = Evaluate(*net_, test_, 512);
  (*state_.mutable_accuracy())["approx_accuracy_before_retraining"] = acc;
  return Finish("deploy", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("approximate accuracy before retraining %.4f", acc));
}

absl::Status Pipeline::Retrain() {
  const auto start = Clock::now();
  const double acc = Train("approx", Mode::kApprox,
                           Settings("approx", net_->training_settings().approx));
  (*state_.mutable_accuracy())["approx_accuracy"] = acc;
  if (absl::Status s = SaveDeployedModel(*net_, Checkpoint("approx")); !s.ok()) return s;
  return Finish("approx", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("approximate accuracy after retraining %.4f", acc));
}

absl::Status Pipeline::Uniform() {
  const auto start = Clock::now();
  if (absl::Status s = LoadCheckpoint("gradient_search"); !s.ok()) return s;
  const Multiplier* m = FindMultiplier(catalog_, state_.uniform_multiplier());
  if (m == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "uniform multiplier ", state_.uniform_multiplier(), " is not in ", o_.catalog));
  }
  if (absl::Status s = DeployUniform(*net_, *m); !s.ok()) return s;
  const double before = Evaluate(*net_, test_, 512);
  const double after =
      Train("uniform", Mode::kApprox, Settings("approx", net_->training_settings().approx));
  (*state_.mutable_accuracy())["uniform_accuracy_before_retraining"] = before;
  (*state_.mutable_accuracy())["uniform_accuracy"] = after;
  return Finish("uniform", std::chrono::duration<double>(Clock::now() - start).count(),
                absl::StrFormat("%s everywhere: accuracy %.4f before, %.4f after retraining",
                                m->name, before, after));
}

absl::Status Pipeline::Summary() {
  Json seconds = Json::Object();
  for (const std::string& stage : state_.completed()) seconds.Set(stage, state_.seconds().at(stage));
  Json sigma = Json::Object();
  for (int i = 0; i < state_.layer_names_size(); ++i) {
    sigma.Set(state_.layer_names(i), state_.layer_sigma(i));
  }
  Json summary = Json::Object();
  summary.Set("net", o_.net).Set("dataset", o_.dataset).Set("catalog", o_.catalog);
  for (const char* key : {"baseline_accuracy", "qat_accuracy", "gradient_search_accuracy",
                          "approx_accuracy_before_retraining", "approx_accuracy"}) {
    summary.Set(key, state_.accuracy().at(key));
  }
  summary.Set("lambda", o_.lambda)
      .Set("relative_energy_consumption", state_.relative_energy())
      .Set("sigma", std::move(sigma))
      .Set("matching", Json::Raw(state_.matching_json()));
  if (Done("uniform")) {
    summary.Set("uniform",
                Json::Object()
                    .Set("name", state_.uniform_multiplier())
                    .Set("relative_energy_consumption", state_.uniform_relative_energy())
                    .Set("accuracy_before_retraining",
                         state_.accuracy().at("uniform_accuracy_before_retraining"))
                    .Set("accuracy", state_.accuracy().at("uniform_accuracy")));
  }
  summary.Set("seconds", std::move(seconds));
  if (absl::Status s = WriteFileAtomically(Path("summary.json"), summary.Dump()); !s.ok()) {
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
  if (absl::Status s = Setup(); !s.ok()) return s;
  // Resuming: restore the weights of the last stage that left a checkpoint.
  for (const char* stage : {"gradient_search", "qat", "baseline"}) {
    if (Done(stage)) {
      if (absl::Status s = LoadCheckpoint(stage); !s.ok()) return s;
      break;
    }
  }
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
    // Retraining starts from the deployed network; after a resume it is
    // deployed again from the saved choice.
    if (std::string(stage.name) == "approx" && !deployed_) {
      if (absl::Status s = Redeploy(); !s.ok()) return s;
    }
    if (absl::Status s = (this->*stage.run)(); !s.ok()) return s;
  }
  return Summary();
}

absl::StatusOr<proto::PipelineState> ReadState(const std::string& dir) {
  const std::string path = dir + "/state.txtpb";
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  proto::PipelineState state;
  if (absl::Status s = ParseTextFormat(*text, path, &state); !s.ok()) return s;
  return state;
}

// Starts a sweep run from the main run's baseline and QAT results.
absl::Status SeedSweepRun(const std::string& main_dir, const proto::PipelineState& main,
                          const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/checkpoints", ec);
  for (const char* stage : {"baseline", "qat"}) {
    const std::string name = std::string("/checkpoints/") + stage + ".pt";
    std::filesystem::copy_file(main_dir + name, dir + name,
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat(main_dir + name, ": ", ec.message()));
  }
  proto::PipelineState seed;
  seed.set_net(main.net());
  for (const char* stage : {"baseline", "qat"}) {
    seed.add_completed(stage);
    (*seed.mutable_seconds())[stage] = main.seconds().at(stage);
  }
  for (const char* key : {"baseline_accuracy", "qat_accuracy"}) {
    (*seed.mutable_accuracy())[key] = main.accuracy().at(key);
  }
  for (const proto::EpochRecord& e : main.epochs()) {
    if (e.stage() == "baseline" || e.stage() == "qat") *seed.add_epochs() = e;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(seed, &text);
  return WriteFileAtomically(dir + "/state.txtpb", text);
}

}  // namespace

absl::Status RunLambdaSweep(const PipelineOptions& options, const std::vector<double>& lambdas) {
  if (absl::Status s = RunPipeline(options); !s.ok()) return s;
  absl::StatusOr<proto::PipelineState> main = ReadState(options.output_dir);
  if (!main.ok()) return main.status();
  std::vector<std::pair<double, proto::PipelineState>> runs = {{options.lambda, *main}};
  for (double lambda : lambdas) {
    PipelineOptions sub = options;
    sub.lambda = lambda;
    sub.resume = true;
    sub.skip_uniform = true;
    sub.output_dir = absl::StrCat(options.output_dir, "/sweep/lambda_", lambda);
    std::fprintf(stderr, "[pipeline] sweep: lambda %g in %s\n", lambda, sub.output_dir.c_str());
    if (!Exists(sub.output_dir + "/state.txtpb")) {
      if (absl::Status s = SeedSweepRun(options.output_dir, *main, sub.output_dir); !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = RunPipeline(sub); !s.ok()) return s;
    absl::StatusOr<proto::PipelineState> state = ReadState(sub.output_dir);
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

void ApplyQuick(PipelineOptions* o) {
  o->net = "lenet5";
  o->dataset = "fashion_mnist";
  o->epochs = {{"baseline", 3}, {"qat", 1}, {"gradient_search", 1}, {"approx", 1}};
}

absl::Status RunPipeline(const PipelineOptions& options) {
  try {
    Pipeline p(options);
    return p.Run();
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("LibTorch: ", e.what_without_backtrace()));
  }
}

}  // namespace agnapprox

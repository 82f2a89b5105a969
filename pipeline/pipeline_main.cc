// `bazel run //:pipeline -- [flags]`: the whole agnapprox flow (see
// pipeline/pipeline.h). With no flags: LeNet5 on Debian's Fashion-MNIST with
// the built-in signed catalog.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <cstdio>
#include <type_traits>
#include <map>
#include <vector>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "io/command_line.h"
#include "io/file_io.h"
#include "io/heap.h"
#include "multipliers/open_catalog.h"
#include "nets/data/open_dataset.h"
#include "nets/training/distributed.h"
#include "nets/zoo/registry.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_options.h"
#include "pipeline/state.h"
#include "pipeline/sweep.h"

ABSL_FLAG(std::string, net, "",
          absl::StrCat("network (default lenet5): ",
                       absl::StrJoin(agnapprox::NetNames(), ", ")));
ABSL_FLAG(std::string, model, "",
          "an ONNX file (a trained network exported by PyTorch, TensorFlow, JAX, ...) to "
          "study instead of --net; its Conv, Gemm and MatMul nodes become the approximable "
          "layers, named after the nodes. Stage defaults for it: baseline=0 (evaluated as "
          "imported; lr 0.01 if trained), qat=1, gradient_search=3, approx=3 epochs, SGD momentum "
          "0.9, lr 1e-3");
ABSL_FLAG(std::string, dataset, "fashion_mnist",
          absl::StrCat("data set: ", absl::StrJoin(agnapprox::DatasetNames(), ", ")));
ABSL_FLAG(std::string, data_dir, "",
          "folder of the data set's files (default: Debian's Fashion-MNIST for fashion_mnist)");
ABSL_FLAG(int64_t, image_size, 0,
          "folder and npy data sets: the side S of the square crop the network sees (default: the "
          "network's input size, else 224)");
ABSL_FLAG(int64_t, resize, -1,
          "folder and npy data sets: resize the shorter side to R before cropping (default "
          "round(S * 256 / 224); 0: not resized, images must be at least S x S)");
ABSL_FLAG(std::string, mean, "",
          "folder and npy data sets: per-channel mean of pixels / 255 (default ImageNet's "
          "0.485,0.456,0.406; one value serves every channel)");
ABSL_FLAG(std::string, std, "",
          "folder and npy data sets: per-channel std (default ImageNet's 0.229,0.224,0.225)");
ABSL_FLAG(std::string, augment, "",
          "folder and npy data sets: training augmentation, random_crop_flip (default: a seeded "
          "random S x S crop and a horizontal flip with probability 1/2) or none");
ABSL_FLAG(std::string, catalog, "builtin:_s", "catalog file, 'builtin' or 'builtin:FILTER'");
ABSL_FLAG(std::string, catalog_filter, "",
          "keep only the catalog's entries whose name contains this (any catalog)");
ABSL_FLAG(std::string, metric, "power",
          "cost metric: any key the catalog's entries carry (power, area, delay, pdp, cells, ...)");
ABSL_FLAG(int32_t, max_distinct, 0, "at most this many distinct multipliers; 0 = no limit");
ABSL_FLAG(int64_t, batch_size, 128, "training batch size");
ABSL_FLAG(int32_t, threads, 0,
          "threads; 0 = one per core (under torchrun with LOCAL_WORLD_SIZE ranks on this "
          "machine: cores / LOCAL_WORLD_SIZE, at least 1)");
ABSL_FLAG(uint64_t, seed, 0, "seed of every random choice");
ABSL_FLAG(std::string, output_dir, "agnapprox_out", "where results and checkpoints go");
ABSL_FLAG(double, lambda, 0.2, "weight of the noise reward in gradient search");
ABSL_FLAG(double, initial_noise, 0.1, "initial sigma of every layer");
ABSL_FLAG(double, sigma_max, 0.5, "largest sigma rewarded");
ABSL_FLAG(std::string, epochs, "",
          "epoch overrides, e.g. baseline=2,qat=1,gradient_search=1,approx=1");
ABSL_FLAG(std::string, lr, "",
          "learning-rate overrides (SGD), e.g. qat=1e-3,approx=5e-4");
ABSL_FLAG(int64_t, train_limit, 0, "training examples per epoch; 0 = all");
ABSL_FLAG(int64_t, trace_samples, 256, "images traced for matching");
ABSL_FLAG(int64_t, num_samples, 512, "matching's sampled rows per layer; 0 = every row");
ABSL_FLAG(int64_t, trace_codes, agnapprox::kDefaultTraceCodes,
          "at most this many activation codes per layer trace: a larger layer keeps a seeded "
          "sample of its rows, and its observed error a standard error; 0 = every row");
ABSL_FLAG(bool, quick, false, "a small real run: LeNet5, Fashion-MNIST, few epochs");
ABSL_FLAG(bool, resume, false, "continue after the last completed stage in --output_dir");
ABSL_FLAG(std::string, estimator, "model",
          "what matching compares with the tolerance: model (predicted_std, agnapprox's) or "
          "trace (observed_std on the traced images)");
ABSL_FLAG(bool, compensate_bias, false,
          "subtract each neuron's predicted systematic error at deployment, and match on "
          "the error left after it");
ABSL_FLAG(std::string, selection, "verified",
          "how the multipliers are chosen: verified (the cheapest assignment whose accuracy, "
          "measured on the calibration images with QAT's weights, is within --accuracy_budget "
          "of QAT's; the error model orders the search) or tolerance (agnapprox's rule: the "
          "cheapest multiplier within each layer's learned tolerance, on the gradient-search "
          "weights)");
ABSL_FLAG(double, accuracy_budget, 1.0,
          "--selection=verified: points of calibration accuracy the choice may lose against "
          "QAT");
ABSL_FLAG(int64_t, calibration_images, -1,
          "training images held out of training (seeded split) to measure selections on; "
          "-1 = min(5000, a tenth of the training images)");
ABSL_FLAG(std::string, retrain_gradient, "ste",
          "approximate retraining's backward: ste (the exact product's gradient, "
          "straight-through) or table (the multiplier's own: smoothed finite differences of "
          "its table)");
ABSL_FLAG(std::string, reuse_search, "",
          "start from the baseline, QAT and gradient search of the run in this folder and "
          "run matching onwards with this run's flags (to compare matching settings on one "
          "trained network)");
ABSL_FLAG(std::string, sweep_lambda, "",
          "repeat from the gradient search for each lambda, e.g. 0.05,0.2,0.5");
ABSL_FLAG(double, dist_timeout, 300,
          "data-parallel runs (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT set, as torchrun "
          "does): seconds a rank waits for the rendezvous, a collective, or rank 0's results "
          "before it fails");

namespace agnapprox {
namespace {

constexpr char kUsage[] =
    "pipeline [--quick] [--resume] [--net=lenet5] [--data_dir=DIR] [--catalog=...] "
    "[--selection=verified|tolerance] [--epochs=baseline=N,qat=N,gradient_search=N,approx=N] "
    "[--output_dir=DIR] ...";

// STAGE=VALUE,... for --epochs (non-negative integers) and --lr (positive
// numbers).
template <typename T>
absl::StatusOr<std::map<std::string, T>> ParseStageValues(const std::string& flag,
                                                          const std::string& text) {
  std::map<std::string, T> out;
  if (text.empty()) return out;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    T n;
    bool parsed;
    if constexpr (std::is_integral_v<T>) {
      parsed = absl::SimpleAtoi(kv.second, &n) && n >= 0;
    } else {
      parsed = absl::SimpleAtod(kv.second, &n) && n > 0 && std::isfinite(n);
    }
    if ((kv.first != "baseline" && kv.first != "qat" && kv.first != "gradient_search" &&
         kv.first != "approx") ||
        !parsed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, ": bad item '", item, "' (expected STAGE=", std::is_integral_v<T> ? "N" : "RATE",
          " with STAGE one of baseline, qat, gradient_search, approx)"));
    }
    out[kv.first] = n;
  }
  return out;
}

// One to three numbers, e.g. "0.485,0.456,0.406", for --mean and --std.
std::vector<double> ParseChannelValues(const std::string& flag, const std::string& text,
                                       bool positive) {
  std::vector<double> v;
  if (text.empty()) return v;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    double x;
    if (!absl::SimpleAtod(item, &x) || !std::isfinite(x) || (positive && !(x > 0))) {
      UsageError(absl::StrCat("--", flag, "=", text, ": '", item, "' is not a ",
                              positive ? "positive " : "", "number"));
    }
    v.push_back(x);
  }
  if (v.size() != 1 && v.size() != 3) {
    UsageError(absl::StrCat("--", flag, "=", text, ": give one value or three"));
  }
  return v;
}

// --image_size, --resize, --mean, --std, --augment: only with the folder and
// npy data sets (spec section 9).
void ParseImageFlags(PipelineOptions* o) {
  o->image_size = absl::GetFlag(FLAGS_image_size);
  o->resize = absl::GetFlag(FLAGS_resize);
  o->mean = ParseChannelValues("mean", absl::GetFlag(FLAGS_mean), false);
  o->std = ParseChannelValues("std", absl::GetFlag(FLAGS_std), true);
  const std::string augment = absl::GetFlag(FLAGS_augment);
  if (!augment.empty() && augment != "none" && augment != "random_crop_flip") {
    UsageError("--augment=" + augment + ": expected random_crop_flip or none");
  }
  o->augment = augment != "none";
  if (o->image_size < 0 || o->image_size > 4096) {
    UsageError(absl::StrCat("--image_size=", o->image_size, ": must be within 1..4096"));
  }
  if (o->resize < -1 || o->resize > 8192) {
    UsageError(absl::StrCat("--resize=", o->resize, ": must be within 0..8192 (0: none)"));
  }
  const char* given = o->image_size != 0      ? "--image_size"
                      : o->resize != -1       ? "--resize"
                      : !o->mean.empty()      ? "--mean"
                      : !o->std.empty()       ? "--std"
                      : !augment.empty()      ? "--augment"
                                              : nullptr;
  if (given != nullptr && !TakesImageOptions(o->dataset)) {
    UsageError(absl::StrCat(given, " applies to --dataset=folder and --dataset=npy, not --dataset=",
                            o->dataset));
  }
}

// The numeric flags' ranges (spec section 6: a value outside a flag's
// range is a usage error, exit 2, before any work).
void CheckFlagValues(const PipelineOptions& o) {
  auto need = [](bool ok, const std::string& flag, double value, const char* range) {
    if (!ok) UsageError(absl::StrCat("--", flag, "=", value, ": must be ", range));
  };
  need(std::isfinite(o.lambda) && o.lambda >= 0, "lambda", o.lambda, "a finite number >= 0");
  need(std::isfinite(o.sigma_max) && o.sigma_max > 0, "sigma_max", o.sigma_max,
       "a finite number > 0");
  need(std::isfinite(o.initial_noise) && o.initial_noise >= 0, "initial_noise", o.initial_noise,
       "a finite number >= 0");
  need(o.threads >= 0, "threads", o.threads, ">= 0 (0: one per core)");
  need(o.batch_size > 0, "batch_size", static_cast<double>(o.batch_size), "positive");
  need(o.trace_samples > 0, "trace_samples", static_cast<double>(o.trace_samples), "positive");
  need(o.num_samples >= 0, "num_samples", static_cast<double>(o.num_samples),
       ">= 0 (0: every row)");
  need(o.max_distinct >= 0, "max_distinct", o.max_distinct, ">= 0 (0: no limit)");
  need(o.train_limit >= 0, "train_limit", static_cast<double>(o.train_limit), ">= 0 (0: all)");
  if (o.metric.empty()) UsageError("--metric: must name a metric of the catalog");
}

}  // namespace
}  // namespace agnapprox

int main(int argc, char** argv) {
  using namespace agnapprox;
  RestartWithPassiveThreads(argv);
  KeepFreedMemoryInHeap();
  std::vector<char*> args = ParseFlagsOrExit(argc, argv, kUsage);
  if (args.size() > 1) UsageError(std::string("unexpected argument ") + args[1]);
  absl::StatusOr<DistributedEnv> env = ReadDistributedEnv();
  if (!env.ok()) UsageError(std::string(env.status().message()));
  const double dist_timeout = absl::GetFlag(FLAGS_dist_timeout);
  if (!(dist_timeout > 0 && dist_timeout <= 1e6)) {
    UsageError("--dist_timeout: expected seconds in (0, 1e6]");
  }
  PipelineOptions o;
  if (absl::GetFlag(FLAGS_quick)) ApplyQuick(&o);
  if (!absl::GetFlag(FLAGS_net).empty()) o.net = absl::GetFlag(FLAGS_net);
  if (const std::vector<std::string> nets = NetNames();
      std::find(nets.begin(), nets.end(), o.net) == nets.end()) {
    UsageError(absl::StrCat("--net: unknown network '", o.net,
                            "' (available: ", absl::StrJoin(nets, ", "), ")"));
  }
  if (!absl::GetFlag(FLAGS_model).empty()) {
    if (!absl::GetFlag(FLAGS_net).empty()) UsageError("--net and --model exclude each other");
    o.model = UserPath(absl::GetFlag(FLAGS_model));
  }
  o.dataset = absl::GetFlag(FLAGS_dataset);
  if (const std::vector<std::string> sets = DatasetNames();
      std::find(sets.begin(), sets.end(), o.dataset) == sets.end()) {
    UsageError(absl::StrCat("--dataset: unknown data set '", o.dataset,
                            "' (available: ", absl::StrJoin(sets, ", "), ")"));
  }
  ParseImageFlags(&o);
  o.data_dir = absl::GetFlag(FLAGS_data_dir).empty() ? "" : UserPath(absl::GetFlag(FLAGS_data_dir));
  const std::string catalog = absl::GetFlag(FLAGS_catalog);
  o.catalog = IsBuiltinCatalog(catalog) ? catalog : UserPath(catalog);
  o.catalog_filter = absl::GetFlag(FLAGS_catalog_filter);
  o.metric = absl::GetFlag(FLAGS_metric);
  o.max_distinct = absl::GetFlag(FLAGS_max_distinct);
  o.batch_size = absl::GetFlag(FLAGS_batch_size);
  o.threads = absl::GetFlag(FLAGS_threads);
  if (o.threads == 0 && env->local_world_size > 1) {
    // Ranks started side by side (torchrun --nproc_per_node) share the cores.
    o.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                env->local_world_size);
  }
  o.seed = absl::GetFlag(FLAGS_seed);
  o.output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  o.lambda = absl::GetFlag(FLAGS_lambda);
  o.initial_noise = absl::GetFlag(FLAGS_initial_noise);
  o.sigma_max = absl::GetFlag(FLAGS_sigma_max);
  o.train_limit = absl::GetFlag(FLAGS_train_limit);
  o.trace_samples = absl::GetFlag(FLAGS_trace_samples);
  o.num_samples = absl::GetFlag(FLAGS_num_samples);
  o.trace_codes = absl::GetFlag(FLAGS_trace_codes);
  if (o.trace_codes < 0) UsageError("--trace_codes: must be >= 0");
  o.resume = absl::GetFlag(FLAGS_resume);
  o.compensate_bias = absl::GetFlag(FLAGS_compensate_bias);
  if (const std::string sel = absl::GetFlag(FLAGS_selection); sel == "verified") {
    o.selection = Selection::kVerified;
  } else if (sel != "tolerance") {
    UsageError(absl::StrCat("--selection: unknown selection '", sel,
                            "' (expected verified or tolerance)"));
  }
  o.accuracy_budget = absl::GetFlag(FLAGS_accuracy_budget);
  if (!(o.accuracy_budget >= 0 && o.accuracy_budget <= 100)) {
    UsageError(absl::StrCat("--accuracy_budget=", o.accuracy_budget,
                            ": must be within 0..100 points"));
  }
  o.calibration_images = absl::GetFlag(FLAGS_calibration_images);
  if (o.selection == Selection::kVerified && o.calibration_images == 0) {
    UsageError("--calibration_images=0: --selection=verified measures on calibration images "
               "(give some, or --selection=tolerance)");
  }
  if (o.calibration_images < -1) {
    UsageError(absl::StrCat("--calibration_images=", o.calibration_images,
                            ": must be -1 (automatic) or >= 0"));
  }
  if (const std::string g = absl::GetFlag(FLAGS_retrain_gradient); g == "table") {
    o.table_gradient = true;
  } else if (g != "ste") {
    UsageError(absl::StrCat("--retrain_gradient: unknown gradient '", g,
                            "' (expected ste or table)"));
  }
  absl::StatusOr<Estimator> estimator = ParseEstimator(absl::GetFlag(FLAGS_estimator));
  if (!estimator.ok()) UsageError(std::string(estimator.status().message()));
  o.estimator = *estimator;
  absl::StatusOr<std::map<std::string, int>> epochs =
      ParseStageValues<int>("epochs", absl::GetFlag(FLAGS_epochs));
  if (!epochs.ok()) UsageError(std::string(epochs.status().message()));
  for (const auto& [stage, n] : *epochs) o.epochs[stage] = n;
  absl::StatusOr<std::map<std::string, double>> lr =
      ParseStageValues<double>("lr", absl::GetFlag(FLAGS_lr));
  if (!lr.ok()) UsageError(std::string(lr.status().message()));
  o.lr = *lr;
  CheckFlagValues(o);
  std::vector<double> lambdas;
  const std::string sweep = absl::GetFlag(FLAGS_sweep_lambda);
  if (!sweep.empty()) {
    for (absl::string_view item : absl::StrSplit(sweep, ',')) {
      double v;
      if (!absl::SimpleAtod(item, &v) || !(v >= 0) || !std::isfinite(v)) {
        UsageError(absl::StrCat("--sweep_lambda: '", item, "' is not a non-negative number"));
      }
      lambdas.push_back(v);
    }
  }
  if (const std::string from = absl::GetFlag(FLAGS_reuse_search); !from.empty()) {
    if (!lambdas.empty()) UsageError("--reuse_search and --sweep_lambda do not go together");
    // Data-parallel: rank 0's files (the others get the state from it).
    if (env->rank == 0 && (!o.resume || !PathExists(o.output_dir + "/state.txtpb"))) {
      if (absl::Status s = SeedRunFrom(UserPath(from), "gradient_search", o.output_dir); !s.ok()) {
        FailWith(s);
      }
    }
    o.resume = true;
  }
  std::unique_ptr<DataParallel> dp;
  if (env->world_size > 1) {
    // Every flag that shapes the results or the order of the stages must be
    // the same on every rank.
    std::vector<std::pair<std::string, std::string>> compared;
    for (const RunOption& r : ResultOptions(o)) compared.emplace_back(r.flag, r.value);
    compared.emplace_back("resume", o.resume ? "true" : "false");
    compared.emplace_back("sweep_lambda", sweep);
    absl::StatusOr<std::unique_ptr<DataParallel>> connected = DataParallel::Connect(
        *env, compared,
        std::chrono::milliseconds(static_cast<int64_t>(std::llround(dist_timeout * 1000))));
    if (!connected.ok()) FailWith(connected.status());
    dp = std::move(*connected);
    o.data_parallel = dp.get();
  }
  absl::Status s = lambdas.empty() ? RunPipeline(o) : RunLambdaSweep(o, lambdas);
  if (dp != nullptr) s = dp->Conclude(s);
  if (!s.ok()) FailWith(s);
  return 0;
}

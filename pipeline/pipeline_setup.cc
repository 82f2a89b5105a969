// The start of a pipeline run: threads and seed, the network (built or
// imported), the data, the catalog, and on rank 0 the locked output folder
// and the state to resume from; checkpoints and the record of each stage.
#include "pipeline/pipeline_run.h"

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
#include "pipeline/matching_stage.h"
#include "pipeline/pipeline_state.pb.h"
#include "pipeline/report.h"
#include "pipeline/run_options.h"
#include "pipeline/selection_stage.h"
#include "pipeline/state.h"
#include "pipeline/summary.h"

namespace agnapprox {
namespace pipeline_internal {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) absl::StrAppend(&s, s.empty() ? "" : "x", d);
  return s;
}

absl::Status Catching(const std::function<absl::Status()>& f) {
  try {
    return f();
  } catch (const DistributedError& e) {
    return absl::UnavailableError(e.what());
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("LibTorch: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("internal error: ", e.what()));
  }
}

absl::Status Pipeline::Setup() {
  // LibTorch's threads from --threads before it runs anything; seeded before
  // the network is built (its default generator starts from a random seed,
  // and the initial weights come from it).
  torch::set_num_threads(o_.threads > 0 ? o_.threads
                                        : std::max(1u, std::thread::hardware_concurrency()));
  torch::manual_seed(o_.seed);
  std::shared_ptr<OnnxNetImpl> imported;
  if (!o_.model.empty()) {
    absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(o_.model);
    if (!net.ok()) return net.status();
    net_ = imported = *net;
  } else {
    net_ = MakeNet(o_.net);
  }
  if (net_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("--net: unknown network '", o_.net,
                                                   "' (available: ",
                                                   absl::StrJoin(NetNames(), ", "), ")"));
  }
  if (absl::Status s = net_->CheckSupported(); !s.ok()) return s;
  // A streamed data set is prepared for the network: its channels, and its
  // input size where the network fixes one (else --image_size, else 224).
  ImageOptions images;
  const std::vector<int64_t> input = net_->input_shape();
  if (input.size() == 3 && input[0] > 0) images.channels = input[0];
  images.image_size = o_.image_size > 0 ? o_.image_size
                      : input.size() == 3 && input[1] > 0 ? input[1]
                                                          : 224;
  images.resize = o_.resize;
  if (!o_.mean.empty()) images.mean = o_.mean;
  if (!o_.std.empty()) images.std = o_.std;
  images.augment = o_.augment;
  absl::StatusOr<DataSplits> data = OpenDataset(o_.dataset, o_.data_dir, images);
  if (!data.ok()) return data.status();
  if (!data->note.empty()) Say(data->note);
  const int64_t calibration =
      o_.calibration_images >= 0 ? o_.calibration_images
                                 : std::min<int64_t>(5000, data->train.size() / 10);
  if (calibration >= data->train.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--calibration_images: ", calibration, " of the ", data->train.size(),
        " training images leave none to train on"));
  }
  CalibrationSplit split = SplitCalibration(data->train, calibration, o_.seed);
  calibration_ = std::move(split.calibration);
  train_ = o_.train_limit > 0 ? Head(split.rest, o_.train_limit) : split.rest;
  test_ = data->test;
  augment_ = data->augment;
  if (absl::Status s = CheckTraceSamples(train_.size(), o_.trace_samples); !s.ok()) return s;
  const std::vector<int64_t> shape = train_.image_shape();
  if (imported != nullptr) {
    if (absl::Status s = imported->CheckData(shape, data->classes, "--dataset=" + o_.dataset);
        !s.ok()) {
      return s;
    }
  } else if (data->classes > 10) {
    // Every built-in network has ten outputs.
    return absl::InvalidArgumentError(absl::StrCat("--net=", o_.net, " has 10 outputs but --dataset=",
                                                   o_.dataset, " has ", data->classes,
                                                   " classes"));
  } else if (shape != net_->input_shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--net=", o_.net, " takes ", ShapeText(net_->input_shape()), " images but --dataset=",
        o_.dataset, " has ", ShapeText(shape)));
  }
  absl::StatusOr<Catalog> catalog = OpenCatalog(o_.catalog, "");
  if (!catalog.ok()) return catalog.status();
  if (!o_.catalog_filter.empty()) {
    catalog = KeepMatching(*catalog, o_.catalog_filter);
    if (!catalog.ok()) return catalog.status();
  }
  catalog_ = *catalog;
  if (absl::StatusOr<double> m = MetricMax(catalog_, o_.metric); !m.ok()) return m.status();
  return lead_ ? StartState() : absl::OkStatus();
}

absl::Status Pipeline::StartState() {
  std::error_code ec;
  std::filesystem::create_directories(Path("checkpoints"), ec);
  std::filesystem::create_directories(Path("traces"), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(o_.output_dir, ": ", ec.message()));
  // One run per folder at a time, for the whole run (released by the
  // kernel when the process ends, however it ends).
  absl::StatusOr<FolderLock> lock = FolderLock::Acquire(o_.output_dir);
  if (!lock.ok()) return lock.status();
  lock_.emplace(std::move(*lock));

  if (o_.resume && PathExists(Path("state.txtpb"))) {
    absl::StatusOr<proto::PipelineState> state = ReadState(Path("state.txtpb"));
    if (!state.ok()) return state.status();
    state_ = std::move(*state);
    if (state_.net() != NetLabel(o_)) {
      return absl::InvalidArgumentError(absl::StrCat(Path("state.txtpb"), ": a run of ",
                                                     state_.net(), ", not ", NetLabel(o_)));
    }
    if (absl::Status s = CheckAndRecordOptions(o_, Path("state.txtpb"), &state_); !s.ok()) {
      return s;
    }
    Say(absl::StrCat("resuming after: ", state_.completed_size() == 0
                                              ? std::string("nothing")
                                              : state_.completed(state_.completed_size() - 1)));
  } else {
    state_.Clear();
    state_.set_net(NetLabel(o_));
    if (absl::Status s = CheckAndRecordOptions(o_, Path("state.txtpb"), &state_); !s.ok()) {
      return s;
    }
  }
  state_.set_metric(o_.metric);
  state_.set_catalog(o_.catalog);
  state_.set_world_size(dp_ == nullptr ? 1 : dp_->world_size());
  state_.set_estimator(EstimatorName(o_.estimator));
  state_.set_compensate_bias(o_.compensate_bias);
  state_.set_calibration_images(calibration_.size());
  return absl::OkStatus();
}

absl::Status Pipeline::Sync(const std::string& step, const absl::Status& s) {
  if (dp_ == nullptr || (!lead_ && !s.ok())) return s;
  return ShareFromRankZero(*dp_, "run/" + step, s, "rank 0's state after " + step, &state_);
}

double Pipeline::EvaluateTest() {
  return lead_ ? Evaluate(*net_, test_, 512) : std::numeric_limits<double>::quiet_NaN();
}

absl::Status Pipeline::SaveCheckpoint(const std::string& stage) {
  return lead_ ? SaveWeights(*net_, Checkpoint(stage)) : absl::OkStatus();
}

// Data-parallel: rank 0 reads the file and every rank takes its weights
// (the other ranks may not see rank 0's files).
absl::Status Pipeline::LoadCheckpoint(const std::string& stage) {
  if (lead_) {
    if (absl::Status s = LoadWeights(*net_, Checkpoint(stage)); !s.ok()) return s;
  }
  return dp_ == nullptr ? absl::OkStatus() : dp_->Broadcast(*net_);
}

absl::Status Pipeline::Finish(const std::string& stage, double seconds,
                              const std::string& line) {
  if (!lead_) return absl::OkStatus();  // rank 0's state comes with Sync
  state_.add_completed(stage);
  (*state_.mutable_seconds())[stage] = seconds;
  if (absl::Status s = WriteState(state_, Path("state.txtpb")); !s.ok()) return s;
  if (absl::Status s = WriteFileAtomically(Path("metrics.jsonl"), MetricsLines(state_)); !s.ok()) {
    return s;
  }
  Say(absl::StrFormat("%s: %s (%.0f s)", stage, line, seconds));
  return absl::OkStatus();
}

}  // namespace pipeline_internal
}  // namespace agnapprox

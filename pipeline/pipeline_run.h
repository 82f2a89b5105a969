// The pipeline run as one object: its stages, the state it resumes from,
// and what data-parallel ranks share. pipeline.cc runs the stages;
// pipeline_setup.cc opens the output folder, the data, the network and the
// state. Internal to //pipeline:pipeline.
#ifndef AGNAPPROX_PIPELINE_PIPELINE_RUN_H_
#define AGNAPPROX_PIPELINE_PIPELINE_RUN_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "io/folder_lock.h"
#include "multipliers/catalog.h"
#include "nets/data/dataset.h"
#include "nets/layers/approx_net.h"
#include "nets/training/distributed.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_state.pb.h"
#include "pipeline/state.h"

namespace agnapprox {
namespace pipeline_internal {

using Clock = std::chrono::steady_clock;

// "1x28x28".
std::string ShapeText(const std::vector<int64_t>& shape);

// A LibTorch exception (or any other) as a status, at the boundary.
absl::Status Catching(const std::function<absl::Status()>& f);

class Pipeline {
 public:
  explicit Pipeline(const PipelineOptions& o)
      : o_(o), dp_(o.data_parallel), lead_(dp_ == nullptr || dp_->rank() == 0) {}

  absl::Status Run();

 private:
  absl::Status Setup();
  // Rank 0's part of Setup: the output folder and the state (read back when
  // resuming).
  absl::Status StartState();
  // Data-parallel: after `step`, the other ranks take rank 0's state (or
  // fail with rank 0's error); rank 0 publishes it. `s` is this rank's
  // outcome of the step. One process: returns `s`.
  absl::Status Sync(const std::string& step, const absl::Status& s);
  // Accuracy on the test data; NaN on ranks other than 0, which do not
  // evaluate.
  double EvaluateTest();
  bool Done(const std::string& stage) const { return Completed(state_, stage); }
  StageSettings Settings(const std::string& stage, StageSettings s) const {
    auto it = o_.epochs.find(stage);
    if (it != o_.epochs.end()) s.epochs = it->second;
    auto lr = o_.lr.find(stage);
    if (lr != o_.lr.end()) s.lr = lr->second;
    return s;
  }
  std::string Path(const std::string& name) const { return o_.output_dir + "/" + name; }
  std::string Checkpoint(const std::string& stage) const {
    return Path("checkpoints/" + stage + ".pt");
  }
  absl::Status SaveCheckpoint(const std::string& stage);
  absl::Status LoadCheckpoint(const std::string& stage);
  absl::Status Finish(const std::string& stage, double seconds, const std::string& line);
  double Train(const std::string& stage, Mode mode, const StageSettings& settings);
  void Say(const std::string& line) const {
    if (!lead_) return;
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
  // --retrain_gradient onto every approximable layer.
  void SetRetrainGradient();
  absl::Status Retrain();
  absl::Status Uniform();
  absl::Status Summary();

  const PipelineOptions& o_;
  DataParallel* const dp_;
  const bool lead_;  // rank 0, or the only process
  std::shared_ptr<ApproxNetImpl> net_;
  Dataset train_, test_;
  Dataset calibration_;  // held out of training (--calibration_images)
  // Training augmentation of the data set (CIFAR-10: crop and flip).
  std::function<torch::Tensor(const torch::Tensor&, uint64_t)> augment_;
  Catalog catalog_;
  proto::PipelineState state_;
  bool deployed_ = false;
  std::optional<FolderLock> lock_;  // rank 0's, on o_.output_dir
};

}  // namespace pipeline_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_PIPELINE_RUN_H_

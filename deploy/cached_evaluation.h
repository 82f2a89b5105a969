// The accuracy of multiplier assignments on a fixed image set, each
// measured from the stored outputs of the layers it leaves as they were
// (what the verified selection measures, matching/verified_search.h).
//
//   CachedEvaluator e(net, calibration, catalog, compensation);
//   e.SetBase(names);               // one full forward, every layer's output kept
//   absl::StatusOr<int64_t> c = e.Correct(other_names);
//
// Correct(a) deploys `a` (only the layers whose multiplier changed) and runs
// the network batch by batch; in forward order, every approximable layer
// before the first one whose multiplier differs from the base returns its
// stored output instead of computing it, so a change at layer l costs the
// layers from l on (the cheap operations between layers, such as ReLU and
// pooling, are recomputed). The result is the full forward's bit for bit:
// a replayed layer's input is the one it had when its output was stored.
//
// REQUIRES: the network does not modify a layer's output in place, and
// nothing else changes the network while the evaluator lives.
#ifndef AGNAPPROX_DEPLOY_CACHED_EVALUATION_H_
#define AGNAPPROX_DEPLOY_CACHED_EVALUATION_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "multipliers/catalog.h"
#include "nets/data/dataset.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

class CachedEvaluator {
 public:
  // The bias compensation deployed with `multiplier` in approximable layer
  // `layer` (256 entries, or empty for none).
  using Compensation =
      std::function<std::vector<double>(size_t layer, const std::string& multiplier)>;

  struct Options {
    int64_t batch_size = 500;
    // Stored outputs stop at this many bytes; layers past it are computed.
    int64_t cache_bytes = int64_t{3} << 30;
  };

  CachedEvaluator(ApproxNetImpl& net, Dataset images, const Catalog& catalog,
                  Compensation compensation, Options options);
  CachedEvaluator(ApproxNetImpl& net, Dataset images, const Catalog& catalog,
                  Compensation compensation)
      : CachedEvaluator(net, std::move(images), catalog, std::move(compensation), Options()) {}
  ~CachedEvaluator();
  CachedEvaluator(const CachedEvaluator&) = delete;
  CachedEvaluator& operator=(const CachedEvaluator&) = delete;

  // Deploys `multipliers` (one per approximable layer, in order), runs
  // every image and stores every layer's output, up to the cache's size.
  absl::Status SetBase(const std::vector<std::string>& multipliers);
  // The logits [images, classes] of `multipliers`, from the stored outputs.
  absl::StatusOr<torch::Tensor> Logits(const std::vector<std::string>& multipliers);
  // Images whose arg-max logit is their label.
  absl::StatusOr<int64_t> Correct(const std::vector<std::string>& multipliers);
  // The same as Logits without any stored output (a plain forward).
  absl::StatusOr<torch::Tensor> FullLogits(const std::vector<std::string>& multipliers);

  int64_t images() const { return images_.size(); }
  int64_t cached_bytes() const { return bytes_; }

 private:
  enum class Pass { kPlain, kRecord, kReplay };
  absl::Status Deploy(const std::vector<std::string>& multipliers);
  torch::Tensor Run(Pass pass);
  torch::Tensor Intercept(size_t layer, const std::function<torch::Tensor()>& compute);

  ApproxNetImpl& net_;
  std::vector<ApproxLayer> layers_;
  Dataset images_;
  const Catalog& catalog_;
  Compensation compensation_;
  Options options_;
  std::map<std::string, std::vector<int32_t>> tables_;  // signed products by name
  std::vector<std::string> deployed_;                   // per layer, "" before any
  std::vector<std::string> base_;
  std::vector<bool> changed_;  // per layer: differs from base_
  // stored_[layer][batch]: the base's output, undefined past the cache size.
  std::vector<std::vector<torch::Tensor>> stored_;
  int64_t bytes_ = 0;
  Pass pass_ = Pass::kPlain;
  int64_t batch_ = 0;
  bool dirty_ = false;  // a changed layer has run in this batch
};

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_CACHED_EVALUATION_H_

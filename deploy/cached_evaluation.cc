#include "deploy/cached_evaluation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace agnapprox {

CachedEvaluator::CachedEvaluator(ApproxNetImpl& net, Dataset images, const Catalog& catalog,
                                 Compensation compensation, Options options)
    : net_(net),
      images_(std::move(images)),
      catalog_(catalog),
      compensation_(std::move(compensation)),
      options_(options) {
  for (auto& [name, layer] : net_.approx_layers()) layers_.push_back(layer);
  deployed_.assign(layers_.size(), "");
  changed_.assign(layers_.size(), true);
  for (size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->set_intercept(
        [this, l](const torch::Tensor&, const std::function<torch::Tensor()>& compute) {
          return Intercept(l, compute);
        });
  }
}

CachedEvaluator::~CachedEvaluator() {
  for (ApproxLayer& layer : layers_) layer->set_intercept(nullptr);
}

absl::Status CachedEvaluator::Deploy(const std::vector<std::string>& multipliers) {
  if (multipliers.size() != layers_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the network has ", layers_.size(),
                                                   " approximable layers but the assignment has ",
                                                   multipliers.size()));
  }
  // Check everything before changing anything.
  for (size_t l = 0; l < layers_.size(); ++l) {
    if (tables_.count(multipliers[l])) continue;
    const Multiplier* m = FindMultiplier(catalog_, multipliers[l]);
    if (m == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("multiplier ", multipliers[l],
                                                     " is not in ", catalog_.source));
    }
    absl::StatusOr<std::vector<int32_t>> t = ProductsFor(*m, OperandRange::kSigned);
    if (!t.ok()) return t.status();
    tables_[multipliers[l]] = std::move(*t);
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    if (deployed_[l] == multipliers[l]) continue;
    layers_[l]->set_table(tables_.at(multipliers[l]), multipliers[l]);
    layers_[l]->set_error_compensation(compensation_ ? compensation_(l, multipliers[l])
                                                     : std::vector<double>());
    layers_[l]->set_mode(Mode::kApprox);
    deployed_[l] = multipliers[l];
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    changed_[l] = base_.empty() || base_[l] != multipliers[l];
  }
  return absl::OkStatus();
}

torch::Tensor CachedEvaluator::Intercept(size_t layer,
                                         const std::function<torch::Tensor()>& compute) {
  if (pass_ == Pass::kRecord) {
    torch::Tensor y = compute();
    const int64_t size = static_cast<int64_t>(y.nbytes());
    if (bytes_ + size <= options_.cache_bytes) {
      stored_[layer][batch_] = y;
      bytes_ += size;
    }
    return y;
  }
  if (pass_ == Pass::kReplay && !dirty_ && !changed_[layer] &&
      stored_[layer][batch_].defined()) {
    return stored_[layer][batch_];
  }
  if (changed_[layer]) dirty_ = true;
  return compute();
}

torch::Tensor CachedEvaluator::Run(Pass pass) {
  torch::NoGradGuard no_grad;
  net_.eval();
  pass_ = pass;
  const int64_t b = options_.batch_size;
  std::vector<torch::Tensor> logits;
  for (int64_t start = 0, i = 0; start < images_.size(); start += b, ++i) {
    batch_ = i;
    dirty_ = false;
    logits.push_back(net_.forward(images_.Images(start, std::min(start + b, images_.size()))));
  }
  pass_ = Pass::kPlain;
  return logits.empty() ? torch::empty({0}) : torch::cat(logits);
}

absl::Status CachedEvaluator::SetBase(const std::vector<std::string>& multipliers) {
  base_.clear();
  if (absl::Status s = Deploy(multipliers); !s.ok()) return s;
  const int64_t batches = (images_.size() + options_.batch_size - 1) / options_.batch_size;
  stored_.assign(layers_.size(), std::vector<torch::Tensor>(batches));
  bytes_ = 0;
  Run(Pass::kRecord);
  base_ = multipliers;
  changed_.assign(layers_.size(), false);
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> CachedEvaluator::Logits(const std::vector<std::string>& multipliers) {
  if (absl::Status s = Deploy(multipliers); !s.ok()) return s;
  return Run(base_.empty() ? Pass::kPlain : Pass::kReplay);
}

absl::StatusOr<torch::Tensor> CachedEvaluator::FullLogits(
    const std::vector<std::string>& multipliers) {
  if (absl::Status s = Deploy(multipliers); !s.ok()) return s;
  return Run(Pass::kPlain);
}

absl::StatusOr<int64_t> CachedEvaluator::Correct(const std::vector<std::string>& multipliers) {
  absl::StatusOr<torch::Tensor> logits = Logits(multipliers);
  if (!logits.ok()) return logits.status();
  if (images_.size() == 0) return 0;
  return logits->argmax(1).eq(images_.labels).sum().item<int64_t>();
}

}  // namespace agnapprox

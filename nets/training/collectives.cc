// DataParallel's collectives over tensors: broadcast of a module's state,
// all-reduce means and sums, the averaging of gradients and buffers after a
// step, and the observers' range.
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/exception_text.h"
#include "nets/training/distributed.h"

namespace agnapprox {
namespace {

// An all-reduce of `tensors` in place; the error names the rank, what was
// reduced and the address.
absl::Status AllReduceOn(c10d::ProcessGroup& group, std::vector<torch::Tensor>& tensors,
                         c10d::ReduceOp op, int rank, const std::string& address,
                         const char* what) {
  c10d::AllreduceOptions o;
  o.reduceOp = op;
  try {
    group.allreduce(tensors, o)->wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", rank, ": ", what,
                                               " with the other ranks (", address,
                                               ") failed; a rank stopped or timed out: ",
                                               FirstLine(e)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DataParallel::Broadcast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  try {
    std::vector<torch::Tensor> all = module.parameters();
    for (const torch::Tensor& b : module.buffers()) all.push_back(b);
    for (torch::Tensor& t : all) {
      std::vector<torch::Tensor> one = {t.data()};
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      group_->broadcast(one, o)->wait();
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", rank_, ": broadcast from rank 0 (",
                                               address_, ") failed: ", FirstLine(e)));
  }
  return absl::OkStatus();
}

absl::Status DataParallel::AllReduceMean(const std::vector<torch::Tensor>& tensors,
                                         const std::vector<int>& divisors) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  while (i < tensors.size()) {
    // One bucket: consecutive tensors up to kBucketFloats (at least one).
    size_t end = i;
    int64_t floats = 0;
    while (end < tensors.size() &&
           (end == i || floats + tensors[end].numel() <= kBucketFloats)) {
      floats += tensors[end].numel();
      ++end;
    }
    std::vector<torch::Tensor> flat;
    for (size_t j = i; j < end; ++j) flat.push_back(tensors[j].reshape({-1}));
    std::vector<torch::Tensor> bucket = {torch::cat(flat)};
    absl::Status s =
        AllReduceOn(*group_, bucket, c10d::ReduceOp::SUM, rank_, address_, "all-reduce");
    if (!s.ok()) return s;
    int64_t at = 0;
    for (size_t j = i; j < end; ++j) {
      const int64_t n = tensors[j].numel();
      tensors[j].copy_(bucket[0].narrow(0, at, n).view(tensors[j].sizes()));
      tensors[j].div_(j < divisors.size() && divisors[j] > 0 ? divisors[j] : world_size_);
      at += n;
    }
    i = end;
  }
  return absl::OkStatus();
}

namespace {

std::vector<torch::Tensor> Gradients(torch::nn::Module& module) {
  std::vector<torch::Tensor> grads;
  for (torch::Tensor& p : module.parameters()) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  return grads;
}

// The floating-point buffers, zeroed when this rank does not contribute.
std::vector<torch::Tensor> FloatBuffers(torch::nn::Module& module, bool contributes) {
  std::vector<torch::Tensor> floats;
  for (const torch::Tensor& b : module.buffers()) {
    if (b.is_floating_point()) floats.push_back(b.data());
  }
  if (!contributes) {
    torch::NoGradGuard no_grad;
    for (torch::Tensor& t : floats) t.zero_();
  }
  return floats;
}

}  // namespace

absl::Status DataParallel::AverageGradientsAndBuffers(torch::nn::Module& module, bool contributes,
                                                      int contributors) {
  std::vector<torch::Tensor> all = Gradients(module);
  std::vector<int> divisors(all.size(), world_size_);
  for (torch::Tensor& b : FloatBuffers(module, contributes)) {
    all.push_back(b);
    divisors.push_back(contributors);
  }
  return AllReduceMean(all, divisors);
}

absl::StatusOr<double> DataParallel::Mean(double value) {
  absl::StatusOr<std::vector<double>> sum = Sum({value});
  if (!sum.ok()) return sum.status();
  return (*sum)[0] / world_size_;
}

absl::StatusOr<std::vector<double>> DataParallel::Sum(const std::vector<double>& values) {
  std::vector<torch::Tensor> t = {torch::tensor(values, torch::kDouble)};
  absl::Status s = AllReduceOn(*group_, t, c10d::ReduceOp::SUM, rank_, address_, "sum");
  if (!s.ok()) return s;
  return std::vector<double>(t[0].data_ptr<double>(), t[0].data_ptr<double>() + values.size());
}

absl::StatusOr<std::pair<float, float>> DataParallel::Range(float lo, float hi) {
  std::vector<torch::Tensor> t = {torch::tensor({lo, -hi}, torch::kFloat)};
  absl::Status s = AllReduceOn(*group_, t, c10d::ReduceOp::MIN, rank_, address_, "range");
  if (!s.ok()) return s;
  return std::make_pair(t[0][0].item<float>(), -t[0][1].item<float>());
}

}  // namespace agnapprox

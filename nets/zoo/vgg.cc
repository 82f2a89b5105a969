#include "nets/zoo/vgg.h"

#include "absl/strings/str_cat.h"
#include "nets/zoo/cifar_settings.h"

namespace agnapprox {

namespace nn = torch::nn;

VggImpl::VggImpl(int depth, int num_classes) : depth_(depth) {
  // Convolutions per stage; the stages have 64, 128, 256, 512, 512 filters.
  std::vector<int> per_stage;
  switch (depth) {
    case 11: per_stage = {1, 1, 2, 2, 2}; break;
    case 13: per_stage = {2, 2, 2, 2, 2}; break;
    case 16: per_stage = {2, 2, 3, 3, 3}; break;
    case 19: per_stage = {2, 2, 4, 4, 4}; break;
    default: TORCH_CHECK(false, "VGG depth must be 11, 13, 16 or 19");
  }
  const int64_t widths[5] = {64, 128, 256, 512, 512};
  int64_t in = 3;
  int index = 0;
  for (int stage = 0; stage < 5; ++stage) {
    stages_.emplace_back();
    for (int i = 0; i < per_stage[stage]; ++i) {
      const std::string name = absl::StrCat("conv", ++index);
      ApproxLayer conv = register_module(
          name, ApproxLayer(nn::Conv2dOptions(in, widths[stage], 3).padding(1).bias(false)));
      nn::BatchNorm2d bn =
          register_module(absl::StrCat("bn", index), nn::BatchNorm2d(widths[stage]));
      stages_.back().emplace_back(conv, bn);
      layers_.push_back({name, conv});
      in = widths[stage];
    }
  }
  fc_ = register_module("fc", ApproxLayer(nn::LinearOptions(512, num_classes)));
  layers_.push_back({"fc", fc_});
}

torch::Tensor VggImpl::forward(torch::Tensor x) {
  for (auto& stage : stages_) {
    for (auto& [conv, bn] : stage) x = torch::relu(bn->forward(conv->forward(x)));
    x = torch::max_pool2d(x, 2);
  }
  return fc_->forward(x.flatten(1));
}

TrainingSettings VggImpl::training_settings() const { return CifarTrainingSettings(); }

}  // namespace agnapprox

#include "nets/zoo/alexnet.h"

#include "absl/strings/str_cat.h"
#include "nets/zoo/cifar_settings.h"

namespace agnapprox {

namespace nn = torch::nn;

AlexNetImpl::AlexNetImpl(int num_classes) {
  const int64_t widths[5] = {64, 192, 384, 256, 256};
  int64_t in = 3;
  for (int i = 0; i < 5; ++i) {
    const std::string name = absl::StrCat("conv", i + 1);
    auto options = nn::Conv2dOptions(in, widths[i], 3).padding(1).bias(false);
    if (i == 0) options.stride(2);
    convs_.push_back(register_module(name, ApproxLayer(options)));
    bns_.push_back(register_module(absl::StrCat("bn", i + 1), nn::BatchNorm2d(widths[i])));
    layers_.push_back({name, convs_.back()});
    in = widths[i];
  }
  fc1_ = register_module("fc1", ApproxLayer(nn::LinearOptions(256 * 2 * 2, 4096)));
  fc2_ = register_module("fc2", ApproxLayer(nn::LinearOptions(4096, 4096)));
  fc3_ = register_module("fc3", ApproxLayer(nn::LinearOptions(4096, num_classes)));
  layers_.push_back({"fc1", fc1_});
  layers_.push_back({"fc2", fc2_});
  layers_.push_back({"fc3", fc3_});
}

torch::Tensor AlexNetImpl::forward(torch::Tensor x) {
  for (int i = 0; i < 5; ++i) {
    x = torch::relu(bns_[i]->forward(convs_[i]->forward(x)));
    if (i == 0 || i == 1 || i == 4) x = torch::max_pool2d(x, 2);
  }
  x = torch::dropout(x.flatten(1), 0.5, is_training());
  x = torch::dropout(torch::relu(fc1_->forward(x)), 0.5, is_training());
  x = torch::relu(fc2_->forward(x));
  return fc3_->forward(x);
}

TrainingSettings AlexNetImpl::training_settings() const { return CifarTrainingSettings(); }

}  // namespace agnapprox

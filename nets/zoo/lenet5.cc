#include "nets/zoo/lenet5.h"

namespace agnapprox {

namespace nn = torch::nn;

LeNet5Impl::LeNet5Impl() {
  conv1_ = register_module("conv1", ApproxLayer(nn::Conv2dOptions(1, 6, 5).padding(2).bias(false)));
  bn1_ = register_module("bn1", nn::BatchNorm2d(6));
  conv2_ = register_module("conv2", ApproxLayer(nn::Conv2dOptions(6, 16, 5).bias(false)));
  bn2_ = register_module("bn2", nn::BatchNorm2d(16));
  fc1_ = register_module("fc1", ApproxLayer(nn::LinearOptions(400, 120).bias(false)));
  bn3_ = register_module("bn3", nn::BatchNorm1d(120));
  fc2_ = register_module("fc2", ApproxLayer(nn::LinearOptions(120, 84).bias(false)));
  bn4_ = register_module("bn4", nn::BatchNorm1d(84));
  fc3_ = register_module("fc3", ApproxLayer(nn::LinearOptions(84, 10)));
}

torch::Tensor LeNet5Impl::forward(torch::Tensor x) {
  x = torch::max_pool2d(torch::relu(bn1_->forward(conv1_->forward(x))), 2);
  x = torch::max_pool2d(torch::relu(bn2_->forward(conv2_->forward(x))), 2);
  x = x.flatten(1);
  x = torch::relu(bn3_->forward(fc1_->forward(x)));
  x = torch::relu(bn4_->forward(fc2_->forward(x)));
  return fc3_->forward(x);
}

std::vector<std::pair<std::string, ApproxLayer>> LeNet5Impl::approx_layers() {
  return {{"conv1", conv1_}, {"conv2", conv2_}, {"fc1", fc1_}, {"fc2", fc2_}, {"fc3", fc3_}};
}

TrainingSettings LeNet5Impl::training_settings() const {
  TrainingSettings s;
  s.baseline = {10, 0.1, 0.9, 1e-4, 5, 0.75, {}};
  s.qat = {1, 1e-3, 0.9, 0, 5, 0.1, {}};
  s.gradient_search = {3, 1e-3, 0.9, 0, 4, 0.1, {}};
  s.approx = {5, 1e-3, 0.9, 0, 2, 0.1, {}};
  return s;
}

}  // namespace agnapprox

#include "nets/zoo/resnet.h"

#include "absl/strings/str_cat.h"
#include "nets/zoo/cifar_settings.h"

namespace agnapprox {

namespace nn = torch::nn;

ResNetImpl::ResNetImpl(int depth, int num_classes) : depth_(depth) {
  TORCH_CHECK(depth >= 8 && (depth - 2) % 6 == 0, "ResNet depth must be 6n + 2");
  const int n = (depth - 2) / 6;
  stem_ = register_module("conv1", ApproxLayer(nn::Conv2dOptions(3, 16, 3).padding(1).bias(false)));
  stem_bn_ = register_module("bn1", nn::BatchNorm2d(16));
  layers_.push_back({"conv1", stem_});
  int64_t in = 16;
  for (int stage = 0; stage < 3; ++stage) {
    const int64_t out = 16 << stage;
    for (int i = 0; i < n; ++i) {
      Block b;
      b.stride = (stage > 0 && i == 0) ? 2 : 1;
      b.in = in;
      b.out = out;
      const std::string prefix = absl::StrCat("layer", stage + 1, "_", i);
      b.conv1 = register_module(
          prefix + "_conv1",
          ApproxLayer(nn::Conv2dOptions(in, out, 3).stride(b.stride).padding(1).bias(false)));
      b.bn1 = register_module(prefix + "_bn1", nn::BatchNorm2d(out));
      b.conv2 = register_module(prefix + "_conv2",
                                ApproxLayer(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
      b.bn2 = register_module(prefix + "_bn2", nn::BatchNorm2d(out));
      layers_.push_back({prefix + "_conv1", b.conv1});
      layers_.push_back({prefix + "_conv2", b.conv2});
      blocks_.push_back(b);
      in = out;
    }
  }
  fc_ = register_module("fc", ApproxLayer(nn::LinearOptions(64, num_classes)));
  layers_.push_back({"fc", fc_});
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = torch::relu(stem_bn_->forward(stem_->forward(x)));
  for (Block& b : blocks_) {
    torch::Tensor y = torch::relu(b.bn1->forward(b.conv1->forward(x)));
    y = b.bn2->forward(b.conv2->forward(y));
    torch::Tensor shortcut = x;
    if (b.stride != 1 || b.in != b.out) {
      // Option A: subsample, then pad the new channels with zeros.
      shortcut = x.slice(2, 0, x.size(2), b.stride).slice(3, 0, x.size(3), b.stride);
      const int64_t extra = b.out - b.in;
      shortcut = torch::constant_pad_nd(shortcut, {0, 0, 0, 0, extra / 2, extra - extra / 2}, 0);
    }
    x = torch::relu(y + shortcut);
  }
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc_->forward(x);
}

std::vector<std::pair<std::string, ApproxLayer>> ResNetImpl::approx_layers() { return layers_; }

TrainingSettings ResNetImpl::training_settings() const { return CifarTrainingSettings(); }

}  // namespace agnapprox

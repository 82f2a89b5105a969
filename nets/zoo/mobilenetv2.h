// MobileNetV2 for CIFAR-10 (Sandler et al. 2018; the CIFAR variant with
// stride 1 in the stem and in the 24-channel stage): a 3x3 stem with 32
// filters, 17 inverted residual blocks (1x1 expansion by t, 3x3 depthwise,
// 1x1 projection; batch norm everywhere, ReLU6 after expansion and depthwise;
// residual when the shape is kept), a 1x1 convolution to 1280 channels,
// global average pooling and a 1280->10 linear layer. Every convolution,
// depthwise ones included, and the classifier are approximable.
#ifndef AGNAPPROX_NETS_ZOO_MOBILENETV2_H_
#define AGNAPPROX_NETS_ZOO_MOBILENETV2_H_

#include <string>
#include <utility>
#include <vector>

#include "nets/layers/approx_net.h"

namespace agnapprox {

class MobileNetV2Impl : public ApproxNetImpl {
 public:
  explicit MobileNetV2Impl(int num_classes = 10);
  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override { return layers_; }
  TrainingSettings training_settings() const override;
  std::string name() const override { return "mobilenetv2"; }
  std::vector<int64_t> input_shape() const override { return {3, 32, 32}; }

 private:
  struct Block {
    ApproxLayer expand{nullptr}, depthwise{nullptr}, project{nullptr};
    torch::nn::BatchNorm2d bn_expand{nullptr}, bn_depthwise{nullptr}, bn_project{nullptr};
    bool residual = false;
  };
  ApproxLayer stem_{nullptr}, head_{nullptr}, fc_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr}, head_bn_{nullptr};
  std::vector<Block> blocks_;
  std::vector<std::pair<std::string, ApproxLayer>> layers_;
};
TORCH_MODULE(MobileNetV2);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_MOBILENETV2_H_

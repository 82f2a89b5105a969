// VGG11/13/16/19 for CIFAR-10 (Simonyan & Zisserman 2015, CIFAR variant with
// batch norm): 3x3 convolutions with padding 1 (no bias, each followed by
// batch norm and ReLU) in five stages separated by 2x2 max pooling, then a
// 512->10 linear classifier. All convolutions and the classifier are
// approximable.
//
//   Vgg net(16);
#ifndef AGNAPPROX_NETS_ZOO_VGG_H_
#define AGNAPPROX_NETS_ZOO_VGG_H_

#include <string>
#include <utility>
#include <vector>

#include "nets/layers/approx_net.h"

namespace agnapprox {

class VggImpl : public ApproxNetImpl {
 public:
  // REQUIRES: depth is 11, 13, 16 or 19.
  explicit VggImpl(int depth, int num_classes = 10);
  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override { return layers_; }
  TrainingSettings training_settings() const override;
  std::string name() const override { return "vgg" + std::to_string(depth_); }
  std::vector<int64_t> input_shape() const override { return {3, 32, 32}; }

 private:
  int depth_;
  // Per stage: its convolutions with their batch norms.
  std::vector<std::vector<std::pair<ApproxLayer, torch::nn::BatchNorm2d>>> stages_;
  ApproxLayer fc_{nullptr};
  std::vector<std::pair<std::string, ApproxLayer>> layers_;
};
TORCH_MODULE(Vgg);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_VGG_H_

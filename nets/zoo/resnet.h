// The CIFAR ResNets of He et al. (2016, Sec. 4.2): a 3x3 convolution with 16
// filters, three stages of n basic blocks with 16, 32 and 64 filters (the
// first block of stages 2 and 3 halves the resolution), global average
// pooling and a 10-way linear layer; depth 6n + 2. Shortcuts are identity,
// subsampled and zero-padded where the shape changes ("option A"), so every
// convolution and the linear layer are approximable. Convolutions have no
// bias and are followed by batch norm.
//
//   ResNet net(20);   // ResNet20: n = 3
#ifndef AGNAPPROX_NETS_ZOO_RESNET_H_
#define AGNAPPROX_NETS_ZOO_RESNET_H_

#include <string>
#include <utility>
#include <vector>

#include "nets/layers/approx_net.h"

namespace agnapprox {

class ResNetImpl : public ApproxNetImpl {
 public:
  // REQUIRES: depth is 6n + 2 with n >= 1 (8, 14, 20, 32, ...).
  explicit ResNetImpl(int depth, int num_classes = 10);
  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override;
  // agnapprox's ResNet settings (nets/cifar_settings.h).
  TrainingSettings training_settings() const override;
  std::string name() const override { return "resnet" + std::to_string(depth_); }
  std::vector<int64_t> input_shape() const override { return {3, 32, 32}; }

 private:
  struct Block {
    ApproxLayer conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    int64_t stride = 1, in = 0, out = 0;
  };
  int depth_;
  ApproxLayer stem_{nullptr}, fc_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<Block> blocks_;
  std::vector<std::pair<std::string, ApproxLayer>> layers_;
};
TORCH_MODULE(ResNet);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_RESNET_H_

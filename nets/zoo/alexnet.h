// AlexNet for CIFAR-10 (Krizhevsky et al. 2012, the usual small-image
// variant): five 3x3 convolutions (64 with stride 2, 192, 384, 256, 256;
// no bias, batch norm and ReLU; 2x2 max pooling after the first, second and
// fifth) and three linear layers 1024->4096->4096->10 with dropout 0.5. All
// eight layers are approximable.
#ifndef AGNAPPROX_NETS_ZOO_ALEXNET_H_
#define AGNAPPROX_NETS_ZOO_ALEXNET_H_

#include <string>
#include <utility>
#include <vector>

#include "nets/layers/approx_net.h"

namespace agnapprox {

class AlexNetImpl : public ApproxNetImpl {
 public:
  explicit AlexNetImpl(int num_classes = 10);
  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override { return layers_; }
  TrainingSettings training_settings() const override;
  std::string name() const override { return "alexnet"; }
  std::vector<int64_t> input_shape() const override { return {3, 32, 32}; }

 private:
  std::vector<ApproxLayer> convs_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  ApproxLayer fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  std::vector<std::pair<std::string, ApproxLayer>> layers_;
};
TORCH_MODULE(AlexNet);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_ALEXNET_H_

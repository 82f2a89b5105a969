// LeNet5 as agnapprox defines it, for 1x28x28 inputs and 10 classes:
// conv1 (6 filters 5x5, padding 2) and conv2 (16 filters 5x5), each without
// bias and followed by batch norm, ReLU and 2x2 max pooling; then fc1
// 400->120 and fc2 120->84 without bias, each with batch norm and ReLU; and
// fc3 84->10. All five are approximable.
#ifndef AGNAPPROX_NETS_ZOO_LENET5_H_
#define AGNAPPROX_NETS_ZOO_LENET5_H_

#include "nets/layers/approx_net.h"

namespace agnapprox {

class LeNet5Impl : public ApproxNetImpl {
 public:
  LeNet5Impl();
  torch::Tensor forward(torch::Tensor x) override;
  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override;
  // agnapprox's LeNet5: baseline 10 epochs, SGD lr 0.1, momentum 0.9,
  // weight decay 1e-4, x0.75 every 5 epochs; QAT 1 epoch at 1e-3 (step 5);
  // gradient search 3 epochs at 1e-3 (step 4); approx 5 epochs at 1e-3
  // (step 2).
  TrainingSettings training_settings() const override;
  std::string name() const override { return "lenet5"; }
  std::vector<int64_t> input_shape() const override { return {1, 28, 28}; }

 private:
  ApproxLayer conv1_{nullptr}, conv2_{nullptr}, fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::BatchNorm1d bn3_{nullptr}, bn4_{nullptr};
};
TORCH_MODULE(LeNet5);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_LENET5_H_

// Training settings shared by the CIFAR-10 networks: agnapprox's ResNet
// schedule (baseline 180 epochs, SGD lr 0.1, momentum 0.9, weight decay
// 1e-4, x0.1 at 90 and 135; QAT 30 epochs at 1e-2, x0.1 every 10; gradient
// search 10 epochs at 1e-3, x0.1 at 6; approx 10 epochs at 1e-2, x0.1 at 5
// and 8).
#ifndef AGNAPPROX_NETS_ZOO_CIFAR_SETTINGS_H_
#define AGNAPPROX_NETS_ZOO_CIFAR_SETTINGS_H_

#include "nets/layers/approx_net.h"

namespace agnapprox {

inline TrainingSettings CifarTrainingSettings() {
  TrainingSettings s;
  s.baseline = {180, 0.1, 0.9, 1e-4, 0, 0.1, {90, 135}};
  s.qat = {30, 1e-2, 0.9, 0, 10, 0.1, {}};
  s.gradient_search = {10, 1e-3, 0.9, 0, 0, 0.1, {6}};
  s.approx = {10, 1e-2, 0.9, 0, 0, 0.1, {5, 8}};
  return s;
}

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ZOO_CIFAR_SETTINGS_H_

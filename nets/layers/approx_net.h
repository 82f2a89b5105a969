// What every approximable network provides: its approximable layers in a
// fixed order (agnapprox's gather_noisy_modules), and its own training
// settings per stage, so that adding a network means adding one file.
#ifndef AGNAPPROX_NETS_LAYERS_APPROX_NET_H_
#define AGNAPPROX_NETS_LAYERS_APPROX_NET_H_

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nets/layers/approx_layer.h"

namespace agnapprox {

// One training stage's optimiser: SGD with momentum and a step schedule.
struct StageSettings {
  int epochs = 1;
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 0;
  int step_size = 1;    // epochs between learning-rate steps (0: none)
  double gamma = 0.1;   // learning-rate factor per step
  // When not empty, the learning rate steps at these epochs instead.
  std::vector<int> milestones;

  // The learning rate of 0-based epoch `epoch`.
  double LearningRate(int epoch) const;
};

inline double StageSettings::LearningRate(int epoch) const {
  int steps = 0;
  if (!milestones.empty()) {
    for (int m : milestones) steps += epoch >= m;
  } else if (step_size > 0) {
    steps = epoch / step_size;
  }
  double rate = lr;
  for (int i = 0; i < steps; ++i) rate *= gamma;
  return rate;
}

struct TrainingSettings {
  StageSettings baseline, qat, gradient_search, approx;
};

class ApproxNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // Name and layer of every approximable layer, in forward order.
  virtual std::vector<std::pair<std::string, ApproxLayer>> approx_layers() = 0;
  virtual TrainingSettings training_settings() const = 0;
  virtual std::string name() const = 0;
  // Input image shape {C, H, W} the network expects.
  virtual std::vector<int64_t> input_shape() const = 0;

  // The first layer that cannot run as configured, as an error naming it.
  absl::Status CheckSupported() {
    for (auto& [n, layer] : approx_layers()) {
      if (!layer->unsupported().empty()) {
        return absl::InvalidArgumentError("layer " + n + ": " + layer->unsupported());
      }
    }
    return absl::OkStatus();
  }

  // Sets every approximable layer's mode.
  void set_mode(Mode mode) {
    for (auto& [n, layer] : approx_layers()) layer->set_mode(mode);
  }
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_APPROX_NET_H_

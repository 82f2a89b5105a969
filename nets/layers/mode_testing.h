// Test helpers for the approximable layers: tables to deploy, calibration
// (of a layer, of a network), and a network that trains in every mode (baseline, qat, gradient_search,
// approx with the exact table) on one small batch.
#ifndef AGNAPPROX_NETS_LAYERS_MODE_TESTING_H_
#define AGNAPPROX_NETS_LAYERS_MODE_TESTING_H_

#include "gtest/gtest.h"
#include "nets/layers/approx_net.h"
#include "stats/error_map.h"

namespace agnapprox {

inline std::vector<int32_t> ExactSigned() { return ExactProducts(OperandRange::kSigned); }

// A table that is not symmetric and gives non-zero products for zero operands.
inline std::vector<int32_t> OddTable() {
  std::vector<int32_t> t = ExactSigned();
  for (int i = 0; i < 65536; ++i) t[i] += (i * 7919) % 13 - 6;
  return t;
}

// Observes one batch in training so that quantisation parameters exist.
inline void Calibrate(ApproxLayer& layer, const torch::Tensor& x) {
  layer->set_mode(Mode::kQat);
  layer->train();
  layer->forward(x);
  layer->eval();
}

// The network's QAT output on `x`, after one training-mode pass over `x` has
// set its observers (without gradients; the network is left in eval mode).
inline torch::Tensor CalibratedQatForward(ApproxNetImpl& net, const torch::Tensor& x) {
  net.set_mode(Mode::kQat);
  net.train();
  net.forward(x);  // observers
  net.eval();
  torch::NoGradGuard no_grad;
  return net.forward(x);
}

// One forward and backward per mode; every approximable layer gets a weight
// gradient, and the logits are [batch, 10].
inline void ExpectTrainsInEveryMode(ApproxNetImpl& net, const torch::Tensor& x,
                                    const torch::Tensor& labels) {
  for (Mode mode : {Mode::kBaseline, Mode::kQat, Mode::kGradientSearch, Mode::kApprox}) {
    SCOPED_TRACE(ModeName(mode));
    if (mode == Mode::kApprox) {
      for (auto& [name, layer] : net.approx_layers()) {
        layer->set_table(ExactProducts(OperandRange::kSigned), "exact");
      }
    }
    net.set_mode(mode);
    net.train();
    net.zero_grad();
    const torch::Tensor logits = net.forward(x);
    ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{x.size(0), 10}));
    torch::nn::functional::cross_entropy(logits, labels).backward();
    for (auto& [name, layer] : net.approx_layers()) {
      ASSERT_TRUE(layer->weight.grad().defined()) << name;
      EXPECT_GT(layer->weight.grad().abs().sum().item<float>(), 0) << name;
    }
  }
}

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_MODE_TESTING_H_

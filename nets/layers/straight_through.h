// What the approximate mode's forward keeps for its backward
// (approx_forward.cc fills it, approx_backward.cc reads it).
#ifndef AGNAPPROX_NETS_LAYERS_STRAIGHT_THROUGH_H_
#define AGNAPPROX_NETS_LAYERS_STRAIGHT_THROUGH_H_

#include <torch/torch.h>

namespace agnapprox {

struct StraightThrough {
  torch::Tensor input, input_mask;    // fake-quantised x, lo <= q <= hi
  torch::Tensor weight, weight_mask;  // the same for the weights
  // RetrainGradient::kTable only: the operands' table indices (activations
  // as the GEMM's transposed A, [G][fan_in][rows]; weights [out][fan_in]),
  // the gradient tables, and the quantisation the chain rule needs.
  torch::Tensor columns, weight_indices, da, db;
  double input_scale = 1, weight_scale = 1;
  int64_t zero_point = 0;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_STRAIGHT_THROUGH_H_

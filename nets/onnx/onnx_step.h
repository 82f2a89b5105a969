// What an imported network runs: one step per node, in graph order, and
// the tensor helpers that the importer and the run share. Internal to
// nets/onnx.
#ifndef AGNAPPROX_NETS_ONNX_ONNX_STEP_H_
#define AGNAPPROX_NETS_ONNX_ONNX_STEP_H_

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "nets/onnx/onnx_net.h"

namespace agnapprox {

enum class Op {
  kLayer, kRelu, kClip, kMaxPool, kAvgPool, kGlobalAvgPool, kBatchNorm,
  kAdd, kMul, kFlatten, kReshape, kConcat, kIdentity, kPad, kTensorFn,
};

// A node as one function of its input tensors (onnx_ops.cc): an undefined
// tensor stands for an absent optional input; one output per node output.
using TensorFn = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)>;

struct OnnxNetImpl::Step {
  Op op = Op::kIdentity;
  std::string label;     // node 'name' (OpType), for runtime errors
  std::vector<int> in;   // runtime values read
  int out = 0;           // runtime value written
  // Conv, Gemm, MatMul.
  ApproxLayer layer{nullptr};
  bool conv = false;
  // Conv and pools: 1-D runs as 2-D with height 1.
  bool one_d = false;
  // Padding applied before the operation as {left, right, top, bottom}
  // (empty: none), or computed per input for auto_pad SAME_*.
  std::vector<int64_t> pad;
  std::string auto_pad;  // "", "SAME_UPPER" or "SAME_LOWER"
  std::vector<int64_t> kernel, stride, dilation, sym_pad;
  bool ceil_mode = false, count_include_pad = false;
  double lo = 0, hi = 0;  // Clip
  torch::Tensor bn_weight, bn_bias, bn_mean, bn_var;
  double eps = 1e-5, momentum = 0.1;
  torch::Tensor constant;  // Add/Mul operand
  int64_t axis = 1;        // Flatten, Concat
  int64_t reshape_cols = -1;
  // kTensorFn: the function, its inputs (`in`, -1 for an absent one) and
  // its outputs after the first (-1 for an unused one).
  TensorFn fn;
  std::vector<int> more_out;
  // A MatMul of two activations: the node's name, and its multiplications
  // per sample (known after a forward pass).
  std::string exact_name;
  int64_t exact_opcount = 0;
};

// "[2, 3]".
std::string Shape(c10::IntArrayRef s);

// x as [product of the dimensions before `axis`, the rest]: ONNX Flatten,
// and Softmax's view of its input before opset 13. `label` starts the error.
torch::Tensor FlattenAt(const torch::Tensor& x, int64_t axis, const std::string& label);

// The values of an int64 tensor (shapes, axes, pads).
std::vector<int64_t> Int64s(const torch::Tensor& t);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ONNX_ONNX_STEP_H_

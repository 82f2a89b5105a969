// The ONNX importer: OnnxImporter builds an OnnxNetImpl from a ModelProto.
// onnx_importer.cc reads, orders and folds the graph; onnx_nodes.cc turns
// each supported node into a step. Internal to nets/onnx.
#ifndef AGNAPPROX_NETS_ONNX_ONNX_IMPORTER_H_
#define AGNAPPROX_NETS_ONNX_ONNX_IMPORTER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nets/onnx/onnx.pb.h"
#include "nets/onnx/onnx_net.h"
#include "nets/onnx/onnx_step.h"

namespace agnapprox {

// Builds an OnnxNetImpl from a ModelProto: checks, orders and folds the
// graph, then turns each node into a step.
class OnnxImporter {
 public:
  OnnxImporter(std::string label, OnnxNetImpl* net) : label_(std::move(label)), net_(*net) {}

  absl::Status Import(const onnx::ModelProto& model);

 private:
  absl::Status Fail(const std::string& what) const;
  static std::string NodeName(const onnx::NodeProto& n);
  absl::Status NodeError(const onnx::NodeProto& n, const std::string& what) const;

  absl::Status ReadOpset(const onnx::ModelProto& model);

  absl::Status ReadInput(const onnx::GraphProto& g);

  // Kahn's order over the nodes; a node input must be the graph input, an
  // initializer or some node's output.
  absl::StatusOr<std::vector<int>> TopologicalOrder(const onnx::GraphProto& g);

  // Attributes; a wrong type is an error (attr_error_).
  const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const std::string& name,
                                   onnx::AttributeProto::AttributeType type);
  int64_t Int(const onnx::NodeProto& n, const std::string& name, int64_t def);
  double Float(const onnx::NodeProto& n, const std::string& name, double def);
  std::string String(const onnx::NodeProto& n, const std::string& name, const std::string& def);
  std::vector<int64_t> Ints(const onnx::NodeProto& n, const std::string& name,
                            std::vector<int64_t> def);

  bool IsConstant(const std::string& name) const { return constants_.count(name) > 0; }
  // The node's non-empty inputs.
  static std::vector<std::string> Inputs(const onnx::NodeProto& n);
  absl::Status AddNode(const onnx::GraphProto& g, const onnx::NodeProto& n);

  static bool ConsumedByNode(const onnx::GraphProto& g, const std::string& value);
  static bool IsGraphOutput(const onnx::GraphProto& g, const std::string& value);

  // A module name for the layer or parameter of node `n`.
  std::string ModuleName(const onnx::NodeProto& n);

  // Reads a node's constant input `i` (an initializer or folded value).
  absl::StatusOr<torch::Tensor> Weight(const onnx::NodeProto& n, const std::vector<std::string>& in,
                                       size_t i, const char* role);

  absl::Status AddConv(const onnx::NodeProto& n, const std::vector<std::string>& in,
                       OnnxNetImpl::Step* step);

  // A corrupt or hostile file must not make a forward pass allocate
  // gigabytes: no image network pads by more than this.
  absl::Status PadsInRange(const onnx::NodeProto& n, const std::vector<int64_t>& pads);
  static constexpr int64_t kMaxPad = 256;

  // The node's strides, dilations and pads (checked against the kernel's
  // rank and kMaxPad), with the kernel, as 2-D (a 1-D op gets height 1);
  // symmetric pads go to the op, others to an explicit pad before it.
  absl::Status SetPadding(const onnx::NodeProto& n, const std::vector<int64_t>& kernel,
                          OnnxNetImpl::Step* step);

  absl::Status AddLayer(const onnx::NodeProto& n, ApproxLayer layer, OnnxNetImpl::Step* step);

  absl::Status AddLinear(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step);

  absl::Status AddClip(const onnx::NodeProto& n, const std::vector<std::string>& in,
                       OnnxNetImpl::Step* step);

  absl::Status AddPool(const onnx::NodeProto& n, OnnxNetImpl::Step* step);

  absl::Status AddBatchNorm(const onnx::NodeProto& n, const std::vector<std::string>& in,
                            OnnxNetImpl::Step* step);

  absl::Status AddBinary(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step);

  absl::Status AddReshape(const onnx::NodeProto& n, const std::vector<std::string>& in,
                          OnnxNetImpl::Step* step);

  // Constant-mode Pad: pads [x1_begin, x2_begin, ..., x1_end, x2_end] as an
  // attribute (opset < 11) or a constant input, the value likewise.
  absl::Status AddPad(const onnx::NodeProto& n, const std::vector<std::string>& in,
                      OnnxNetImpl::Step* step);

  absl::Status AddConcat(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step);

  absl::Status AddSoftmax(const onnx::GraphProto& g, const onnx::NodeProto& n,
                          const std::vector<std::string>& in);

  // Every other op as one function of its inputs (onnx_ops.cc): an error
  // naming the node for an op type or attribute it does not support.
  absl::StatusOr<TensorFn> TensorOp(const onnx::NodeProto& n, const std::vector<std::string>& in);
  // The node folded now when its inputs are all constants, else a step.
  absl::Status AddTensorOp(const onnx::NodeProto& n);
  // The value slot a step reads constant `name` from.
  int ConstantSlot(const std::string& name);

  std::string label_;
  OnnxNetImpl& net_;
  int64_t opset_ = 0;
  std::map<std::string, torch::Tensor> constants_;
  std::map<std::string, int> values_;
  std::map<std::string, int> constant_slots_;
  std::string attr_error_;
  // A final Softmax's output and input: the run's output is its input.
  std::string softmax_output_, softmax_input_;
  int module_count_ = 0;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ONNX_ONNX_IMPORTER_H_

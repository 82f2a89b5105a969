// Networks imported from ONNX (spec section 7): a trained model that another
// framework exported becomes an approximable network. Every Conv and every
// Gemm/MatMul with a constant weight is an ApproxLayer named after its node
// (its name, or its first output when the name is empty); the other
// supported nodes run as written, in graph order, residual branches
// included. Batch norms stay trainable; constants stay constant.
//
//   absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx("model.onnx");
//   if (!net.ok()) { /* one line naming the file, node or field */ }
//   absl::Status fits = (*net)->CheckData({1, 28, 28}, 10, "--dataset=fashion_mnist");
//   torch::Tensor logits = (*net)->forward(images);
//
// Supported: Conv (1-D and 2-D; groups, strides, pads incl. asymmetric,
// dilations, auto_pad, bias or not), Gemm (transA = 0) and MatMul with a
// constant second operand, Relu, Clip, MaxPool, AveragePool (1-D and 2-D),
// GlobalAveragePool, BatchNormalization, Add, Mul by a constant, Flatten,
// Reshape to [N, -1], Concat, Identity, Dropout (inference), constant-mode
// Pad (PyTorch exports some pools with one), and Softmax as the graph's last
// node. Nodes whose inputs are all constants (Constant,
// Transpose, Reshape, Unsqueeze, Squeeze, Identity, Add, Mul, Concat, ...)
// are folded at import. Anything else is an error naming node and op type.
#ifndef AGNAPPROX_NETS_ONNX_ONNX_NET_H_
#define AGNAPPROX_NETS_ONNX_ONNX_NET_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nets/layers/approx_net.h"

namespace agnapprox {

// How an imported network trains in each stage: an ONNX file carries no
// training settings, so these defaults apply unless flags override them
// (README, "Bring your own network"). SGD with momentum 0.9 throughout.
TrainingSettings ImportedTrainingSettings();

class OnnxNetImpl : public ApproxNetImpl {
 public:
  // Logits: the graph's output, without a final Softmax (the training loss
  // takes logits; the predicted class is the same).
  torch::Tensor forward(torch::Tensor x) override;
  // The graph's output exactly as written, a final Softmax included.
  torch::Tensor RunAsWritten(const torch::Tensor& x);
  // Every graph input to every graph output, in the file's order (ONNX's
  // node tests; a network proper has one of each).
  std::vector<torch::Tensor> RunAll(const std::vector<torch::Tensor>& inputs);
  int num_inputs() const { return static_cast<int>(inputs_.size()); }

  // The multiplications that stay exact (MatMul of two activations, as in
  // attention): each node's name and its multiplications per sample, as
  // measured by the last forward pass (0 before one).
  std::vector<std::pair<std::string, int64_t>> exact_layers() const;

  std::vector<std::pair<std::string, ApproxLayer>> approx_layers() override { return layers_; }
  TrainingSettings training_settings() const override { return settings_; }
  void set_training_settings(const TrainingSettings& s) { settings_ = s; }
  std::string name() const override { return name_; }
  // The declared input shape without the batch dimension; -1 where the
  // file leaves a dimension symbolic.
  std::vector<int64_t> input_shape() const override { return input_shape_; }
  bool ends_with_softmax() const { return final_softmax_; }

  // Checks the network against a data set: the declared input shape, one
  // forward pass on a batch of two zero images of `image_shape` (this also
  // fixes each Conv's multiplication count), and an output of [N, classes].
  // Errors name the file, both shapes and `data_label`.
  absl::Status CheckData(const std::vector<int64_t>& image_shape, int64_t classes,
                         const std::string& data_label);

 // One node at run time (defined in onnx_net.cc).
  struct Step;

 private:
  friend class OnnxImporter;

  torch::Tensor Run(const torch::Tensor& x, bool final_softmax);
  // Every value slot after a run on `inputs`.
  std::vector<torch::Tensor> Values(const std::vector<torch::Tensor>& inputs);

  std::string name_;
  std::vector<int64_t> input_shape_;
  std::vector<std::shared_ptr<Step>> steps_;
  int num_values_ = 0;
  std::vector<int> inputs_;   // the graph inputs' value slots
  std::vector<int> outputs_;  // the graph outputs' value slots
  int output_ = 0;            // the logits: outputs_[0] before a final Softmax
  // Constants that steps read, put in their slots before every run.
  std::vector<std::pair<int, torch::Tensor>> constant_values_;
  std::vector<std::shared_ptr<Step>> exact_steps_;
  bool final_softmax_ = false;
  int64_t softmax_axis_ = 1;
  bool softmax_coerce_2d_ = false;
  std::vector<std::pair<std::string, ApproxLayer>> layers_;
  TrainingSettings settings_ = ImportedTrainingSettings();
};

// Reads and imports an ONNX ModelProto file. Errors (exit 1 in the tools)
// name `path` and the node, initializer or field at fault.
absl::StatusOr<std::shared_ptr<OnnxNetImpl>> ImportOnnx(const std::string& path);

// The same from the file's bytes; `label` names the source in errors.
absl::StatusOr<std::shared_ptr<OnnxNetImpl>> ImportOnnxBytes(std::string_view bytes,
                                                             const std::string& label);

// An ONNX TensorProto file (as libonnx-testdata's input_0.pb, output_0.pb)
// as a tensor: floats as float, integers as int64, booleans as bool.
absl::StatusOr<torch::Tensor> ReadOnnxTensor(const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ONNX_ONNX_NET_H_

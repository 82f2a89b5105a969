#include "nets/onnx/onnx_net.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "io/file_io.h"
#include "nets/exception_text.h"
#include "nets/onnx/onnx.pb.h"
#include "nets/onnx/onnx_tensor.h"

namespace agnapprox {

namespace F = torch::nn::functional;

TrainingSettings ImportedTrainingSettings() {
  TrainingSettings s;
  // An imported network is trained already: the baseline evaluates it.
  s.baseline = {0, 0.01, 0.9, 0, 0, 0.1, {}};
  s.qat = {1, 1e-3, 0.9, 0, 0, 0.1, {}};
  s.gradient_search = {3, 1e-3, 0.9, 0, 0, 0.1, {}};
  s.approx = {3, 1e-3, 0.9, 0, 2, 0.1, {}};
  return s;
}

enum class Op {
  kLayer, kRelu, kClip, kMaxPool, kAvgPool, kGlobalAvgPool, kBatchNorm,
  kAdd, kMul, kFlatten, kReshape, kConcat, kIdentity, kPad,
};

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
};

namespace {

std::string Shape(c10::IntArrayRef s) { return "[" + absl::StrJoin(s, ", ") + "]"; }

// x as [product of the dimensions before `axis`, the rest]: ONNX Flatten,
// and Softmax's view of its input before opset 13. `label` starts the error.
torch::Tensor FlattenAt(const torch::Tensor& x, int64_t axis, const std::string& label) {
  const int64_t a = axis < 0 ? axis + x.dim() : axis;
  TORCH_CHECK(a >= 0 && a <= x.dim(), label, ": axis ", axis, " for a tensor of ",
              Shape(x.sizes()));
  int64_t rows = 1;
  for (int64_t d = 0; d < a; ++d) rows *= x.size(d);
  return x.reshape({rows, -1});
}

// The values of an int64 tensor (shapes, axes, pads).
std::vector<int64_t> Int64s(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// SAME_* padding of one spatial dimension: {begin, end}.
std::pair<int64_t, int64_t> SamePads(int64_t in, int64_t k, int64_t s, int64_t d, bool upper) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
  const int64_t small = total / 2;
  return upper ? std::make_pair(small, total - small) : std::make_pair(total - small, small);
}
// Input of a 2-D op padded as the step says; `value` fills the border.
torch::Tensor PadInput(const OnnxNetImpl::Step& s, torch::Tensor x, double value) {
  std::vector<int64_t> pad = s.pad;
  if (!s.auto_pad.empty()) {
    const bool upper = s.auto_pad == "SAME_UPPER";
    auto [t, b] = SamePads(x.size(2), s.kernel[0], s.stride[0], s.dilation[0], upper);
    auto [l, r] = SamePads(x.size(3), s.kernel[1], s.stride[1], s.dilation[1], upper);
    pad = {l, r, t, b};
  }
  if (pad.empty() || std::all_of(pad.begin(), pad.end(), [](int64_t p) { return p == 0; })) {
    return x;
  }
  return F::pad(x, F::PadFuncOptions(pad).mode(torch::kConstant).value(value));
}

torch::Tensor Eval(OnnxNetImpl::Step& s, const std::vector<torch::Tensor>& v,
                   bool training) {
  torch::Tensor x = v[s.in[0]];
  switch (s.op) {
    case Op::kLayer: {
      if (s.conv) {
        if (s.one_d) x = x.unsqueeze(2);
        torch::Tensor y = s.layer->forward(PadInput(s, x, 0));
        return s.one_d ? y.squeeze(2) : y;
      }
      if (x.dim() == 2) return s.layer->forward(x);
      // MatMul over the last dimension of a higher-rank input.
      std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
      torch::Tensor y = s.layer->forward(x.reshape({-1, shape.back()}));
      shape.back() = y.size(1);
      return y.reshape(shape);
    }
    case Op::kRelu: return torch::relu(x);
    case Op::kClip: return torch::clamp(x, s.lo, s.hi);
    case Op::kMaxPool:
    case Op::kAvgPool: {
      if (s.one_d) x = x.unsqueeze(2);
      const bool max = s.op == Op::kMaxPool;
      x = PadInput(s, x, max ? -std::numeric_limits<double>::infinity() : 0.0);
      torch::Tensor y =
          max ? torch::max_pool2d(x, s.kernel, s.stride, s.sym_pad, s.dilation, s.ceil_mode)
              : torch::avg_pool2d(x, s.kernel, s.stride, s.sym_pad, s.ceil_mode,
                                  s.count_include_pad);
      return s.one_d ? y.squeeze(2) : y;
    }
    case Op::kGlobalAvgPool: {
      std::vector<int64_t> dims;
      for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
      return x.mean(dims, /*keepdim=*/true);
    }
    case Op::kBatchNorm:
      return torch::batch_norm(x, s.bn_weight, s.bn_bias, s.bn_mean, s.bn_var, training,
                               s.momentum, s.eps, /*cudnn_enabled=*/false);
    case Op::kAdd: return s.in.size() == 2 ? x + v[s.in[1]] : x + s.constant;
    case Op::kMul: return x * s.constant;
    case Op::kFlatten: return FlattenAt(x, s.axis, s.label);
    case Op::kReshape: {
      torch::Tensor y = x.reshape({x.size(0), -1});
      TORCH_CHECK(s.reshape_cols < 0 || y.size(1) == s.reshape_cols, s.label, ": a tensor of ",
                  Shape(x.sizes()), " does not reshape to [N, ", s.reshape_cols, "]");
      return y;
    }
    case Op::kConcat: {
      std::vector<torch::Tensor> parts;
      for (int i : s.in) parts.push_back(v[i]);
      return torch::cat(parts, s.axis);
    }
    case Op::kIdentity: return x;
    case Op::kPad: {
      TORCH_CHECK(static_cast<int64_t>(s.pad.size()) == 2 * x.dim(), s.label, ": pads for rank ",
                  s.pad.size() / 2, " but the input is ", Shape(x.sizes()));
      return F::pad(x, F::PadFuncOptions(s.pad).mode(torch::kConstant).value(s.lo));
    }
  }
  return x;
}

}  // namespace

torch::Tensor OnnxNetImpl::Run(const torch::Tensor& x, bool final_softmax) {
  std::vector<torch::Tensor> values(num_values_);
  values[0] = x;
  for (const std::shared_ptr<Step>& s : steps_) values[s->out] = Eval(*s, values, is_training());
  torch::Tensor y = values[output_];
  if (final_softmax && final_softmax_) {
    if (softmax_coerce_2d_) {
      return torch::softmax(FlattenAt(y, softmax_axis_, "Softmax"), 1).reshape(y.sizes());
    }
    return torch::softmax(y, softmax_axis_);
  }
  return y;
}

torch::Tensor OnnxNetImpl::forward(torch::Tensor x) { return Run(x, false); }

torch::Tensor OnnxNetImpl::RunAsWritten(const torch::Tensor& x) { return Run(x, true); }

absl::Status OnnxNetImpl::CheckData(const std::vector<int64_t>& image_shape, int64_t classes,
                                    const std::string& data_label) {
  const std::string images = absl::StrJoin(image_shape, "x");
  bool fits = input_shape_.empty() || input_shape_.size() == image_shape.size();
  for (size_t i = 0; fits && i < input_shape_.size(); ++i) {
    fits = input_shape_[i] < 0 || input_shape_[i] == image_shape[i];
  }
  std::vector<std::string> declared;
  for (int64_t d : input_shape_) declared.push_back(d < 0 ? "?" : absl::StrCat(d));
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat(name_, " takes ", absl::StrJoin(declared, "x"),
                                                   " inputs but ", data_label, " has ", images,
                                                   " images"));
  }
  const bool was_training = is_training();
  eval();
  torch::Tensor y;
  try {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> batch = {2};
    batch.insert(batch.end(), image_shape.begin(), image_shape.end());
    y = forward(torch::zeros(batch));
  } catch (const std::exception& e) {
    train(was_training);
    return absl::InvalidArgumentError(absl::StrCat(name_, " does not run on the ", images,
                                                   " images of ", data_label, ": ",
                                                   FirstLine(e)));
  }
  train(was_training);
  if (y.dim() != 2 || y.size(1) != classes) {
    return absl::InvalidArgumentError(absl::StrCat(name_, " outputs ", Shape(y.sizes()),
                                                   " for 2 images but ", data_label, " has ",
                                                   classes, " classes (want [2, ", classes, "])"));
  }
  return absl::OkStatus();
}

// Builds an OnnxNetImpl from a ModelProto: checks, orders and folds the
// graph, then turns each node into a step.
class OnnxImporter {
 public:
  OnnxImporter(std::string label, OnnxNetImpl* net) : label_(std::move(label)), net_(*net) {}

  absl::Status Import(const onnx::ModelProto& model) {
    net_.name_ = label_;
    if (absl::Status s = ReadOpset(model); !s.ok()) return s;
    const onnx::GraphProto& g = model.graph();
    for (const onnx::TensorProto& t : g.initializer()) {
      if (constants_.count(t.name())) return Fail("initializer '" + t.name() + "' is given twice");
      absl::StatusOr<torch::Tensor> v = TensorFromProto(t, "initializer '" + t.name() + "'");
      if (!v.ok()) return Fail(std::string(v.status().message()));
      constants_[t.name()] = *v;
    }
    if (absl::Status s = ReadInput(g); !s.ok()) return s;
    if (g.output_size() != 1) {
      return Fail(absl::StrCat("the graph has ", g.output_size(), " outputs (one is supported)"));
    }
    absl::StatusOr<std::vector<int>> order = TopologicalOrder(g);
    if (!order.ok()) return order.status();
    for (int i : *order) {
      if (absl::Status s = AddNode(g, g.node(i)); !s.ok()) return s;
    }
    const std::string& out = g.output(0).name();
    auto it = values_.find(softmax_output_ == out ? softmax_input_ : out);
    if (it == values_.end()) {
      return Fail("the graph's output '" + out + "' does not depend on its input");
    }
    net_.output_ = it->second;
    net_.num_values_ = static_cast<int>(values_.size());
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(label_, ": ", what));
  }
  static std::string NodeName(const onnx::NodeProto& n) {
    return !n.name().empty() ? n.name() : n.output_size() > 0 ? n.output(0) : std::string("?");
  }
  absl::Status NodeError(const onnx::NodeProto& n, const std::string& what) const {
    return Fail(absl::StrCat("node '", NodeName(n), "' (", n.op_type(), "): ", what));
  }

  absl::Status ReadOpset(const onnx::ModelProto& model) {
    for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
    }
    if (opset_ < 6 || opset_ > 18) {
      return Fail(opset_ == 0 ? std::string("no ai.onnx opset_import (is this an ONNX model?)")
                              : absl::StrCat("opset ", opset_, " is not supported (6 to 18 are)"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadInput(const onnx::GraphProto& g) {
    const onnx::ValueInfoProto* input = nullptr;
    for (const onnx::ValueInfoProto& v : g.input()) {
      if (constants_.count(v.name())) continue;  // IR < 4 lists initializers as inputs
      if (input != nullptr) {
        return Fail(absl::StrCat("the graph has more than one input ('", input->name(), "', '",
                                 v.name(), "'); one is supported"));
      }
      input = &v;
    }
    if (input == nullptr) return Fail("the graph has no input");
    values_[input->name()] = 0;
    const onnx::TypeProto& type = input->type();
    if (type.has_tensor_type()) {
      if (type.tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
        return Fail("input '" + input->name() + "' is not a float tensor (not supported)");
      }
      const auto& dims = type.tensor_type().shape().dim();
      for (int i = 1; i < dims.size(); ++i) {
        net_.input_shape_.push_back(dims[i].has_dim_value() && dims[i].dim_value() > 0
                                        ? dims[i].dim_value()
                                        : -1);
      }
    }
    return absl::OkStatus();
  }

  // Kahn's order over the nodes; a node input must be the graph input, an
  // initializer or some node's output.
  absl::StatusOr<std::vector<int>> TopologicalOrder(const onnx::GraphProto& g) {
    std::map<std::string, int> producer;
    for (int i = 0; i < g.node_size(); ++i) {
      for (const std::string& o : g.node(i).output()) {
        if (o.empty()) continue;
        if (producer.count(o) || values_.count(o) || constants_.count(o)) {
          return NodeError(g.node(i), "output '" + o + "' is also produced elsewhere");
        }
        producer[o] = i;
      }
    }
    std::vector<int> pending(g.node_size(), 0);
    std::vector<std::vector<int>> users(g.node_size());
    for (int i = 0; i < g.node_size(); ++i) {
      for (const std::string& in : g.node(i).input()) {
        if (in.empty() || values_.count(in) || constants_.count(in)) continue;
        auto it = producer.find(in);
        if (it == producer.end()) {
          return NodeError(g.node(i), "input '" + in +
                                          "' is neither the graph input, an initializer nor "
                                          "a node's output (missing initializer?)");
        }
        ++pending[i];
        users[it->second].push_back(i);
      }
    }
    std::deque<int> ready;
    for (int i = 0; i < g.node_size(); ++i) {
      if (pending[i] == 0) ready.push_back(i);
    }
    std::vector<int> order;
    while (!ready.empty()) {
      const int i = ready.front();
      ready.pop_front();
      order.push_back(i);
      for (int u : users[i]) {
        if (--pending[u] == 0) ready.push_back(u);
      }
    }
    if (order.size() != static_cast<size_t>(g.node_size())) {
      for (int i = 0; i < g.node_size(); ++i) {
        if (pending[i] > 0) return NodeError(g.node(i), "is on a cycle in the graph (or after one)");
      }
    }
    return order;
  }

  // Attributes; a wrong type is an error (attr_error_).
  const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const std::string& name,
                                   onnx::AttributeProto::AttributeType type) {
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.name() != name) continue;
      if (a.type() != type && !(a.type() == onnx::AttributeProto::UNDEFINED)) {
        attr_error_ = "attribute " + name + " has the wrong type";
        return nullptr;
      }
      return &a;
    }
    return nullptr;
  }
  int64_t Int(const onnx::NodeProto& n, const std::string& name, int64_t def) {
    const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::INT);
    return a ? a->i() : def;
  }
  double Float(const onnx::NodeProto& n, const std::string& name, double def) {
    const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::FLOAT);
    return a ? a->f() : def;
  }
  std::string String(const onnx::NodeProto& n, const std::string& name, const std::string& def) {
    const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::STRING);
    return a ? a->s() : def;
  }
  std::vector<int64_t> Ints(const onnx::NodeProto& n, const std::string& name,
                            std::vector<int64_t> def) {
    const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::INTS);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
  }

  bool IsConstant(const std::string& name) const { return constants_.count(name) > 0; }
  // The node's non-empty inputs.
  static std::vector<std::string> Inputs(const onnx::NodeProto& n) {
    std::vector<std::string> in;
    for (const std::string& s : n.input()) in.push_back(s);
    while (!in.empty() && in.back().empty()) in.pop_back();
    return in;
  }
  // Axes of Squeeze/Unsqueeze: attribute before opset 13, input after.
  absl::StatusOr<std::vector<int64_t>> Axes(const onnx::NodeProto& n) {
    if (opset_ < 13) return Ints(n, "axes", {});
    std::vector<std::string> in = Inputs(n);
    if (in.size() < 2) return std::vector<int64_t>{};
    const torch::Tensor& t = constants_.at(in[1]);
    if (t.scalar_type() != torch::kLong) return NodeError(n, "axes must be int64");
    return Int64s(t);
  }

  // A node whose inputs are all constants, evaluated now. Returns false
  // (and no error) when the op is not one that folds.
  absl::StatusOr<bool> Fold(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    std::vector<std::string> names = Inputs(n);
    std::vector<torch::Tensor> in;
    for (const std::string& s : names) in.push_back(constants_.at(s));
    torch::Tensor y;
    try {
      if (op == "Identity" || op == "Dropout") {
        y = in.at(0);
      } else if (op == "Transpose") {
        std::vector<int64_t> perm = Ints(n, "perm", {});
        if (perm.empty()) {
          for (int64_t d = in.at(0).dim() - 1; d >= 0; --d) perm.push_back(d);
        }
        y = in.at(0).permute(perm).contiguous();
      } else if (op == "Reshape") {
        const torch::Tensor& shape_t = in.at(1);
        TORCH_CHECK(shape_t.scalar_type() == torch::kLong, "shape must be int64");
        std::vector<int64_t> shape = Int64s(shape_t);
        for (size_t d = 0; d < shape.size(); ++d) {
          if (shape[d] == 0 && d < static_cast<size_t>(in[0].dim())) shape[d] = in[0].size(d);
        }
        y = in[0].reshape(shape).contiguous();
      } else if (op == "Flatten") {
        y = FlattenAt(in.at(0), Int(n, "axis", 1), "Flatten");
      } else if (op == "Unsqueeze" || op == "Squeeze") {
        absl::StatusOr<std::vector<int64_t>> axes = Axes(n);
        if (!axes.ok()) return axes.status();
        y = in.at(0);
        if (op == "Squeeze" && axes->empty()) {
          y = y.squeeze();
        } else {
          const int64_t rank = y.dim() + (op == "Unsqueeze" ? axes->size() : 0);
          std::vector<int64_t> a = *axes;
          for (int64_t& d : a) d = d < 0 ? d + rank : d;
          std::sort(a.begin(), a.end());
          if (op == "Unsqueeze") {
            for (int64_t d : a) y = y.unsqueeze(d);
          } else {
            for (auto it = a.rbegin(); it != a.rend(); ++it) y = y.squeeze(*it);
          }
        }
      } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
        const torch::Tensor &a = in.at(0), &b = in.at(1);
        y = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
      } else if (op == "Concat") {
        y = torch::cat(in, Int(n, "axis", 0));
      } else if (op == "Cast") {
        const int64_t to = Int(n, "to", 0);
        if (to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE) {
          y = in.at(0).to(torch::kFloat);
        } else if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
          y = in.at(0).to(torch::kLong);
        } else {
          return NodeError(n, absl::StrCat("cast to type ", to, " is not supported"));
        }
      } else {
        return false;
      }
    } catch (const std::exception& e) {
      return NodeError(n, FirstLine(e));
    }
    if (!attr_error_.empty()) return NodeError(n, attr_error_);
    constants_[n.output(0)] = y;
    return true;
  }

  absl::Status AddNode(const onnx::GraphProto& g, const onnx::NodeProto& n) {
    attr_error_.clear();
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      return NodeError(n, "domain '" + n.domain() + "' is not supported");
    }
    if (n.output_size() < 1 || n.output(0).empty()) return NodeError(n, "has no output");
    if (op == "Constant") {
      const onnx::AttributeProto* value = Attr(n, "value", onnx::AttributeProto::TENSOR);
      torch::Tensor t;
      if (value != nullptr) {
        absl::StatusOr<torch::Tensor> v = TensorFromProto(value->t(), "its value");
        if (!v.ok()) return NodeError(n, std::string(v.status().message()));
        t = *v;
      } else if (const auto* f = Attr(n, "value_float", onnx::AttributeProto::FLOAT)) {
        t = torch::tensor(f->f());
      } else if (const auto* i = Attr(n, "value_int", onnx::AttributeProto::INT)) {
        t = torch::tensor(i->i(), torch::kLong);
      } else if (const auto* is = Attr(n, "value_ints", onnx::AttributeProto::INTS)) {
        t = torch::tensor(std::vector<int64_t>(is->ints().begin(), is->ints().end()), torch::kLong);
      } else if (const auto* fs = Attr(n, "value_floats", onnx::AttributeProto::FLOATS)) {
        t = torch::tensor(std::vector<float>(fs->floats().begin(), fs->floats().end()));
      } else {
        return NodeError(n, "has no value this importer reads");
      }
      constants_[n.output(0)] = t;
      return absl::OkStatus();
    }
    const std::vector<std::string> in = Inputs(n);
    if (in.empty()) return NodeError(n, "has no input");
    const bool all_constant =
        std::all_of(in.begin(), in.end(), [&](const std::string& s) { return IsConstant(s); });
    if (all_constant) {
      absl::StatusOr<bool> folded = Fold(n);
      if (!folded.ok()) return folded.status();
      if (*folded) return absl::OkStatus();
      return NodeError(n, "is not supported on constant inputs");
    }
    if (IsConstant(in[0])) {
      return NodeError(n, "its first input '" + in[0] + "' is a constant (not supported)");
    }
    auto step = std::make_shared<OnnxNetImpl::Step>();
    step->label = absl::StrCat("node '", NodeName(n), "' (", op, ")");
    step->in.push_back(values_.at(in[0]));
    absl::Status s;
    if (op == "Conv") s = AddConv(n, in, step.get());
    else if (op == "Gemm" || op == "MatMul") s = AddLinear(n, in, step.get());
    else if (op == "Relu") step->op = Op::kRelu;
    else if (op == "Clip") s = AddClip(n, in, step.get());
    else if (op == "MaxPool" || op == "AveragePool") s = AddPool(n, step.get());
    else if (op == "GlobalAveragePool") step->op = Op::kGlobalAvgPool;
    else if (op == "BatchNormalization") s = AddBatchNorm(n, in, step.get());
    else if (op == "Add" || op == "Mul") s = AddBinary(n, in, step.get());
    else if (op == "Flatten") {
      step->op = Op::kFlatten;
      step->axis = Int(n, "axis", 1);
    } else if (op == "Reshape") s = AddReshape(n, in, step.get());
    else if (op == "Concat") s = AddConcat(n, in, step.get());
    else if (op == "Identity") step->op = Op::kIdentity;
    else if (op == "Pad") s = AddPad(n, in, step.get());
    else if (op == "Dropout") {
      if (n.output_size() > 1 && !n.output(1).empty() &&
          (ConsumedByNode(g, n.output(1)) || IsGraphOutput(g, n.output(1)))) {
        return NodeError(n, "its mask output is used (inference Dropout has none)");
      }
      step->op = Op::kIdentity;
    } else if (op == "Softmax") {
      return AddSoftmax(g, n, in);
    } else {
      return NodeError(n, "op type " + op + " is not supported");
    }
    if (!s.ok()) return s;
    if (!attr_error_.empty()) return NodeError(n, attr_error_);
    step->out = static_cast<int>(values_.size());
    values_[n.output(0)] = step->out;
    net_.steps_.push_back(step);
    return absl::OkStatus();
  }

  static bool ConsumedByNode(const onnx::GraphProto& g, const std::string& value) {
    for (const onnx::NodeProto& m : g.node()) {
      for (const std::string& i : m.input()) {
        if (i == value) return true;
      }
    }
    return false;
  }
  static bool IsGraphOutput(const onnx::GraphProto& g, const std::string& value) {
    for (const onnx::ValueInfoProto& o : g.output()) {
      if (o.name() == value) return true;
    }
    return false;
  }

  // A module name for the layer or parameter of node `n`.
  std::string ModuleName(const onnx::NodeProto& n) {
    std::string s;
    for (char c : NodeName(n)) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return absl::StrCat("n", module_count_++, "_", s);
  }

  // Reads a node's constant input `i` (an initializer or folded value).
  absl::StatusOr<torch::Tensor> Weight(const onnx::NodeProto& n, const std::vector<std::string>& in,
                                       size_t i, const char* role) {
    if (i >= in.size()) return NodeError(n, absl::StrCat("has no ", role));
    if (!IsConstant(in[i])) {
      return NodeError(n, absl::StrCat("its ", role, " '", in[i],
                                       "' is not a constant (initializer) tensor"));
    }
    torch::Tensor t = constants_.at(in[i]);
    if (t.scalar_type() != torch::kFloat) {
      return NodeError(n, absl::StrCat("its ", role, " '", in[i], "' is not a float tensor"));
    }
    return t;
  }

  absl::Status AddConv(const onnx::NodeProto& n, const std::vector<std::string>& in,
                       OnnxNetImpl::Step* step) {
    absl::StatusOr<torch::Tensor> w = Weight(n, in, 1, "weight");
    if (!w.ok()) return w.status();
    const int64_t rank = w->dim() - 2;
    if (rank != 1 && rank != 2) {
      return NodeError(n, absl::StrCat("weight '", in[1], "' has shape ", Shape(w->sizes()),
                                       "; 1-D and 2-D convolutions are supported"));
    }
    std::vector<int64_t> kernel(w->sizes().begin() + 2, w->sizes().end());
    const std::vector<int64_t> ks = Ints(n, "kernel_shape", kernel);
    if (ks != kernel) {
      return NodeError(n, absl::StrCat("weight '", in[1], "' has shape ", Shape(w->sizes()),
                                       " but kernel_shape is ", Shape(ks)));
    }
    const int64_t group = Int(n, "group", 1);
    const int64_t out = w->size(0);
    if (group < 1 || out % group != 0) {
      return NodeError(n, absl::StrCat("group ", group, " does not divide the ", out,
                                       " output channels of weight '", in[1], "'"));
    }
    torch::Tensor b;
    if (in.size() > 2) {
      absl::StatusOr<torch::Tensor> bias = Weight(n, in, 2, "bias");
      if (!bias.ok()) return bias.status();
      if (bias->dim() != 1 || bias->size(0) != out) {
        return NodeError(n, absl::StrCat("bias '", in[2], "' has shape ", Shape(bias->sizes()),
                                         " for ", out, " output channels"));
      }
      b = *bias;
    }
    if (absl::Status s = SetPadding(n, kernel, step); !s.ok()) return s;
    step->op = Op::kLayer;
    step->conv = true;
    auto options = torch::nn::Conv2dOptions(w->size(1) * group, out,
                                            torch::ExpandingArray<2>(step->kernel))
                       .stride(torch::ExpandingArray<2>(step->stride))
                       .dilation(torch::ExpandingArray<2>(step->dilation))
                       .padding(torch::ExpandingArray<2>(step->sym_pad))
                       .groups(group)
                       .bias(b.defined());
    ApproxLayer layer(options);
    torch::NoGradGuard no_grad;
    layer->weight.copy_(w->reshape(layer->weight.sizes()));
    if (b.defined()) layer->bias.copy_(b);
    return AddLayer(n, layer, step);
  }

  // A corrupt or hostile file must not make a forward pass allocate
  // gigabytes: no image network pads by more than this.
  absl::Status PadsInRange(const onnx::NodeProto& n, const std::vector<int64_t>& pads) {
    for (int64_t p : pads) {
      if (p > kMaxPad || p < -kMaxPad) {
        return NodeError(n, absl::StrCat("pad ", p, " is not supported (at most ", kMaxPad, ")"));
      }
    }
    return absl::OkStatus();
  }
  static constexpr int64_t kMaxPad = 256;

  // The node's strides, dilations and pads (checked against the kernel's
  // rank and kMaxPad), with the kernel, as 2-D (a 1-D op gets height 1);
  // symmetric pads go to the op, others to an explicit pad before it.
  absl::Status SetPadding(const onnx::NodeProto& n, const std::vector<int64_t>& kernel,
                          OnnxNetImpl::Step* step) {
    const size_t rank = kernel.size();
    const std::vector<int64_t> stride = Ints(n, "strides", std::vector<int64_t>(rank, 1));
    const std::vector<int64_t> dilation = Ints(n, "dilations", std::vector<int64_t>(rank, 1));
    const std::vector<int64_t> pads = Ints(n, "pads", std::vector<int64_t>(2 * rank, 0));
    if (stride.size() != rank || dilation.size() != rank || pads.size() != 2 * rank) {
      return NodeError(n, "strides, dilations or pads do not match the kernel's rank");
    }
    for (size_t d = 0; d < rank; ++d) {
      if (stride[d] < 1 || dilation[d] < 1 || pads[d] < 0 || pads[d + rank] < 0) {
        return NodeError(n, "strides and dilations must be positive, pads not negative");
      }
    }
    if (absl::Status s = PadsInRange(n, pads); !s.ok()) return s;
    step->one_d = rank == 1;
    auto two = [&](const std::vector<int64_t>& v, int64_t fill) {
      return rank == 1 ? std::vector<int64_t>{fill, v[0]} : v;
    };
    step->kernel = two(kernel, 1);
    step->stride = two(stride, 1);
    step->dilation = two(dilation, 1);
    const std::vector<int64_t> begin = two({pads.begin(), pads.begin() + rank}, 0);
    const std::vector<int64_t> end = two({pads.begin() + rank, pads.end()}, 0);
    const std::string auto_pad = String(n, "auto_pad", "NOTSET");
    step->sym_pad = {0, 0};
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      step->auto_pad = auto_pad;
    } else if (auto_pad == "VALID") {
      // No padding.
    } else if (auto_pad != "NOTSET") {
      return NodeError(n, "auto_pad " + auto_pad + " is not supported");
    } else if (begin == end) {
      step->sym_pad = begin;
    } else {
      step->pad = {begin[1], end[1], begin[0], end[0]};
    }
    return absl::OkStatus();
  }

  absl::Status AddLayer(const onnx::NodeProto& n, ApproxLayer layer, OnnxNetImpl::Step* step) {
    if (!layer->unsupported().empty()) return NodeError(n, layer->unsupported());
    step->layer = net_.register_module(ModuleName(n), layer);
    net_.layers_.push_back({NodeName(n), step->layer});
    return absl::OkStatus();
  }

  absl::Status AddLinear(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step) {
    const bool gemm = n.op_type() == "Gemm";
    absl::StatusOr<torch::Tensor> b = Weight(n, in, 1, gemm ? "B" : "second operand");
    if (!b.ok()) return b.status();
    if (b->dim() != 2) {
      return NodeError(n, absl::StrCat("weight '", in[1], "' has shape ", Shape(b->sizes()),
                                       " (want a matrix)"));
    }
    torch::Tensor w = b->t();  // [out, in]
    torch::Tensor bias;
    if (gemm) {
      if (Int(n, "transA", 0) != 0) return NodeError(n, "transA = 1 is not supported");
      if (Int(n, "transB", 0) != 0) w = *b;
      w = w * Float(n, "alpha", 1.0);
      const double beta = Float(n, "beta", 1.0);
      if (in.size() > 2 && beta != 0) {
        absl::StatusOr<torch::Tensor> c = Weight(n, in, 2, "C");
        if (!c.ok()) return c.status();
        if (c->numel() != 1 && c->numel() != w.size(0)) {
          return NodeError(n, absl::StrCat("C '", in[2], "' has shape ", Shape(c->sizes()),
                                           " for ", w.size(0), " outputs"));
        }
        bias = (c->reshape({-1}) * beta).expand({w.size(0)}).contiguous();
      }
    }
    step->op = Op::kLayer;
    ApproxLayer layer(torch::nn::LinearOptions(w.size(1), w.size(0)).bias(bias.defined()));
    torch::NoGradGuard no_grad;
    layer->weight.copy_(w);
    if (bias.defined()) layer->bias.copy_(bias);
    return AddLayer(n, layer, step);
  }

  absl::Status AddClip(const onnx::NodeProto& n, const std::vector<std::string>& in,
                       OnnxNetImpl::Step* step) {
    step->op = Op::kClip;
    step->lo = -std::numeric_limits<double>::infinity();
    step->hi = std::numeric_limits<double>::infinity();
    if (opset_ < 11) {
      step->lo = Float(n, "min", step->lo);
      step->hi = Float(n, "max", step->hi);
      return absl::OkStatus();
    }
    for (size_t i = 1; i < in.size() && i < 3; ++i) {
      if (in[i].empty()) continue;
      if (!IsConstant(in[i]) || constants_.at(in[i]).numel() != 1) {
        return NodeError(n, "min and max must be constant scalars");
      }
      (i == 1 ? step->lo : step->hi) = constants_.at(in[i]).item<double>();
    }
    return absl::OkStatus();
  }

  absl::Status AddPool(const onnx::NodeProto& n, OnnxNetImpl::Step* step) {
    const bool max = n.op_type() == "MaxPool";
    step->op = max ? Op::kMaxPool : Op::kAvgPool;
    if (max && n.output_size() > 1 && !n.output(1).empty()) {
      return NodeError(n, "the Indices output is not supported");
    }
    const std::vector<int64_t> kernel = Ints(n, "kernel_shape", {});
    const int64_t rank = static_cast<int64_t>(kernel.size());
    if (rank != 1 && rank != 2) {
      return NodeError(n, "kernel_shape " + Shape(kernel) + ": 1-D and 2-D pools are supported");
    }
    if (Int(n, "storage_order", 0) != 0) return NodeError(n, "storage_order 1 is not supported");
    step->ceil_mode = Int(n, "ceil_mode", 0) != 0;
    step->count_include_pad = Int(n, "count_include_pad", 0) != 0;
    if (absl::Status s = SetPadding(n, kernel, step); !s.ok()) return s;
    if (!max && std::any_of(step->dilation.begin(), step->dilation.end(),
                            [](int64_t d) { return d != 1; })) {
      return NodeError(n, "dilated average pooling is not supported");
    }
    if (!max && !step->count_include_pad && (!step->pad.empty() || !step->auto_pad.empty())) {
      return NodeError(n, "asymmetric or automatic padding without count_include_pad");
    }
    for (int d = 0; d < 2; ++d) {
      if (step->sym_pad[d] * 2 > step->kernel[d]) {
        // LibTorch's pools take at most half the kernel: pad explicitly.
        if (!max && !step->count_include_pad) {
          return NodeError(n, "pads larger than half the kernel without count_include_pad");
        }
        step->pad = {step->sym_pad[1], step->sym_pad[1], step->sym_pad[0], step->sym_pad[0]};
        step->sym_pad = {0, 0};
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status AddBatchNorm(const onnx::NodeProto& n, const std::vector<std::string>& in,
                            OnnxNetImpl::Step* step) {
    if (Int(n, "spatial", 1) != 1) return NodeError(n, "spatial = 0 is not supported");
    if (Int(n, "training_mode", 0) != 0) return NodeError(n, "training_mode = 1 is not supported");
    if (n.output_size() > 1) {
      for (int i = 1; i < n.output_size(); ++i) {
        if (!n.output(i).empty()) return NodeError(n, "training outputs are not supported");
      }
    }
    std::vector<torch::Tensor> p;
    const char* roles[] = {"scale", "B", "mean", "var"};
    for (size_t i = 1; i <= 4; ++i) {
      absl::StatusOr<torch::Tensor> t = Weight(n, in, i, roles[i - 1]);
      if (!t.ok()) return t.status();
      if (t->dim() != 1 || (!p.empty() && t->size(0) != p[0].size(0))) {
        return NodeError(n, absl::StrCat(roles[i - 1], " '", in[i], "' has shape ",
                                         Shape(t->sizes()), " (want one value per channel)"));
      }
      p.push_back(t->clone());
    }
    step->op = Op::kBatchNorm;
    step->eps = Float(n, "epsilon", 1e-5);
    // ONNX: running = momentum * running + (1 - momentum) * batch;
    // LibTorch's momentum is the other weight.
    step->momentum = 1.0 - Float(n, "momentum", 0.9);
    const std::string base = ModuleName(n);
    step->bn_weight = net_.register_parameter(base + "_weight", p[0]);
    step->bn_bias = net_.register_parameter(base + "_bias", p[1]);
    step->bn_mean = net_.register_buffer(base + "_running_mean", p[2]);
    step->bn_var = net_.register_buffer(base + "_running_var", p[3]);
    return absl::OkStatus();
  }

  absl::Status AddBinary(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step) {
    const bool add = n.op_type() == "Add";
    step->op = add ? Op::kAdd : Op::kMul;
    if (in.size() != 2) return NodeError(n, "needs two inputs");
    if (opset_ < 7 && Int(n, "broadcast", 0) != 0 && Attr(n, "axis", onnx::AttributeProto::INT)) {
      return NodeError(n, "broadcast with an axis (opset < 7) is not supported");
    }
    if (IsConstant(in[1])) {
      torch::Tensor c = constants_.at(in[1]);
      if (c.scalar_type() != torch::kFloat) return NodeError(n, "its constant is not float");
      step->constant = net_.register_buffer(ModuleName(n) + "_constant", c.clone());
      return absl::OkStatus();
    }
    if (!add) return NodeError(n, "Mul of two computed tensors is not supported (only by a constant)");
    step->in.push_back(values_.at(in[1]));
    return absl::OkStatus();
  }

  absl::Status AddReshape(const onnx::NodeProto& n, const std::vector<std::string>& in,
                          OnnxNetImpl::Step* step) {
    step->op = Op::kReshape;
    if (in.size() < 2 || !IsConstant(in[1])) {
      return NodeError(n, "the shape must be a constant (computed shapes are not supported)");
    }
    const torch::Tensor& shape = constants_.at(in[1]);
    if (shape.scalar_type() != torch::kLong || shape.numel() != 2) {
      return NodeError(n, "only a reshape to [N, -1] is supported");
    }
    const int64_t rows = shape[0].item<int64_t>(), cols = shape[1].item<int64_t>();
    // [0, -1], [-1, K], [N, -1] (N as exported), [0, K]: the batch stays.
    if (cols == -1 || cols > 0) {
      step->reshape_cols = cols;
    } else {
      return NodeError(n, absl::StrCat("reshape to [", rows, ", ", cols,
                                       "] is not supported (only [N, -1])"));
    }
    if (rows < -1) return NodeError(n, "bad shape");
    return absl::OkStatus();
  }

  // Constant-mode Pad: pads [x1_begin, x2_begin, ..., x1_end, x2_end] as an
  // attribute (opset < 11) or a constant input, the value likewise.
  absl::Status AddPad(const onnx::NodeProto& n, const std::vector<std::string>& in,
                      OnnxNetImpl::Step* step) {
    step->op = Op::kPad;
    const std::string mode = String(n, "mode", "constant");
    if (mode != "constant") return NodeError(n, "mode " + mode + " is not supported");
    std::vector<int64_t> pads;
    if (opset_ < 11) {
      pads = Ints(n, "pads", {});
      step->lo = Float(n, "value", 0.0);
    } else {
      if (in.size() < 2 || !IsConstant(in[1]) || constants_.at(in[1]).scalar_type() != torch::kLong) {
        return NodeError(n, "pads must be a constant int64 tensor");
      }
      pads = Int64s(constants_.at(in[1]));
      if (in.size() > 2 && !in[2].empty()) {
        if (!IsConstant(in[2]) || constants_.at(in[2]).numel() != 1) {
          return NodeError(n, "constant_value must be a constant scalar");
        }
        step->lo = constants_.at(in[2]).item<double>();
      }
      if (in.size() > 3) return NodeError(n, "the axes input is not supported");
    }
    if (pads.empty() || pads.size() % 2 != 0) return NodeError(n, "pads must have 2 x rank values");
    if (absl::Status s = PadsInRange(n, pads); !s.ok()) return s;
    const size_t rank = pads.size() / 2;
    for (size_t d = rank; d-- > 0;) {
      step->pad.push_back(pads[d]);
      step->pad.push_back(pads[d + rank]);
    }
    return absl::OkStatus();
  }

  absl::Status AddConcat(const onnx::NodeProto& n, const std::vector<std::string>& in,
                         OnnxNetImpl::Step* step) {
    step->op = Op::kConcat;
    step->axis = Int(n, "axis", 1);
    for (size_t i = 1; i < in.size(); ++i) {
      if (IsConstant(in[i])) return NodeError(n, "concatenating a constant is not supported");
      step->in.push_back(values_.at(in[i]));
    }
    return absl::OkStatus();
  }

  absl::Status AddSoftmax(const onnx::GraphProto& g, const onnx::NodeProto& n,
                          const std::vector<std::string>& in) {
    if (n.output(0) != g.output(0).name()) {
      return NodeError(n, "Softmax is supported only as the graph's last node");
    }
    if (ConsumedByNode(g, n.output(0))) {
      return NodeError(n, "Softmax is supported only as the last node");
    }
    net_.final_softmax_ = true;
    net_.softmax_coerce_2d_ = opset_ < 13;
    net_.softmax_axis_ = Int(n, "axis", opset_ < 13 ? 1 : -1);
    if (!attr_error_.empty()) return NodeError(n, attr_error_);
    softmax_output_ = n.output(0);
    softmax_input_ = in[0];
    return absl::OkStatus();
  }

  std::string label_;
  OnnxNetImpl& net_;
  int64_t opset_ = 0;
  std::map<std::string, torch::Tensor> constants_;
  std::map<std::string, int> values_;
  std::string attr_error_;
  // A final Softmax's output and input: the run's output is its input.
  std::string softmax_output_, softmax_input_;
  int module_count_ = 0;
};

absl::StatusOr<std::shared_ptr<OnnxNetImpl>> ImportOnnxBytes(std::string_view bytes,
                                                             const std::string& label) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(label + ": not an ONNX model (the protobuf does not parse)");
  }
  if (!model.has_graph()) return absl::InvalidArgumentError(label + ": the model has no graph");
  auto net = std::make_shared<OnnxNetImpl>();
  OnnxImporter importer(label, net.get());
  try {
    torch::NoGradGuard no_grad;
    if (absl::Status s = importer.Import(model); !s.ok()) return s;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(label + ": " + FirstLine(e));
  }
  return net;
}

absl::StatusOr<std::shared_ptr<OnnxNetImpl>> ImportOnnx(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return ImportOnnxBytes(*bytes, path);
}

absl::StatusOr<torch::Tensor> ReadOnnxTensor(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  onnx::TensorProto t;
  if (!t.ParseFromString(*bytes)) {
    return absl::InvalidArgumentError(path + ": not an ONNX TensorProto");
  }
  absl::StatusOr<torch::Tensor> v = TensorFromProto(t, path);
  if (!v.ok()) return v.status();
  return v->to(torch::kFloat);
}

}  // namespace agnapprox

// OnnxImporter, the graph: opset and input, initializers, Kahn's order,
// attributes, constant folding, and the dispatch of each node to its step
// (onnx_nodes.cc).
#include <algorithm>
#include <cctype>
#include <deque>
#include <map>

#include "absl/strings/str_cat.h"
#include "nets/onnx/onnx_importer.h"
#include "nets/onnx/onnx_tensor.h"

namespace agnapprox {

absl::Status OnnxImporter::Import(const onnx::ModelProto& model) {
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
  if (g.output_size() < 1) return Fail("the graph has no output");
  absl::StatusOr<std::vector<int>> order = TopologicalOrder(g);
  if (!order.ok()) return order.status();
  for (int i : *order) {
    if (absl::Status s = AddNode(g, g.node(i)); !s.ok()) return s;
  }
  for (const onnx::ValueInfoProto& o : g.output()) {
    const std::string& out = o.name();
    if (auto it = values_.find(out); it != values_.end()) {
      net_.outputs_.push_back(it->second);
    } else if (IsConstant(out)) {
      net_.outputs_.push_back(ConstantSlot(out));
    } else if (out == softmax_output_) {
      net_.outputs_.push_back(values_.at(softmax_input_));
    } else {
      return Fail("the graph's output '" + out + "' is not computed by any node");
    }
  }
  const std::string& out = g.output(0).name();
  auto it = values_.find(softmax_output_ == out ? softmax_input_ : out);
  if (it == values_.end()) {
    return Fail("the graph's output '" + out + "' does not depend on its input");
  }
  net_.output_ = it->second;
  return absl::OkStatus();
}

absl::Status OnnxImporter::Fail(const std::string& what) const {
  return absl::InvalidArgumentError(absl::StrCat(label_, ": ", what));
}

std::string OnnxImporter::NodeName(const onnx::NodeProto& n) {
  return !n.name().empty() ? n.name() : n.output_size() > 0 ? n.output(0) : std::string("?");
}

absl::Status OnnxImporter::NodeError(const onnx::NodeProto& n, const std::string& what) const {
  return Fail(absl::StrCat("node '", NodeName(n), "' (", n.op_type(), "): ", what));
}

absl::Status OnnxImporter::ReadOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  }
  if (opset_ < 6 || opset_ > 18) {
    return Fail(opset_ == 0 ? std::string("no ai.onnx opset_import: only ONNX's default domain "
                                          "is supported (is this an ONNX model?)")
                            : absl::StrCat("opset ", opset_, " is not supported (6 to 18 are)"));
  }
  return absl::OkStatus();
}

absl::Status OnnxImporter::ReadInput(const onnx::GraphProto& g) {
  for (const onnx::ValueInfoProto& v : g.input()) {
    if (constants_.count(v.name())) continue;  // IR < 4 lists initializers as inputs
    const int slot = net_.num_values_++;
    values_[v.name()] = slot;
    net_.inputs_.push_back(slot);
    // The network's images: the first input's shape, without the batch.
    if (net_.inputs_.size() > 1) continue;
    const onnx::TypeProto& type = v.type();
    if (type.has_tensor_type()) {
      const auto& dims = type.tensor_type().shape().dim();
      for (int i = 1; i < dims.size(); ++i) {
        net_.input_shape_.push_back(dims[i].has_dim_value() && dims[i].dim_value() > 0
                                        ? dims[i].dim_value()
                                        : -1);
      }
    }
  }
  if (net_.inputs_.empty()) return Fail("a graph without an input is not supported");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> OnnxImporter::TopologicalOrder(const onnx::GraphProto& g) {
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

const onnx::AttributeProto* OnnxImporter::Attr(const onnx::NodeProto& n, const std::string& name,
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

int64_t OnnxImporter::Int(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::INT);
  return a ? a->i() : def;
}

double OnnxImporter::Float(const onnx::NodeProto& n, const std::string& name, double def) {
  const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : def;
}

std::string OnnxImporter::String(const onnx::NodeProto& n, const std::string& name,
                                 const std::string& def) {
  const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::STRING);
  return a ? a->s() : def;
}

std::vector<int64_t> OnnxImporter::Ints(const onnx::NodeProto& n, const std::string& name,
                                        std::vector<int64_t> def) {
  const onnx::AttributeProto* a = Attr(n, name, onnx::AttributeProto::INTS);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
}

std::vector<std::string> OnnxImporter::Inputs(const onnx::NodeProto& n) {
  std::vector<std::string> in;
  for (const std::string& s : n.input()) in.push_back(s);
  while (!in.empty() && in.back().empty()) in.pop_back();
  return in;
}

absl::Status OnnxImporter::AddNode(const onnx::GraphProto& g, const onnx::NodeProto& n) {
  attr_error_.clear();
  const std::string& op = n.op_type();
  if (!n.domain().empty() && n.domain() != "ai.onnx") {
    return NodeError(n, "domain '" + n.domain() + "' is not supported");
  }
  if (n.output_size() < 1 || n.output(0).empty()) {
    return NodeError(n, "a node without its first output is not supported");
  }
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
  const bool all_constant = std::all_of(in.begin(), in.end(), [&](const std::string& s) {
    return s.empty() || IsConstant(s);
  });
  if (all_constant) return AddTensorOp(n);  // folded now
  // The ops with a step of their own (approximable layers, trainable batch
  // norms, pools, ...) where their inputs fit it; any other node is one
  // tensor function (onnx_ops.cc).
  auto constant = [&](size_t i) { return i < in.size() && !in[i].empty() && IsConstant(in[i]); };
  auto value = [&](size_t i) { return i < in.size() && !in[i].empty() && !IsConstant(in[i]); };
  bool own = value(0);
  if (op == "Gemm") {
    own = own && constant(1) && constants_.at(in[1]).dim() == 2 && Int(n, "transA", 0) == 0 &&
          (in.size() < 3 || constant(2));
  } else if (op == "MatMul") {
    own = own && constant(1) && constants_.at(in[1]).dim() == 2;
  } else if (op == "Add" || op == "Mul") {
    own = own && in.size() == 2 &&
          (value(1) ? op == "Add" : constants_.at(in[1]).scalar_type() == torch::kFloat);
  } else if (op == "Reshape") {
    own = own && constant(1) && constants_.at(in[1]).scalar_type() == torch::kLong &&
          constants_.at(in[1]).numel() == 2 && (constants_.at(in[1])[1].item<int64_t>() == -1 ||
                                                constants_.at(in[1])[0].item<int64_t>() <= 1);
  } else if (op == "Concat") {
    own = std::all_of(in.begin(), in.end(), [&](const std::string& s) { return !IsConstant(s); });
  } else if (op == "Softmax") {
    own = own && n.output(0) == g.output(0).name() && !ConsumedByNode(g, n.output(0));
  } else if (op == "Conv") {
    // A computed weight, or a 3-D one: an exact convolution (onnx_ops.cc).
    own = own && constant(1) && (in.size() < 3 || constant(2)) &&
          constants_.at(in[1]).dim() <= 4;
  } else if (op == "BatchNormalization") {
    own = own && in.size() == 5 && constant(1) && constant(2) && constant(3) && constant(4);
  } else if (op == "Clip") {
    own = own && (opset_ < 11 || ((!value(1)) && (!value(2)) &&
                                  (!constant(1) || constants_.at(in[1]).numel() == 1) &&
                                  (!constant(2) || constants_.at(in[2]).numel() == 1)));
  } else if (op == "Pad") {
    own = own && String(n, "mode", "constant") == "constant" &&
          (opset_ < 11 || (constant(1) && constants_.at(in[1]).scalar_type() == torch::kLong &&
                           in.size() <= 3 && (in.size() < 3 || !value(2))));
  } else if (op == "Dropout") {
    own = own && in.size() == 1 &&
          !(n.output_size() > 1 && !n.output(1).empty() &&
            (ConsumedByNode(g, n.output(1)) || IsGraphOutput(g, n.output(1))));
  } else if (op == "Relu" || op == "Flatten" || op == "Identity") {
    // As tensor functions too; their own steps are slightly cheaper.
  } else if (op != "Conv" && op != "Clip" && op != "MaxPool" && op != "AveragePool" &&
             op != "GlobalAveragePool" && op != "BatchNormalization" && op != "Pad" &&
             op != "Dropout") {
    own = false;
  }
  if (!own) return AddTensorOp(n);
  auto step = std::make_shared<OnnxNetImpl::Step>();
  step->label = absl::StrCat("node '", NodeName(n), "' (", op, ")");
  step->in.push_back(values_.at(in[0]));
  absl::Status s;
  if (op == "Conv") s = AddConv(n, in, step.get());
  else if (op == "Gemm" || op == "MatMul") s = AddLinear(n, in, step.get());
  else if (op == "Relu") step->op = Op::kRelu;
  else if (op == "Clip") s = AddClip(n, in, step.get());
  else if (op == "MaxPool" || op == "AveragePool") {
    // What the pool step does not take (3-D, SAME padding without
    // count_include_pad, ...) runs as an exact function.
    if (!AddPool(n, step.get()).ok() || !attr_error_.empty()) {
      attr_error_.clear();
      return AddTensorOp(n);
    }
  }
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
  }
  if (!s.ok()) return s;
  if (!attr_error_.empty()) return NodeError(n, attr_error_);
  step->out = net_.num_values_++;
  values_[n.output(0)] = step->out;
  net_.steps_.push_back(step);
  return absl::OkStatus();
}

bool OnnxImporter::ConsumedByNode(const onnx::GraphProto& g, const std::string& value) {
  for (const onnx::NodeProto& m : g.node()) {
    for (const std::string& i : m.input()) {
      if (i == value) return true;
    }
  }
  return false;
}

bool OnnxImporter::IsGraphOutput(const onnx::GraphProto& g, const std::string& value) {
  for (const onnx::ValueInfoProto& o : g.output()) {
    if (o.name() == value) return true;
  }
  return false;
}

std::string OnnxImporter::ModuleName(const onnx::NodeProto& n) {
  std::string s;
  for (char c : NodeName(n)) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return absl::StrCat("n", module_count_++, "_", s);
}

absl::StatusOr<torch::Tensor> OnnxImporter::Weight(const onnx::NodeProto& n,
                                                   const std::vector<std::string>& in, size_t i,
                                                   const char* role) {
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
}  // namespace agnapprox

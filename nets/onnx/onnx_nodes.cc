// OnnxImporter, the nodes: each supported op type as a step of the network,
// its attributes checked (Conv, Gemm/MatMul as approximable layers; pools,
// batch norm, element-wise ops, reshapes, pads, concatenation, Softmax).
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "nets/onnx/onnx_importer.h"

namespace agnapprox {

absl::Status OnnxImporter::AddConv(const onnx::NodeProto& n, const std::vector<std::string>& in,
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

absl::Status OnnxImporter::PadsInRange(const onnx::NodeProto& n, const std::vector<int64_t>& pads) {
  for (int64_t p : pads) {
    if (p > kMaxPad || p < -kMaxPad) {
      return NodeError(n, absl::StrCat("pad ", p, " is not supported (at most ", kMaxPad, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status OnnxImporter::SetPadding(const onnx::NodeProto& n, const std::vector<int64_t>& kernel,
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

absl::Status OnnxImporter::AddLayer(const onnx::NodeProto& n, ApproxLayer layer,
                                    OnnxNetImpl::Step* step) {
  if (!layer->unsupported().empty()) return NodeError(n, layer->unsupported());
  step->layer = net_.register_module(ModuleName(n), layer);
  net_.layers_.push_back({NodeName(n), step->layer});
  return absl::OkStatus();
}

absl::Status OnnxImporter::AddLinear(const onnx::NodeProto& n, const std::vector<std::string>& in,
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

absl::Status OnnxImporter::AddClip(const onnx::NodeProto& n, const std::vector<std::string>& in,
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

absl::Status OnnxImporter::AddPool(const onnx::NodeProto& n, OnnxNetImpl::Step* step) {
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

absl::Status OnnxImporter::AddBatchNorm(const onnx::NodeProto& n,
                                        const std::vector<std::string>& in,
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

absl::Status OnnxImporter::AddBinary(const onnx::NodeProto& n, const std::vector<std::string>& in,
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
  if (!add) {
    return NodeError(n, "Mul of two computed tensors is not supported (only by a constant)");
  }
  step->in.push_back(values_.at(in[1]));
  return absl::OkStatus();
}

absl::Status OnnxImporter::AddReshape(const onnx::NodeProto& n, const std::vector<std::string>& in,
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

absl::Status OnnxImporter::AddPad(const onnx::NodeProto& n, const std::vector<std::string>& in,
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

absl::Status OnnxImporter::AddConcat(const onnx::NodeProto& n, const std::vector<std::string>& in,
                                     OnnxNetImpl::Step* step) {
  step->op = Op::kConcat;
  step->axis = Int(n, "axis", 1);
  for (size_t i = 1; i < in.size(); ++i) {
    if (IsConstant(in[i])) return NodeError(n, "concatenating a constant is not supported");
    step->in.push_back(values_.at(in[i]));
  }
  return absl::OkStatus();
}

absl::Status OnnxImporter::AddSoftmax(const onnx::GraphProto& g, const onnx::NodeProto& n,
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
}  // namespace agnapprox

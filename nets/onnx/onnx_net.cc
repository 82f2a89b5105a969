// OnnxNetImpl at run time (its steps in graph order, the check against a
// data set) and the entry points ImportOnnx, ImportOnnxBytes, ReadOnnxTensor.
#include "nets/onnx/onnx_net.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "io/exception_text.h"
#include "io/file_io.h"
#include "nets/onnx/onnx.pb.h"
#include "nets/onnx/onnx_importer.h"
#include "nets/onnx/onnx_step.h"
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

std::string Shape(c10::IntArrayRef s) { return "[" + absl::StrJoin(s, ", ") + "]"; }

torch::Tensor FlattenAt(const torch::Tensor& x, int64_t axis, const std::string& label) {
  const int64_t a = axis < 0 ? axis + x.dim() : axis;
  TORCH_CHECK(a >= 0 && a <= x.dim(), label, ": axis ", axis, " for a tensor of ",
              Shape(x.sizes()));
  int64_t rows = 1;
  for (int64_t d = 0; d < a; ++d) rows *= x.size(d);
  return x.reshape({rows, -1});
}

std::vector<int64_t> Int64s(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

namespace {

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
      // MatMul over the last dimension of a higher-rank input ([N, T, D]
      // tokens, channels-last [N, H, W, C]): one layer over N*T rows, T
      // rows per sample in its multiplication count.
      std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
      if (x.size(0) > 0) s.layer->set_rows_per_sample(x.numel() / (x.size(0) * shape.back()));
      torch::Tensor y = s.layer->forward(x.reshape({-1, shape.back()}));
      shape.back() = y.size(1);
      return y.reshape(shape);
    }
    case Op::kRelu: return torch::relu(x);
    case Op::kClip: return torch::clamp(x, s.lo, s.hi);
    case Op::kMaxPool:
    case Op::kAvgPool: {
      if (!x.is_floating_point()) {  // integers pooled as doubles, and back
        std::vector<torch::Tensor> w = v;
        w[s.in[0]] = x.to(torch::kDouble);
        return Eval(s, w, training).to(x.scalar_type());
      }
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
    case Op::kTensorFn: break;  // Run calls it
    case Op::kPad: {
      TORCH_CHECK(static_cast<int64_t>(s.pad.size()) == 2 * x.dim(), s.label, ": pads for rank ",
                  s.pad.size() / 2, " but the input is ", Shape(x.sizes()));
      return F::pad(x, F::PadFuncOptions(s.pad).mode(torch::kConstant).value(s.lo));
    }
  }
  return x;
}

}  // namespace

// A tensor-function step: its inputs, its outputs, and the multiplications
// of an exact MatMul.
// `batch`: the network input's first dimension (an exact MatMul's
// multiplications are counted per sample of it, whatever its own layout).
static void RunTensorFn(OnnxNetImpl::Step& s, std::vector<torch::Tensor>& v, int64_t batch) {
  std::vector<torch::Tensor> in;
  for (int i : s.in) in.push_back(i < 0 ? torch::Tensor() : v[i]);
  std::vector<torch::Tensor> out;
  try {
    out = s.fn(in);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, s.label, ": ", e.what_without_backtrace());
  }
  TORCH_CHECK(out.size() >= 1 + s.more_out.size(), s.label, ": ", out.size(), " outputs");
  v[s.out] = out[0];
  for (size_t i = 0; i < s.more_out.size(); ++i) {
    if (s.more_out[i] >= 0) v[s.more_out[i]] = out[i + 1];
  }
  if (!s.exact_name.empty() && in[0].dim() >= 1 && batch > 0) {
    s.exact_opcount = out[0].numel() / batch * in[0].size(-1);
  }
}

std::vector<torch::Tensor> OnnxNetImpl::Values(const std::vector<torch::Tensor>& inputs) {
  TORCH_CHECK(inputs.size() == inputs_.size(), name_, " takes ", inputs_.size(), " inputs, not ",
              inputs.size());
  std::vector<torch::Tensor> values(num_values_);
  for (size_t i = 0; i < inputs.size(); ++i) values[inputs_[i]] = inputs[i];
  for (const auto& [slot, t] : constant_values_) values[slot] = t;
  for (const std::shared_ptr<Step>& s : steps_) {
    if (s->op == Op::kTensorFn) {
      RunTensorFn(*s, values, inputs.empty() || inputs[0].dim() == 0 ? 0 : inputs[0].size(0));
    } else {
      values[s->out] = Eval(*s, values, is_training());
    }
  }
  return values;
}

std::vector<torch::Tensor> OnnxNetImpl::RunAll(const std::vector<torch::Tensor>& inputs) {
  std::vector<torch::Tensor> values = Values(inputs);
  std::vector<torch::Tensor> out;
  for (int o : outputs_) out.push_back(values[o]);
  if (final_softmax_ && !out.empty()) {
    out[0] = softmax_coerce_2d_
                 ? torch::softmax(FlattenAt(out[0], softmax_axis_, "Softmax"), 1).reshape(out[0].sizes())
                 : torch::softmax(out[0], softmax_axis_);
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> OnnxNetImpl::exact_layers() const {
  std::vector<std::pair<std::string, int64_t>> layers;
  for (const std::shared_ptr<Step>& s : exact_steps_) layers.push_back({s->exact_name, s->exact_opcount});
  return layers;
}

torch::Tensor OnnxNetImpl::Run(const torch::Tensor& x, bool final_softmax) {
  std::vector<torch::Tensor> values = Values({x});
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
  if (inputs_.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(name_, " has ", inputs_.size(),
                                                   " graph inputs (a network takes one)"));
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
  // Labels index the outputs: a network with more outputs than the data
  // has classes (1,000 for a torchvision model) can be studied on it.
  if (y.dim() != 2 || y.size(1) < classes) {
    return absl::InvalidArgumentError(absl::StrCat(name_, " outputs ", Shape(y.sizes()),
                                                   " for 2 images but ", data_label, " has ",
                                                   classes, " classes (want [2, >= ", classes,
                                                   "])"));
  }
  return absl::OkStatus();
}

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
  return v;
}

}  // namespace agnapprox

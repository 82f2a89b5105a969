// OnnxImporter, the tensor ops: every op that is one function of its input
// tensors (element-wise maths, shape arithmetic, reductions, Softmax,
// LayerNormalization, MatMul of two activations, ...). The same function
// folds a node whose inputs are all constants at import and runs the node
// at run time, so a value computes the same either way. Shape arithmetic on
// the batch (Shape, Gather, Concat, ... feeding a Reshape or an Expand) runs
// at run time on small int64 tensors: the batch stays symbolic.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "io/exception_text.h"
#include "nets/onnx/onnx_importer.h"
#include "nets/onnx/onnx_tensor.h"

namespace agnapprox {
namespace {

using Tensors = std::vector<torch::Tensor>;

int64_t Axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// ONNX's element types as this importer holds them: floats as kFloat,
// integers as kLong, booleans as kBool.
std::optional<torch::ScalarType> HeldType(int64_t onnx_type) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      return torch::kFloat;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      return torch::kLong;
    case onnx::TensorProto::BOOL:
      return torch::kBool;
    default:
      return std::nullopt;
  }
}

bool Integral(const torch::Tensor& t) {
  return !t.is_floating_point() && t.scalar_type() != torch::kBool;
}

// The reduction over `axes` (all when empty) with keepdims.
torch::Tensor Reduce(const std::string& op, torch::Tensor x, std::vector<int64_t> axes,
                     bool keep) {
  if (axes.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  }
  for (int64_t& a : axes) a = Axis(a, x.dim());
  if (op == "ReduceMean") return x.mean(axes, keep);
  if (op == "ReduceSum") return x.sum(axes, keep);
  if (op == "ReduceSumSquare") return (x * x).sum(axes, keep);
  if (op == "ReduceL2") return (x * x).sum(axes, keep).sqrt();
  if (op == "ReduceL1") return x.abs().sum(axes, keep);
  if (op == "ReduceLogSumExp") return x.logsumexp(axes, keep);
  if (op == "ReduceLogSum") return x.sum(axes, keep).log();
  // Max, Min, Prod: one axis at a time, from the last.
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t a : axes) {
    if (op == "ReduceMax") x = std::get<0>(x.max(a, keep));
    else if (op == "ReduceMin") x = std::get<0>(x.min(a, keep));
    else x = x.prod(a, keep);
  }
  return x;
}

// x sliced on one axis from `start` to `end` by `step` with ONNX's clamping.
torch::Tensor SliceAxis(const torch::Tensor& x, int64_t axis, int64_t start, int64_t end,
                        int64_t step) {
  TORCH_CHECK(step != 0, "Slice: step 0");
  const int64_t d = x.size(axis);
  if (start < 0) start += d;
  if (end < 0) end += d;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, d);
    end = std::clamp<int64_t>(end, 0, d);
    return x.slice(axis, start, std::max(start, end), step);
  }
  start = std::clamp<int64_t>(start, 0, d - 1);
  end = std::clamp<int64_t>(end, -1, d - 1);
  if (start <= end) return x.slice(axis, 0, 0);
  return x.index_select(axis, torch::arange(start, end, step, torch::kLong));
}

// The shape x and `shape` broadcast to (ONNX Expand is bidirectional).
std::vector<int64_t> BroadcastShape(c10::IntArrayRef a, const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    TORCH_CHECK(da == db || da == 1 || db == 1, "Expand: shapes ", Shape(a), " and ", Shape(b),
                " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

torch::Tensor Softmax(const torch::Tensor& x, int64_t axis, bool coerce_2d, bool log) {
  if (coerce_2d) {
    torch::Tensor flat = FlattenAt(x, axis, "Softmax");
    return (log ? torch::log_softmax(flat, 1) : torch::softmax(flat, 1)).reshape(x.sizes());
  }
  return log ? torch::log_softmax(x, Axis(axis, x.dim())) : torch::softmax(x, Axis(axis, x.dim()));
}

}  // namespace

absl::StatusOr<TensorFn> OnnxImporter::TensorOp(const onnx::NodeProto& n,
                                                const std::vector<std::string>& in) {
  const std::string& op = n.op_type();
  const int64_t opset = opset_;
  const size_t outputs = static_cast<size_t>(n.output_size());
  auto one = [](auto f) -> TensorFn {
    return [f](const Tensors& x) { return Tensors{f(x)}; };
  };
  auto unary = [&](auto f) -> TensorFn {
    return [f](const Tensors& x) { return Tensors{f(x.at(0))}; };
  };
  // Element-wise, one input.
  if (op == "Sigmoid") return unary([](const torch::Tensor& x) { return torch::sigmoid(x); });
  if (op == "Tanh") return unary([](const torch::Tensor& x) { return torch::tanh(x); });
  if (op == "Erf") return unary([](const torch::Tensor& x) { return torch::erf(x); });
  if (op == "Sqrt") return unary([](const torch::Tensor& x) { return torch::sqrt(x); });
  if (op == "Exp") return unary([](const torch::Tensor& x) { return torch::exp(x); });
  if (op == "Log") return unary([](const torch::Tensor& x) { return torch::log(x); });
  if (op == "Neg") return unary([](const torch::Tensor& x) { return -x; });
  if (op == "Abs") return unary([](const torch::Tensor& x) { return x.abs(); });
  if (op == "Reciprocal") return unary([](const torch::Tensor& x) { return x.reciprocal(); });
  if (op == "Floor") return unary([](const torch::Tensor& x) { return x.floor(); });
  if (op == "Ceil") return unary([](const torch::Tensor& x) { return x.ceil(); });
  if (op == "Sign") return unary([](const torch::Tensor& x) { return x.sign(); });
  if (op == "Not") return unary([](const torch::Tensor& x) { return x.logical_not(); });
  if (op == "Softsign") return unary([](const torch::Tensor& x) { return x / (1 + x.abs()); });
  if (op == "Softplus") return unary([](const torch::Tensor& x) { return torch::softplus(x); });
  if (op == "Relu") return unary([](const torch::Tensor& x) { return torch::relu(x); });
  if (op == "Identity") return unary([](const torch::Tensor& x) { return x; });
  if (op == "HardSigmoid" || op == "HardSwish") {
    const double alpha = op == "HardSwish" ? 1.0 / 6 : Float(n, "alpha", 0.2);
    const double beta = op == "HardSwish" ? 0.5 : Float(n, "beta", 0.5);
    const bool swish = op == "HardSwish";
    return unary([=](const torch::Tensor& x) {
      torch::Tensor g = torch::clamp(x * alpha + beta, 0, 1);
      return swish ? x * g : g;
    });
  }
  if (op == "LeakyRelu") {
    const double alpha = Float(n, "alpha", 0.01);
    return unary([=](const torch::Tensor& x) { return torch::where(x >= 0, x, x * alpha); });
  }
  if (op == "Elu") {
    const double alpha = Float(n, "alpha", 1.0);
    return unary([=](const torch::Tensor& x) {
      return torch::where(x >= 0, x, (torch::exp(x) - 1) * alpha);
    });
  }
  if (op == "Selu") {
    const double alpha = Float(n, "alpha", 1.67326319217681884765625);
    const double gamma = Float(n, "gamma", 1.05070102214813232421875);
    return unary([=](const torch::Tensor& x) {
      return torch::where(x > 0, x * gamma, (torch::exp(x) * alpha - alpha) * gamma);
    });
  }
  if (op == "ThresholdedRelu") {
    const double alpha = Float(n, "alpha", 1.0);
    return unary([=](const torch::Tensor& x) { return torch::where(x > alpha, x, x * 0); });
  }
  if (op == "Celu") {
    const double alpha = Float(n, "alpha", 1.0);
    return unary([=](const torch::Tensor& x) {
      return torch::clamp_min(x, 0) + torch::clamp_max((torch::exp(x / alpha) - 1) * alpha, 0);
    });
  }
  // Element-wise, two inputs, numpy broadcasting.
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Equal" ||
      op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual" ||
      op == "And" || op == "Or" || op == "Xor" || op == "PRelu" || op == "Mod") {
    if (in.size() != 2) return NodeError(n, "needs two inputs");
    if (opset < 7 && Int(n, "broadcast", 0) != 0 && Attr(n, "axis", onnx::AttributeProto::INT)) {
      return NodeError(n, "broadcast with an axis (opset < 7) is not supported");
    }
    const bool fmod = Int(n, "fmod", 0) != 0;
    return one([op, fmod](const Tensors& x) -> torch::Tensor {
      const torch::Tensor &a = x.at(0), &b = x.at(1);
      if (op == "Add") return a + b;
      if (op == "Sub") return a - b;
      if (op == "Mul") return a * b;
      if (op == "Div") return Integral(a) && Integral(b) ? torch::div(a, b, "trunc") : a / b;
      if (op == "Pow") return torch::pow(a, b).to(a.scalar_type());
      if (op == "Equal") return a == b;
      if (op == "Less") return a < b;
      if (op == "Greater") return a > b;
      if (op == "LessOrEqual") return a <= b;
      if (op == "GreaterOrEqual") return a >= b;
      if (op == "And") return a.logical_and(b);
      if (op == "Or") return a.logical_or(b);
      if (op == "Xor") return a.logical_xor(b);
      if (op == "Mod") return fmod ? torch::fmod(a, b) : torch::remainder(a, b);
      // PRelu: a 1-D slope of one value per channel (older exports) is the
      // channel axis's.
      torch::Tensor slope = b;
      if (b.dim() == 1 && a.dim() > 2 && b.size(0) == a.size(1) && b.size(0) != a.size(-1)) {
        std::vector<int64_t> shape(a.dim() - 1, 1);
        shape[0] = b.size(0);
        slope = b.reshape(shape);
      }
      return torch::where(a >= 0, a, a * slope);
    });
  }
  if (op == "Where") {
    return one([](const Tensors& x) { return torch::where(x.at(0).to(torch::kBool), x.at(1), x.at(2)); });
  }
  if (op == "Max" || op == "Min" || op == "Sum" || op == "Mean") {
    return one([op](const Tensors& x) {
      torch::Tensor y = x.at(0);
      for (size_t i = 1; i < x.size(); ++i) {
        y = op == "Max" ? torch::maximum(y, x[i]) : op == "Min" ? torch::minimum(y, x[i]) : y + x[i];
      }
      return op == "Mean" ? y / static_cast<double>(x.size()) : y;
    });
  }
  if (op == "MatMul") {
    return one([](const Tensors& x) { return torch::matmul(x.at(0), x.at(1)); });
  }
  if (op == "Gemm") {
    const double alpha = Float(n, "alpha", 1.0), beta = Float(n, "beta", 1.0);
    const bool ta = Int(n, "transA", 0) != 0, tb = Int(n, "transB", 0) != 0;
    return one([=](const Tensors& x) {
      torch::Tensor y = torch::matmul(ta ? x.at(0).t() : x.at(0), tb ? x.at(1).t() : x.at(1)) * alpha;
      return x.size() > 2 ? y + x[2] * beta : y;
    });
  }
  // Shapes and layout.
  if (op == "Shape") {
    const int64_t start = Int(n, "start", 0);
    const std::optional<int64_t> end =
        Attr(n, "end", onnx::AttributeProto::INT) ? std::optional<int64_t>(Int(n, "end", 0))
                                                  : std::nullopt;
    return one([=](const Tensors& x) {
      const int64_t rank = x.at(0).dim();
      const int64_t s = std::clamp<int64_t>(Axis(start, rank), 0, rank);
      const int64_t e = std::clamp<int64_t>(end ? Axis(*end, rank) : rank, 0, rank);
      std::vector<int64_t> dims(x[0].sizes().begin() + s, x[0].sizes().begin() + std::max(s, e));
      return torch::tensor(dims, torch::kLong);
    });
  }
  if (op == "Size") {
    return one([](const Tensors& x) { return torch::tensor(x.at(0).numel(), torch::kLong); });
  }
  if (op == "Cast") {
    const std::optional<torch::ScalarType> to = HeldType(Int(n, "to", 0));
    if (!to) return NodeError(n, absl::StrCat("cast to type ", Int(n, "to", 0), " is not supported"));
    const torch::ScalarType t = *to;
    return one([t](const Tensors& x) {
      return t == torch::kLong && x.at(0).is_floating_point() ? x[0].trunc().to(t) : x.at(0).to(t);
    });
  }
  if (op == "Transpose") {
    const std::vector<int64_t> perm = Ints(n, "perm", {});
    return one([perm](const Tensors& x) {
      std::vector<int64_t> p = perm;
      if (p.empty()) {
        for (int64_t d = x.at(0).dim() - 1; d >= 0; --d) p.push_back(d);
      }
      return x.at(0).permute(p);
    });
  }
  if (op == "Reshape") {
    const bool allow_zero = Int(n, "allowzero", 0) != 0;
    if (in.size() < 2) return NodeError(n, "has no shape input");
    return one([allow_zero](const Tensors& x) {
      std::vector<int64_t> shape = Int64s(x.at(1));
      for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] == 0 && !allow_zero) {
          TORCH_CHECK(static_cast<int64_t>(d) < x[0].dim(), "Reshape: 0 at ", d, " for ",
                      Shape(x[0].sizes()));
          shape[d] = x[0].size(d);
        }
      }
      return x[0].reshape(shape);
    });
  }
  if (op == "Flatten") {
    const int64_t axis = Int(n, "axis", 1);
    return one([axis](const Tensors& x) { return FlattenAt(x.at(0), axis, "Flatten"); });
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    const bool from_input = opset >= 13;
    const std::vector<int64_t> attr_axes = Ints(n, "axes", {});
    const bool unsqueeze = op == "Unsqueeze";
    return one([=](const Tensors& x) {
      std::vector<int64_t> axes = from_input ? (x.size() > 1 ? Int64s(x[1]) : std::vector<int64_t>{})
                                             : attr_axes;
      torch::Tensor y = x.at(0);
      if (!unsqueeze && axes.empty()) {
        std::vector<int64_t> keep;
        for (int64_t d : y.sizes()) {
          if (d != 1) keep.push_back(d);
        }
        return y.reshape(keep);
      }
      const int64_t rank = y.dim() + (unsqueeze ? static_cast<int64_t>(axes.size()) : 0);
      for (int64_t& d : axes) d = Axis(d, rank);
      std::sort(axes.begin(), axes.end());
      if (unsqueeze) {
        for (int64_t d : axes) y = y.unsqueeze(d);
      } else {
        for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
          TORCH_CHECK(y.size(*it) == 1, "Squeeze: axis ", *it, " of ", Shape(y.sizes()),
                      " is not 1");
          y = y.squeeze(*it);
        }
      }
      return y;
    });
  }
  if (op == "Concat") {
    const int64_t axis = Int(n, "axis", opset < 4 ? 1 : 0);
    return one([axis](const Tensors& x) {
      Tensors parts;
      for (const torch::Tensor& t : x) {
        if (t.numel() > 0 || t.dim() == x[0].dim()) parts.push_back(t);
      }
      return torch::cat(parts, Axis(axis, x.at(0).dim()));
    });
  }
  if (op == "Gather") {
    const int64_t axis = Int(n, "axis", 0);
    return one([axis](const Tensors& x) {
      const torch::Tensor& data = x.at(0);
      const int64_t a = Axis(axis, data.dim());
      torch::Tensor idx = x.at(1).to(torch::kLong);
      idx = torch::where(idx < 0, idx + data.size(a), idx);
      std::vector<int64_t> shape(data.sizes().begin(), data.sizes().begin() + a);
      shape.insert(shape.end(), idx.sizes().begin(), idx.sizes().end());
      shape.insert(shape.end(), data.sizes().begin() + a + 1, data.sizes().end());
      return data.index_select(a, idx.reshape({-1})).reshape(shape);
    });
  }
  if (op == "GatherElements") {
    const int64_t axis = Int(n, "axis", 0);
    return one([axis](const Tensors& x) {
      const int64_t a = Axis(axis, x.at(0).dim());
      torch::Tensor idx = x.at(1).to(torch::kLong);
      idx = torch::where(idx < 0, idx + x[0].size(a), idx);
      return torch::gather(x[0], a, idx);
    });
  }
  if (op == "Slice") {
    const bool from_input = opset >= 10;
    const std::vector<int64_t> starts = Ints(n, "starts", {}), ends = Ints(n, "ends", {}),
                               attr_axes = Ints(n, "axes", {});
    return one([=](const Tensors& x) {
      std::vector<int64_t> s = starts, e = ends, axes = attr_axes, steps;
      if (from_input) {
        s = Int64s(x.at(1));
        e = Int64s(x.at(2));
        axes = x.size() > 3 && x[3].defined() ? Int64s(x[3]) : std::vector<int64_t>{};
        if (x.size() > 4 && x[4].defined()) steps = Int64s(x[4]);
      }
      torch::Tensor y = x.at(0);
      if (axes.empty()) {
        for (size_t i = 0; i < s.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      }
      TORCH_CHECK(s.size() == e.size() && s.size() == axes.size(), "Slice: ", s.size(),
                  " starts, ", e.size(), " ends, ", axes.size(), " axes");
      for (size_t i = 0; i < axes.size(); ++i) {
        y = SliceAxis(y, Axis(axes[i], y.dim()), s[i], e[i], steps.empty() ? 1 : steps.at(i));
      }
      return y;
    });
  }
  if (op == "Split") {
    const int64_t axis = Int(n, "axis", 0);
    const std::vector<int64_t> attr_split = Ints(n, "split", {});
    const bool from_input = opset >= 13;
    const int64_t count = static_cast<int64_t>(outputs);
    return TensorFn([=](const Tensors& x) {
      const int64_t a = Axis(axis, x.at(0).dim());
      std::vector<int64_t> split = from_input ? (x.size() > 1 && x[1].defined() ? Int64s(x[1])
                                                                               : std::vector<int64_t>{})
                                              : attr_split;
      if (split.empty()) {
        const int64_t d = x[0].size(a), each = (d + count - 1) / count;
        for (int64_t i = 0; i < count; ++i) split.push_back(std::min(each, d - i * each));
      }
      return x[0].split_with_sizes(split, a);
    });
  }
  if (op == "Expand") {
    return one([](const Tensors& x) {
      return x.at(0).expand(BroadcastShape(x[0].sizes(), Int64s(x.at(1)))).contiguous();
    });
  }
  if (op == "Tile") {
    return one([](const Tensors& x) { return x.at(0).repeat(Int64s(x.at(1))); });
  }
  if (op == "ConstantOfShape") {
    torch::Tensor value = torch::zeros({1});
    if (const onnx::AttributeProto* v = Attr(n, "value", onnx::AttributeProto::TENSOR)) {
      absl::StatusOr<torch::Tensor> t = TensorFromProto(v->t(), "its value");
      if (!t.ok()) return NodeError(n, std::string(t.status().message()));
      value = *t;
    }
    return one([value](const Tensors& x) {
      return torch::full(Int64s(x.at(0)), value.reshape({-1})[0].item(),
                         torch::TensorOptions().dtype(value.scalar_type()));
    });
  }
  if (op == "Range") {
    return one([](const Tensors& x) {
      const bool integral = Integral(x.at(0));
      if (integral) {
        return torch::arange(x[0].item<int64_t>(), x.at(1).item<int64_t>(), x.at(2).item<int64_t>(),
                             torch::kLong);
      }
      const double start = x[0].item<double>(), limit = x.at(1).item<double>(),
                   delta = x.at(2).item<double>();
      const int64_t count =
          std::max<int64_t>(0, static_cast<int64_t>(std::ceil((limit - start) / delta)));
      return torch::arange(count, torch::kFloat) * delta + start;
    });
  }
  if (op == "Clip") {
    // Bounds from inputs (opset 11 on, constant or computed) or attributes.
    const bool from_input = opset >= 11;
    const double lo_attr = Float(n, "min", -std::numeric_limits<double>::infinity());
    const double hi_attr = Float(n, "max", std::numeric_limits<double>::infinity());
    return one([=](const Tensors& x) {
      if (!from_input) return torch::clamp(x.at(0), lo_attr, hi_attr);
      torch::Tensor y = x.at(0);
      if (x.size() > 1 && x[1].defined()) y = torch::maximum(y, x[1].to(y.scalar_type()));
      if (x.size() > 2 && x[2].defined()) y = torch::minimum(y, x[2].to(y.scalar_type()));
      return y;
    });
  }
  if (op == "Dropout") {
    // Inference: the input as it is, and a mask of ones.
    return TensorFn([](const Tensors& x) {
      // Training mode drops at random (by ratio): not supported, unless
      // the ratio is 0.
      const bool training = x.size() > 2 && x[2].defined() && x[2].item<bool>();
      const double ratio = x.size() > 1 && x[1].defined() ? x[1].item<double>() : 0.5;
      TORCH_CHECK(!training || ratio == 0, "training-mode Dropout is not supported");
      return Tensors{x.at(0), torch::ones_like(x[0], torch::kBool)};
    });
  }
  if (op == "Pad") {
    const std::string mode = String(n, "mode", "constant");
    if (mode != "constant") return NodeError(n, "mode " + mode + " is not supported");
    const bool from_input = opset >= 11;
    const std::vector<int64_t> attr_pads = Ints(n, "pads", {});
    const double attr_value = Float(n, "value", 0.0);
    return one([=](const Tensors& x) {
      const torch::Tensor& v = x.at(0);
      std::vector<int64_t> pads = from_input ? Int64s(x.at(1)) : attr_pads;
      double value = attr_value;
      if (from_input && x.size() > 2 && x[2].defined()) value = x[2].item<double>();
      std::vector<int64_t> axes;
      if (from_input && x.size() > 3 && x[3].defined()) {
        axes = Int64s(x[3]);
      } else {
        for (int64_t d = 0; d < v.dim(); ++d) axes.push_back(d);
      }
      const size_t k = axes.size();
      TORCH_CHECK(pads.size() == 2 * k, "Pad: ", pads.size(), " pads for ", k, " axes");
      std::vector<int64_t> begin(v.dim(), 0), end(v.dim(), 0);
      for (size_t i = 0; i < k; ++i) {
        const int64_t a = Axis(axes[i], v.dim());
        begin[a] = pads[i];
        end[a] = pads[i + k];
      }
      std::vector<int64_t> torch_pad;
      for (int64_t d = v.dim() - 1; d >= 0; --d) {
        torch_pad.push_back(begin[d]);
        torch_pad.push_back(end[d]);
      }
      namespace F = torch::nn::functional;
      return F::pad(v, F::PadFuncOptions(torch_pad).mode(torch::kConstant).value(value));
    });
  }
  // Convolutions and pools of any rank (1-D to 3-D) and padding, exact, as
  // functions: a Conv whose weight is computed (not a constant) and the
  // pools the steps of their own do not take.
  if (op == "Conv" || op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
    const std::vector<int64_t> kernel_attr = Ints(n, "kernel_shape", {});
    const std::vector<int64_t> strides = Ints(n, "strides", {}), dilations = Ints(n, "dilations", {}),
                               pads = Ints(n, "pads", {});
    const std::string auto_pad = String(n, "auto_pad", "NOTSET");
    const int64_t group = Int(n, "group", 1);
    const bool ceil = Int(n, "ceil_mode", 0) != 0, include = Int(n, "count_include_pad", 0) != 0;
    const double p = static_cast<double>(Int(n, "p", 2));
    if (op == "MaxPool" && outputs > 1) return NodeError(n, "the Indices output is not supported");
    if (Int(n, "storage_order", 0) != 0) return NodeError(n, "storage_order 1 is not supported");
    if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
        auto_pad != "SAME_LOWER") {
      return NodeError(n, "auto_pad " + auto_pad + " is not supported");
    }
    return one([=](const Tensors& x) {
      torch::Tensor v = x.at(0);
      const bool conv = op == "Conv";
      const int64_t rank = conv ? x.at(1).dim() - 2 : static_cast<int64_t>(kernel_attr.size());
      TORCH_CHECK(rank >= 1 && rank <= 3 && v.dim() == rank + 2, op, ": a ", rank,
                  "-D kernel on ", Shape(v.sizes()), " is not supported");
      std::vector<int64_t> k = kernel_attr;
      if (k.empty()) k.assign(x[1].sizes().begin() + 2, x[1].sizes().end());
      std::vector<int64_t> s = strides.empty() ? std::vector<int64_t>(rank, 1) : strides;
      std::vector<int64_t> d = dilations.empty() ? std::vector<int64_t>(rank, 1) : dilations;
      std::vector<int64_t> pd = pads.empty() ? std::vector<int64_t>(2 * rank, 0) : pads;
      if (auto_pad == "VALID") pd.assign(2 * rank, 0);
      if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        for (int64_t i = 0; i < rank; ++i) {
          const int64_t in = v.size(2 + i), out = (in + s[i] - 1) / s[i];
          const int64_t total = std::max<int64_t>((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in, 0);
          const int64_t small = total / 2;
          pd[i] = auto_pad == "SAME_UPPER" ? small : total - small;
          pd[i + rank] = total - pd[i];
        }
      }
      // F::pad takes the last dimension first.
      std::vector<int64_t> torch_pad;
      for (int64_t i = rank - 1; i >= 0; --i) {
        torch_pad.push_back(pd[i]);
        torch_pad.push_back(pd[i + rank]);
      }
      namespace F = torch::nn::functional;
      auto padded = [&](const torch::Tensor& t, double value) {
        return F::pad(t, F::PadFuncOptions(torch_pad).mode(torch::kConstant).value(value));
      };
      if (conv) {
        const torch::Tensor w = x[1];
        const c10::optional<torch::Tensor> b =
            x.size() > 2 && x[2].defined() ? c10::optional<torch::Tensor>(x[2]) : c10::nullopt;
        const torch::Tensor t = padded(v, 0);
        const std::vector<int64_t> zero(rank, 0);
        if (rank == 1) return torch::conv1d(t, w, b, s, zero, d, group);
        if (rank == 2) return torch::conv2d(t, w, b, s, zero, d, group);
        return torch::conv3d(t, w, b, s, zero, d, group);
      }
      if (op == "MaxPool") {
        // Integers pooled as doubles (exact up to 2^53), and back.
        const torch::ScalarType type = v.scalar_type();
        torch::Tensor t = padded(v.is_floating_point() ? v : v.to(torch::kDouble),
                                 -std::numeric_limits<double>::infinity());
        torch::Tensor y = rank == 1   ? torch::max_pool1d(t, k, s, 0, d, ceil)
                          : rank == 2 ? torch::max_pool2d(t, k, s, 0, d, ceil)
                                      : torch::max_pool3d(t, k, s, 0, d, ceil);
        return y.to(type);
      }
      // Sums over each window (as a 2-D or 3-D pool with divisor 1), divided
      // by the count of the elements that count: every padded one with
      // count_include_pad, else only the input's.
      auto window_sum = [&](torch::Tensor t) {
        if (rank == 1) {
          return torch::avg_pool2d(t.unsqueeze(2), {1, k[0]}, {1, s[0]}, 0, ceil, true, 1)
              .squeeze(2);
        }
        if (rank == 2) return torch::avg_pool2d(t, k, s, 0, ceil, true, 1);
        return torch::avg_pool3d(t, k, s, 0, ceil, true, 1);
      };
      if (op == "LpPool") {
        return window_sum(padded(v.abs().pow(p), 0)).pow(1.0 / p);
      }
      torch::Tensor ones = torch::ones_like(v.select(1, 0).unsqueeze(1));
      torch::Tensor count = include ? window_sum(padded(ones, 1)) : window_sum(padded(ones, 0));
      return window_sum(padded(v, 0)) / count;
    });
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool") {
    const double p = static_cast<double>(Int(n, "p", 2));
    return one([op, p](const Tensors& x) {
      std::vector<int64_t> dims;
      for (int64_t d = 2; d < x.at(0).dim(); ++d) dims.push_back(d);
      if (op == "GlobalAveragePool") return x[0].mean(dims, true);
      if (op == "GlobalLpPool") return x[0].abs().pow(p).sum(dims, true).pow(1.0 / p);
      return x[0].amax(dims, true);
    });
  }
  if (op == "BatchNormalization") {
    if (Int(n, "training_mode", 0) != 0) return NodeError(n, "training_mode = 1 is not supported");
    const double eps = Float(n, "epsilon", 1e-5);
    return one([eps](const Tensors& x) {
      return torch::batch_norm(x.at(0), x.at(1), x.at(2), x.at(3), x.at(4), false, 0, eps, false);
    });
  }
  // Reductions.
  if (op.rfind("Reduce", 0) == 0 &&
      (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin" ||
       op == "ReduceProd" || op == "ReduceSumSquare" || op == "ReduceL1" || op == "ReduceL2" ||
       op == "ReduceLogSum" || op == "ReduceLogSumExp")) {
    const bool keep = Int(n, "keepdims", 1) != 0;
    const bool noop = Int(n, "noop_with_empty_axes", 0) != 0;
    // Axes became an input in opset 13 for ReduceSum, in 18 for the others.
    const bool from_input = opset >= (op == "ReduceSum" ? 13 : 18);
    const std::vector<int64_t> attr_axes = Ints(n, "axes", {});
    return one([=](const Tensors& x) {
      const std::vector<int64_t> axes =
          from_input ? (x.size() > 1 && x[1].defined() ? Int64s(x[1]) : std::vector<int64_t>{})
                     : attr_axes;
      if (axes.empty() && noop) return x.at(0);
      return Reduce(op, x.at(0), axes, keep);
    });
  }
  if (op == "ArgMax" || op == "ArgMin") {
    const int64_t axis = Int(n, "axis", 0);
    const bool keep = Int(n, "keepdims", 1) != 0, last = Int(n, "select_last_index", 0) != 0;
    const bool max = op == "ArgMax";
    return one([=](const Tensors& x) {
      const int64_t a = Axis(axis, x.at(0).dim());
      torch::Tensor v = last ? x[0].flip(a) : x[0];
      torch::Tensor i = max ? v.argmax(a, keep) : v.argmin(a, keep);
      return last ? x[0].size(a) - 1 - i : i;
    });
  }
  if (op == "Softmax" || op == "LogSoftmax") {
    const bool coerce = opset < 13;
    const int64_t axis = Int(n, "axis", coerce ? 1 : -1);
    const bool log = op == "LogSoftmax";
    return one([=](const Tensors& x) { return Softmax(x.at(0), axis, coerce, log); });
  }
  if (op == "LayerNormalization") {
    const int64_t axis = Int(n, "axis", -1);
    const double eps = Float(n, "epsilon", 1e-5);
    return TensorFn([=](const Tensors& x) {
      const torch::Tensor& v = x.at(0);
      const int64_t a = Axis(axis, v.dim());
      std::vector<int64_t> dims;
      for (int64_t d = a; d < v.dim(); ++d) dims.push_back(d);
      torch::Tensor mean = v.mean(dims, true);
      torch::Tensor centred = v - mean;
      torch::Tensor inv = torch::rsqrt((centred * centred).mean(dims, true) + eps);
      torch::Tensor y = centred * inv * x.at(1);
      if (x.size() > 2 && x[2].defined()) y = y + x[2];
      return Tensors{y, mean, inv};
    });
  }
  return NodeError(n, "op type " + op + " is not supported");
}

int OnnxImporter::ConstantSlot(const std::string& name) {
  auto it = constant_slots_.find(name);
  if (it != constant_slots_.end()) return it->second;
  const int slot = net_.num_values_++;
  constant_slots_[name] = slot;
  net_.constant_values_.push_back({slot, constants_.at(name)});
  return slot;
}

absl::Status OnnxImporter::AddTensorOp(const onnx::NodeProto& n) {
  absl::StatusOr<TensorFn> fn = TensorOp(n, Inputs(n));
  if (!fn.ok()) return fn.status();
  if (!attr_error_.empty()) return NodeError(n, attr_error_);
  // All inputs in order, an absent optional one as an undefined tensor.
  std::vector<std::string> in(n.input().begin(), n.input().end());
  while (!in.empty() && in.back().empty()) in.pop_back();
  const bool all_constant = std::all_of(in.begin(), in.end(), [&](const std::string& s) {
    return s.empty() || IsConstant(s);
  });
  if (all_constant) {
    std::vector<torch::Tensor> x;
    for (const std::string& s : in) x.push_back(s.empty() ? torch::Tensor() : constants_.at(s));
    std::vector<torch::Tensor> y;
    try {
      y = (*fn)(x);
    } catch (const std::exception& e) {
      return NodeError(n, FirstLine(e));
    }
    for (int i = 0; i < n.output_size() && i < static_cast<int>(y.size()); ++i) {
      if (!n.output(i).empty()) constants_[n.output(i)] = y[i].contiguous();
    }
    return absl::OkStatus();
  }
  auto step = std::make_shared<OnnxNetImpl::Step>();
  step->op = Op::kTensorFn;
  step->label = absl::StrCat("node '", NodeName(n), "' (", n.op_type(), ")");
  step->fn = *fn;
  for (const std::string& s : in) {
    step->in.push_back(s.empty() ? -1 : IsConstant(s) ? ConstantSlot(s) : values_.at(s));
  }
  step->out = net_.num_values_++;
  values_[n.output(0)] = step->out;
  for (int i = 1; i < n.output_size(); ++i) {
    if (n.output(i).empty()) {
      step->more_out.push_back(-1);
      continue;
    }
    step->more_out.push_back(net_.num_values_);
    values_[n.output(i)] = net_.num_values_++;
  }
  // A MatMul of two activations stays exact: listed with its opcount.
  if (n.op_type() == "MatMul" || n.op_type() == "Gemm") {
    step->exact_name = NodeName(n);
    net_.exact_steps_.push_back(step);
  }
  net_.steps_.push_back(step);
  return absl::OkStatus();
}

}  // namespace agnapprox

#include "nets/approx_layer.h"

#include <algorithm>
#include <cmath>

namespace agnapprox {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kActMin = 0, kActMax = 127;
constexpr int64_t kWeightMin = -128, kWeightMax = 127;
// Averaging constant of the activation observer (as PyTorch's
// MovingAverageMinMaxObserver).
constexpr double kObserverMomentum = 0.01;

std::vector<int64_t> Pair(const torch::ExpandingArray<2>& a) {
  return {(*a)[0], (*a)[1]};
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kBaseline: return "baseline";
    case Mode::kQat: return "qat";
    case Mode::kGradientSearch: return "gradient_search";
    case Mode::kApprox: return "approx";
  }
  return "?";
}

ApproxLayerImpl::ApproxLayerImpl(const torch::nn::Conv2dOptions& o) : is_conv_(true) {
  in_ = o.in_channels();
  out_ = o.out_channels();
  groups_ = o.groups();
  kernel_ = Pair(o.kernel_size());
  stride_ = Pair(o.stride());
  dilation_ = Pair(o.dilation());
  padding_ = {0, 0};
  if (const auto* pad = c10::get_if<torch::ExpandingArray<2>>(&o.padding())) {
    padding_ = Pair(*pad);
  } else if (c10::get_if<torch::enumtype::kSame>(&o.padding())) {
    // "same" at stride 1: (k - 1) d zeros in all, split evenly or refused.
    for (int d = 0; d < 2; ++d) {
      const int64_t total = dilation_[d] * (kernel_[d] - 1);
      if (total % 2 != 0 || stride_[d] != 1) {
        unsupported_ = "padding \"same\" would need uneven padding";
      }
      padding_[d] = total / 2;
    }
  }
  if (!c10::get_if<torch::enumtype::kZeros>(&o.padding_mode())) {
    unsupported_ = "padding mode " + torch::enumtype::get_enum_name(o.padding_mode()) +
                   " (only zeros is supported)";
  }
  fan_in_ = in_ / groups_ * kernel_[0] * kernel_[1];
  // Reuse PyTorch's initialisation by building the reference module once.
  torch::nn::Conv2d init(o);
  RegisterState(init->weight, o.bias() ? init->bias : torch::Tensor());
}

ApproxLayerImpl::ApproxLayerImpl(const torch::nn::LinearOptions& o) : is_conv_(false) {
  in_ = o.in_features();
  out_ = o.out_features();
  fan_in_ = in_;
  opcount_ = in_ * out_;
  torch::nn::Linear init(o);
  RegisterState(init->weight, o.bias() ? init->bias : torch::Tensor());
}

void ApproxLayerImpl::RegisterState(const torch::Tensor& init_weight,
                                    const torch::Tensor& init_bias) {
  weight = register_parameter("weight", init_weight.detach().clone());
  if (init_bias.defined()) bias = register_parameter("bias", init_bias.detach().clone());
  sigma = register_parameter("sigma", torch::tensor(0.1));
  act_min_ = register_buffer("act_min", torch::zeros({}));
  act_max_ = register_buffer("act_max", torch::zeros({}));
  observed_ = register_buffer("observed", torch::zeros({}));
}

void ApproxLayerImpl::set_table(const std::vector<int32_t>& products,
                                const std::string& name) {
  gemm_ = std::make_shared<LutGemm>(products);
  multiplier_name_ = name;
  compensation_.clear();  // it belonged to the previous table
}

void ApproxLayerImpl::set_error_compensation(std::vector<double> error_by_weight) {
  TORCH_CHECK(error_by_weight.empty() || error_by_weight.size() == 256,
              "error compensation needs 256 entries, got ", error_by_weight.size());
  compensation_ = std::move(error_by_weight);
}

const std::vector<int32_t>& ApproxLayerImpl::table() const {
  static const std::vector<int32_t> kEmpty;
  return gemm_ ? gemm_->products() : kEmpty;
}

void ApproxLayerImpl::set_tracing(bool on) {
  tracing_ = on;
  if (on) trace_ = OperandTrace{};
}

OperandTrace ApproxLayerImpl::TakeTrace() {
  OperandTrace t = std::move(trace_);
  trace_ = OperandTrace{};
  return t;
}

int64_t ApproxLayerImpl::OutputSize(const torch::Tensor& x, int d) const {
  return (x.size(2 + d) + 2 * padding_[d] - dilation_[d] * (kernel_[d] - 1) - 1) / stride_[d] + 1;
}

torch::Tensor ApproxLayerImpl::Apply(const torch::Tensor& x, const torch::Tensor& w) const {
  if (is_conv_) {
    return F::conv2d(x, w, F::Conv2dFuncOptions()
                               .bias(bias)
                               .stride(torch::ExpandingArray<2>(stride_))
                               .padding(torch::ExpandingArray<2>(padding_))
                               .dilation(torch::ExpandingArray<2>(dilation_))
                               .groups(groups_));
  }
  return F::linear(x, w, bias);
}

void ApproxLayerImpl::Observe(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const torch::Tensor lo = x.min(), hi = x.max();
  if (observed_.item<float>() == 0) {
    act_min_.copy_(lo);
    act_max_.copy_(hi);
    observed_.fill_(1);
  } else {
    act_min_.add_(kObserverMomentum * (lo - act_min_));
    act_max_.add_(kObserverMomentum * (hi - act_max_));
  }
}

QuantParams ApproxLayerImpl::ActivationQuantParams() const {
  const double lo = std::min(0.0, static_cast<double>(act_min_.item<float>()));
  const double hi = std::max(0.0, static_cast<double>(act_max_.item<float>()));
  QuantParams q;
  q.scale = std::max((hi - lo) / (kActMax - kActMin), 1e-8);
  q.zero_point = std::clamp<int64_t>(std::llround(kActMin - lo / q.scale), kActMin, kActMax);
  return q;
}

QuantParams ApproxLayerImpl::WeightQuantParams() const {
  const double amax = weight.detach().abs().max().item<double>();
  QuantParams q;
  q.scale = std::max(amax / kWeightMax, 1e-8);
  q.zero_point = 0;
  return q;
}

torch::Tensor ApproxLayerImpl::ActivationCodes(const torch::Tensor& x,
                                               const QuantParams& q) const {
  return torch::clamp(torch::round(x / q.scale) + q.zero_point, kActMin, kActMax);
}

torch::Tensor ApproxLayerImpl::WeightCodes(const QuantParams& q) const {
  return torch::clamp(torch::round(weight.detach() / q.scale), kWeightMin, kWeightMax);
}

torch::Tensor ApproxLayerImpl::GroupedCodes(const torch::Tensor& codes, const QuantParams& q,
                                            bool transposed, int64_t* positions) const {
  if (!is_conv_) {
    *positions = 1;
    return transposed ? codes.t().unsqueeze(0) : codes.unsqueeze(0);
  }
  // One unfold for every group: its rows are channel-major, so group g's
  // fan_in values are the g-th contiguous slice.
  const torch::Tensor cols =
      F::unfold(codes - q.zero_point,
                F::UnfoldFuncOptions(torch::ExpandingArray<2>(kernel_))
                    .dilation(torch::ExpandingArray<2>(dilation_))
                    .padding(torch::ExpandingArray<2>(padding_))
                    .stride(torch::ExpandingArray<2>(stride_))) +
      q.zero_point;  // [B, groups * fan_in, L]
  const int64_t batch = cols.size(0), l = cols.size(2);
  *positions = l;
  const torch::Tensor split = cols.reshape({batch, groups_, fan_in_, l});
  if (transposed) return split.permute({1, 2, 0, 3}).reshape({groups_, fan_in_, batch * l});
  return split.permute({1, 0, 3, 2}).reshape({groups_, batch * l, fan_in_});
}

torch::Tensor ApproxLayerImpl::ApproxForward(const torch::Tensor& x) {
  TORCH_CHECK(gemm_ != nullptr, "layer has no multiplier table in approx mode");
  const QuantParams qa = ActivationQuantParams(), qw = WeightQuantParams();
  torch::Tensor result;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor act = ActivationCodes(x.detach(), qa);
    const torch::Tensor wcodes = WeightCodes(qw);
    const int64_t batch = x.size(0);
    const int64_t out_g = out_ / groups_;
    // All groups in one table GEMM: a = [G][fan_in][rows] (im2col's own
    // order, read in place), b = [G][out_g][fan_in].
    int64_t positions = 1;
    const torch::Tensor columns = GroupedCodes(act, qa, /*transposed=*/true, &positions);
    const torch::Tensor a = (columns + 128).to(torch::kUInt8).contiguous();
    const torch::Tensor w = wcodes.reshape({groups_, out_g, fan_in_});
    const torch::Tensor b = (w + 128).to(torch::kUInt8).contiguous();
    const int64_t m = a.size(2);
    torch::Tensor c = torch::empty({groups_, m, out_g}, torch::kInt32);
    gemm_->MultiplyGroupedTransposed(a.data_ptr<uint8_t>(), groups_, m, b.data_ptr<uint8_t>(),
                                     out_g, fan_in_, c.data_ptr<int32_t>(),
                                     torch::get_num_threads());
    // Zero point: sum_k P(q_k, w_k) stands for sum_k q_k w_k, and the real
    // result is s_x s_w (sum_k q_k w_k - zp sum_k w_k).
    const torch::Tensor wsum = w.sum(2).to(torch::kDouble).unsqueeze(1);  // [G, 1, out_g]
    torch::Tensor acc = c.to(torch::kDouble) - qa.zero_point * wsum;
    if (!compensation_.empty()) {
      const torch::Tensor g = torch::from_blob(compensation_.data(), {256}, torch::kDouble);
      const torch::Tensor correction =
          g.index_select(0, (w + 128).to(torch::kLong).flatten()).reshape(w.sizes()).sum(2);
      acc = acc - correction.unsqueeze(1);  // [G, 1, out_g]
    }
    const torch::Tensor yg = (acc * (qa.scale * qw.scale)).to(torch::kFloat);
    torch::Tensor y = yg.permute({1, 0, 2}).reshape({m, out_});  // [B * positions, out]
    if (is_conv_) {
      y = y.reshape({batch, positions, out_})
              .permute({0, 2, 1})
              .reshape({batch, out_, OutputSize(x, 0), OutputSize(x, 1)});
      if (bias.defined()) y = y + bias.detach().reshape({1, out_, 1, 1});
    } else if (bias.defined()) {
      y = y + bias.detach();
    }
    result = y;
  }
  // Straight-through: the value of the approximate result, the gradients of
  // the exact quantised operation. Without a backward pass (evaluation,
  // tracing) the exact operation is not needed at all.
  if (!torch::GradMode::is_enabled() ||
      !(x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()))) {
    return result;
  }
  const torch::Tensor exact = Apply(
      torch::fake_quantize_per_tensor_affine(x, qa.scale, qa.zero_point, kActMin, kActMax),
      torch::fake_quantize_per_tensor_affine(weight, qw.scale, 0, kWeightMin, kWeightMax));
  return exact + (result - exact).detach();
}

void ApproxLayerImpl::Record(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const QuantParams qa = ActivationQuantParams(), qw = WeightQuantParams();
  const torch::Tensor act = ActivationCodes(x.detach(), qa);
  trace_.fan_in = fan_in_;
  int64_t positions;
  const torch::Tensor rows =
      GroupedCodes(act, qa, /*transposed=*/false, &positions)
          .reshape({-1, fan_in_})
          .to(torch::kShort)
          .contiguous();
  trace_.features.insert(trace_.features.end(), rows.data_ptr<int16_t>(),
                         rows.data_ptr<int16_t>() + rows.numel());
  const torch::Tensor w = WeightCodes(qw).to(torch::kShort).contiguous();
  trace_.weights.assign(w.data_ptr<int16_t>(), w.data_ptr<int16_t>() + w.numel());
}

torch::Tensor ApproxLayerImpl::forward(const torch::Tensor& x) {
  if (is_conv_ && opcount_ == 0) {
    opcount_ = out_ * OutputSize(x, 0) * OutputSize(x, 1) * fan_in_;
  }
  if (mode_ == Mode::kBaseline) return Apply(x, weight);
  if (is_training() || observed_.item<float>() == 0) Observe(x);
  if (tracing_) Record(x);
  if (mode_ == Mode::kApprox) return ApproxForward(x);
  const QuantParams qa = ActivationQuantParams(), qw = WeightQuantParams();
  torch::Tensor y = Apply(
      torch::fake_quantize_per_tensor_affine(x, qa.scale, qa.zero_point, kActMin, kActMax),
      torch::fake_quantize_per_tensor_affine(weight, qw.scale, 0, kWeightMin, kWeightMax));
  if (mode_ == Mode::kGradientSearch && is_training()) {
    y = y + torch::randn_like(y) * y.std().detach() * sigma;
  }
  return y;
}

}  // namespace agnapprox

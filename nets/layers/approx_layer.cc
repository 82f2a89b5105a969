#include "nets/layers/approx_layer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "nets/layers/code_range.h"

namespace agnapprox {
namespace {

namespace F = torch::nn::functional;

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
  // Tiles on LibTorch's own threads, not a second pool beside them.
  gemm_->set_parallel_for(
      [](int /*threads*/, size_t count, const std::function<void(size_t)>& task) {
        at::parallel_for(0, static_cast<int64_t>(count), 1, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) task(static_cast<size_t>(i));
        });
      });
  multiplier_name_ = name;
  compensation_.clear();  // it belonged to the previous table
  gradient_da_ = gradient_db_ = torch::Tensor();  // so did these
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
  ObserveRange(x.min(), x.max());
}

void ApproxLayerImpl::TakePartWithoutData() {
  if (global_batch_ == nullptr || mode_ == Mode::kBaseline) return;
  ObserveRange(torch::full({}, std::numeric_limits<float>::infinity()),
               torch::full({}, -std::numeric_limits<float>::infinity()));
  if (mode_ == Mode::kGradientSearch && global_batch_->noise) {
    global_batch_->noise(torch::empty({0}));
  }
}

void ApproxLayerImpl::ObserveRange(torch::Tensor lo, torch::Tensor hi) {
  torch::NoGradGuard no_grad;
  if (global_batch_ != nullptr && global_batch_->range) {
    const auto [global_lo, global_hi] = global_batch_->range(lo.item<float>(), hi.item<float>());
    lo = torch::full({}, global_lo, lo.options());
    hi = torch::full({}, global_hi, hi.options());
  }
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

void ApproxLayerImpl::Record(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const QuantParams qa = ActivationQuantParams(), qw = WeightQuantParams();
  const uint8_t* codes = QuantiseInput(x, qa, /*padded=*/false, nullptr);
  int64_t rows = x.size(0);
  const uint8_t* a = codes;  // linear: [in][rows]
  if (is_conv_) {
    const ConvGeometry g = Geometry(x);
    rows = g.batch * g.Positions();
    columns_.resize(groups_ * fan_in_ * rows);
    Im2colIndices(codes, g, static_cast<uint8_t>(qa.zero_point + 128), columns_.data());
    a = columns_.data();
  }
  // [G][fan_in][rows] indices -> [G][rows][fan_in] codes, flattened to rows of fan_in.
  const torch::Tensor columns =
      torch::from_blob(const_cast<uint8_t*>(a), {groups_, fan_in_, rows}, torch::kUInt8);
  const torch::Tensor features =
      (columns.permute({0, 2, 1}).to(torch::kShort) - 128).contiguous();
  trace_.fan_in = fan_in_;
  trace_.features.insert(trace_.features.end(), features.data_ptr<int16_t>(),
                         features.data_ptr<int16_t>() + features.numel());
  const torch::Tensor w = WeightCodes(qw).to(torch::kShort).contiguous();
  trace_.weights.assign(w.data_ptr<int16_t>(), w.data_ptr<int16_t>() + w.numel());
}

torch::Tensor ApproxLayerImpl::forward(const torch::Tensor& x) {
  if (intercept_) return intercept_(x, [&] { return Compute(x); });
  return Compute(x);
}

torch::Tensor ApproxLayerImpl::Compute(const torch::Tensor& x) {
  if (is_conv_ && opcount_ == 0) {
    const ConvGeometry g = Geometry(x);
    opcount_ = out_ * g.Positions() * fan_in_;
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
    if (global_batch_ != nullptr && global_batch_->noise) {
      const auto [normal, std] = global_batch_->noise(y.detach());
      y = y + normal * std * sigma;
    } else {
      y = y + torch::randn_like(y) * y.std().detach() * sigma;
    }
  }
  return y;
}

}  // namespace agnapprox

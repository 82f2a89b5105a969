#include "nets/approx_layer.h"

#include "multipliers/lut_gemm/table_gradient.h"
#include "nets/wide_loops.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

namespace agnapprox {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kActMin = 0, kActMax = 127;
constexpr int64_t kWeightMin = -128, kWeightMax = 127;
// Averaging constant of the activation observer (as PyTorch's
// MovingAverageMinMaxObserver).
constexpr double kObserverMomentum = 0.01;

// The epilogue of the approximate forward, y = float((acc - offset) * scale)
// + shift, for one output channel's run of positions (RescaleRun) or for one
// row across the outputs (RescaleRow, linear layers). Plain loops the
// compiler vectorises.
AGNAPPROX_WIDE_LOOP
void RescaleRun(const int32_t* acc, int64_t n, double offset, double scale, float shift,
                float* out) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>((static_cast<double>(acc[i]) - offset) * scale) + shift;
  }
}

AGNAPPROX_WIDE_LOOP
void RescaleRow(const int32_t* acc, int64_t n, const double* offset, double scale,
                const float* shift, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>((static_cast<double>(acc[i]) - offset[i]) * scale) + shift[i];
  }
}

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

struct StraightThrough {
  torch::Tensor input, input_mask;    // fake-quantised x, lo <= q <= hi
  torch::Tensor weight, weight_mask;  // the same for the weights
  // RetrainGradient::kTable only: the operands' table indices (activations
  // as the GEMM's transposed A, [G][fan_in][rows]; weights [out][fan_in]),
  // the gradient tables, and the quantisation the chain rule needs.
  torch::Tensor columns, weight_indices, da, db;
  double input_scale = 1, weight_scale = 1;
  int64_t zero_point = 0;
};

namespace {

// Gradient tables per multiplier table, derived once per process.
std::pair<torch::Tensor, torch::Tensor> CachedGradientTables(const std::vector<int32_t>& table) {
  static std::mutex mu;
  static std::map<std::vector<int32_t>, std::pair<torch::Tensor, torch::Tensor>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(table);
  if (it != cache.end()) return it->second;
  GradientTables t = MakeGradientTables(table, kActMin, kActMax, kWeightMin, kWeightMax);
  auto tensors = std::make_pair(
      torch::from_blob(t.da.data(), {65536}, torch::kFloat).clone(),
      torch::from_blob(t.db.data(), {65536}, torch::kFloat).clone());
  cache.emplace(table, tensors);
  return tensors;
}

}  // namespace

torch::Tensor ApproxLayerImpl::WeightCodes(const QuantParams& q, torch::Tensor* in_range) const {
  const float inv = 1.0f / static_cast<float>(q.scale);
  const torch::Tensor unclamped = torch::round(weight.detach() * static_cast<double>(inv));
  if (in_range != nullptr) *in_range = (unclamped >= kWeightMin) & (unclamped <= kWeightMax);
  return torch::clamp(unclamped, kWeightMin, kWeightMax);
}

ConvGeometry ApproxLayerImpl::Geometry(const torch::Tensor& x) const {
  ConvGeometry g;
  g.batch = x.size(0);
  g.channels = x.size(1);
  g.height = x.size(2);
  g.width = x.size(3);
  g.groups = groups_;
  for (int d = 0; d < 2; ++d) {
    g.kernel[d] = kernel_[d];
    g.stride[d] = stride_[d];
    g.padding[d] = padding_[d];
    g.dilation[d] = dilation_[d];
  }
  return g;
}

const uint8_t* ApproxLayerImpl::QuantiseInput(const torch::Tensor& x, const QuantParams& q,
                                              bool padded, StraightThrough* saved) {
  TORCH_CHECK(x.scalar_type() == torch::kFloat, "approximate layers take float input");
  TORCH_CHECK(is_conv_ ? x.dim() == 4 : x.dim() == 2, "approximate ", is_conv_ ? "conv" : "linear",
              " layer got a ", x.dim(), "-d input");
  const torch::Tensor in = x.detach().contiguous();
  ActivationQuantiser quantiser;
  quantiser.scale = static_cast<float>(q.scale);
  quantiser.zero_point = q.zero_point;
  quantiser.lo = kActMin;
  quantiser.hi = kActMax;
  float* fq = nullptr;
  bool* mask = nullptr;
  if (saved != nullptr) {
    saved->input = torch::empty_like(in);
    saved->input_mask = torch::empty(in.sizes(), torch::kBool);
    fq = saved->input.data_ptr<float>();
    mask = saved->input_mask.data_ptr<bool>();
  }
  if (padded) {
    const ConvGeometry g = Geometry(in);
    codes_.resize(g.batch * g.channels * g.PaddedHeight() * g.PaddedWidth() + PaddedSlack(g));
    const uint8_t pad = static_cast<uint8_t>(q.zero_point + 128);
    std::fill(codes_.end() - PaddedSlack(g), codes_.end(), pad);
    QuantisePadded(in.data_ptr<float>(), g, quantiser, pad, codes_.data(), fq, mask);
    return codes_.data();
  }
  codes_.resize(in.numel());
  QuantiseActivations(in.data_ptr<float>(), in.numel(), quantiser, codes_.data(), fq, mask,
                      /*row_length=*/is_conv_ ? 0 : in.size(1));
  return codes_.data();
}

torch::Tensor ApproxLayerImpl::ApproxCompute(const torch::Tensor& x, StraightThrough* saved) {
  TORCH_CHECK(gemm_ != nullptr, "layer has no multiplier table in approx mode");
  torch::NoGradGuard no_grad;
  const QuantParams qa = ActivationQuantParams(), qw = WeightQuantParams();
  // Stride-1 convolutions read padded planes and compute PaddedWidth()
  // positions per output row (see Im2colPaddedTile).
  const bool table_gradient = saved != nullptr && retrain_gradient_ == RetrainGradient::kTable;
  const bool padded = is_conv_ && stride_[0] == 1 && stride_[1] == 1;
  const uint8_t* codes = QuantiseInput(x, qa, padded, saved);
  const ConvGeometry g = is_conv_ ? Geometry(x) : ConvGeometry();
  const int64_t row_width = padded ? g.PaddedWidth() : g.OutputSize(1);  // positions per output row
  const int64_t rows = is_conv_ ? g.batch * g.OutputSize(0) * row_width : x.size(0);
  torch::Tensor w_in_range;
  const torch::Tensor wcodes = WeightCodes(qw, saved != nullptr ? &w_in_range : nullptr);
  if (saved != nullptr) {
    saved->weight = wcodes * static_cast<double>(static_cast<float>(qw.scale));
    saved->weight_mask = w_in_range;
  }

  const int64_t out_g = out_ / groups_;
  const torch::Tensor b = (wcodes + 128).to(torch::kUInt8).contiguous();  // [out][fan_in]
  if (table_gradient) {
    saved->weight_indices = b.reshape({out_, fan_in_});
    saved->input_scale = qa.scale;
    saved->weight_scale = qw.scale;
    saved->zero_point = qa.zero_point;
    if (!gradient_da_.defined()) {
      std::tie(gradient_da_, gradient_db_) = CachedGradientTables(gemm_->products());
    }
    saved->da = gradient_da_;
    saved->db = gradient_db_;
    if (is_conv_) {  // the im2col matrix (plain positions), kept by the GEMM's filler
      saved->columns = torch::empty({groups_, fan_in_, g.batch * g.Positions()}, torch::kUInt8);
    } else {
      saved->columns = torch::from_blob(const_cast<uint8_t*>(codes), {1, fan_in_, rows},
                                        torch::kUInt8)
                           .clone();
    }
  }
  accumulators_.resize(out_ * rows);
  int32_t* c = accumulators_.data();
  if (is_conv_) {  // C = [G][out_g][rows], A's columns built tile by tile
    const uint8_t pad = static_cast<uint8_t>(qa.zero_point + 128);
    const Im2colPlan plan = MakeIm2colPlan(g);
    uint8_t* keep = table_gradient ? saved->columns.data_ptr<uint8_t>() : nullptr;
    // Table gradients keep A for the backward as the plain matrix
    // [G][fan_in][batch * positions]: a padded tile's rows past each output
    // row's OutputSize(1) columns are dropped.
    const int64_t plain_rows = g.batch * g.Positions(), ow = g.OutputSize(1);
    auto keep_columns = [&](const uint8_t* tile, int64_t group, int64_t first, int64_t count) {
      uint8_t* base = keep + group * fan_in_ * plain_rows;
      for (int64_t p = first; p < first + count;) {
        int64_t n = first + count - p, to = p;
        if (padded) {  // one output row's valid columns at a time
          const int64_t x = p % row_width, line = p / row_width;
          if (x >= ow) {
            p += row_width - x;
            continue;
          }
          n = std::min(n, ow - x);
          to = line * ow + x;
        }
        for (int64_t kk = 0; kk < fan_in_; ++kk) {
          std::memcpy(base + kk * plain_rows + to, tile + kk * LutGemm::kTileRows + (p - first),
                      n);
        }
        p += n;
      }
    };
    gemm_->MultiplyFilled(
        [&](int64_t group, int64_t first, int64_t count, uint8_t* tile) {
          if (padded) {
            Im2colPaddedTile(codes, plan, pad, group, first, count, LutGemm::kTileRows, tile);
          } else {
            Im2colTile(codes, plan, pad, group, first, count, LutGemm::kTileRows, tile);
          }
          if (keep != nullptr) keep_columns(tile, group, first, count);
        },
        /*lowest=*/128 + kActMin, /*highest=*/128 + kActMax, groups_, rows,
        b.data_ptr<uint8_t>(), out_g, fan_in_, c, torch::get_num_threads());
  } else {  // A = [in][rows], C = [rows][out]
    gemm_->MultiplyGroupedTransposed(codes, 1, rows, b.data_ptr<uint8_t>(), out_, fan_in_, c,
                                     torch::get_num_threads());
  }
  // Per output: the zero point's share, zp sum_k w_k (the real result is
  // s_x s_w (sum_k P(q_k, w_k) - zp sum_k w_k)), then the compensation.
  const torch::Tensor wflat = wcodes.reshape({out_, fan_in_});
  const torch::Tensor wsum = wflat.sum(1).to(torch::kDouble).contiguous();
  torch::Tensor correction;
  if (!compensation_.empty()) {
    const torch::Tensor table = torch::from_blob(compensation_.data(), {256}, torch::kDouble);
    correction = table.index_select(0, (wflat + 128).to(torch::kLong).flatten())
                     .reshape({out_, fan_in_})
                     .sum(1)
                     .contiguous();
  }
  // y = s_x s_w (acc - zp sum_k w_k - compensation) + bias, per output o:
  // its offset and bias once, then a loop the compiler vectorises.
  const double* ws = wsum.data_ptr<double>();
  const double* corr = correction.defined() ? correction.data_ptr<double>() : nullptr;
  const torch::Tensor bias_values = bias.defined() ? bias.detach().contiguous() : torch::Tensor();
  const float* bv = bias_values.defined() ? bias_values.data_ptr<float>() : nullptr;
  std::vector<double> offset(out_);
  std::vector<float> shift(out_, 0.0f);
  for (int64_t o = 0; o < out_; ++o) {
    offset[o] = static_cast<double>(qa.zero_point) * ws[o] + (corr != nullptr ? corr[o] : 0.0);
    if (bv != nullptr) shift[o] = bv[o];
  }
  const double scale = qa.scale * qw.scale;
  if (!is_conv_) {
    torch::Tensor y = torch::empty({rows, out_}, torch::kFloat);
    float* yp = y.data_ptr<float>();
    at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        RescaleRow(c + r * out_, out_, offset.data(), scale, shift.data(), yp + r * out_);
      }
    });
    return y;
  }
  const int64_t oh = g.OutputSize(0), ow = g.OutputSize(1);
  torch::Tensor y = torch::empty({g.batch, out_, oh, ow}, torch::kFloat);
  float* yp = y.data_ptr<float>();
  // Output channel o = g * out_g + j is C's row block [g][j]: its rows are
  // the batch's positions in order, row_width of them per output row.
  at::parallel_for(0, out_ * g.batch, 8, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t o = task / g.batch, bi = task % g.batch;
      const int32_t* src = c + o * rows + bi * oh * row_width;
      float* dst = yp + (bi * out_ + o) * oh * ow;
      if (row_width == ow) {
        RescaleRun(src, oh * ow, offset[o], scale, shift[o], dst);
      } else {
        for (int64_t r = 0; r < oh; ++r) {
          RescaleRun(src + r * row_width, ow, offset[o], scale, shift[o], dst + r * ow);
        }
      }
    }
  });
  return y;
}

// Forward: the table GEMM. Backward: straight-through, the gradients of the
// exact quantised operation, from the saved fake-quantised operands.
class ApproxFunction : public torch::autograd::Function<ApproxFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               ApproxLayerImpl* layer) {
    StraightThrough saved;
    torch::Tensor y = layer->ApproxCompute(x, &saved);
    const bool table = saved.columns.defined();
    if (table) {
      ctx->save_for_backward({saved.input, saved.input_mask, saved.weight, saved.weight_mask,
                              saved.columns, saved.weight_indices, saved.da, saved.db});
      ctx->saved_data["input_scale"] = saved.input_scale;
      ctx->saved_data["weight_scale"] = saved.weight_scale;
      ctx->saved_data["zero_point"] = saved.zero_point;
      ctx->saved_data["kernel"] = layer->kernel_;
    } else {
      ctx->save_for_backward({saved.input, saved.input_mask, saved.weight, saved.weight_mask});
    }
    ctx->saved_data["table"] = table;
    ctx->saved_data["conv"] = layer->is_conv_;
    ctx->saved_data["bias"] = bias.numel() > 0;
    ctx->saved_data["stride"] = layer->stride_;
    ctx->saved_data["padding"] = layer->padding_;
    ctx->saved_data["dilation"] = layer->dilation_;
    ctx->saved_data["groups"] = layer->groups_;
    (void)weight;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::autograd::variable_list s = ctx->get_saved_variables();
    const torch::Tensor& x = s[0];
    const torch::Tensor& w = s[2];
    const torch::Tensor gy = grads[0].contiguous();
    const bool has_bias = ctx->saved_data["bias"].toBool();
    const bool need_x = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);
    const bool need_b = has_bias && ctx->needs_input_grad(2);
    torch::Tensor gx, gw, gb;
    if (ctx->saved_data["table"].toBool()) {
      std::tie(gx, gw, gb) = TableBackward(ctx, s, gy, need_x, need_w, need_b);
    } else if (ctx->saved_data["conv"].toBool()) {
      const std::vector<int64_t> stride = ctx->saved_data["stride"].toIntVector();
      const std::vector<int64_t> padding = ctx->saved_data["padding"].toIntVector();
      const std::vector<int64_t> dilation = ctx->saved_data["dilation"].toIntVector();
      const std::vector<int64_t> bias_sizes = {w.size(0)};
      std::tie(gx, gw, gb) = at::convolution_backward(
          gy, x, w, has_bias ? c10::OptionalIntArrayRef(bias_sizes) : c10::nullopt, stride,
          padding, dilation, /*transposed=*/false, /*output_padding=*/{0, 0},
          ctx->saved_data["groups"].toInt(), {need_x, need_w, need_b});
    } else {
      if (need_x) gx = gy.mm(w);
      if (need_w) gw = gy.t().mm(x);
      if (need_b) gb = gy.sum(0);
    }
    if (gx.defined()) gx = gx * s[1];
    if (gw.defined()) gw = gw * s[3];
    return {gx, gw, gb, torch::Tensor()};
  }

 private:
  // The table's own gradient. With y_o = s_x s_w (sum_k P(q_k, w_ok) -
  // zp sum_k w_ok - c_o) + b_o and the straight-through step for rounding
  // (dq/dx = 1/s_x, dw_code/dw = 1/s_w, masked where clamped):
  //   dL/dx = s_w sum_o g_o Da(q, w_o)            (folded back over im2col)
  //   dL/dw_ok = s_x sum_rows g_o (Db(q_k, w_ok) - zp)
  // The compensation c_o is a constant here, as in the straight-through case.
  static std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> TableBackward(
      torch::autograd::AutogradContext* ctx, const torch::autograd::variable_list& s,
      const torch::Tensor& gy, bool need_x, bool need_w, bool need_b) {
    const torch::Tensor& x = s[0];
    const torch::Tensor& columns = s[4];  // [G][fan_in][rows]
    const torch::Tensor& widx = s[5];     // [out][fan_in]
    const bool conv = ctx->saved_data["conv"].toBool();
    const int64_t groups = ctx->saved_data["groups"].toInt();
    const int64_t out = widx.size(0), fan_in = widx.size(1), out_g = out / groups;
    const int64_t rows = columns.size(2);
    const double sx = ctx->saved_data["input_scale"].toDouble();
    const double sw = ctx->saved_data["weight_scale"].toDouble();
    const int64_t zp = ctx->saved_data["zero_point"].toInt();
    // g: [G][out_g][rows], rows in the GEMM's order (image-major positions).
    torch::Tensor g;
    if (conv) {
      g = gy.reshape({gy.size(0), groups, out_g, gy.size(2) * gy.size(3)})
              .permute({1, 2, 0, 3})
              .contiguous()
              .reshape({groups, out_g, rows});
    } else {
      g = gy.t().contiguous().reshape({1, out, rows});
    }
    torch::Tensor gq = torch::empty({groups, fan_in, rows});
    torch::Tensor gwc = torch::empty({groups, out_g, fan_in});
    for (int64_t gi = 0; gi < groups; ++gi) {
      TableGradients(s[6].data_ptr<float>(), s[7].data_ptr<float>(), g[gi].data_ptr<float>(),
                     columns[gi].data_ptr<uint8_t>(),
                     widx.data_ptr<uint8_t>() + gi * out_g * fan_in, rows, out_g, fan_in,
                     gq[gi].data_ptr<float>(), gwc[gi].data_ptr<float>(),
                     static_cast<float>(zp), 128 + kActMin, 128 + kActMax,
                     torch::get_num_threads());
    }
    torch::Tensor gx, gw, gb;
    if (need_x) {
      if (conv) {
        const std::vector<int64_t> kernel = ctx->saved_data["kernel"].toIntVector();
        const int64_t batch = x.size(0);
        const torch::Tensor cols =
            gq.reshape({groups * fan_in, batch, rows / batch}).permute({1, 0, 2});
        gx = torch::nn::functional::fold(
                 cols, torch::nn::functional::FoldFuncOptions({x.size(2), x.size(3)},
                                                              torch::ExpandingArray<2>(kernel))
                           .dilation(torch::ExpandingArray<2>(
                               ctx->saved_data["dilation"].toIntVector()))
                           .padding(torch::ExpandingArray<2>(
                               ctx->saved_data["padding"].toIntVector()))
                           .stride(torch::ExpandingArray<2>(
                               ctx->saved_data["stride"].toIntVector()))) *
             sw;
      } else {
        gx = gq[0].t() * sw;
      }
    }
    if (need_w) gw = (gwc * sx).reshape(s[2].sizes());
    if (need_b) gb = conv ? gy.sum({0, 2, 3}) : gy.sum(0);
    return {gx, gw, gb};
  }
};

torch::Tensor ApproxLayerImpl::ApproxForward(const torch::Tensor& x) {
  const bool needs_backward =
      torch::GradMode::is_enabled() &&
      (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (!needs_backward) return ApproxCompute(x, nullptr);
  // Function inputs must be defined: a bias-free layer passes an empty
  // placeholder, which gets no gradient.
  return ApproxFunction::apply(x, weight, bias.defined() ? bias : torch::empty({0}), this);
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

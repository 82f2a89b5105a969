// The approximate mode of ApproxLayerImpl, forward: quantise, im2col, the
// table GEMM, rescale. Its backward is approx_backward.cc.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "multipliers/lut_gemm/table_gradient.h"
#include "nets/layers/approx_layer.h"
#include "nets/layers/code_range.h"
#include "nets/layers/straight_through.h"
#include "nets/layers/wide_loops.h"

namespace agnapprox {
namespace {

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

}  // namespace agnapprox

// The approximate mode of ApproxLayerImpl, backward: an autograd function
// whose forward is the table GEMM (approx_forward.cc) and whose backward is
// straight-through, or through the table's own gradient tables.
#include <tuple>
#include <vector>

#include "multipliers/lut_gemm/table_gradient.h"
#include "nets/layers/approx_layer.h"
#include "nets/layers/code_range.h"
#include "nets/layers/straight_through.h"

namespace agnapprox {

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

}  // namespace agnapprox

// Approximable layers (Conv2d and Linear) in four modes, as in TorchApprox:
//
// - kBaseline: FP32.
// - kQat: fake quantisation; activations unsigned per-tensor affine 0..127
//   (moving-average min/max observer), weights signed symmetric -128..127.
// - kGradientSearch: the quantised output plus N(0,1) * std(y) * sigma in
//   training only; sigma is a learnable parameter that receives gradients.
// - kApprox: the integer operands go through the layer's product table
//   (LutGemm); the result is rescaled and the bias added. Backward is
//   straight-through: the gradients of the exact quantised operation,
//   computed from the saved fake-quantised operands (the exact forward
//   result is never needed, so it is never computed).
//
// Quantisation is LibTorch's fake_quantize_per_tensor_affine's, in every
// mode and in the traces: code = clamp(zp + nearbyint(x * (1.0f / scale))).
//
//   ApproxLayer conv1(torch::nn::Conv2dOptions(1, 6, 5).padding(2).bias(false));
//   conv1->set_mode(Mode::kQat);
//   torch::Tensor y = conv1->forward(x);
#ifndef AGNAPPROX_NETS_LAYERS_APPROX_LAYER_H_
#define AGNAPPROX_NETS_LAYERS_APPROX_LAYER_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "multipliers/lut_gemm/lut_gemm.h"
#include "nets/layers/quantised_im2col.h"

namespace agnapprox {

enum class Mode { kBaseline, kQat, kGradientSearch, kApprox };

// The backward pass of kApprox: the exact product's partial derivatives
// (straight-through, the default), or the table's own (smoothed finite
// differences, multipliers/lut_gemm/table_gradient.h; issue #17).
enum class RetrainGradient { kStraightThrough, kTable };

const char* ModeName(Mode mode);

// Per-tensor quantisation: real = scale * (code - zero_point).
struct QuantParams {
  double scale = 1;
  int64_t zero_point = 0;
};

// Integer operands seen by one layer: activation codes as im2col rows of
// fan_in (0..127) and weight codes [out, fan_in] (-128..127).
struct OperandTrace {
  int64_t fan_in = 0;
  std::vector<int16_t> features;
  std::vector<int16_t> weights;
};

// What the straight-through backward keeps from an approximate forward.
struct StraightThrough;
class ApproxFunction;

// Data-parallel training (nets/train.cc), where each rank holds a slice of
// the global batch: how a layer sees the whole batch, so that the ranks
// together compute what one process computes. Each member is optional.
struct GlobalBatch {
  // The observer's batch range: (min, max) over every rank of the slices'
  // (lo, hi).
  std::function<std::pair<float, float>(float lo, float hi)> range;
  // Gradient search's noise: a standard normal tensor for this rank's rows
  // of `y`, and std(y) over the global batch.
  std::function<std::pair<torch::Tensor, double>(const torch::Tensor& y)> noise;
};

class ApproxLayerImpl : public torch::nn::Module {
 public:
  explicit ApproxLayerImpl(const torch::nn::Conv2dOptions& options);
  explicit ApproxLayerImpl(const torch::nn::LinearOptions& options);

  torch::Tensor forward(const torch::Tensor& x);

  // Evaluation from cached outputs (deploy/cached_evaluation.h): while set,
  // forward(x) returns intercept(x, compute), where compute() is the
  // layer's own forward of x; the interceptor may return a stored output
  // instead, or store the computed one. Empty (the default): none.
  using Intercept = std::function<torch::Tensor(const torch::Tensor& x,
                                                const std::function<torch::Tensor()>& compute)>;
  void set_intercept(Intercept intercept) { intercept_ = std::move(intercept); }

  void set_mode(Mode mode) { mode_ = mode; }
  Mode mode() const { return mode_; }

  // The product table used in kApprox: 65536 int32 in signed value order
  // (row = activation a + 128, column = weight b + 128). Clears the error
  // compensation.
  void set_table(const std::vector<int32_t>& products, const std::string& name);
  bool has_table() const { return gemm_ != nullptr; }
  // Bias compensation in kApprox: g, 256 entries in signed weight value
  // order (g[b + 128]); each output neuron's accumulator is reduced by
  // c_o = sum_j g[w_oj], from the current weight codes, so it follows the
  // weights through retraining. Empty: none (the default).
  void set_error_compensation(std::vector<double> error_by_weight);
  const std::vector<double>& error_compensation() const { return compensation_; }
  const std::string& multiplier_name() const { return multiplier_name_; }
  // How kApprox's backward differentiates the products. kTable derives the
  // table's gradient tables once per multiplier (a process-wide cache keyed
  // by the table's contents, so layers sharing a multiplier share them).
  void set_retrain_gradient(RetrainGradient g) { retrain_gradient_ = g; }
  RetrainGradient retrain_gradient() const { return retrain_gradient_; }
  const std::vector<int32_t>& table() const;

  // Why this layer cannot run as configured (e.g. a padding mode other than
  // zeros), or "" when it can. ApproxNetImpl::CheckSupported reports it.
  const std::string& unsupported() const { return unsupported_; }

  // Multiplications per inference (per sample). Conv layers know it after
  // their first forward; Linear layers from the start.
  int64_t opcount() const { return opcount_; }
  // A Linear layer applied to every row of a sample ([N, T, D] tokens, or
  // channels-last [N, H, W, C] pixels, reshaped to N*T rows): T rows per
  // sample, so opcount() = T * in * out. Default 1.
  void set_rows_per_sample(int64_t rows) {
    if (!is_conv_ && rows > 0) opcount_ = rows * in_ * out_;
  }
  int64_t fan_in() const { return fan_in_; }
  bool is_conv() const { return is_conv_; }

  // The global batch while training data-parallel; null (the default): the
  // layer's input is the whole batch.
  void set_global_batch(std::shared_ptr<const GlobalBatch> g) { global_batch_ = std::move(g); }
  // A rank without examples in a data-parallel training step: takes part in
  // the observer's range over the ranks (and gradient search's std), as
  // its forward would have, so that the collectives line up.
  void TakePartWithoutData();

  // Starts or stops recording operand codes on forward (quantised modes).
  void set_tracing(bool on);
  OperandTrace TakeTrace();

  QuantParams ActivationQuantParams() const;
  QuantParams WeightQuantParams() const;

  // Learnable relative noise tolerance sigma_l (gradient search).
  torch::Tensor sigma;
  torch::Tensor weight;
  torch::Tensor bias;  // undefined when the layer has none

 private:
  // Parameters (weight, bias, sigma) and observer buffers, shared by both
  // constructors.
  void RegisterState(const torch::Tensor& init_weight, const torch::Tensor& init_bias);
  torch::Tensor Apply(const torch::Tensor& x, const torch::Tensor& w) const;
  // Conv output height (d = 0) or width (d = 1) for input x [B, C, H, W].
  int64_t OutputSize(const torch::Tensor& x, int d) const;
  void Observe(const torch::Tensor& x);
  // The observer's update with a batch range (lo, hi), made global first
  // when data-parallel.
  void ObserveRange(torch::Tensor lo, torch::Tensor hi);
  // Weight codes and, when `in_range` is not null, where the unclamped code
  // was inside the range (the straight-through mask).
  torch::Tensor WeightCodes(const QuantParams& q, torch::Tensor* in_range = nullptr) const;
  ConvGeometry Geometry(const torch::Tensor& x) const;
  // Quantises x into table indices in a buffer reused across calls: for a
  // conv layer x's own layout [B][C][H][W] (the GEMM builds its columns
  // tile by tile), with padding around each plane when `padded`
  // (QuantisePadded), for a linear layer transposed, [in][B] (the GEMM's
  // A). With `saved`, also the fake-quantised input and its mask.
  const uint8_t* QuantiseInput(const torch::Tensor& x, const QuantParams& q, bool padded,
                               StraightThrough* saved);
  torch::Tensor ApproxForward(const torch::Tensor& x);
  torch::Tensor Compute(const torch::Tensor& x);
  friend class ApproxFunction;
  torch::Tensor ApproxCompute(const torch::Tensor& x, StraightThrough* saved);
  void Record(const torch::Tensor& x);

  bool is_conv_;
  int64_t in_ = 0, out_ = 0, groups_ = 1;
  std::vector<int64_t> kernel_, stride_, padding_, dilation_;
  int64_t fan_in_ = 0;
  int64_t opcount_ = 0;
  Mode mode_ = Mode::kBaseline;
  // Moving-average min/max of the activations (buffers, so they are saved).
  torch::Tensor act_min_, act_max_, observed_;
  std::shared_ptr<const GlobalBatch> global_batch_;
  std::shared_ptr<LutGemm> gemm_;
  RetrainGradient retrain_gradient_ = RetrainGradient::kStraightThrough;
  // dP/da and dP/db of the current table, looked up in the process cache on
  // first use after set_table (the lookup compares whole tables).
  torch::Tensor gradient_da_, gradient_db_;
  std::string multiplier_name_;
  std::vector<double> compensation_;
  std::string unsupported_;
  Intercept intercept_;
  bool tracing_ = false;
  OperandTrace trace_;
  // Buffers of the approximate forward, reused across steps.
  std::vector<uint8_t> codes_, columns_;  // columns_: traces only
  std::vector<int32_t> accumulators_;
};
TORCH_MODULE(ApproxLayer);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_APPROX_LAYER_H_

#include "nets/trace.h"

#include "absl/strings/str_cat.h"

namespace agnapprox {

absl::StatusOr<std::vector<LayerTrace>> TraceNet(ApproxNetImpl& net,
                                                 const torch::Tensor& images) {
  std::vector<Mode> modes;
  for (auto& [name, layer] : net.approx_layers()) {
    modes.push_back(layer->mode());
    layer->set_mode(Mode::kQat);
    layer->set_tracing(true);
  }
  try {
    torch::NoGradGuard no_grad;
    net.eval();
    net.forward(images);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("tracing failed: ", e.what_without_backtrace()));
  }
  std::vector<LayerTrace> traces;
  size_t i = 0;
  for (auto& [name, layer] : net.approx_layers()) {
    layer->set_tracing(false);
    layer->set_mode(modes[i++]);
    OperandTrace t = layer->TakeTrace();
    LayerTrace lt;
    lt.name = name;
    lt.max_noise = layer->sigma.item<double>();
    lt.opcount = layer->opcount();
    lt.fan_in = t.fan_in;
    lt.features = std::move(t.features);
    lt.weights = std::move(t.weights);
    lt.range = OperandRange::kSigned;  // codes 0..127 and -128..127
    lt.activation_zero_point = static_cast<int>(layer->ActivationQuantParams().zero_point);
    if (lt.features.empty() || lt.weights.empty()) {
      return absl::InternalError(absl::StrCat("layer ", name, " recorded no operands"));
    }
    traces.push_back(std::move(lt));
  }
  return traces;
}

}  // namespace agnapprox

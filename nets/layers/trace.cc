#include "nets/layers/trace.h"

#include "absl/strings/str_cat.h"

namespace agnapprox {

namespace {

// One forward of `images` with every layer recording.
absl::StatusOr<std::vector<LayerTrace>> TraceBatch(ApproxNetImpl& net,
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
    // A grouped convolution records every group's rows, group after group:
    // rows = groups * images * positions, and opcount = out * positions *
    // fan_in per image.
    if (layer->is_conv() && lt.fan_in > 0 && !lt.weights.empty()) {
      const int64_t out = static_cast<int64_t>(lt.weights.size()) / lt.fan_in;
      const int64_t positions = lt.opcount / (out * lt.fan_in);
      const int64_t per_group = images.size(0) * positions;
      const int64_t rows = static_cast<int64_t>(lt.features.size()) / lt.fan_in;
      if (per_group > 0 && rows % per_group == 0 && out % (rows / per_group) == 0) {
        lt.groups = rows / per_group;
      }
    }
    if (lt.features.empty() || lt.weights.empty()) {
      return absl::InternalError(absl::StrCat("layer ", name, " recorded no operands"));
    }
    traces.push_back(std::move(lt));
  }
  return traces;
}

}  // namespace

absl::StatusOr<std::vector<LayerTrace>> TraceNet(ApproxNetImpl& net, const torch::Tensor& images,
                                                 int64_t max_codes, uint64_t seed) {
  const int64_t n = images.size(0);
  if (max_codes <= 0 || n <= kTraceChunk) {
    absl::StatusOr<std::vector<LayerTrace>> all = TraceBatch(net, images);
    if (!all.ok() || max_codes <= 0) return all;
    for (size_t l = 0; l < all->size(); ++l) {
      (*all)[l] = SampleTraceRows((*all)[l], max_codes, seed + 7919 * l);
    }
    return all;
  }
  // Chunks of images, so that a layer over the cap never holds more than
  // a chunk's rows beyond its sample: each chunk gives its share of the
  // sample (a sample stratified by chunk, the same share per image).
  std::vector<LayerTrace> traces;
  std::vector<int64_t> rows(0), quota(0);
  std::vector<std::vector<std::vector<int16_t>>> by_group;  // [layer][group] rows
  for (int64_t start = 0, c = 0; start < n; start += kTraceChunk, ++c) {
    const int64_t count = std::min(kTraceChunk, n - start);
    absl::StatusOr<std::vector<LayerTrace>> part = TraceBatch(net, images.slice(0, start, start + count));
    if (!part.ok()) return part.status();
    if (c == 0) {
      traces = *part;
      by_group.resize(traces.size());
      for (size_t l = 0; l < traces.size(); ++l) by_group[l].resize(traces[l].groups);
      rows.assign(traces.size(), 0);
      quota.assign(traces.size(), 0);
      for (size_t l = 0; l < traces.size(); ++l) {
        traces[l].features.clear();
        const LayerTrace& t = (*part)[l];
        const int64_t per_image = t.num_rows() / count;
        if (per_image * n * t.fan_in > max_codes) {
          // Rows per image and group.
          quota[l] = std::max<int64_t>(1, max_codes / t.fan_in / n / t.groups);
        }
      }
    }
    for (size_t l = 0; l < traces.size(); ++l) {
      LayerTrace& t = (*part)[l];
      rows[l] += t.num_rows();
      if (quota[l] > 0) {
        t = SampleTraceRows(t, quota[l] * count * t.fan_in * t.groups,
                            seed + 7919 * l + 104729 * c);
      }
      // Group g's rows of every chunk together, groups in order.
      const size_t block = t.features.size() / t.groups;
      for (int64_t g = 0; g < t.groups; ++g) {
        std::vector<int16_t>& to = by_group[l][g];
        to.insert(to.end(), t.features.begin() + g * block, t.features.begin() + (g + 1) * block);
      }
    }
  }
  for (size_t l = 0; l < traces.size(); ++l) {
    if (quota[l] > 0) traces[l].population_rows = rows[l];
    for (std::vector<int16_t>& g : by_group[l]) {
      traces[l].features.insert(traces[l].features.end(), g.begin(), g.end());
    }
  }
  return traces;
}

}  // namespace agnapprox

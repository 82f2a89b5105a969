#include "matching/layer_trace.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "matching/trace.pb.h"
#include "io/text_format.h"
#include "io/file_io.h"
#include "stats/operands.h"
#include "io/parallel.h"

namespace agnapprox {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

absl::Status Invalid(const std::string& file, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", what));
}

// Checks that every value is an integer, converts it, and records the
// smallest and largest operand, in one pass.
absl::StatusOr<std::vector<int16_t>> IntegerOperands(const NpyArray& a,
                                                     const std::string& name,
                                                     OperandBounds* bounds) {
  std::vector<int16_t> out(a.values.size());
  double lo = 0, hi = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    const double v = a.values[i];
    if (!(v >= -128 && v <= 255) || v != static_cast<double>(static_cast<int>(v))) {
      if (!std::isfinite(v) || v != std::floor(v)) {
        return Invalid(name, absl::StrCat("element ", i, " is ", v,
                                          ", not an integer operand"));
      }
      return Invalid(name, absl::StrCat("element ", i, " is ", v,
                                        ", outside both -128..127 and 0..255"));
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    out[i] = static_cast<int16_t>(v);
  }
  bounds->min = static_cast<int>(lo);
  bounds->max = static_cast<int>(hi);
  return out;
}

}  // namespace

absl::StatusOr<LayerTrace> MakeLayerTrace(
    const std::string& name, double max_noise, int64_t opcount,
    const NpyArray& features, const std::string& features_name,
    const NpyArray& weights, const std::string& weights_name,
    int64_t activation_zero_point) {
  if (!std::isfinite(max_noise)) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer ", name, ": max_noise is ", max_noise));
  }
  if (opcount <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "layer ", name, ": opcount is ", opcount, ", expected a positive count"));
  }
  if (features.shape.size() < 2 || features.size() == 0) {
    return Invalid(features_name, absl::StrCat("features have shape ",
                                               ShapeText(features.shape),
                                               ", expected non-empty [..., fan_in]"));
  }
  if ((weights.shape.size() != 2 && weights.shape.size() != 4) ||
      weights.size() == 0) {
    return Invalid(weights_name,
                   absl::StrCat("weights have shape ", ShapeText(weights.shape),
                                ", expected non-empty [out, fan_in] or "
                                "[out, in, kh, kw]"));
  }
  const int64_t fan_in = features.shape.back();
  const int64_t weight_fan_in = weights.size() / weights.shape[0];
  if (fan_in != weight_fan_in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "layer ", name, ": fan-in mismatch: features ", features_name, " ",
        ShapeText(features.shape), " have fan-in ", fan_in, " but weights ",
        weights_name, " ", ShapeText(weights.shape), " have ", weight_fan_in));
  }
  OperandBounds fb, wb;
  absl::StatusOr<std::vector<int16_t>> f = IntegerOperands(features, features_name, &fb);
  if (!f.ok()) return f.status();
  absl::StatusOr<std::vector<int16_t>> w = IntegerOperands(weights, weights_name, &wb);
  if (!w.ok()) return w.status();

  LayerTrace t;
  t.name = name;
  t.max_noise = max_noise;
  t.opcount = opcount;
  t.fan_in = fan_in;
  // Both operands share one table, so one range: signed unless an operand
  // needs 128..255, which only an unsigned table (with no negatives) serves.
  const bool needs_unsigned = fb.max > 127 || wb.max > 127;
  t.range = needs_unsigned ? OperandRange::kUnsigned : OperandRange::kSigned;
  if (needs_unsigned && (fb.min < 0 || wb.min < 0)) {
    const bool features_negative = fb.min < 0;
    return Invalid(features_negative ? features_name : weights_name,
                   absl::StrCat("operands span ", std::min(fb.min, wb.min), "..",
                                std::max(fb.max, wb.max),
                                ": negative values and values above 127 need "
                                "different multiplier ranges"));
  }
  if (activation_zero_point < MinOperand(t.range) || activation_zero_point > MaxOperand(t.range)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "layer ", name, ": activation_zero_point ", activation_zero_point,
        " is outside the activation operand range ", RangeName(t.range)));
  }
  if (t.range == OperandRange::kUnsigned) {
    const int lowest = *std::min_element(f->begin(), f->end());
    if (lowest < activation_zero_point) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer ", name, ": unsigned activations go down to ", lowest,
          ", below activation_zero_point ", activation_zero_point));
    }
  }
  t.activation_zero_point = static_cast<int>(activation_zero_point);
  t.features = std::move(*f);
  t.weights = std::move(*w);
  return t;
}

absl::StatusOr<std::vector<LayerTrace>> LoadLayerTraces(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  proto::LayerTraces file;
  if (absl::Status s = ParseTextFormat(*text, path, &file); !s.ok()) return s;
  if (file.layer_size() == 0) return Invalid(path, "no layers");
  const std::string dir = DirName(path);
  std::set<std::string> names;
  for (int i = 0; i < file.layer_size(); ++i) {
    const proto::LayerTraceEntry& e = file.layer(i);
    if (e.name().empty()) {
      return Invalid(path, absl::StrCat("layer #", i + 1, " has no name"));
    }
    if (!names.insert(e.name()).second) {
      return Invalid(path, absl::StrCat("duplicate layer name ", e.name()));
    }
    for (const auto& [present, field] :
         {std::pair{e.has_max_noise(), "max_noise"}, {e.has_opcount(), "opcount"},
          {e.has_features_npy(), "features_npy"}, {e.has_weights_npy(), "weights_npy"}}) {
      if (!present) {
        return Invalid(path, absl::StrCat("layer ", e.name(), ": missing field ", field));
      }
    }
  }
  // Layers load in parallel; the first error in file order is reported.
  std::vector<absl::StatusOr<LayerTrace>> loaded(
      file.layer_size(), absl::UnknownError("not loaded"));
  RunTasks(0, file.layer_size(), [&](size_t i) {
    const proto::LayerTraceEntry& e = file.layer(static_cast<int>(i));
    const std::string where = absl::StrCat("layer ", e.name(), ": ");
    const std::string features_path = ResolvePath(dir, e.features_npy());
    const std::string weights_path = ResolvePath(dir, e.weights_npy());
    absl::StatusOr<NpyArray> features = ReadNpy(features_path);
    if (!features.ok()) {
      loaded[i] = Invalid(path, where + std::string(features.status().message()));
      return;
    }
    absl::StatusOr<NpyArray> weights = ReadNpy(weights_path);
    if (!weights.ok()) {
      loaded[i] = Invalid(path, where + std::string(weights.status().message()));
      return;
    }
    loaded[i] = MakeLayerTrace(e.name(), e.max_noise(), e.opcount(), *features,
                               features_path, *weights, weights_path,
                               e.activation_zero_point());
    if (!loaded[i].ok()) {
      loaded[i] = Invalid(path, std::string(loaded[i].status().message()));
    }
  });
  std::vector<LayerTrace> traces;
  for (absl::StatusOr<LayerTrace>& t : loaded) {
    if (!t.ok()) return t.status();
    traces.push_back(std::move(*t));
  }
  return traces;
}

absl::Status WriteLayerTraces(const std::vector<LayerTrace>& traces,
                              const std::string& path) {
  proto::LayerTraces file;
  const std::string dir = DirName(path);
  // "<trace file stem>.<layer>": two trace files in one folder keep their
  // own arrays, and a layer name with '/' (ONNX: "/conv1/Conv") stays one
  // file name.
  std::string stem = path.substr(path.find_last_of('/') + 1);  // npos + 1 == 0
  stem = stem.substr(0, stem.find('.'));
  std::set<std::string> used;
  for (const LayerTrace& t : traces) {
    proto::LayerTraceEntry* e = file.add_layer();
    e->set_name(t.name);
    e->set_max_noise(t.max_noise);
    e->set_opcount(t.opcount);
    std::string base;
    for (char c : t.name) {
      base += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
    }
    base = stem + "." + base;
    // Names that sanitise alike get _2, _3, ... (not _2_3).
    std::string unique = base;
    for (int i = 2; !used.insert(unique).second; ++i) unique = absl::StrCat(base, "_", i);
    e->set_features_npy(unique + ".features.npy");
    e->set_weights_npy(unique + ".weights.npy");
    e->set_activation_zero_point(t.activation_zero_point);
    const std::vector<double> f(t.features.begin(), t.features.end());
    const std::vector<double> w(t.weights.begin(), t.weights.end());
    if (absl::Status s = WriteNpy(ResolvePath(dir, e->features_npy()), NpyType::kInt16,
                                  {t.num_rows(), t.fan_in}, f);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = WriteNpy(ResolvePath(dir, e->weights_npy()), NpyType::kInt16,
                                  {static_cast<int64_t>(t.weights.size()) / t.fan_in, t.fan_in}, w);
        !s.ok()) {
      return s;
    }
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(file, &text);
  return WriteFileAtomically(path, text);
}

}  // namespace agnapprox

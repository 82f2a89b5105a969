#include "matching/layer_trace.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
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
    } else if (e.groups() < 1 || loaded[i]->num_rows() % e.groups() != 0 ||
               loaded[i]->num_outputs() % e.groups() != 0) {
      loaded[i] = Invalid(path, absl::StrCat(where, "groups ", e.groups(), " must divide its ",
                                             loaded[i]->num_rows(), " rows and ",
                                             loaded[i]->num_outputs(), " outputs"));
    } else if (loaded[i]->groups = e.groups(); e.has_sampled_from_rows()) {
      if (e.sampled_from_rows() < loaded[i]->num_rows()) {
        loaded[i] = Invalid(path, absl::StrCat(where, "sampled_from_rows ", e.sampled_from_rows(),
                                               " is below the ", loaded[i]->num_rows(),
                                               " rows of ", e.features_npy()));
      } else {
        loaded[i]->population_rows = e.sampled_from_rows();
      }
    }
  });
  std::vector<LayerTrace> traces;
  for (absl::StatusOr<LayerTrace>& t : loaded) {
    if (!t.ok()) return t.status();
    traces.push_back(std::move(*t));
  }
  return traces;
}

LayerTrace SampleTraceRows(const LayerTrace& trace, int64_t max_codes, uint64_t seed) {
  const int64_t rows = trace.num_rows();
  if (max_codes <= 0 || rows * trace.fan_in <= max_codes) return trace;
  const int64_t groups = std::max<int64_t>(1, trace.groups);
  const int64_t block = rows / groups;
  const int64_t keep = std::min(block, std::max<int64_t>(1, max_codes / trace.fan_in / groups));
  std::mt19937_64 rng(seed);
  LayerTrace out = trace;
  out.features.clear();
  out.features.reserve(keep * groups * trace.fan_in);
  for (int64_t g = 0; g < groups; ++g) {
    // Floyd's sampling: `keep` distinct rows of the block, then in order.
    std::set<int64_t> chosen;
    for (int64_t j = block - keep; j < block; ++j) {
      const int64_t t = static_cast<int64_t>(rng() % static_cast<uint64_t>(j + 1));
      if (!chosen.insert(t).second) chosen.insert(j);
    }
    for (int64_t r : chosen) {
      const int64_t row = g * block + r;
      out.features.insert(out.features.end(), trace.features.begin() + row * trace.fan_in,
                          trace.features.begin() + (row + 1) * trace.fan_in);
    }
  }
  out.population_rows = trace.population_rows > 0 ? trace.population_rows : rows;
  return out;
}

namespace {

// The narrowest .npy dtype that holds every value.
NpyType NarrowestType(const std::vector<int16_t>& values) {
  if (values.empty()) return NpyType::kUInt8;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  if (*lo >= 0 && *hi <= 255) return NpyType::kUInt8;
  if (*lo >= -128 && *hi <= 127) return NpyType::kInt8;
  return NpyType::kInt16;
}

}  // namespace

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
    if (t.population_rows > 0) e->set_sampled_from_rows(t.population_rows);
    if (t.groups > 1) e->set_groups(t.groups);
    const std::vector<double> f(t.features.begin(), t.features.end());
    const std::vector<double> w(t.weights.begin(), t.weights.end());
    if (absl::Status s = WriteNpy(ResolvePath(dir, e->features_npy()), NarrowestType(t.features),
                                  {t.num_rows(), t.fan_in}, f);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = WriteNpy(ResolvePath(dir, e->weights_npy()), NarrowestType(t.weights),
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

#include "pipeline/state.h"

#include <algorithm>

#include "google/protobuf/text_format.h"
#include "io/file_io.h"
#include "io/json.h"
#include "io/text_format.h"

namespace agnapprox {

absl::StatusOr<proto::PipelineState> ReadState(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  proto::PipelineState state;
  if (absl::Status s = ParseTextFormat(*text, path, &state); !s.ok()) return s;
  return state;
}

absl::Status WriteState(const proto::PipelineState& state, const std::string& path) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(state, &text);
  return WriteFileAtomically(path, text);
}

bool Completed(const proto::PipelineState& state, const std::string& stage) {
  return std::find(state.completed().begin(), state.completed().end(), stage) !=
         state.completed().end();
}

std::string MetricsLines(const proto::PipelineState& state) {
  std::string lines;
  for (const proto::EpochRecord& e : state.epochs()) {
    Json sigma = Json::Object();
    for (int i = 0; i < e.sigma_size() && i < state.layers_size(); ++i) {
      sigma.Set(state.layers(i).name(), e.sigma(i));
    }
    Json line = Json::Object();
    line.Set("stage", e.stage())
        .Set("epoch", e.epoch())
        .Set("loss", e.loss())
        .Set("accuracy", e.accuracy())
        .Set("seconds", e.seconds())
        .Set("sigma", std::move(sigma));
    lines += line.DumpLine() + "\n";
  }
  return lines;
}

std::vector<LayerMultiplier> ChosenMultipliers(const proto::PipelineState& state) {
  std::vector<LayerMultiplier> chosen;
  for (const proto::LayerRecord& l : state.layers()) chosen.push_back({l.name(), l.multiplier()});
  return chosen;
}

}  // namespace agnapprox

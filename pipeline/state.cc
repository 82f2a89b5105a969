#include "pipeline/state.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "io/file_io.h"
#include "io/json.h"
#include "io/text_format.h"
#include "pipeline/run_options.h"

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

absl::StatusOr<proto::RunSeed> ReadRunSeed(const std::string& from_dir,
                                            const std::string& last_stage) {
  const std::vector<std::string> order = {"baseline", "qat", "gradient_search"};
  const auto end = std::find(order.begin(), order.end(), last_stage);
  if (end == order.end()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot start a run after stage ", last_stage));
  }
  absl::StatusOr<proto::PipelineState> from = ReadState(from_dir + "/state.txtpb");
  if (!from.ok()) return from.status();
  proto::RunSeed out;
  proto::PipelineState& seed = *out.mutable_state();
  seed.set_net(from->net());
  *seed.mutable_options() = from->options();
  KeepOptionsOf(std::vector<std::string>(order.begin(), end + 1), &seed);
  for (auto stage = order.begin(); stage != end + 1; ++stage) {
    if (!Completed(*from, *stage) || !from->seconds().count(*stage) ||
        !from->accuracy().count(*stage + "_accuracy")) {
      return absl::InvalidArgumentError(
          absl::StrCat(from_dir, "/state.txtpb: stage ", *stage, " is not complete"));
    }
    const std::string name = "checkpoints/" + *stage + ".pt";
    absl::StatusOr<std::string> bytes = ReadFile(from_dir + "/" + name);
    if (!bytes.ok()) return bytes.status();
    (*out.mutable_files())[name] = std::move(*bytes);
    seed.add_completed(*stage);
    (*seed.mutable_seconds())[*stage] = from->seconds().at(*stage);
    (*seed.mutable_accuracy())[*stage + "_accuracy"] = from->accuracy().at(*stage + "_accuracy");
    // QAT's accuracy on the calibration images, the verified selection's
    // reference.
    if (auto c = from->accuracy().find(*stage + "_calibration_accuracy");
        c != from->accuracy().end()) {
      (*seed.mutable_accuracy())[c->first] = c->second;
    }
    for (const proto::EpochRecord& e : from->epochs()) {
      if (e.stage() == *stage) *seed.add_epochs() = e;
    }
  }
  if (last_stage == "gradient_search") {
    seed.set_initial_noise(from->initial_noise());
    for (const proto::LayerRecord& l : from->layers()) {
      proto::LayerRecord* r = seed.add_layers();
      r->set_name(l.name());
      r->set_sigma(l.sigma());
    }
  }
  return out;
}

absl::Status WriteRunSeed(const proto::RunSeed& seed, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/checkpoints", ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": ", ec.message()));
  for (const auto& [name, bytes] : seed.files()) {
    if (absl::Status s = WriteFileAtomically(dir + "/" + name, bytes); !s.ok()) return s;
  }
  return WriteState(seed.state(), dir + "/state.txtpb");
}

absl::Status SeedRunFrom(const std::string& from_dir, const std::string& last_stage,
                         const std::string& dir) {
  absl::StatusOr<proto::RunSeed> seed = ReadRunSeed(from_dir, last_stage);
  if (!seed.ok()) return seed.status();
  return WriteRunSeed(*seed, dir);
}

std::string MatchedWeights(Selection selection) {
  return selection == Selection::kVerified ? "qat" : "gradient_search";
}

std::string MatchedWeightsOf(const proto::PipelineState& state) {
  return state.has_matched_weights() ? state.matched_weights() : "gradient_search";
}

std::vector<LayerMultiplier> ChosenMultipliers(const proto::PipelineState& state) {
  std::vector<LayerMultiplier> chosen;
  for (const proto::LayerRecord& l : state.layers()) {
    chosen.push_back({l.name(), l.multiplier(),
                      std::vector<double>(l.error_by_weight().begin(), l.error_by_weight().end())});
  }
  return chosen;
}

}  // namespace agnapprox

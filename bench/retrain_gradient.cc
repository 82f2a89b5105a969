// Issue #17's measurement: LeNet5 on Fashion-MNIST with one aggressive
// multiplier everywhere, retrained from the same starting point with the
// same seed, once with the straight-through gradient and once with the
// table's own. Starts from a pipeline run's gradient-search checkpoint.
//
//   retrain_gradient --checkpoint=RUN/checkpoints/gradient_search.pt
//       [--catalog=builtin:_s] [--multipliers=drum3_s,otrunc3_s] [--epochs=3]
//
// Prints one Markdown table row per multiplier: accuracy before retraining,
// after each epoch with ste and with table, and the epochs' seconds.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "deploy/deploy.h"
#include "deploy/model_file.h"
#include "io/command_line.h"
#include "io/heap.h"
#include "multipliers/open_catalog.h"
#include "nets/data/open_dataset.h"
#include "nets/training/train.h"
#include "nets/zoo/registry.h"

ABSL_FLAG(std::string, checkpoint, "", "a LeNet5 gradient_search.pt from //:pipeline");
ABSL_FLAG(std::string, catalog, "builtin:_s", "catalog file, 'builtin' or 'builtin:FILTER'");
ABSL_FLAG(std::string, multipliers, "drum3_s,otrunc3_s", "the designs, comma-separated");
ABSL_FLAG(int32_t, epochs, 3, "retraining epochs");
ABSL_FLAG(uint64_t, seed, 0, "the retraining's seed");
ABSL_FLAG(int32_t, threads, 0, "threads; 0 = one per core");

namespace agnapprox {
namespace {

struct Outcome {
  double before = 0;
  std::vector<EpochResult> epochs;
};

absl::StatusOr<Outcome> Retrain(const std::string& checkpoint, const Multiplier& m,
                                RetrainGradient gradient, const DataSplits& data) {
  torch::manual_seed(absl::GetFlag(FLAGS_seed));
  std::shared_ptr<ApproxNetImpl> net = MakeNet("lenet5");
  if (absl::Status s = LoadWeights(*net, checkpoint); !s.ok()) return s;
  if (absl::Status s = DeployUniform(*net, m); !s.ok()) return s;
  for (auto& [name, layer] : net->approx_layers()) layer->set_retrain_gradient(gradient);
  Outcome out;
  out.before = Evaluate(*net, data.test, 512);
  StageSettings settings = net->training_settings().approx;
  settings.epochs = absl::GetFlag(FLAGS_epochs);
  TrainOptions o;
  o.seed = absl::GetFlag(FLAGS_seed);
  o.label = m.name + (gradient == RetrainGradient::kTable ? " table" : " ste");
  o.augment = data.augment;
  out.epochs = TrainStage(*net, Mode::kApprox, settings, data.train, data.test, o);
  return out;
}

std::string Accuracies(const Outcome& o) {
  std::vector<std::string> parts;
  for (const EpochResult& e : o.epochs) parts.push_back(absl::StrFormat("%.4f", e.accuracy));
  return absl::StrJoin(parts, " / ");
}

std::string Seconds(const Outcome& o) {
  std::vector<std::string> parts;
  for (const EpochResult& e : o.epochs) parts.push_back(absl::StrFormat("%.1f", e.seconds));
  return absl::StrJoin(parts, " / ");
}

int Main() {
  const std::string checkpoint = UserPath(absl::GetFlag(FLAGS_checkpoint));
  if (checkpoint.empty()) UsageError("--checkpoint is required");
  const int threads = absl::GetFlag(FLAGS_threads);
  torch::set_num_threads(threads > 0 ? threads : 2);
  absl::StatusOr<DataSplits> data = OpenDataset("fashion_mnist", "");
  if (!data.ok()) FailWith(data.status());
  absl::StatusOr<Catalog> catalog = OpenCatalog(absl::GetFlag(FLAGS_catalog), UserDirectory());
  if (!catalog.ok()) FailWith(catalog.status());
  std::printf("| multiplier | relative power | before retraining | ste, per epoch | table, per "
              "epoch | seconds per epoch, ste | table |\n|---|---|---|---|---|---|---|\n");
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_multipliers), ',')) {
    const Multiplier* m = FindMultiplier(*catalog, std::string(name));
    if (m == nullptr) {
      FailWith(absl::InvalidArgumentError(
          absl::StrCat("--multipliers: ", name, " is not in ", absl::GetFlag(FLAGS_catalog))));
    }
    absl::StatusOr<Outcome> ste = Retrain(checkpoint, *m, RetrainGradient::kStraightThrough, *data);
    if (!ste.ok()) FailWith(ste.status());
    absl::StatusOr<Outcome> table = Retrain(checkpoint, *m, RetrainGradient::kTable, *data);
    if (!table.ok()) FailWith(table.status());
    auto power = m->metrics.find("power");
    std::printf("| `%s` | %s | %.4f | %s | %s | %s | %s |\n", m->name.c_str(),
                power == m->metrics.end() ? "-" : absl::StrFormat("%.3f", power->second).c_str(),
                ste->before, Accuracies(*ste).c_str(), Accuracies(*table).c_str(),
                Seconds(*ste).c_str(), Seconds(*table).c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace agnapprox

int main(int argc, char** argv) {
  agnapprox::RestartWithPassiveThreads(argv);
  agnapprox::KeepFreedMemoryInHeap();
  absl::ParseCommandLine(argc, argv);
  return agnapprox::Main();
}

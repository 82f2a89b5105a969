#include "nets/data/open_dataset.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nets/data/cifar.h"

namespace agnapprox {
namespace {

struct Entry {
  const char* name;
  const char* default_dir;  // "" = none
  const char* files;        // what the folder must hold, for errors
  absl::StatusOr<Dataset> (*load)(const std::string& dir, bool train);
  torch::Tensor (*augment)(const torch::Tensor&, uint64_t);
};

const Entry kEntries[] = {
    {"fashion_mnist", kFashionMnistDir, "IDX files", LoadMnistLike, nullptr},
    {"mnist", "", "IDX files", LoadMnistLike, nullptr},
    {"cifar10", "", "data_batch_1.bin ... test_batch.bin", LoadCifar10, AugmentCifar},
};

}  // namespace

std::vector<std::string> DatasetNames() {
  std::vector<std::string> names;
  for (const Entry& e : kEntries) names.push_back(e.name);
  return names;
}

absl::StatusOr<DataSplits> OpenDataset(const std::string& name, const std::string& dir) {
  for (const Entry& e : kEntries) {
    if (name != e.name) continue;
    const std::string folder = dir.empty() ? e.default_dir : dir;
    if (folder.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--data_dir: ", name, " needs the folder of its ", e.files));
    }
    DataSplits d;
    absl::StatusOr<Dataset> train = e.load(folder, true);
    if (!train.ok()) return train.status();
    absl::StatusOr<Dataset> test = e.load(folder, false);
    if (!test.ok()) return test.status();
    d.train = std::move(*train);
    d.test = std::move(*test);
    if (e.augment != nullptr) d.augment = e.augment;
    return d;
  }
  return absl::InvalidArgumentError(absl::StrCat("--dataset: unknown data set '", name,
                                                 "' (available: ",
                                                 absl::StrJoin(DatasetNames(), ", "), ")"));
}

}  // namespace agnapprox

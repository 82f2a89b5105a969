// Opening a data set by name: the one place that knows which data sets
// exist, where their files are by default and how they are augmented.
//
//   absl::StatusOr<DataSplits> data = OpenDataset("fashion_mnist", "");
//   // data->train.images: [60000, 1, 28, 28]; data->augment is empty
#ifndef AGNAPPROX_NETS_DATA_OPEN_DATASET_H_
#define AGNAPPROX_NETS_DATA_OPEN_DATASET_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nets/data/dataset.h"

namespace agnapprox {

struct DataSplits {
  Dataset train, test;
  // The training augmentation (images, seed) -> images; empty for none.
  std::function<torch::Tensor(const torch::Tensor&, uint64_t)> augment;
};

// "fashion_mnist", "mnist", "cifar10".
std::vector<std::string> DatasetNames();

// The data set `name` from `dir`. An empty `dir` means the default folder,
// which only fashion_mnist has (Debian's package); the others need one.
// Errors name the data set or the file that is wrong.
absl::StatusOr<DataSplits> OpenDataset(const std::string& name, const std::string& dir);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_OPEN_DATASET_H_

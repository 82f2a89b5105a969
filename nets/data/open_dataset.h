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
#include "nets/data/image_source.h"

namespace agnapprox {

struct DataSplits {
  Dataset train, test;
  // The training augmentation (images, seed) -> images; empty for none (a
  // streamed set augments as it decodes).
  std::function<torch::Tensor(const torch::Tensor&, uint64_t)> augment;
  // Classes: labels are 0..classes-1.
  int64_t classes = 10;
  // One line for the user about the data (files skipped), or "".
  std::string note;
};

// "fashion_mnist", "mnist", "cifar10", "folder", "npy".
std::vector<std::string> DatasetNames();

// Whether `name` takes the image flags (--image_size, --resize, --mean,
// --std, --augment): the streamed sets, folder and npy.
bool TakesImageOptions(const std::string& name);

// The data set `name` from `dir`. An empty `dir` means the default folder,
// which only fashion_mnist has (Debian's package); the others need one.
// `images` is for folder and npy (their preprocessing; the training split
// augments unless images.augment is false). Errors name the data set or the
// file that is wrong.
absl::StatusOr<DataSplits> OpenDataset(const std::string& name, const std::string& dir,
                                       const ImageOptions& images = ImageOptions());

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_OPEN_DATASET_H_

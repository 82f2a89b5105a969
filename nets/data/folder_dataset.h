// The `folder` data set (spec section 9): torchvision's ImageFolder layout
// (DIR/train/CLASS/*, DIR/val/CLASS/* or DIR/test/CLASS/*) and Tiny
// ImageNet's own (train/CLASS/images/*, val/images/* with
// val/val_annotations.txt). Files are recognised by their content (JPEG,
// PNG); others are skipped and counted. Only the paths are held; images are
// decoded as batches need them.
#ifndef AGNAPPROX_NETS_DATA_FOLDER_DATASET_H_
#define AGNAPPROX_NETS_DATA_FOLDER_DATASET_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nets/data/image_source.h"

namespace agnapprox {

struct FolderData {
  std::shared_ptr<const ImageSource> train, test;
  torch::Tensor train_labels, test_labels;  // int64
  std::vector<std::string> classes;         // sorted names of train/'s subfolders
  int64_t skipped = 0;                      // files that are neither JPEG nor PNG
};

// Errors name the folder or file: no train/, no val/ or test/, an empty
// class folder, a test class train/ does not have.
absl::StatusOr<FolderData> OpenFolderDataset(const std::string& dir, const ImageOptions& train,
                                             const ImageOptions& test);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_FOLDER_DATASET_H_

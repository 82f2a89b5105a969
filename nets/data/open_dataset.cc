#include "nets/data/open_dataset.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nets/data/cifar.h"
#include "nets/data/folder_dataset.h"
#include "nets/data/npy_dataset.h"

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

// The npy data set's two splits from DIR/{train,test}_{images,labels}.npy.
absl::StatusOr<DataSplits> OpenNpy(const std::string& dir, const ImageOptions& images) {
  DataSplits d;
  int64_t max_label = -1;
  for (bool train : {true, false}) {
    const std::string prefix = dir + "/" + (train ? "train" : "test");
    ImageOptions o = images;
    o.augment = train && images.augment;
    absl::StatusOr<std::shared_ptr<const ImageSource>> x = OpenNpyImages(prefix + "_images.npy", o);
    if (!x.ok()) return x.status();
    absl::StatusOr<torch::Tensor> y = ReadNpyLabels(prefix + "_labels.npy");
    if (!y.ok()) return y.status();
    if (y->size(0) != (*x)->size()) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "_labels.npy: ", y->size(0),
                                                     " labels for the ", (*x)->size(),
                                                     " images of ", prefix, "_images.npy"));
    }
    if (y->numel() > 0) max_label = std::max(max_label, y->max().item<int64_t>());
    Dataset& split = train ? d.train : d.test;
    split.source = *x;
    split.labels = *y;
  }
  if (d.train.size() == 0) return absl::InvalidArgumentError(dir + "/train_images.npy: no images");
  d.classes = max_label + 1;
  return d;
}

absl::StatusOr<DataSplits> OpenFolder(const std::string& dir, const ImageOptions& images) {
  ImageOptions train = images, test = images;
  test.augment = false;
  absl::StatusOr<FolderData> f = OpenFolderDataset(dir, train, test);
  if (!f.ok()) return f.status();
  DataSplits d;
  d.train.source = f->train;
  d.train.labels = f->train_labels;
  d.test.source = f->test;
  d.test.labels = f->test_labels;
  d.classes = static_cast<int64_t>(f->classes.size());
  if (f->skipped > 0) {
    d.note = absl::StrCat(dir, ": skipped ", f->skipped, " files that are neither JPEG nor PNG");
  }
  return d;
}

}  // namespace

std::vector<std::string> DatasetNames() {
  std::vector<std::string> names;
  for (const Entry& e : kEntries) names.push_back(e.name);
  names.push_back("folder");
  names.push_back("npy");
  return names;
}

bool TakesImageOptions(const std::string& name) { return name == "folder" || name == "npy"; }

absl::StatusOr<DataSplits> OpenDataset(const std::string& name, const std::string& dir,
                                       const ImageOptions& images) {
  if (TakesImageOptions(name)) {
    if (dir.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--data_dir: ", name, " needs a folder (",
          name == "npy" ? "train_images.npy, train_labels.npy, test_images.npy, test_labels.npy"
                        : "train/CLASS/*, val/CLASS/* or test/CLASS/*",
          ")"));
    }
    return name == "npy" ? OpenNpy(dir, images) : OpenFolder(dir, images);
  }
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

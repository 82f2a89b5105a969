// Image classification data as tensors, and the Fashion-MNIST loader.
//
//   absl::StatusOr<Dataset> train = LoadMnistLike(dir, /*train=*/true);
//   // train->images: float [60000, 1, 28, 28], normalised; labels: int64
#ifndef AGNAPPROX_NETS_DATA_DATASET_H_
#define AGNAPPROX_NETS_DATA_DATASET_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nets/data/image_source.h"

namespace agnapprox {

inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

// Examples in memory (`images`), or decoded as they are used from an image
// source (`source`, the folder and npy data sets: spec section 9). Read the
// images through Images(), which serves both.
struct Dataset {
  torch::Tensor images;  // float [N, C, H, W], normalised; undefined when streamed
  torch::Tensor labels;  // int64 [N]
  // Streamed: example i is the source's image index[i] (index undefined:
  // image i).
  std::shared_ptr<const ImageSource> source = nullptr;
  torch::Tensor index = torch::Tensor();
  int64_t size() const { return labels.size(0); }
  // [C, H, W].
  std::vector<int64_t> image_shape() const;
  // Examples begin..end, or `idx` (int64), as float [n, C, H, W]: in memory
  // a slice, streamed decoded now (augment_seed >= 0: the source's
  // training augmentation from that seed; an in-memory set ignores it).
  torch::Tensor Images(int64_t begin, int64_t end) const;
  torch::Tensor Images(const torch::Tensor& idx, int64_t augment_seed = -1) const;
  // The examples `idx` (int64) as a data set of their own (a view of the
  // same source when streamed).
  Dataset Select(const torch::Tensor& idx) const;
};

// MNIST-format IDX files in `dir`: train-images-idx3-ubyte(.gz) and
// train-labels-idx1-ubyte(.gz), or the t10k-* test files. Pixels are
// scaled to [0, 1] and normalised with the training set's mean and std.
absl::StatusOr<Dataset> LoadMnistLike(const std::string& dir, bool train);

// The first `count` examples (all when count >= size), e.g. a fixed sample
// for tracing.
Dataset Head(const Dataset& data, int64_t count);

// Training data split into images held out of training for calibration
// (the verified selection measures accuracy on them) and the rest: a
// seeded random choice of `count` examples; both parts keep the original
// order, and `calibration_index`/`rest_index` say which examples they are.
struct CalibrationSplit {
  Dataset calibration, rest;
  torch::Tensor calibration_index, rest_index;  // int64, increasing
};
// REQUIRES: 0 <= count <= data.size().
CalibrationSplit SplitCalibration(const Dataset& data, int64_t count, uint64_t seed);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_DATASET_H_

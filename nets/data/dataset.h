// Image classification data as tensors, and the Fashion-MNIST loader.
//
//   absl::StatusOr<Dataset> train = LoadMnistLike(dir, /*train=*/true);
//   // train->images: float [60000, 1, 28, 28], normalised; labels: int64
#ifndef AGNAPPROX_NETS_DATA_DATASET_H_
#define AGNAPPROX_NETS_DATA_DATASET_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"

namespace agnapprox {

inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

struct Dataset {
  torch::Tensor images;  // float [N, C, H, W], normalised
  torch::Tensor labels;  // int64 [N]
  int64_t size() const { return labels.size(0); }
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

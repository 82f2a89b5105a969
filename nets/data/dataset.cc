#include "nets/data/dataset.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "nets/data/idx.h"

namespace agnapprox {
namespace {

// Fashion-MNIST training-set statistics of pixels in [0, 1].
constexpr double kMean = 0.2860, kStd = 0.3530;

std::string Existing(const std::string& base) {
  struct stat st;
  if (stat((base + ".gz").c_str(), &st) == 0) return base + ".gz";
  return base;
}

}  // namespace

absl::StatusOr<Dataset> LoadMnistLike(const std::string& dir, bool train) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  const std::string images_path = Existing(prefix + "-images-idx3-ubyte");
  const std::string labels_path = Existing(prefix + "-labels-idx1-ubyte");
  absl::StatusOr<IdxArray> images = ReadIdx(images_path);
  if (!images.ok()) return images.status();
  absl::StatusOr<IdxArray> labels = ReadIdx(labels_path);
  if (!labels.ok()) return labels.status();
  if (images->dims.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(images_path, ": expected [N, rows, cols] images"));
  }
  if (labels->dims.size() != 1 || labels->dims[0] != images->dims[0]) {
    return absl::InvalidArgumentError(absl::StrCat(
        labels_path, ": ", labels->dims.empty() ? 0 : labels->dims[0], " labels for ",
        images->dims[0], " images"));
  }
  for (uint8_t l : labels->data) {
    if (l > 9) {
      return absl::InvalidArgumentError(absl::StrCat(labels_path, ": label ", l, " is not 0..9"));
    }
  }
  Dataset d;
  const int64_t n = images->dims[0], h = images->dims[1], w = images->dims[2];
  d.images = torch::from_blob(images->data.data(), {n, 1, h, w}, torch::kUInt8)
                 .to(torch::kFloat)
                 .div_(255.0)
                 .sub_(kMean)
                 .div_(kStd);
  d.labels = torch::from_blob(labels->data.data(), {n}, torch::kUInt8).to(torch::kLong);
  return d;
}

Dataset Head(const Dataset& data, int64_t count) {
  const int64_t n = std::min(count, data.size());
  return {data.images.slice(0, 0, n), data.labels.slice(0, 0, n)};
}

CalibrationSplit SplitCalibration(const Dataset& data, int64_t count, uint64_t seed) {
  // A generator of its own (the global one drives training), on a stream
  // apart from the epoch orders' seeds.
  const at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x63616c6962ULL);
  const torch::Tensor order = at::randperm(data.size(), gen, torch::kLong);
  CalibrationSplit s;
  s.calibration_index = std::get<0>(order.slice(0, 0, count).sort());
  s.rest_index = std::get<0>(order.slice(0, count).sort());
  s.calibration = {data.images.index_select(0, s.calibration_index),
                   data.labels.index_select(0, s.calibration_index)};
  s.rest = {data.images.index_select(0, s.rest_index), data.labels.index_select(0, s.rest_index)};
  return s;
}

}  // namespace agnapprox

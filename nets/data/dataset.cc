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

std::vector<int64_t> Dataset::image_shape() const {
  if (source != nullptr) return source->image_shape();
  return std::vector<int64_t>(images.sizes().begin() + 1, images.sizes().end());
}

torch::Tensor Dataset::Images(int64_t begin, int64_t end) const {
  if (source == nullptr) return images.slice(0, begin, end);
  return Images(torch::arange(begin, end, torch::kLong));
}

torch::Tensor Dataset::Images(const torch::Tensor& idx, int64_t augment_seed) const {
  if (source == nullptr) return images.index_select(0, idx);
  const torch::Tensor at = index.defined() ? index.index_select(0, idx) : idx;
  const torch::Tensor c = at.contiguous();
  std::vector<int64_t> rows(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  return source->Batch(rows, augment_seed);
}

Dataset Dataset::Select(const torch::Tensor& idx) const {
  Dataset d;
  d.labels = labels.index_select(0, idx);
  if (source == nullptr) {
    d.images = images.index_select(0, idx);
  } else {
    d.source = source;
    d.index = index.defined() ? index.index_select(0, idx) : idx.clone();
  }
  return d;
}

Dataset Head(const Dataset& data, int64_t count) {
  const int64_t n = std::min(count, data.size());
  if (data.source == nullptr) return {data.images.slice(0, 0, n), data.labels.slice(0, 0, n)};
  return data.Select(torch::arange(n, torch::kLong));
}

CalibrationSplit SplitCalibration(const Dataset& data, int64_t count, uint64_t seed) {
  // A generator of its own (the global one drives training), on a stream
  // apart from the epoch orders' seeds.
  const at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x63616c6962ULL);
  const torch::Tensor order = at::randperm(data.size(), gen, torch::kLong);
  CalibrationSplit s;
  s.calibration_index = std::get<0>(order.slice(0, 0, count).sort());
  s.rest_index = std::get<0>(order.slice(0, count).sort());
  s.calibration = data.Select(s.calibration_index);
  s.rest = data.Select(s.rest_index);
  return s;
}

}  // namespace agnapprox

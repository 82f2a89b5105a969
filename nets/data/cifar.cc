#include "nets/data/cifar.h"

#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

// Per-channel mean and std of the CIFAR-10 training pixels in [0, 1].
constexpr float kMean[3] = {0.4914f, 0.4822f, 0.4465f};
constexpr float kStd[3] = {0.2470f, 0.2435f, 0.2616f};

}  // namespace

absl::StatusOr<Dataset> ParseCifarBatch(absl::string_view bytes, const std::string& name) {
  if (bytes.empty() || bytes.size() % kCifarRecordBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", bytes.size(), " bytes is not a whole number of 3073-byte CIFAR-10 records",
        bytes.size() % kCifarRecordBytes != 0 ? " (truncated or wrong file)" : ""));
  }
  const int64_t n = static_cast<int64_t>(bytes.size()) / kCifarRecordBytes;
  torch::Tensor raw = torch::from_blob(const_cast<char*>(bytes.data()), {n, kCifarRecordBytes},
                                       torch::kUInt8);
  const torch::Tensor labels = raw.select(1, 0).to(torch::kLong);
  if (labels.max().item<int64_t>() > 9) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": label ", labels.max().item<int64_t>(), " is not 0..9"));
  }
  Dataset d;
  d.labels = labels.clone();
  d.images = raw.slice(1, 1).reshape({n, 3, 32, 32}).to(torch::kFloat).div_(255.0);
  const torch::Tensor mean = torch::tensor({kMean[0], kMean[1], kMean[2]}).reshape({1, 3, 1, 1});
  const torch::Tensor std = torch::tensor({kStd[0], kStd[1], kStd[2]}).reshape({1, 3, 1, 1});
  d.images = (d.images - mean) / std;
  return d;
}

absl::StatusOr<Dataset> LoadCifar10(const std::string& dir, bool train) {
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i) files.push_back(absl::StrCat(dir, "/data_batch_", i, ".bin"));
  } else {
    files.push_back(dir + "/test_batch.bin");
  }
  std::vector<torch::Tensor> images, labels;
  for (const std::string& path : files) {
    absl::StatusOr<std::string> bytes = ReadFile(path);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<Dataset> batch = ParseCifarBatch(*bytes, path);
    if (!batch.ok()) return batch.status();
    images.push_back(batch->images);
    labels.push_back(batch->labels);
  }
  return Dataset{torch::cat(images), torch::cat(labels)};
}

torch::Tensor AugmentCifar(const torch::Tensor& images, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const int64_t n = images.size(0);
  const torch::Tensor padded = torch::constant_pad_nd(images, {4, 4, 4, 4}, 0);
  const torch::Tensor offsets = torch::randint(0, 9, {n, 2}, gen, torch::kLong);
  const torch::Tensor flips = torch::randint(0, 2, {n}, gen, torch::kLong);
  torch::Tensor out = torch::empty_like(images);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t dy = offsets[i][0].item<int64_t>(), dx = offsets[i][1].item<int64_t>();
    torch::Tensor crop = padded[i].slice(1, dy, dy + 32).slice(2, dx, dx + 32);
    if (flips[i].item<int64_t>() == 1) crop = crop.flip({2});
    out[i].copy_(crop);
  }
  return out;
}

}  // namespace agnapprox

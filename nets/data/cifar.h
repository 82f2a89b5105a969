// CIFAR-10 in its binary form: data_batch_1.bin ... data_batch_5.bin and
// test_batch.bin, each record 1 label byte and 3072 pixel bytes (1024 red,
// 1024 green, 1024 blue, row-major 32x32).
//
//   absl::StatusOr<Dataset> train = LoadCifar10(dir, /*train=*/true);
//   Dataset batch = AugmentCifar(train->images.slice(0, 0, 128), seed);
#ifndef AGNAPPROX_NETS_DATA_CIFAR_H_
#define AGNAPPROX_NETS_DATA_CIFAR_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nets/data/dataset.h"

namespace agnapprox {

inline constexpr int64_t kCifarRecordBytes = 1 + 3 * 32 * 32;

// Parses the records of one batch file; `name` prefixes errors. A size that
// is not a whole number of records, or a label above 9, is refused.
absl::StatusOr<Dataset> ParseCifarBatch(absl::string_view bytes, const std::string& name);

// The five training batches or the test batch from `dir`, normalised with
// the usual per-channel CIFAR-10 mean and std. A missing, truncated or
// wrong-size file is an error naming it.
absl::StatusOr<Dataset> LoadCifar10(const std::string& dir, bool train);

// The usual training augmentation, seeded: random crop with padding 4 and a
// random horizontal flip, per image. images: [N, 3, 32, 32].
torch::Tensor AugmentCifar(const torch::Tensor& images, uint64_t seed);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_CIFAR_H_

// The `npy` data set (spec section 9): DIR/{train,test}_{images,labels}.npy,
// images memory-mapped and decoded a batch at a time.
//
//   absl::StatusOr<std::shared_ptr<const ImageSource>> images =
//       OpenNpyImages(dir + "/train_images.npy", options);
#ifndef AGNAPPROX_NETS_DATA_NPY_DATASET_H_
#define AGNAPPROX_NETS_DATA_NPY_DATASET_H_

#include <torch/torch.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nets/data/image_source.h"

namespace agnapprox {

// uint8 [N, H, W] (grey), [N, H, W, C] or [N, C, H, W] (C = 1 or 3; the
// layout from where the 1 or 3 stands, [N, C, H, W] when both could), or
// float32 [N, C, S, S] already preprocessed (used as they are: `o` then
// only fixes nothing, the array says C and S). Errors name `path`.
absl::StatusOr<std::shared_ptr<const ImageSource>> OpenNpyImages(const std::string& path,
                                                                 const ImageOptions& o);

// Labels: any integer dtype, [N], values >= 0, as int64.
absl::StatusOr<torch::Tensor> ReadNpyLabels(const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_NPY_DATASET_H_

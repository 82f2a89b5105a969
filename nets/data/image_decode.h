// JPEG and PNG decoding with Debian's libjpeg-turbo and libpng (not a decoder
// of our own), to uint8 [H, W, C]: grey images keep one channel, colour ones
// (RGB, palette, CMYK) have three; alpha is dropped.
//
//   absl::StatusOr<torch::Tensor> pixels = DecodeImage(bytes, "cat/001.jpg");
#ifndef AGNAPPROX_NETS_DATA_IMAGE_DECODE_H_
#define AGNAPPROX_NETS_DATA_IMAGE_DECODE_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"

namespace agnapprox {

enum class ImageKind { kJpeg, kPng, kOther };

// What a file's first bytes (at least 8 where it has them) say it is.
ImageKind KindOf(const std::string& head);

// Errors name `name`: a file that is neither, or does not decode.
absl::StatusOr<torch::Tensor> DecodeImage(const std::string& bytes, const std::string& name);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_IMAGE_DECODE_H_

// Images decoded as they are needed (spec section 9): the `folder` and `npy`
// data sets, which are never held whole in memory as floats. A source holds
// the undecoded images (files, or a memory-mapped array) and turns one into
// the network's float input on request: resize, crop, flip, normalise.
//
//   ImageOptions o;                          // --image_size, --resize, ...
//   absl::StatusOr<std::shared_ptr<const ImageSource>> s = OpenNpyImages(path, o);
//   torch::Tensor x = (*s)->Image(7, /*augment_seed=*/-1);   // [C, S, S]
#ifndef AGNAPPROX_NETS_DATA_IMAGE_SOURCE_H_
#define AGNAPPROX_NETS_DATA_IMAGE_SOURCE_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace agnapprox {

// How images become the network's input (spec section 9).
struct ImageOptions {
  int64_t image_size = 224;   // S: the crop's side
  int64_t resize = -1;        // R: the shorter side before cropping; -1: round(S*256/224); 0: none
  std::vector<double> mean = {0.485, 0.456, 0.406};  // one value serves every channel
  std::vector<double> std = {0.229, 0.224, 0.225};
  bool augment = true;        // training: random crop and flip (else the evaluation transform)
  int64_t channels = 3;       // the network's: 1 (grey, ITU-R 601 luma) or 3

  int64_t ResizeTo() const { return resize >= 0 ? resize : (image_size * 256 + 112) / 224; }
};

// One undecoded image: its bytes as uint8 [H, W, C] (C = 1, 3 or 4), and a
// name for errors (a file, or "ARRAY.npy[i]").
struct RawImage {
  torch::Tensor pixels;  // uint8 [H, W, C]
  std::string name;
};

// The transform of one image: channel conversion, resize of the shorter side
// to o.ResizeTo() (bilinear, antialiased when shrinking, rounded to 8 bits
// as PIL's resize is), crop S x S (centre; with augment_seed >= 0 a seeded
// random place and a horizontal flip with probability 1/2), pixels / 255,
// (x - mean) / std per channel. Throws std::runtime_error naming the image
// when it is smaller than S x S without resizing.
torch::Tensor Preprocess(const RawImage& image, const ImageOptions& o, int64_t augment_seed);

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual int64_t size() const = 0;
  // Example i's undecoded image. Thread-safe; throws std::runtime_error
  // naming the file when it does not decode.
  virtual RawImage Raw(int64_t i) const = 0;
  const ImageOptions& options() const { return options_; }
  // [C, S, S].
  std::vector<int64_t> image_shape() const {
    return {options_.channels, options_.image_size, options_.image_size};
  }
  // The network's input for example i (augment_seed < 0: evaluation).
  virtual torch::Tensor Image(int64_t i, int64_t augment_seed) const {
    return Preprocess(Raw(i), options_, augment_seed);
  }
  // Examples `index` as one batch [n, C, S, S], decoded on LibTorch's
  // threads; image i augmented from augment_seed * 1000003 + i when
  // augment_seed >= 0. Throws std::runtime_error naming a bad image.
  torch::Tensor Batch(const std::vector<int64_t>& index, int64_t augment_seed) const;

 protected:
  explicit ImageSource(ImageOptions o) : options_(std::move(o)) {}
  ImageOptions options_;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_IMAGE_SOURCE_H_

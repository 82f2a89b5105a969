#include "nets/data/image_source.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace agnapprox {

namespace F = torch::nn::functional;

torch::Tensor Preprocess(const RawImage& image, const ImageOptions& o, int64_t augment_seed) {
  // [C, H, W] float 0..255 with the network's channel count.
  torch::Tensor x = image.pixels.permute({2, 0, 1}).to(torch::kFloat);
  if (x.size(0) == 4) x = x.slice(0, 0, 3);  // alpha dropped
  if (o.channels == 3 && x.size(0) == 1) x = x.expand({3, x.size(1), x.size(2)});
  if (o.channels == 1 && x.size(0) == 3) {
    // ITU-R 601-2 luma, rounded to 8 bits as PIL's convert("L").
    x = (x[0] * 0.299 + x[1] * 0.587 + x[2] * 0.114).round().unsqueeze(0);
  }
  const int64_t s = o.image_size, r = o.ResizeTo();
  if (r > 0) {
    const int64_t h = x.size(1), w = x.size(2);
    const int64_t nh = h <= w ? r : static_cast<int64_t>(r * h / static_cast<double>(w));
    const int64_t nw = h <= w ? static_cast<int64_t>(r * w / static_cast<double>(h)) : r;
    if (nh != h || nw != w) {
      x = F::interpolate(x.unsqueeze(0), F::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{nh, nw})
                                             .mode(torch::kBilinear)
                                             .align_corners(false)
                                             .antialias(nh < h || nw < w))
              .squeeze(0)
              .round()
              .clamp(0, 255);
    }
  }
  const int64_t h = x.size(1), w = x.size(2);
  if (h < s || w < s) {
    throw std::runtime_error(absl::StrCat(image.name, ": ", h, "x", w, " is smaller than the ",
                                          s, "x", s, " crop (--image_size; --resize=0 keeps "
                                          "images as they are)"));
  }
  int64_t top = (h - s + 1) / 2, left = (w - s + 1) / 2;
  bool flip = false;
  if (augment_seed >= 0) {
    std::mt19937_64 rng(static_cast<uint64_t>(augment_seed));
    top = static_cast<int64_t>(rng() % static_cast<uint64_t>(h - s + 1));
    left = static_cast<int64_t>(rng() % static_cast<uint64_t>(w - s + 1));
    flip = (rng() & 1) != 0;
  }
  x = x.slice(1, top, top + s).slice(2, left, left + s);
  if (flip) x = x.flip({2});
  x = x / 255.0;
  const int64_t c = x.size(0);
  std::vector<float> mean(c), std(c);
  for (int64_t k = 0; k < c; ++k) {
    mean[k] = static_cast<float>(o.mean.size() == 1 ? o.mean[0] : o.mean.at(k));
    std[k] = static_cast<float>(o.std.size() == 1 ? o.std[0] : o.std.at(k));
  }
  return ((x - torch::tensor(mean).reshape({c, 1, 1})) / torch::tensor(std).reshape({c, 1, 1}))
      .contiguous();
}

torch::Tensor ImageSource::Batch(const std::vector<int64_t>& index, int64_t augment_seed) const {
  const int64_t n = static_cast<int64_t>(index.size());
  const std::vector<int64_t> shape = image_shape();
  torch::Tensor out = torch::empty({n, shape[0], shape[1], shape[2]});
  std::string error;
  std::mutex error_lock;
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      try {
        // Each example's augmentation from the batch's seed and the example
        // itself, whichever rank or batch position decodes it.
        out[k].copy_(Image(index[k], augment_seed < 0 ? -1 : augment_seed * 1000003 + index[k]));
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> hold(error_lock);
        if (error.empty()) error = e.what();
      }
    }
  });
  if (!error.empty()) throw std::runtime_error(error);
  return out;
}

}  // namespace agnapprox

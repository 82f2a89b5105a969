#include "nets/data/npy_dataset.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "io/npy.h"

namespace agnapprox {
namespace {

std::string ShapeText(const std::vector<int64_t>& s) { return "[" + absl::StrJoin(s, ", ") + "]"; }

// uint8 images in a memory-mapped array: [N, H, W], [N, H, W, C] or
// [N, C, H, W] with C = 1 or 3.
class NpyImages : public ImageSource {
 public:
  NpyImages(std::shared_ptr<const MappedNpy> a, bool channels_first, ImageOptions o)
      : ImageSource(std::move(o)), a_(std::move(a)), channels_first_(channels_first) {
    const std::vector<int64_t>& s = a_->shape();
    if (s.size() == 3) {
      h_ = s[1], w_ = s[2], c_ = 1;
    } else if (channels_first_) {
      c_ = s[1], h_ = s[2], w_ = s[3];
    } else {
      h_ = s[1], w_ = s[2], c_ = s[3];
    }
  }
  int64_t size() const override { return a_->shape()[0]; }
  RawImage Raw(int64_t i) const override {
    const int64_t n = h_ * w_ * c_;
    torch::Tensor t = torch::empty({n}, torch::kUInt8);
    std::memcpy(t.data_ptr<uint8_t>(), a_->data() + i * n, n);
    t = channels_first_ ? t.reshape({c_, h_, w_}).permute({1, 2, 0}) : t.reshape({h_, w_, c_});
    return {t, absl::StrCat(a_->path(), "[", i, "]")};
  }

 private:
  std::shared_ptr<const MappedNpy> a_;
  bool channels_first_;
  int64_t h_ = 0, w_ = 0, c_ = 1;
};

// float32 [N, C, H, W] already preprocessed: used as they are.
class NpyFloatImages : public ImageSource {
 public:
  NpyFloatImages(std::shared_ptr<const MappedNpy> a, ImageOptions o)
      : ImageSource(std::move(o)), a_(std::move(a)) {
    options_.channels = a_->shape()[1];
    options_.image_size = a_->shape()[2];
  }
  int64_t size() const override { return a_->shape()[0]; }
  RawImage Raw(int64_t i) const override { return {Image(i, -1), absl::StrCat(a_->path(), "[", i, "]")}; }
  torch::Tensor Image(int64_t i, int64_t) const override {
    const std::vector<int64_t>& s = a_->shape();
    const int64_t n = s[1] * s[2] * s[3];
    torch::Tensor t = torch::empty({s[1], s[2], s[3]}, torch::kFloat);
    std::memcpy(t.data_ptr<float>(), a_->data() + i * n * 4, n * 4);
    return t;
  }

 private:
  std::shared_ptr<const MappedNpy> a_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const ImageSource>> OpenNpyImages(const std::string& path,
                                                                 const ImageOptions& o) {
  absl::StatusOr<std::shared_ptr<const MappedNpy>> a = MappedNpy::Open(path);
  if (!a.ok()) return a.status();
  const std::vector<int64_t>& s = (*a)->shape();
  if ((*a)->fortran_order()) {
    return absl::InvalidArgumentError(path + ": Fortran-order images are not supported (save "
                                             "them in C order)");
  }
  if ((*a)->type() == NpyType::kFloat32) {
    if (s.size() != 4 || (s[1] != 1 && s[1] != 3) || s[2] != s[3] || (*a)->byte_swapped()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": float32 images must be little-endian [N, C, S, S] with C = 1 or 3 "
                             "(already preprocessed); this array is ",
                       ShapeText(s)));
    }
    return std::shared_ptr<const ImageSource>(std::make_shared<NpyFloatImages>(*a, o));
  }
  if ((*a)->type() != NpyType::kUInt8) {
    return absl::InvalidArgumentError(
        path + ": images must be uint8 (or float32 already preprocessed)");
  }
  bool channels_first = false;
  if (s.size() == 4) {
    const bool first = s[1] == 1 || s[1] == 3, last = s[3] == 1 || s[3] == 3;
    if (!first && !last) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": images ", ShapeText(s),
                       " have no channel axis of 1 or 3 ([N, H, W, C] or [N, C, H, W])"));
    }
    channels_first = first;  // [N, C, H, W] when both could be
  } else if (s.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": images ", ShapeText(s), " (want [N, H, W], [N, H, W, C] or [N, C, H, W])"));
  }
  for (int64_t d : s) {
    if (d <= 0 && &d != &s[0]) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": images ", ShapeText(s)));
    }
  }
  const int64_t h = channels_first ? s[2] : s[1], w = channels_first ? s[3] : s[2];
  const int64_t r = o.ResizeTo();
  if (r == 0 && (h < o.image_size || w < o.image_size)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", h, "x", w, " images are smaller than the ", o.image_size, "x",
                     o.image_size, " crop with --resize=0"));
  }
  return std::shared_ptr<const ImageSource>(std::make_shared<NpyImages>(*a, channels_first, o));
}

absl::StatusOr<torch::Tensor> ReadNpyLabels(const std::string& path) {
  absl::StatusOr<NpyArray> a = ReadNpy(path);
  if (!a.ok()) return a.status();
  if (!IsIntegerType(a->type) || a->type == NpyType::kBool || a->shape.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": labels must be integers [N], not this ", ShapeText(a->shape),
                     " array"));
  }
  std::vector<int64_t> v(a->values.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (a->values[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": label ", a->values[i], " at ", i, " is negative"));
    }
    v[i] = static_cast<int64_t>(a->values[i]);
  }
  return torch::tensor(v, torch::kLong);
}

}  // namespace agnapprox

#include "nets/zoo/mobilenetv2.h"

#include "absl/strings/str_cat.h"
#include "nets/zoo/cifar_settings.h"

namespace agnapprox {

namespace nn = torch::nn;

namespace {

// (expansion t, output channels c, blocks n, first stride s).
struct Stage {
  int t, c, n, s;
};
constexpr Stage kStages[] = {{1, 16, 1, 1},  {6, 24, 2, 1},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};

torch::Tensor Relu6(const torch::Tensor& x) { return torch::clamp(x, 0, 6); }

}  // namespace

MobileNetV2Impl::MobileNetV2Impl(int num_classes) {
  auto add = [&](const std::string& name, ApproxLayer layer) {
    layer = register_module(name, layer);
    layers_.push_back({name, layer});
    return layer;
  };
  stem_ = add("conv1", ApproxLayer(nn::Conv2dOptions(3, 32, 3).padding(1).bias(false)));
  stem_bn_ = register_module("bn1", nn::BatchNorm2d(32));
  int64_t in = 32;
  int index = 0;
  for (const Stage& st : kStages) {
    for (int i = 0; i < st.n; ++i) {
      Block b;
      const int64_t hidden = in * st.t;
      const int stride = i == 0 ? st.s : 1;
      const std::string p = absl::StrCat("block", index++, "_");
      if (st.t != 1) {
        b.expand = add(p + "expand", ApproxLayer(nn::Conv2dOptions(in, hidden, 1).bias(false)));
        b.bn_expand = register_module(p + "bn_expand", nn::BatchNorm2d(hidden));
      }
      b.depthwise = add(p + "depthwise",
                        ApproxLayer(nn::Conv2dOptions(hidden, hidden, 3)
                                        .stride(stride)
                                        .padding(1)
                                        .groups(hidden)
                                        .bias(false)));
      b.bn_depthwise = register_module(p + "bn_depthwise", nn::BatchNorm2d(hidden));
      b.project = add(p + "project", ApproxLayer(nn::Conv2dOptions(hidden, st.c, 1).bias(false)));
      b.bn_project = register_module(p + "bn_project", nn::BatchNorm2d(st.c));
      b.residual = stride == 1 && in == st.c;
      blocks_.push_back(b);
      in = st.c;
    }
  }
  head_ = add("conv_head", ApproxLayer(nn::Conv2dOptions(320, 1280, 1).bias(false)));
  head_bn_ = register_module("bn_head", nn::BatchNorm2d(1280));
  fc_ = add("fc", ApproxLayer(nn::LinearOptions(1280, num_classes)));
}

torch::Tensor MobileNetV2Impl::forward(torch::Tensor x) {
  x = Relu6(stem_bn_->forward(stem_->forward(x)));
  for (Block& b : blocks_) {
    torch::Tensor y = x;
    if (b.expand) y = Relu6(b.bn_expand->forward(b.expand->forward(y)));
    y = Relu6(b.bn_depthwise->forward(b.depthwise->forward(y)));
    y = b.bn_project->forward(b.project->forward(y));
    x = b.residual ? x + y : y;
  }
  x = Relu6(head_bn_->forward(head_->forward(x)));
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc_->forward(x);
}

TrainingSettings MobileNetV2Impl::training_settings() const { return CifarTrainingSettings(); }

}  // namespace agnapprox

// Checks an imported ONNX model's float forward against reference logits
// (PyTorch's, written by bench/zoo_export.py): prints the model's
// approximable and exact layers, its multiplications per image, and the
// largest |ours - reference| over each image's largest |logit|.
//
//   onnx_logits MODEL.onnx INPUT.npy LOGITS.npy
#include <cstdio>
#include <string>
#include <vector>

#include "io/npy.h"
#include "nets/onnx/onnx_net.h"

int main(int argc, char** argv) {
  using namespace agnapprox;
  if (argc != 4) {
    std::fprintf(stderr, "usage: onnx_logits MODEL.onnx INPUT.npy LOGITS.npy\n");
    return 2;
  }
  absl::StatusOr<std::shared_ptr<OnnxNetImpl>> net = ImportOnnx(argv[1]);
  if (!net.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(net.status().message()).c_str());
    return 1;
  }
  auto tensor = [](const std::string& path) -> torch::Tensor {
    absl::StatusOr<NpyArray> a = ReadNpy(path);
    if (!a.ok()) {
      std::fprintf(stderr, "error: %s\n", std::string(a.status().message()).c_str());
      std::exit(1);
    }
    std::vector<float> v(a->values.begin(), a->values.end());
    return torch::tensor(v).reshape(a->shape);
  };
  const torch::Tensor x = tensor(argv[2]), want = tensor(argv[3]);
  torch::set_num_threads(2);
  (*net)->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor got;
  try {
    got = (*net)->forward(x);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s: %s\n", argv[1], e.what());
    return 1;
  }
  if (got.sizes() != want.sizes()) {
    std::fprintf(stderr, "error: %s: logits of another shape\n", argv[1]);
    return 1;
  }
  double worst = 0;
  for (int64_t i = 0; i < want.size(0); ++i) {
    const double scale = want[i].abs().max().item<double>();
    if (!(scale > 0)) {
      std::fprintf(stderr, "error: %s: reference logits of image %lld are all zero\n", argv[3],
                   static_cast<long long>(i));
      return 1;
    }
    worst = std::max(worst, (got[i] - want[i]).abs().max().item<double>() / scale);
  }
  int64_t ops = 0;
  for (auto& [name, layer] : (*net)->approx_layers()) ops += layer->opcount();
  int64_t exact = 0;
  for (const auto& [name, count] : (*net)->exact_layers()) exact += count;
  std::printf("layers %zu exact %zu mult_per_image %lld exact_mult %lld relative_diff %.2e\n",
              (*net)->approx_layers().size(), (*net)->exact_layers().size(),
              static_cast<long long>(ops), static_cast<long long>(exact), worst);
  return worst <= 1e-4 ? 0 : 1;
}

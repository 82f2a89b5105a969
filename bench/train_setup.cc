#include "bench/train_setup.h"

#include <vector>

#include "nets/zoo/registry.h"

namespace agnapprox {

TrainSetup MakeTrainSetup(const char* name, Mode mode, int64_t batch) {
  torch::manual_seed(0);
  TrainSetup s;
  s.net = MakeNet(name);
  std::vector<int64_t> shape = {batch};
  for (int64_t d : s.net->input_shape()) shape.push_back(d);
  s.images = torch::randn(shape);
  s.labels = torch::randint(0, 10, {batch}, torch::kLong);
  s.net->set_mode(Mode::kQat);
  s.net->train();
  {
    torch::NoGradGuard no_grad;
    s.net->forward(s.images);
  }
  if (mode == Mode::kApprox) {
    std::vector<int32_t> exact(65536);
    for (int a = -128; a < 128; ++a) {
      for (int b = -128; b < 128; ++b) exact[(a + 128) * 256 + (b + 128)] = a * b;
    }
    for (auto& [n, layer] : s.net->approx_layers()) layer->set_table(exact, "exact");
  }
  s.net->set_mode(mode);
  return s;
}

}  // namespace agnapprox

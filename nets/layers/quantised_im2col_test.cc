// The activation quantiser against LibTorch's fake_quantize, bit for bit:
// on this machine's widest clone of its loop (nets/wide_loops.h) and with
// loop tails, ties, clamped and huge values.
#include "nets/layers/quantised_im2col.h"

#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

// x: random values, exact ties between codes (k + 0.5) * scale, values far
// outside the code range, +-0; 1003 of them, so that no vector width
// divides the count. Not values whose x / scale leaves int64's range:
// LibTorch converts it to int64 before clamping (undefined behaviour; here
// 1e30 took the lowest code), the quantiser clamps it to the nearest code.
torch::Tensor Inputs(float scale, int64_t zero_point) {
  torch::manual_seed(5);
  std::vector<float> v;
  for (int k = -140; k < 140; ++k) v.push_back((k + 0.5f - zero_point) * scale);
  for (float big : {1e6f, -1e6f, 1e15f, -1e15f, 0.0f, -0.0f}) v.push_back(big);
  const torch::Tensor random = torch::randn({1003 - static_cast<int64_t>(v.size())}) * 60 * scale;
  for (int64_t i = 0; i < random.numel(); ++i) v.push_back(random[i].item<float>());
  return torch::tensor(v);
}

TEST(QuantiseActivations, EqualsFakeQuantizeBitForBit) {
  for (const auto& [scale, zp] : std::vector<std::pair<float, int64_t>>{
           {0.0173f, 0}, {1.0f / 3, 37}, {0.05f, 127}, {2.5e-3f, 64}}) {
    SCOPED_TRACE(testing::Message() << "scale " << scale << " zero point " << zp);
    const torch::Tensor x = Inputs(scale, zp);
    const int64_t n = x.numel();
    const auto [want, want_mask] =
        at::fake_quantize_per_tensor_affine_cachemask(x, scale, zp, 0, 127);
    ActivationQuantiser q;
    q.scale = scale;
    q.zero_point = zp;
    std::vector<uint8_t> idx(n);
    std::vector<float> fq(n);
    std::unique_ptr<bool[]> mask(new bool[n]);
    QuantiseActivations(x.data_ptr<float>(), n, q, idx.data(), fq.data(), mask.get());
    const float* w = want.data_ptr<float>();
    const bool* wm = want_mask.data_ptr<bool>();
    for (int64_t i = 0; i < n; ++i) {
      const float xi = x[i].item<float>();
      ASSERT_EQ(std::memcmp(&fq[i], &w[i], sizeof(float)), 0)
          << "x = " << xi << ": " << fq[i] << " against " << w[i];
      ASSERT_EQ(mask[i], wm[i]) << "x = " << xi;
      const long code = std::lround(w[i] / scale) + zp;
      ASSERT_EQ(idx[i], code + 128) << "x = " << xi;
    }
    // Without the backward's outputs, and transposed (rows of 17): the
    // same indices.
    std::vector<uint8_t> plain(n), transposed(n);
    QuantiseActivations(x.data_ptr<float>(), n, q, plain.data(), nullptr, nullptr);
    EXPECT_EQ(plain, idx);
    const int64_t row = 17, rows = (n / row);
    QuantiseActivations(x.data_ptr<float>(), rows * row, q, transposed.data(), nullptr, nullptr,
                        row);
    for (int64_t i = 0; i < rows * row; ++i) {
      ASSERT_EQ(transposed[(i % row) * rows + i / row], idx[i]) << i;
    }
  }
}

}  // namespace
}  // namespace agnapprox

// Table GEMM (C[m][n] = sum_k P[a][b]) against the way the CPU peers do it,
// and against LibTorch's fp32 matmul for reference, on 2 threads.
//
//   bazel run //bench:lut_gemm_bench
//
// items_per_second = multiply-accumulates per second.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <torch/torch.h>

#include <random>

#include "multipliers/lut_gemm/internal/peer.h"
#include "multipliers/lut_gemm/lut_gemm.h"

namespace agnapprox {
namespace {

constexpr int kThreads = 2;

struct Operands {
  std::vector<int32_t> table;
  std::vector<int16_t> table16;
  std::vector<uint8_t> a, b;
};

Operands MakeOperands(int64_t m, int64_t n, int64_t k) {
  std::mt19937_64 rng(7);
  Operands o;
  o.table.resize(65536);
  o.table16.resize(65536);
  for (int i = 0; i < 65536; ++i) {
    const int a = i / 256 - 128, b = i % 256 - 128;
    o.table[i] = a * b + static_cast<int>(rng() % 7) - 3;  // not symmetric
    o.table16[i] = static_cast<int16_t>(o.table[i]);
  }
  o.a.resize(m * k);
  o.b.resize(n * k);
  for (uint8_t& x : o.a) x = static_cast<uint8_t>(128 + rng() % 128);  // ReLU codes
  for (uint8_t& x : o.b) x = static_cast<uint8_t>(rng());
  return o;
}

void SetMacs(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1) *
                          state.range(2));
}

// Our table GEMM; `portable` forces the fallback path.
void RunLutGemm(benchmark::State& state, bool portable) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const Operands o = MakeOperands(m, n, k);
  LutGemm gemm(o.table);
  if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
  state.SetLabel(gemm.kernel());
  std::vector<int32_t> c(m * n);
  for (auto _ : state) {
    gemm.Multiply(o.a.data(), m, o.b.data(), n, k, c.data(), kThreads);
    benchmark::DoNotOptimize(c.data());
  }
  SetMacs(state);
}

void BM_LutGemm(benchmark::State& state) { RunLutGemm(state, false); }
void BM_LutGemmPortable(benchmark::State& state) { RunLutGemm(state, true); }

// The CPU peers' way (AdaPT-like): an int16 table, the weight matrix
// transposed so both operands run along k, the inner loop unrolled by 8,
// OpenMP over rows.
void BM_LutGemmAdaptLike(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const Operands o = MakeOperands(m, n, k);
  const int16_t* lut = o.table16.data();
  const uint8_t* a = o.a.data();
  const uint8_t* b = o.b.data();
  std::vector<int32_t> c(m * n);
  int32_t* cp = c.data();
  omp_set_num_threads(kThreads);
  for (auto _ : state) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < m; ++i) {
      const uint8_t* ai = a + i * k;
      for (int64_t j = 0; j < n; ++j) {
        const uint8_t* bj = b + j * k;
        int32_t acc = 0;
        int64_t kk = 0;
        for (; kk + 8 <= k; kk += 8) {
          acc += lut[ai[kk] << 8 | bj[kk]] + lut[ai[kk + 1] << 8 | bj[kk + 1]] +
                 lut[ai[kk + 2] << 8 | bj[kk + 2]] + lut[ai[kk + 3] << 8 | bj[kk + 3]] +
                 lut[ai[kk + 4] << 8 | bj[kk + 4]] + lut[ai[kk + 5] << 8 | bj[kk + 5]] +
                 lut[ai[kk + 6] << 8 | bj[kk + 6]] + lut[ai[kk + 7] << 8 | bj[kk + 7]];
        }
        for (; kk < k; ++kk) acc += lut[ai[kk] << 8 | bj[kk]];
        cp[i * n + j] = acc;
      }
    }
    benchmark::DoNotOptimize(cp);
  }
  SetMacs(state);
}

void BM_ExactGemmFloat(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  torch::set_num_threads(kThreads);
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({m, k});
  const torch::Tensor b = torch::randn({k, n});
  for (auto _ : state) benchmark::DoNotOptimize(torch::matmul(a, b));
  SetMacs(state);
}

// LeNet5's and ResNet8's shapes are there as the networks run them:
// 784x6x25 and 100x16x150 are LeNet5's convolutions for one image,
// 131072x16x144 ResNet8's first stage for a batch of 128.
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({512, 512, 512})->Args({64, 64, 1024})->Args({784, 6, 25})->Args({100, 16, 150})->Args({131072, 16, 144});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_LutGemm)->Apply(Shapes);
BENCHMARK(BM_LutGemmAdaptLike)->Apply(Shapes);
BENCHMARK(BM_LutGemmPortable)->Apply(Shapes);
BENCHMARK(BM_ExactGemmFloat)->Apply(Shapes);

}  // namespace
}  // namespace agnapprox

namespace agnapprox {
namespace {

// A MobileNetV2-sized depthwise layer: 1x96x32x32, 3x3, stride 1, padding 1,
// as the table GEMM sees it: 96 groups of 1024 positions x 9 taps by 1 x 9.
constexpr int64_t kChannels = 96, kPositions = 32 * 32, kTaps = 9;

void SetDepthwiseMacs(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kChannels * kPositions * kTaps);
}

// The fast path reads im2col's [channel][tap][position] layout in place.
void BM_LutDepthwiseConv(benchmark::State& state) {
  const Operands o = MakeOperands(kChannels * kPositions, 1, kTaps);
  LutGemm gemm(o.table);
  std::vector<int32_t> c(kChannels * kPositions);
  const std::vector<uint8_t> b(o.b.begin(), o.b.begin() + kChannels * kTaps);
  for (auto _ : state) {
    gemm.MultiplyGroupedTransposed(o.a.data(), kChannels, kPositions, b.data(), 1, kTaps,
                                   c.data(), kThreads);
    benchmark::DoNotOptimize(c.data());
  }
  SetDepthwiseMacs(state);
}
BENCHMARK(BM_LutDepthwiseConv)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The simple way: one table GEMM per channel ([position][tap] rows), in a loop.
void BM_LutDepthwiseConvPerChannel(benchmark::State& state) {
  const Operands o = MakeOperands(kChannels * kPositions, 1, kTaps);
  LutGemm gemm(o.table);
  std::vector<int32_t> c(kChannels * kPositions);
  const std::vector<uint8_t> b(o.b.begin(), o.b.begin() + kChannels * kTaps);
  for (auto _ : state) {
    for (int64_t ch = 0; ch < kChannels; ++ch) {
      gemm.Multiply(o.a.data() + ch * kPositions * kTaps, kPositions, b.data() + ch * kTaps, 1,
                    kTaps, c.data() + ch * kPositions, kThreads);
    }
    benchmark::DoNotOptimize(c.data());
  }
  SetDepthwiseMacs(state);
}
BENCHMARK(BM_LutDepthwiseConvPerChannel)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agnapprox

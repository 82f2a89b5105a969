// Dispatch: splits a product into tiles, spreads them over threads and
// hands each to the kernel chosen for the table at construction. The
// kernels live in internal/, one file each.
#include "multipliers/lut_gemm/lut_gemm.h"

#include <algorithm>

#include "multipliers/lut_gemm/internal/avx512_vbmi_kernel.h"
#include "multipliers/lut_gemm/internal/cpu.h"
#include "multipliers/lut_gemm/internal/portable_kernel.h"
#include "multipliers/lut_gemm/internal/team.h"
#include "multipliers/lut_gemm/internal/tile.h"

namespace agnapprox {

using lut_gemm_internal::kBlockRows;
using lut_gemm_internal::RunOnTeam;
using lut_gemm_internal::ThreadsFor;
using lut_gemm_internal::Operands;
using lut_gemm_internal::Tile;
using lut_gemm_internal::Window;

LutGemm::LutGemm(absl::Span<const int32_t> products)
    : products_(products.begin(), products.end()) {
  if (lut_gemm_internal::CpuHasAvx512Vbmi()) {
    packed_ = lut_gemm_internal::PackTable(products_.data());
  }
}

LutGemm::~LutGemm() = default;
LutGemm::LutGemm(LutGemm&&) noexcept = default;
LutGemm& LutGemm::operator=(LutGemm&&) noexcept = default;

const char* LutGemm::kernel() const {
  return packed_ != nullptr && !portable_only_ ? "avx512_vbmi" : "portable";
}

void LutGemm::Multiply(const uint8_t* a, int64_t m, const uint8_t* b, int64_t n, int64_t k,
                       int32_t* c, int threads) const {
  Run(a, nullptr, 0, 255, /*transposed=*/false, /*c_transposed=*/false, 1, m, b, n, k, c,
      threads);
}

void LutGemm::MultiplyGrouped(const uint8_t* a, int64_t groups, int64_t m, const uint8_t* b,
                              int64_t n, int64_t k, int32_t* c, int threads) const {
  Run(a, nullptr, 0, 255, /*transposed=*/false, /*c_transposed=*/false, groups, m, b, n, k, c,
      threads);
}

void LutGemm::MultiplyGroupedTransposed(const uint8_t* at, int64_t groups, int64_t m,
                                        const uint8_t* b, int64_t n, int64_t k, int32_t* c,
                                        int threads) const {
  Run(at, nullptr, 0, 255, /*transposed=*/true, /*c_transposed=*/false, groups, m, b, n, k, c,
      threads);
}

void LutGemm::MultiplyGroupedColumnMajor(const uint8_t* at, int64_t groups, int64_t m,
                                         const uint8_t* b, int64_t n, int64_t k, int32_t* ct,
                                         int threads) const {
  Run(at, nullptr, 0, 255, /*transposed=*/true, /*c_transposed=*/true, groups, m, b, n, k, ct,
      threads);
}

void LutGemm::MultiplyFilled(const TileFiller& fill, int lowest, int highest, int64_t groups,
                             int64_t m, const uint8_t* b, int64_t n, int64_t k, int32_t* ct,
                             int threads) const {
  Run(nullptr, &fill, lowest, highest, /*transposed=*/true, /*c_transposed=*/true, groups, m, b,
      n, k, ct, threads);
}

void LutGemm::Run(const uint8_t* a, const TileFiller* fill, int lowest, int highest,
                  bool transposed, bool c_transposed, int64_t groups, int64_t m,
                  const uint8_t* b, int64_t n, int64_t k, int32_t* c, int threads) const {
  if (groups == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(c, c + groups * m * n, 0);
    return;
  }
  const lut_gemm_internal::PackedTable* packed = portable_only_ ? nullptr : packed_.get();
  Window window;
  if (packed != nullptr) {
    if (fill == nullptr) lut_gemm_internal::IndexRange(a, groups * m * k, &lowest, &highest);
    window = lut_gemm_internal::MakeWindow(*packed, lowest, highest, k);
  }
  // Tasks are (group, tile of rows, range of columns): all groups in one
  // parallel loop (depthwise convolution is many tiny GEMMs), and enough
  // column ranges to keep every thread busy when there are few row blocks.
  const int64_t blocks = (m + kBlockRows - 1) / kBlockRows;
  // (A filled tile by tile is filled once per tile: no column ranges.)
  const int64_t chunks =
      fill != nullptr
          ? 1
          : std::min<int64_t>(n, std::max<int64_t>(1, (4 + groups * blocks - 1) / (groups * blocks)));
  const int64_t chunk = (n + chunks - 1) / chunks;
  const std::function<void(size_t)> run_tile = [&](size_t task) {
    const int64_t g = task / (blocks * chunks);
    const int64_t rest = task % (blocks * chunks);
    Tile tile;
    tile.first = (rest / chunks) * kBlockRows;
    tile.count = std::min(kBlockRows, m - tile.first);
    tile.col0 = (rest % chunks) * chunk;
    tile.cols = std::min(chunk, n - tile.col0);
    if (tile.cols <= 0) return;
    const Operands op{fill == nullptr ? a + g * m * k : nullptr,
                      transposed,
                      m,
                      b + g * n * k,
                      n,
                      k,
                      c + g * m * n,
                      c_transposed,
                      fill,
                      g};
    if (packed != nullptr) {
      lut_gemm_internal::Avx512VbmiTile(*packed, window, op, tile);
    } else {
      lut_gemm_internal::PortableTile(products_.data(), op, tile);
    }
  };
  const int use = ThreadsFor(threads, groups * m * n * k);
  const size_t tasks = static_cast<size_t>(groups * blocks * chunks);
  if (parallel_for_ && use != 1 && tasks > 1) {
    parallel_for_(use, tasks, run_tile);
  } else {
    RunOnTeam(use, tasks, run_tile);
  }
}

void LutGemmReference(absl::Span<const int32_t> products, const uint8_t* a, int64_t m,
                      const uint8_t* b, int64_t n, int64_t k, int32_t* c) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      uint32_t acc = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        acc += static_cast<uint32_t>(products[a[i * k + kk] * 256 + b[j * k + kk]]);
      }
      c[i * n + j] = static_cast<int32_t>(acc);
    }
  }
}

}  // namespace agnapprox

// Table GEMM: the simulation kernel of approximate multipliers.
//
//   C[m][n] = sum_k P[a[m][k]][b[n][k]]
//
// a and b hold 8-bit operand *indices* into the 256x256 product table P
// (value order: index v + 128 for signed operands, v for unsigned), C is
// int32. Results are bit-identical to the plain loop LutGemmReference below
// for any table: not symmetric, non-zero products for zero operands,
// anything, and for any thread count.
//
// The kernel is chosen once per table at construction (lut_gemm.cc): the
// AVX-512 VBMI kernel (internal/avx512_vbmi_kernel.cc) where the CPU has it
// and the products span at most 16 bits, else the portable loop
// (internal/portable_kernel.cc).
//
//   LutGemm gemm(products);                   // 65536 int32, index order
//   gemm.Multiply(a, M, b, N, K, c, threads); // a: [M][K], b: [N][K]
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_LUT_GEMM_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_LUT_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/types/span.h"

namespace agnapprox {

namespace lut_gemm_internal {
struct PackedTable;
class LutGemmPeer;
}  // namespace lut_gemm_internal

class LutGemm {
 public:
  // REQUIRES: products.size() == 65536, row = activation index.
  explicit LutGemm(absl::Span<const int32_t> products);
  ~LutGemm();
  LutGemm(LutGemm&&) noexcept;
  LutGemm& operator=(LutGemm&&) noexcept;

  // C = row-major [M][N]; a = row-major [M][K]; b = row-major [N][K].
  // threads: 0 = one per core. Any thread count gives the same bits.
  void Multiply(const uint8_t* a, int64_t m, const uint8_t* b, int64_t n,
                int64_t k, int32_t* c, int threads = 0) const;

  // `groups` independent products in one parallel loop (grouped and
  // depthwise convolution): a = [groups][M][K], b = [groups][N][K],
  // c = [groups][M][N].
  void MultiplyGrouped(const uint8_t* a, int64_t groups, int64_t m, const uint8_t* b,
                       int64_t n, int64_t k, int32_t* c, int threads = 0) const;

  // The same with each group's A transposed: at = [groups][K][M] (the layout
  // im2col produces for one image), read in place without a transpose.
  void MultiplyGroupedTransposed(const uint8_t* at, int64_t groups, int64_t m,
                                 const uint8_t* b, int64_t n, int64_t k, int32_t* c,
                                 int threads = 0) const;

  // The same with C transposed as well: ct = [groups][N][M]. A convolution's
  // natural layout on both sides (im2col columns in, channels of positions
  // out), and the cheapest to store: each column of a tile is 64 contiguous
  // int32.
  void MultiplyGroupedColumnMajor(const uint8_t* at, int64_t groups, int64_t m,
                                  const uint8_t* b, int64_t n, int64_t k, int32_t* ct,
                                  int threads = 0) const;

  // Rows per tile: the unit in which the kernels read A.
  static constexpr int64_t kTileRows = 128;

  // A supplied tile by tile instead of materialised (an implicit im2col:
  // the convolution's columns are built in cache, tile by tile, and never
  // written out whole). fill(group, first, count, tile) writes rows
  // [first, first + count) of group's A as [k][kTileRows] bytes, row r of
  // step kk at tile[kk * kTileRows + r]; rows past `count` must hold valid
  // indices too (repeating the last row does). Every index of A, those
  // included, lies in [lowest, highest]. C is as MultiplyGroupedColumnMajor's:
  // [groups][N][M]. Each tile is filled exactly once, so a filler may also
  // keep what it builds.
  using TileFiller =
      std::function<void(int64_t group, int64_t first, int64_t count, uint8_t* tile)>;
  void MultiplyFilled(const TileFiller& fill, int lowest, int highest, int64_t groups,
                      int64_t m, const uint8_t* b, int64_t n, int64_t k, int32_t* ct,
                      int threads = 0) const;

  // How a product's tiles are spread over threads: calls task(i) for every
  // i in [0, count) on up to `threads` threads, in any order (the result
  // does not depend on it). The default is an OpenMP team (RunTasks,
  // io/parallel.h, where the compiler has no OpenMP): its workers wait
  // spinning for a moment after a product, so the next one starts at once,
  // which is what makes two threads pay on small products. A LibTorch user
  // may pass one built on at::parallel_for, so that the table GEMM runs on
  // the threads LibTorch already keeps warm.
  using ParallelFor =
      std::function<void(int threads, size_t count, const std::function<void(size_t)>& task)>;
  void set_parallel_for(ParallelFor parallel_for) { parallel_for_ = std::move(parallel_for); }

  // The kernel this table runs on here: "avx512_vbmi" or "portable".
  const char* kernel() const;

  const std::vector<int32_t>& products() const { return products_; }

 private:
  friend class lut_gemm_internal::LutGemmPeer;  // tests and benchmarks

  void Run(const uint8_t* a, const TileFiller* fill, int lowest, int highest, bool transposed,
           bool c_transposed, int64_t groups, int64_t m, const uint8_t* b, int64_t n,
           int64_t k, int32_t* c, int threads) const;

  std::vector<int32_t> products_;
  // The AVX-512 kernel's byte tables; null when this table or this CPU
  // cannot use that kernel.
  std::unique_ptr<lut_gemm_internal::PackedTable> packed_;
  bool portable_only_ = false;
  ParallelFor parallel_for_;  // empty: RunTasks
};

// The plain loop every kernel must agree with: C[m][n] = sum_k P[a][b], with
// int32 wraparound (two's complement) on overflow.
void LutGemmReference(absl::Span<const int32_t> products, const uint8_t* a,
                      int64_t m, const uint8_t* b, int64_t n, int64_t k,
                      int32_t* c);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_LUT_GEMM_H_

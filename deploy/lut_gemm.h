// Table GEMM: the simulation kernel of approximate multipliers.
//
//   C[m][n] = sum_k P[a[m][k]][b[n][k]]
//
// a and b hold 8-bit operand *indices* into the 256x256 product table P
// (value order: index v + 128 for signed operands, v for unsigned), C is
// int32. Results are bit-identical to the plain loop LutGemmReference for
// any table: not symmetric, non-zero products for zero operands, anything.
//
// The fast path (x86 with AVX-512 VBMI and VNNI, chosen at run time) keeps
// one weight's table column in registers as low and high bytes and looks up
// 64 activations at once with byte permutes (vpermt2b); two k steps are
// interleaved as 16-bit words and summed into int32 with vpdpwssd. Tables
// whose products span more than 16 bits, or machines without those
// instructions, use the portable loop.
//
//   LutGemm gemm(products);                  // 65536 int32, index order
//   gemm.Multiply(a, M, b, N, K, c, threads); // a: [M][K], b: [N][K]
#ifndef AGNAPPROX_DEPLOY_LUT_GEMM_H_
#define AGNAPPROX_DEPLOY_LUT_GEMM_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace agnapprox {

class LutGemm {
 public:
  // REQUIRES: products.size() == 65536, row = activation index.
  explicit LutGemm(absl::Span<const int32_t> products);

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

  // Whether Multiply uses the AVX-512 path on this machine for this table.
  bool UsesAvx512() const;

  // Forces the portable path (for tests and benchmarks).
  void set_portable_only(bool v) { portable_only_ = v; }

  const std::vector<int32_t>& products() const { return products_; }

 private:
  // Rows [first, first + count) and columns [col0, col0 + cols) of C.
  struct Tile {
    int64_t first = 0, count = 0, col0 = 0, cols = 0;
  };
  // The activation index window the AVX-512 path reads tables through.
  struct Window {
    int base = 0;
    bool narrow = false;  // every index in [base, base + 128)
    int32_t offset_total = 0;
  };
  // a is one group's [M][K], or [K][M] when transposed.
  void Run(const uint8_t* a, bool transposed, int64_t groups, int64_t m, const uint8_t* b,
           int64_t n, int64_t k, int32_t* c, int threads) const;
  void TilePortable(const uint8_t* a, bool transposed, int64_t m, const uint8_t* b, int64_t n,
                    int64_t k, const Tile& t, int32_t* c) const;
  void TileAvx512(const uint8_t* a, bool transposed, int64_t m, const uint8_t* b, int64_t n,
                  int64_t k, const Tile& t, const Window& w, int32_t* c) const;

  std::vector<int32_t> products_;
  // Products minus offset_ fit int16; columns of their low and high bytes,
  // column b at [b * 256, b * 256 + 256), plus 128 bytes of padding so that
  // a 128-byte window may start anywhere in a column.
  int32_t offset_ = 0;
  bool fits_16_bits_ = false;
  std::vector<uint8_t> low_bytes_;
  std::vector<uint8_t> high_bytes_;
  bool portable_only_ = false;
};

// The plain loop every path must agree with: C[m][n] = sum_k P[a][b], with
// int32 wraparound (two's complement) on overflow.
void LutGemmReference(absl::Span<const int32_t> products, const uint8_t* a,
                      int64_t m, const uint8_t* b, int64_t n, int64_t k,
                      int32_t* c);

}  // namespace agnapprox

#endif  // AGNAPPROX_DEPLOY_LUT_GEMM_H_

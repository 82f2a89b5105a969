#include "multipliers/lut_gemm/lut_gemm.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "multipliers/lut_gemm/internal/cpu.h"
#include "multipliers/lut_gemm/internal/peer.h"

namespace agnapprox {
namespace {

std::vector<int32_t> RandomTable(std::mt19937_64& rng, int32_t lo, int32_t hi) {
  std::uniform_int_distribution<int32_t> d(lo, hi);
  std::vector<int32_t> t(65536);
  for (int32_t& v : t) v = d(rng);
  return t;
}

std::vector<uint8_t> RandomIndices(std::mt19937_64& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(d(rng));
  return v;
}

struct Shape {
  int64_t m, n, k;
};

void ExpectBitIdentical(const std::vector<int32_t>& table, int a_lo, int a_hi,
                        bool portable, std::mt19937_64& rng) {
  LutGemm gemm(table);
  if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
  for (Shape s : {Shape{1, 1, 1}, Shape{64, 3, 2}, Shape{65, 7, 5}, Shape{130, 16, 25},
                  Shape{200, 6, 150}, Shape{3, 10, 84}}) {
    const std::vector<uint8_t> a = RandomIndices(rng, s.m * s.k, a_lo, a_hi);
    const std::vector<uint8_t> b = RandomIndices(rng, s.n * s.k, 0, 255);
    std::vector<int32_t> want(s.m * s.n), got(s.m * s.n, -7);
    LutGemmReference(table, a.data(), s.m, b.data(), s.n, s.k, want.data());
    gemm.Multiply(a.data(), s.m, b.data(), s.n, s.k, got.data(), 2);
    ASSERT_EQ(got, want) << s.m << "x" << s.n << "x" << s.k;
  }
}

TEST(LutGemm, AsymmetricSignedTableNarrowActivations) {
  std::mt19937_64 rng(1);
  const std::vector<int32_t> t = RandomTable(rng, -32768, 32767);
  // Activations 0..127 as signed indices 128..255: the 7-bit window.
  ExpectBitIdentical(t, 128, 255, false, rng);
  ExpectBitIdentical(t, 128, 255, true, rng);
}

TEST(LutGemm, FullRangeActivations) {
  std::mt19937_64 rng(2);
  const std::vector<int32_t> t = RandomTable(rng, -32768, 32767);
  ExpectBitIdentical(t, 0, 255, false, rng);
}

TEST(LutGemm, UnsignedProductsAbove16BitSignedUseTheOffset) {
  std::mt19937_64 rng(3);
  const std::vector<int32_t> t = RandomTable(rng, 0, 65535);
  LutGemm gemm(t);
  EXPECT_STREQ(gemm.kernel(), LutGemm(RandomTable(rng, -5, 5)).kernel());
  ExpectBitIdentical(t, 0, 200, false, rng);
}

TEST(LutGemm, WideTablesFallBackAndStayExact) {
  std::mt19937_64 rng(4);
  const std::vector<int32_t> t = RandomTable(rng, -1000000, 1000000);
  EXPECT_STREQ(LutGemm(t).kernel(), "portable");
  ExpectBitIdentical(t, 0, 255, false, rng);
}

TEST(LutGemm, ZeroOperandWithNonZeroProduct) {
  std::vector<int32_t> t(65536, 0);
  t[0] = 5;  // P[0][0] = 5
  LutGemm gemm(t);
  const std::vector<uint8_t> a(64 * 3, 0), b(2 * 3, 0);
  std::vector<int32_t> c(64 * 2);
  gemm.Multiply(a.data(), 64, b.data(), 2, 3, c.data(), 1);
  for (int32_t v : c) EXPECT_EQ(v, 15);
}

// Shapes above the one-thread cut-off (2^16 multiply-accumulates), so that
// two threads really split the tiles: both kernels, odd edges, and the
// reference as the judge.
TEST(LutGemm, MultiThreadedShapesAreBitIdentical) {
  std::mt19937_64 rng(5);
  const std::vector<int32_t> t = RandomTable(rng, -30000, 30000);
  for (bool portable : {false, true}) {
    LutGemm gemm(t);
    if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
    for (Shape s : {Shape{1000, 9, 61}, Shape{4097, 6, 25}, Shape{130, 120, 400},
                    Shape{784, 6, 25}, Shape{100, 16, 150}}) {
      ASSERT_GE(s.m * s.n * s.k, int64_t{1} << 16);
      const std::vector<uint8_t> a = RandomIndices(rng, s.m * s.k, 100, 255);
      const std::vector<uint8_t> b = RandomIndices(rng, s.n * s.k, 0, 255);
      std::vector<int32_t> want(s.m * s.n), one(s.m * s.n, -1), two(s.m * s.n, -2);
      LutGemmReference(t, a.data(), s.m, b.data(), s.n, s.k, want.data());
      gemm.Multiply(a.data(), s.m, b.data(), s.n, s.k, one.data(), 1);
      gemm.Multiply(a.data(), s.m, b.data(), s.n, s.k, two.data(), 2);
      EXPECT_EQ(one, want) << portable << " " << s.m << "x" << s.n << "x" << s.k;
      EXPECT_EQ(two, want) << portable << " " << s.m << "x" << s.n << "x" << s.k;
    }
  }
}

// Where the CPU has AVX-512 VBMI, a 16-bit table must run on that kernel
// (else the tests above compare the portable loop with itself).
TEST(LutGemm, FastKernelRunsWhereTheCpuHasIt) {
  if (!lut_gemm_internal::CpuHasAvx512Vbmi()) {
    GTEST_SKIP() << "this CPU has no AVX-512 VBMI/VNNI: only the portable kernel is tested";
  }
  std::mt19937_64 rng(8);
  EXPECT_STREQ(LutGemm(RandomTable(rng, -32768, 32767)).kernel(), "avx512_vbmi");
  EXPECT_STREQ(LutGemm(RandomTable(rng, 0, 65535)).kernel(), "avx512_vbmi");
  LutGemm forced(RandomTable(rng, -5, 5));
  lut_gemm_internal::LutGemmPeer::ForcePortable(forced);
  EXPECT_STREQ(forced.kernel(), "portable");
}

// [G][M][K] -> [G][K][M].
std::vector<uint8_t> TransposeGroups(const std::vector<uint8_t>& a, int64_t groups, int64_t m,
                                     int64_t k) {
  std::vector<uint8_t> at(a.size());
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t kk = 0; kk < k; ++kk) at[g * m * k + kk * m + i] = a[g * m * k + i * k + kk];
    }
  }
  return at;
}

TEST(LutGemm, GroupedEqualsOneProductPerGroup) {
  std::mt19937_64 rng(6);
  const std::vector<int32_t> t = RandomTable(rng, -32768, 32767);
  for (bool portable : {false, true}) {
    LutGemm gemm(t);
    if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
    for (Shape s : {Shape{1024, 1, 9}, Shape{70, 3, 18}, Shape{5, 2, 1}, Shape{130, 1, 9}}) {
      const int64_t groups = 7;
      const std::vector<uint8_t> a = RandomIndices(rng, groups * s.m * s.k, 128, 255);
      const std::vector<uint8_t> b = RandomIndices(rng, groups * s.n * s.k, 0, 255);
      std::vector<int32_t> got(groups * s.m * s.n, -1), want(groups * s.m * s.n);
      gemm.MultiplyGrouped(a.data(), groups, s.m, b.data(), s.n, s.k, got.data(), 2);
      for (int64_t g = 0; g < groups; ++g) {
        LutGemmReference(t, a.data() + g * s.m * s.k, s.m, b.data() + g * s.n * s.k, s.n, s.k,
                         want.data() + g * s.m * s.n);
      }
      ASSERT_EQ(got, want) << portable << " " << s.m << "x" << s.n << "x" << s.k;
      // The same product from A transposed per group ([G][K][M]).
      const std::vector<uint8_t> at = TransposeGroups(a, groups, s.m, s.k);
      std::vector<int32_t> got_t(got.size(), -1);
      gemm.MultiplyGroupedTransposed(at.data(), groups, s.m, b.data(), s.n, s.k, got_t.data(), 2);
      ASSERT_EQ(got_t, want) << "transposed " << portable << " " << s.m;
    }
  }
}


// C transposed ([G][N][M]) from A transposed: partial last tiles (read in
// place or copied), tiles split by columns, odd K, both kernels, both
// thread counts above the cut-off.
TEST(LutGemm, ColumnMajorOutputIsTheTransposedProduct) {
  std::mt19937_64 rng(9);
  const std::vector<int32_t> t = RandomTable(rng, -32768, 32767);
  for (bool portable : {false, true}) {
    LutGemm gemm(t);
    if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
    for (Shape s : {Shape{784, 6, 25}, Shape{100, 16, 150}, Shape{1, 3, 1}, Shape{63, 5, 2},
                    Shape{4097, 6, 25}, Shape{200, 64, 27}}) {
      for (int64_t groups : {1, 3}) {
        const std::vector<uint8_t> a = RandomIndices(rng, groups * s.m * s.k, 128, 255);
        const std::vector<uint8_t> b = RandomIndices(rng, groups * s.n * s.k, 0, 255);
        const std::vector<uint8_t> at = TransposeGroups(a, groups, s.m, s.k);
        std::vector<int32_t> want(groups * s.m * s.n);
        for (int64_t g = 0; g < groups; ++g) {
          LutGemmReference(t, a.data() + g * s.m * s.k, s.m, b.data() + g * s.n * s.k, s.n,
                           s.k, want.data() + g * s.m * s.n);
        }
        for (int threads : {1, 2}) {
          std::vector<int32_t> ct(want.size(), -3);
          gemm.MultiplyGroupedColumnMajor(at.data(), groups, s.m, b.data(), s.n, s.k,
                                          ct.data(), threads);
          for (int64_t g = 0; g < groups; ++g) {
            for (int64_t i = 0; i < s.m; ++i) {
              for (int64_t j = 0; j < s.n; ++j) {
                ASSERT_EQ(ct[g * s.m * s.n + j * s.m + i], want[g * s.m * s.n + i * s.n + j])
                    << portable << " " << groups << "x" << s.m << "x" << s.n << "x" << s.k
                    << " threads " << threads << " at " << g << "," << i << "," << j;
              }
            }
          }
        }
      }
    }
  }
}

// The tasks really run apart: a ParallelFor that hands them out in reverse
// order over two std::threads, interleaved, gives the reference's bits.
TEST(LutGemm, InjectedParallelForSplitsTheTasks) {
  std::mt19937_64 rng(10);
  const std::vector<int32_t> t = RandomTable(rng, -32768, 32767);
  for (bool portable : {false, true}) {
    LutGemm gemm(t);
    if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
    size_t calls = 0, tasks = 0;
    gemm.set_parallel_for([&](int threads, size_t count,
                              const std::function<void(size_t)>& task) {
      EXPECT_NE(threads, 1);
      ++calls;
      tasks += count;
      std::thread odd([&] {
        for (size_t i = count; i-- > 0;) {
          if (i % 2 == 1) task(i);
        }
      });
      for (size_t i = count; i-- > 0;) {
        if (i % 2 == 0) task(i);
      }
      odd.join();
    });
    const Shape s{1000, 9, 61};
    const std::vector<uint8_t> a = RandomIndices(rng, s.m * s.k, 128, 255);
    const std::vector<uint8_t> b = RandomIndices(rng, s.n * s.k, 0, 255);
    std::vector<int32_t> want(s.m * s.n), got(s.m * s.n, -1);
    LutGemmReference(t, a.data(), s.m, b.data(), s.n, s.k, want.data());
    gemm.Multiply(a.data(), s.m, b.data(), s.n, s.k, got.data(), 2);
    EXPECT_EQ(got, want) << portable;
    EXPECT_EQ(calls, 1u);
    EXPECT_GE(tasks, 8u);  // 8 tiles of 128 rows
  }
}

// A supplied tile by tile gives the same C as A materialised, on both
// kernels, for partial tiles, groups and both thread counts; the filler sees
// every tile of every group exactly once.
TEST(LutGemm, FilledTilesEqualTheMaterialisedProduct) {
  std::mt19937_64 rng(11);
  const std::vector<int32_t> t = RandomTable(rng, -16000, 16000);
  for (bool portable : {false, true}) {
    LutGemm gemm(t);
    if (portable) lut_gemm_internal::LutGemmPeer::ForcePortable(gemm);
    for (Shape s : {Shape{784, 6, 25}, Shape{100, 16, 150}, Shape{4097, 6, 25}, Shape{5, 2, 1}}) {
      for (int64_t groups : {1, 2}) {
        const std::vector<uint8_t> a = RandomIndices(rng, groups * s.m * s.k, 140, 250);
        const std::vector<uint8_t> b = RandomIndices(rng, groups * s.n * s.k, 0, 255);
        const std::vector<uint8_t> at = TransposeGroups(a, groups, s.m, s.k);
        std::vector<int32_t> want(groups * s.m * s.n), ct(want.size(), -5);
        gemm.MultiplyGroupedColumnMajor(at.data(), groups, s.m, b.data(), s.n, s.k, want.data(),
                                        1);
        std::atomic<int64_t> rows_filled{0};
        const LutGemm::TileFiller fill = [&](int64_t g, int64_t first, int64_t count,
                                             uint8_t* tile) {
          rows_filled += count;
          for (int64_t kk = 0; kk < s.k; ++kk) {
            for (int64_t r = 0; r < LutGemm::kTileRows; ++r) {
              const int64_t i = first + std::min(r, count - 1);
              tile[kk * LutGemm::kTileRows + r] = at[g * s.m * s.k + kk * s.m + i];
            }
          }
        };
        for (int threads : {1, 2}) {
          rows_filled = 0;
          gemm.MultiplyFilled(fill, 140, 250, groups, s.m, b.data(), s.n, s.k, ct.data(),
                              threads);
          ASSERT_EQ(ct, want) << portable << " " << groups << "x" << s.m << "x" << s.n << "x"
                              << s.k << " threads " << threads;
          EXPECT_EQ(rows_filled, groups * s.m);  // every tile once
          std::fill(ct.begin(), ct.end(), -5);  // so that the next thread count must write C
        }
      }
    }
  }
}

}  // namespace
}  // namespace agnapprox

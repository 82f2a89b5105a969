#include "multipliers/lut_gemm/table_gradient.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

std::vector<int32_t> Table(int32_t (*f)(int, int)) {
  std::vector<int32_t> t(65536);
  for (int a = -128; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) t[(a + 128) * 256 + b + 128] = f(a, b);
  }
  return t;
}

float Da(const GradientTables& t, int a, int b) { return t.da[(b + 128) * 256 + a + 128]; }
float Db(const GradientTables& t, int a, int b) { return t.db[(b + 128) * 256 + a + 128]; }

// The exact table's gradients are the straight-through ones, edges included;
// a scaled exact table's scale with it.
TEST(TableGradient, ExactTableGivesTheOperandsAndScaledTablesScale) {
  const GradientTables exact = MakeGradientTables(Table([](int a, int b) { return a * b; }), 0, 127);
  const GradientTables scaled =
      MakeGradientTables(Table([](int a, int b) { return 3 * a * b; }), 0, 127);
  for (int a = 0; a < 128; ++a) {
    for (int b = -128; b < 128; ++b) {
      ASSERT_EQ(Da(exact, a, b), b) << a << " " << b;
      ASSERT_EQ(Db(exact, a, b), a) << a << " " << b;
      ASSERT_EQ(Da(scaled, a, b), 3 * b) << a << " " << b;
      ASSERT_EQ(Db(scaled, a, b), 3 * a) << a << " " << b;
    }
  }
  // Outside the activation range: nothing.
  EXPECT_EQ(Da(exact, -1, 5), 0);
}

// The window: two values each side, cut at the range's edges.
TEST(TableGradient, WindowOfTwoCutAtTheEdges) {
  const std::vector<int32_t> p = Table([](int a, int b) { return a * a * (b + 3); });
  const GradientTables t = MakeGradientTables(p, 0, 127);
  auto at = [&](int a, int b) { return static_cast<double>(p[(a + 128) * 256 + b + 128]); };
  EXPECT_FLOAT_EQ(Da(t, 10, 4), (at(12, 4) - at(8, 4)) / 4);
  EXPECT_FLOAT_EQ(Da(t, 0, 4), (at(2, 4) - at(0, 4)) / 2);
  EXPECT_FLOAT_EQ(Da(t, 1, 4), (at(3, 4) - at(0, 4)) / 3);
  EXPECT_FLOAT_EQ(Da(t, 127, 4), (at(127, 4) - at(125, 4)) / 2);
  EXPECT_FLOAT_EQ(Db(t, 10, -128), (at(10, -126) - at(10, -128)) / 2);
  EXPECT_FLOAT_EQ(Db(t, 10, 127), (at(10, 127) - at(10, 125)) / 2);
}

// The kernel against the plain sums, and the same bits on 1 and 2 threads:
// indices spanning 128 values (the register lookups where there is
// AVX-512) and all 256 (the portable loop).
void ExpectKernelMatchesThePlainSums(int lo, int hi) {
  std::mt19937_64 rng(3);
  std::vector<int32_t> p(65536);
  for (int32_t& v : p) v = static_cast<int32_t>(rng() % 20001) - 10000;
  const GradientTables t = MakeGradientTables(p, 0, 127);
  const int64_t m = 777, n = 7, k = 45;
  std::vector<float> g(n * m);
  std::normal_distribution<float> normal;
  for (float& v : g) v = normal(rng);
  std::vector<uint8_t> q(k * m), w(n * k);
  for (uint8_t& v : q) v = static_cast<uint8_t>(lo + rng() % (hi - lo + 1));
  for (uint8_t& v : w) v = static_cast<uint8_t>(rng());
  std::vector<float> gq1(k * m), gw1(n * k), gq2(k * m, -1), gw2(n * k, -1);
  TableGradients(t, g.data(), q.data(), w.data(), m, n, k, gq1.data(), gw1.data(), 0, lo, hi, 1);
  TableGradients(t, g.data(), q.data(), w.data(), m, n, k, gq2.data(), gw2.data(), 0, lo, hi, 2);
  EXPECT_EQ(gq1, gq2);
  EXPECT_EQ(gw1, gw2);
  for (int64_t kk = 0; kk < k; ++kk) {
    for (int64_t r = 0; r < m; ++r) {
      double want = 0;
      for (int64_t o = 0; o < n; ++o) {
        want += g[o * m + r] * Da(t, q[kk * m + r] - 128, w[o * k + kk] - 128);
      }
      ASSERT_NEAR(gq1[kk * m + r], want, 1e-3 * (1 + std::abs(want))) << kk << " " << r;
    }
  }
  for (int64_t o = 0; o < n; ++o) {
    for (int64_t kk = 0; kk < k; ++kk) {
      double want = 0;
      for (int64_t r = 0; r < m; ++r) {
        want += g[o * m + r] * Db(t, q[kk * m + r] - 128, w[o * k + kk] - 128);
      }
      ASSERT_NEAR(gw1[o * k + kk], want, 1e-3 * (1 + std::abs(want))) << o << " " << kk;
    }
  }
}

TEST(TableGradient, KernelMatchesThePlainSumsOnAnyThreadCount) {
  ExpectKernelMatchesThePlainSums(128, 255);
  ExpectKernelMatchesThePlainSums(0, 255);
}

// The documented order, bit for bit: per fan-in position, blocks of 2048
// rows; in a block, outputs in order, each adding g Da to gq and g (Db -
// offset) to lane r % 16 of its partial sums, with one rounding (FMA) for
// the rows the vector paths take (all but a block's last len % 16 rows,
// where the CPU has AVX-512) and two for the rest; gw is the sum of the 16
// lanes in order. Rows span two blocks, whole 64-row groups (byte-plane
// lookups), 16-row groups and a tail.
TEST(TableGradient, SameBitsAsTheDocumentedOrder) {
  std::mt19937_64 rng(11);
  std::vector<int32_t> p(65536);
  for (int32_t& v : p) v = static_cast<int32_t>(rng() % 60001) - 30000;
  const GradientTables t = MakeGradientTables(p, 0, 127);
  const int64_t m = 2048 + 3 * 64 + 2 * 16 + 5, n = 5, k = 3;
  const float offset = 7;
  std::vector<float> g(n * m);
  std::normal_distribution<float> normal;
  for (float& v : g) v = normal(rng);
  std::vector<uint8_t> q(k * m), w(n * k);
  for (uint8_t& v : q) v = static_cast<uint8_t>(128 + rng() % 128);
  for (uint8_t& v : w) v = static_cast<uint8_t>(rng());
  std::vector<float> gq(k * m), gw(n * k);
  TableGradients(t, g.data(), q.data(), w.data(), m, n, k, gq.data(), gw.data(), offset, 128,
                 255, 2);
#if defined(__x86_64__)
  const bool vector = __builtin_cpu_supports("avx512f");
#else
  const bool vector = false;
#endif
  for (int64_t kk = 0; kk < k; ++kk) {
    std::vector<float> want_gq(m, 0.0f), parts(n * 16, 0.0f);
    for (int64_t r0 = 0; r0 < m; r0 += 2048) {
      const int64_t len = std::min<int64_t>(2048, m - r0);
      const int64_t fused = vector ? len / 16 * 16 : 0;
      for (int64_t o = 0; o < n; ++o) {
        const int b = w[o * k + kk];
        for (int64_t i = 0; i < len; ++i) {
          const int64_t r = r0 + i;
          const int a = q[kk * m + r];
          const float go = g[o * m + r];
          const float da = t.da[b * 256 + a], db = t.db[b * 256 + a] - offset;
          float& part = parts[o * 16 + i % 16];
          if (i < fused) {
            want_gq[r] = std::fma(go, da, want_gq[r]);
            part = std::fma(go, db, part);
          } else {
            const float x = go * da, y = go * db;
            want_gq[r] = want_gq[r] + x;
            part = part + y;
          }
        }
      }
    }
    for (int64_t r = 0; r < m; ++r) {
      ASSERT_EQ(gq[kk * m + r], want_gq[r]) << "position " << kk << " row " << r;
    }
    for (int64_t o = 0; o < n; ++o) {
      float sum = 0;
      for (int j = 0; j < 16; ++j) sum += parts[o * 16 + j];
      ASSERT_EQ(gw[o * k + kk], sum) << "output " << o << " position " << kk;
    }
  }
}

}  // namespace
}  // namespace agnapprox

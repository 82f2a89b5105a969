#include "multipliers/lut_gemm/table_gradient.h"

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

}  // namespace
}  // namespace agnapprox

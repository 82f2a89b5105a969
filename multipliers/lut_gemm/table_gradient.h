// The backward pass of the table GEMM with the multiplier's own gradient
// (issue #17): instead of the exact product's partial derivatives (the
// straight-through estimator), those of the table itself, as smoothed finite
// differences in value order.
//
// For a table P (65536 int32, signed value order: index a + 128, b + 128):
//
//   Da(a, b) = (P(a+, b) - P(a-, b)) / (a+ - a-),
//       a+ = min(a + h, a_hi), a- = max(a - h, a_lo)
//   Db(a, b) = (P(a, b+) - P(a, b-)) / (b+ - b-),
//       b+ = min(b + h, b_hi), b- = max(b - h, b_lo)
//
// - Window: h = 2, so each value's slope is the mean of the four unit steps
//   around it (a 5-value window); a multiplier's table is a staircase of
//   truncations and rounded partial products, and the unit differences
//   alone are mostly 0 or large.
// - Range: [a_lo, a_hi] is the activation codes' range (0..127 for this
//   project's unsigned 7-bit activations: the quantiser clamps to it, so the
//   window never reaches values the layer cannot see), [b_lo, b_hi] the
//   weights' (-128..127).
// - Edges: the window is cut at the range and becomes one-sided there
//   (a = 0: (P(2, b) - P(0, b)) / 2).
// - Sign-magnitude designs need no special case: in value order their
//   P(-a, b) = -P(a, b), so Da is even in a like the exact product's, and
//   the window across zero averages the slope on both sides of it.
//
// For the exact table both are exact: Da = b, Db = a, everywhere (P is
// linear in each operand, edges included): with it, table gradients equal
// the straight-through ones.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_TABLE_GRADIENT_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_TABLE_GRADIENT_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace agnapprox {

struct GradientTables {
  // Weight-major: da[(b + 128) * 256 + (a + 128)], so that one weight's
  // column over the activations is contiguous. Zero outside the ranges.
  std::vector<float> da, db;
};

inline constexpr int kGradientWindow = 2;

// REQUIRES: products.size() == 65536; -128 <= a_lo < a_hi <= 127, likewise b.
GradientTables MakeGradientTables(absl::Span<const int32_t> products, int a_lo, int a_hi,
                                  int b_lo = -128, int b_hi = 127);

// For one group of a layer, with m rows (im2col positions or batch rows),
// fan-in k and n outputs:
//
//   gq[kk][r] = sum_o g[o][r] * Da(q[kk][r], w[o][kk])
//   gw[o][kk] = sum_r g[o][r] * (Db(q[kk][r], w[o][kk]) - db_offset)
//
// Every index of q lies in [lo, hi] (the activation codes' range: 128..255
// for 7-bit unsigned activations).
// (db_offset: the activation zero point, whose term -zp sum_k w_k in the
// layer's output adds -zp to each weight's derivative; subtracted per term,
// it does not cancel two large float sums.)
//
// q: [k][m] activation indices (value + 128), w: [n][k] weight indices,
// g: [n][m] the upstream gradient of the accumulators. gq: [k][m],
// gw: [n][k]. Each fan-in position kk is summed by one thread in a fixed
// order, so the result has the same bits for any thread count (on one
// machine: the AVX-512 path and the portable one round differently). With
// AVX-512 and indices spanning at most 128 values, each output's two
// gradient columns sit in registers and 16 rows are looked up at once with
// float permutes; with AVX-512 VBMI as well, 64 rows at once from the
// columns' byte planes, as the forward kernel does (same sums, same order,
// same bits).
void TableGradients(const GradientTables& tables, const float* g, const uint8_t* q,
                    const uint8_t* w, int64_t m, int64_t n, int64_t k, float* gq, float* gw,
                    float db_offset = 0, int lo = 0, int hi = 255, int threads = 0);

// The same with the tables as two arrays of 65536 floats (GradientTables'
// layout), e.g. held by tensors.
void TableGradients(const float* da, const float* db, const float* g, const uint8_t* q,
                    const uint8_t* w, int64_t m, int64_t n, int64_t k, float* gq, float* gw,
                    float db_offset = 0, int lo = 0, int hi = 255, int threads = 0);

}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_TABLE_GRADIENT_H_

#include "multipliers/lut_gemm/table_gradient.h"

#include <algorithm>
#include <array>
#include <vector>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves
// (__m512i __Y = __Y), which -Wuninitialized reports wherever they inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "multipliers/lut_gemm/internal/cpu.h"
#include "multipliers/lut_gemm/internal/lanes.h"
#include "multipliers/lut_gemm/internal/team.h"

namespace agnapprox {
namespace {

using lut_gemm_internal::TransposeOrder;
#if defined(__x86_64__)
using lut_gemm_internal::TransposeLanes;
#endif

// Rows per block: the block's gq, q and g stay in L1 while every output
// passes over it.
constexpr int64_t kBlock = 2048;
constexpr int kLanes = 16;

// Rows [begin, end) of one output's pass, in plain C++: gq[r] += g[r] Da,
// part[r % 16] += g[r] (Db - offset).
void PassPortable(const float* ca, const float* cb, const float* go, const uint8_t* q,
                  int64_t begin, int64_t end, float offset, float* gq, float* part) {
  for (int64_t r = begin; r < end; ++r) {
    gq[r] += go[r] * ca[q[r]];
    part[r % kLanes] += go[r] * (cb[q[r]] - offset);
  }
}

#if defined(__x86_64__)
#define AGNAPPROX_AVX512F __attribute__((target("avx512f")))

// 16 lookups in the 128 floats c[0..7] (indices 0..127): four two-register
// permutes on the low five bits, then bits 5 and 6 choose.
AGNAPPROX_AVX512F inline __m512 Lookup128(const __m512 c[8], __m512i idx, __mmask16 bit5,
                                          __mmask16 bit6) {
  const __m512 t0 = _mm512_permutex2var_ps(c[0], idx, c[1]);
  const __m512 t1 = _mm512_permutex2var_ps(c[2], idx, c[3]);
  const __m512 t2 = _mm512_permutex2var_ps(c[4], idx, c[5]);
  const __m512 t3 = _mm512_permutex2var_ps(c[6], idx, c[7]);
  return _mm512_mask_blend_ps(bit6, _mm512_mask_blend_ps(bit5, t0, t1),
                              _mm512_mask_blend_ps(bit5, t2, t3));
}

// One output's pass over `count` rows (a multiple of 16) with every index in
// [lo, lo + 128): the output's two 128-entry gradient columns stay in
// registers, and 16 rows are looked up at once.
AGNAPPROX_AVX512F void PassAvx512(const float* ca, const float* cb, const float* go,
                                  const uint8_t* q, int64_t count, int lo, float offset,
                                  float* gq, float* part) {
  const __m512 off = _mm512_set1_ps(offset);
  __m512 a[8], b[8];  // b: Db - offset
  for (int i = 0; i < 8; ++i) {
    a[i] = _mm512_loadu_ps(ca + lo + 16 * i);
    b[i] = _mm512_sub_ps(_mm512_loadu_ps(cb + lo + 16 * i), off);
  }
  const __m512i base = _mm512_set1_epi32(lo);
  const __m512i bit5 = _mm512_set1_epi32(32), bit6 = _mm512_set1_epi32(64);
  __m512 sum = _mm512_loadu_ps(part);
  for (int64_t r = 0; r < count; r += kLanes) {
    const __m512i idx = _mm512_sub_epi32(
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + r))), base);
    const __mmask16 m5 = _mm512_test_epi32_mask(idx, bit5);
    const __mmask16 m6 = _mm512_test_epi32_mask(idx, bit6);
    const __m512 g = _mm512_loadu_ps(go + r);
    const __m512 da = Lookup128(a, idx, m5, m6);
    const __m512 db = Lookup128(b, idx, m5, m6);
    _mm512_storeu_ps(gq + r, _mm512_fmadd_ps(g, da, _mm512_loadu_ps(gq + r)));
    sum = _mm512_fmadd_ps(g, db, sum);
  }
  _mm512_storeu_ps(part, sum);
}

#define AGNAPPROX_AVX512VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

// 128 floats (eight registers) as four byte planes of two registers each:
// plane p holds byte p of every float, in the floats' order. A permute puts
// each register's bytes plane by plane (one 128-bit lane per plane), then a
// 4x4 transpose of lanes gathers each plane's lanes in order.
AGNAPPROX_AVX512VBMI void BytePlanes(const float* column, __m512i planes[8]) {
  // [16 floats][4 bytes] -> [4 planes][16 bytes].
  alignas(64) static constexpr std::array<uint8_t, 64> kOrder = TransposeOrder(16, 4);
  const __m512i by_plane = _mm512_load_si512(kOrder.data());
  for (int h = 0; h < 2; ++h) {  // floats 64 h .. 64 h + 63
    __m512i v[4], p[4];
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm512_permutexvar_epi8(by_plane, _mm512_loadu_si512(column + 64 * h + 16 * j));
    }
    TransposeLanes(v, p);
    for (int q = 0; q < 4; ++q) planes[2 * q + h] = p[q];
  }
}

// 64 lookups at once: one byte permute per plane, then byte and word
// unpacks rebuild the floats. The unpacks work within 128-bit lanes, so
// result f[j] lane 4 L + t comes from index position 16 L + 4 j + t; the
// indices are stored in that order (PermuteIndices), so f[j] holds rows
// 16 j .. 16 j + 15 in order.
AGNAPPROX_AVX512VBMI inline void Lookup64(const __m512i planes[8], __m512i idx, __m512 f[4]) {
  __m512i b[4];
  for (int p = 0; p < 4; ++p) {
    b[p] = _mm512_permutex2var_epi8(planes[2 * p], idx, planes[2 * p + 1]);
  }
  const __m512i w01lo = _mm512_unpacklo_epi8(b[0], b[1]);
  const __m512i w01hi = _mm512_unpackhi_epi8(b[0], b[1]);
  const __m512i w23lo = _mm512_unpacklo_epi8(b[2], b[3]);
  const __m512i w23hi = _mm512_unpackhi_epi8(b[2], b[3]);
  f[0] = _mm512_castsi512_ps(_mm512_unpacklo_epi16(w01lo, w23lo));
  f[1] = _mm512_castsi512_ps(_mm512_unpackhi_epi16(w01lo, w23lo));
  f[2] = _mm512_castsi512_ps(_mm512_unpacklo_epi16(w01hi, w23hi));
  f[3] = _mm512_castsi512_ps(_mm512_unpackhi_epi16(w01hi, w23hi));
}

// `count` (a multiple of 64) indices less lo, position 16 L + 4 j + t of
// each 64 taking row 16 j + 4 L + t (see Lookup64).
AGNAPPROX_AVX512VBMI void PermuteIndices(const uint8_t* q, int64_t count, int lo,
                                         uint8_t* out) {
  // A 4x4 transpose of 4-byte groups: (j, L) -> (L, j).
  alignas(64) static constexpr std::array<uint8_t, 64> kOrder = TransposeOrder(4, 4, 4);
  const __m512i rows = _mm512_load_si512(kOrder.data());
  const __m512i base = _mm512_set1_epi8(static_cast<char>(lo));
  for (int64_t r = 0; r < count; r += 64) {
    const __m512i v = _mm512_sub_epi8(_mm512_loadu_si512(q + r), base);
    _mm512_store_si512(out + r, _mm512_permutexvar_epi8(rows, v));
  }
}

// PassAvx512 64 rows at a time, from indices in PermuteIndices' order: the
// same products and sums in the same order, so the same bits; a quarter of
// the permutes (byte permutes serve 64 rows, float permutes 16).
AGNAPPROX_AVX512VBMI void PassVbmi(const float* ca, const float* cb, const float* go,
                                   const uint8_t* qp, int64_t count, int lo, float offset,
                                   float* gq, float* part) {
  const __m512 off = _mm512_set1_ps(offset);
  __m512i a[8], b[8];
  BytePlanes(ca + lo, a);
  BytePlanes(cb + lo, b);
  __m512 sum = _mm512_loadu_ps(part);
  for (int64_t r = 0; r < count; r += 64) {
    const __m512i idx = _mm512_load_si512(qp + r);
    __m512 da[4], db[4];
    Lookup64(a, idx, da);
    Lookup64(b, idx, db);
    for (int j = 0; j < 4; ++j) {
      const __m512 g = _mm512_loadu_ps(go + r + 16 * j);
      float* out = gq + r + 16 * j;
      _mm512_storeu_ps(out, _mm512_fmadd_ps(g, da[j], _mm512_loadu_ps(out)));
      sum = _mm512_fmadd_ps(g, _mm512_sub_ps(db[j], off), sum);
    }
  }
  _mm512_storeu_ps(part, sum);
}
#endif

bool HasAvx512f() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

// One fan-in position kk: its row of gq and its column of gw, block by block
// of rows, every output passing over each block.
void OnePosition(const float* da, const float* db, const float* g, const uint8_t* q,
                 const uint8_t* w, int64_t m, int64_t n, int64_t k, int64_t kk, int lo, int hi,
                 float db_offset, float* gq_row, float* gw) {
  std::vector<float> parts(n * kLanes, 0.0f);
  const bool fast = HasAvx512f() && hi - lo < 128;
  // Byte planes need the window inside the column's 256 entries.
  const bool planes = fast && lo <= 128 && lut_gemm_internal::CpuHasAvx512Vbmi();
  alignas(64) uint8_t permuted[kBlock];
  for (int64_t r0 = 0; r0 < m; r0 += kBlock) {
    const int64_t len = std::min(kBlock, m - r0);
    const int64_t whole = fast ? len / kLanes * kLanes : 0;
    const int64_t wide = planes ? len / 64 * 64 : 0;
    float* gq = gq_row + r0;
    const uint8_t* qb = q + r0;
    std::fill(gq, gq + len, 0.0f);
#if defined(__x86_64__)
    if (wide > 0) PermuteIndices(qb, wide, lo, permuted);
#endif
    for (int64_t o = 0; o < n; ++o) {
      const float* ca = da + w[o * k + kk] * 256;
      const float* cb = db + w[o * k + kk] * 256;
      const float* go = g + o * m + r0;
      float* part = parts.data() + o * kLanes;
#if defined(__x86_64__)
      if (wide > 0) PassVbmi(ca, cb, go, permuted, wide, lo, db_offset, gq, part);
      if (whole > wide) {
        PassAvx512(ca, cb, go + wide, qb + wide, whole - wide, lo, db_offset, gq + wide, part);
      }
#endif
      PassPortable(ca, cb, go, qb, whole, len, db_offset, gq, part);
    }
  }
  for (int64_t o = 0; o < n; ++o) {
    float sum = 0;
    for (int j = 0; j < kLanes; ++j) sum += parts[o * kLanes + j];
    gw[o * k + kk] = sum;
  }
}

}  // namespace

GradientTables MakeGradientTables(absl::Span<const int32_t> products, int a_lo, int a_hi,
                                  int b_lo, int b_hi) {
  GradientTables t;
  t.da.assign(65536, 0.0f);
  t.db.assign(65536, 0.0f);
  auto p = [&](int a, int b) { return static_cast<double>(products[(a + 128) * 256 + b + 128]); };
  for (int b = b_lo; b <= b_hi; ++b) {
    for (int a = a_lo; a <= a_hi; ++a) {
      const int a_plus = std::min(a + kGradientWindow, a_hi);
      const int a_minus = std::max(a - kGradientWindow, a_lo);
      const int b_plus = std::min(b + kGradientWindow, b_hi);
      const int b_minus = std::max(b - kGradientWindow, b_lo);
      const size_t at = static_cast<size_t>(b + 128) * 256 + (a + 128);
      t.da[at] = static_cast<float>((p(a_plus, b) - p(a_minus, b)) / (a_plus - a_minus));
      t.db[at] = static_cast<float>((p(a, b_plus) - p(a, b_minus)) / (b_plus - b_minus));
    }
  }
  return t;
}

void TableGradients(const GradientTables& tables, const float* g, const uint8_t* q,
                    const uint8_t* w, int64_t m, int64_t n, int64_t k, float* gq, float* gw,
                    float db_offset, int lo, int hi, int threads) {
  TableGradients(tables.da.data(), tables.db.data(), g, q, w, m, n, k, gq, gw, db_offset, lo, hi,
                 threads);
}

void TableGradients(const float* da, const float* db, const float* g, const uint8_t* q,
                    const uint8_t* w, int64_t m, int64_t n, int64_t k, float* gq, float* gw,
                    float db_offset, int lo, int hi, int threads) {
  // One task per fan-in position, on the table GEMM's team.
  lut_gemm_internal::RunOnTeam(lut_gemm_internal::ThreadsFor(threads, m * n * k),
                               static_cast<size_t>(k), [&](size_t kk) {
                                 OnePosition(da, db, g, q + kk * m, w, m, n, k,
                                             static_cast<int64_t>(kk), lo, hi, db_offset,
                                             gq + kk * m, gw);
                               });
}

}  // namespace agnapprox

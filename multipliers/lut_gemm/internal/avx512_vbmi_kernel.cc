#include "multipliers/lut_gemm/internal/avx512_vbmi_kernel.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "multipliers/lut_gemm/internal/lanes.h"
#include "multipliers/lut_gemm/internal/portable_kernel.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves
// (__m512i __Y = __Y), which -Wuninitialized reports wherever they inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#define AGNAPPROX_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni")))
#endif

namespace agnapprox {
namespace lut_gemm_internal {
namespace {

#if defined(__x86_64__)
// One weight column's table bytes in the window: low and high byte planes,
// two registers each (128 entries) or four (all 256).
struct Column {
  __m512i lo[4], hi[4];
};

template <bool kNarrow>
AGNAPPROX_AVX512 inline Column LoadColumn(const uint8_t* lc, const uint8_t* hc) {
  Column c;
#pragma GCC unroll 4
  for (int i = 0; i < (kNarrow ? 2 : 4); ++i) {
    c.lo[i] = _mm512_loadu_si512(lc + 64 * i);
    c.hi[i] = _mm512_loadu_si512(hc + 64 * i);
  }
  return c;
}

// Low and high bytes of the 64 products of the indices `idx` with column c,
// as two registers of 16-bit words (rows 16L+0..7 and 16L+8..15 of lane L).
template <bool kNarrow>
AGNAPPROX_AVX512 inline void Lookup(__m512i idx, const Column& c, __m512i* words_lo,
                                    __m512i* words_hi) {
  __m512i lo, hi;
  if (kNarrow) {
    lo = _mm512_permutex2var_epi8(c.lo[0], idx, c.lo[1]);
    hi = _mm512_permutex2var_epi8(c.hi[0], idx, c.hi[1]);
  } else {
    // Index bit 7 picks the upper 128 entries.
    const __mmask64 upper = _mm512_movepi8_mask(idx);
    lo = _mm512_mask_blend_epi8(upper, _mm512_permutex2var_epi8(c.lo[0], idx, c.lo[1]),
                                _mm512_permutex2var_epi8(c.lo[2], idx, c.lo[3]));
    hi = _mm512_mask_blend_epi8(upper, _mm512_permutex2var_epi8(c.hi[0], idx, c.hi[1]),
                                _mm512_permutex2var_epi8(c.hi[2], idx, c.hi[3]));
  }
  *words_lo = _mm512_unpacklo_epi8(lo, hi);
  *words_hi = _mm512_unpackhi_epi8(lo, hi);
}

// The smallest and largest index, 64 bytes at a time.
AGNAPPROX_AVX512 void MinMaxIndex(const uint8_t* a, int64_t size, int* lowest, int* highest) {
  __m512i lo = _mm512_set1_epi8(static_cast<char>(0xff)), hi = _mm512_setzero_si512();
  int64_t i = 0;
  for (; i + 64 <= size; i += 64) {
    const __m512i v = _mm512_loadu_si512(a + i);
    lo = _mm512_min_epu8(lo, v);
    hi = _mm512_max_epu8(hi, v);
  }
  alignas(64) uint8_t l[64], h[64];
  _mm512_store_si512(l, lo);
  _mm512_store_si512(h, hi);
  int low = 255, high = 0;
  for (int j = 0; j < 64; ++j) {
    low = std::min<int>(low, l[j]);
    high = std::max<int>(high, h[j]);
  }
  for (; i < size; ++i) {
    low = std::min<int>(low, a[i]);
    high = std::max<int>(high, a[i]);
  }
  *lowest = low;
  *highest = high;
}

// 64 indices at p, rebased to the table window.
AGNAPPROX_AVX512 inline __m512i Indices(const uint8_t* p, __m512i rebase) {
  return _mm512_sub_epi8(_mm512_loadu_si512(p), rebase);
}

// The 64 row sums of one column, in row order, at out (rows past `count`
// are not written). Accumulator r's lane j holds row 16 (j / 4) + 4 r + j % 4
// (the byte and word unpacks work within 128-bit lanes), so a 4x4 transpose
// of 128-bit lanes puts rows 16 q .. 16 q + 15 into register q.
AGNAPPROX_AVX512 inline void StoreRows(const __m512i acc[4], __m512i offset, int64_t count,
                                       int32_t* out) {
  __m512i rows[4];
  TransposeLanes(acc, rows);
  for (int q = 0; q < 4; ++q) {
    const int64_t left = count - 16 * q;
    if (left <= 0) break;
    const __mmask16 keep =
        left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    _mm512_mask_storeu_epi32(out + 16 * q, keep, _mm512_add_epi32(rows[q], offset));
  }
}

// Adds one step pair's (or, with `single`, one step's) products to the
// four accumulators of 64 rows.
template <bool kPaired>
AGNAPPROX_AVX512 inline void Accumulate(__m512i w0lo, __m512i w0hi, __m512i w1lo, __m512i w1hi,
                                        __m512i acc[4]) {
  const __m512i ones = _mm512_set1_epi16(1);
  if (kPaired) {
    // Two steps' products add in 16 bits; vpdpwssd against (1, 0) and
    // (0, 1) widens the even and the odd words into their own sums.
    const __m512i even = _mm512_set1_epi32(1), odd = _mm512_set1_epi32(1 << 16);
    const __m512i lo = _mm512_add_epi16(w0lo, w1lo), hi = _mm512_add_epi16(w0hi, w1hi);
    acc[0] = _mm512_dpwssd_epi32(acc[0], lo, even);
    acc[1] = _mm512_dpwssd_epi32(acc[1], lo, odd);
    acc[2] = _mm512_dpwssd_epi32(acc[2], hi, even);
    acc[3] = _mm512_dpwssd_epi32(acc[3], hi, odd);
  } else {
    acc[0] = _mm512_dpwssd_epi32(acc[0], _mm512_unpacklo_epi16(w0lo, w1lo), ones);
    acc[1] = _mm512_dpwssd_epi32(acc[1], _mm512_unpackhi_epi16(w0lo, w1lo), ones);
    acc[2] = _mm512_dpwssd_epi32(acc[2], _mm512_unpacklo_epi16(w0hi, w1hi), ones);
    acc[3] = _mm512_dpwssd_epi32(acc[3], _mm512_unpackhi_epi16(w0hi, w1hi), ones);
  }
}

// One tile of kParts x 64 rows against n columns. at: kParts x 64 raw (not
// rebased) indices per k step, step kk at at + kk * lda; column j's first
// `count` row sums go to out + j * ldo, in row order. Each column's table
// registers are loaded once per step for all parts: the tables do not fit
// L1, and their loads, not the shuffles, bound the one-part kernel.
// kPaired: the table's products (less its offset) lie in [-16384, 16383],
// so two steps add in 16 bits before they are widened, which saves the
// word unpacks.
template <bool kPaired, int kParts, bool kNarrow>
AGNAPPROX_AVX512 void Block(const uint8_t* at, int64_t lda, const uint8_t* b, int64_t n,
                            int64_t k, const PackedTable& table, const Window& w,
                            int64_t count, int32_t* out, int64_t ldo) {
  const uint8_t* low = table.low_bytes.data() + w.base;
  const uint8_t* high = table.high_bytes.data() + w.base;
  const __m512i rebase = _mm512_set1_epi8(static_cast<char>(w.base));
  const __m512i zero = _mm512_setzero_si512();
  const __m512i offset = _mm512_set1_epi32(w.offset_total);
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* bj = b + j * k;
    __m512i acc[kParts][4];
#pragma GCC unroll 2
    for (int p = 0; p < kParts; ++p) acc[p][0] = acc[p][1] = acc[p][2] = acc[p][3] = zero;
    int64_t kk = 0;
    for (; kk + 1 < k; kk += 2) {
      const Column c0 = LoadColumn<kNarrow>(low + bj[kk] * 256, high + bj[kk] * 256);
      const Column c1 = LoadColumn<kNarrow>(low + bj[kk + 1] * 256, high + bj[kk + 1] * 256);
#pragma GCC unroll 2
      for (int p = 0; p < kParts; ++p) {
        __m512i w0lo, w0hi, w1lo, w1hi;
        Lookup<kNarrow>(Indices(at + kk * lda + 64 * p, rebase), c0, &w0lo, &w0hi);
        Lookup<kNarrow>(Indices(at + (kk + 1) * lda + 64 * p, rebase), c1, &w1lo, &w1hi);
        Accumulate<kPaired>(w0lo, w0hi, w1lo, w1hi, acc[p]);
      }
    }
    if (kk < k) {  // odd K: the last step pairs with zeros
      const Column c0 = LoadColumn<kNarrow>(low + bj[kk] * 256, high + bj[kk] * 256);
#pragma GCC unroll 2
      for (int p = 0; p < kParts; ++p) {
        __m512i w0lo, w0hi;
        Lookup<kNarrow>(Indices(at + kk * lda + 64 * p, rebase), c0, &w0lo, &w0hi);
        Accumulate<kPaired>(w0lo, w0hi, zero, zero, acc[p]);
      }
    }
#pragma GCC unroll 2
    for (int p = 0; p < kParts; ++p) {
      if (kPaired) {
        // Even and odd rows interleaved: the unpaired kernel's lane order.
        const __m512i a0 = acc[p][0], a1 = acc[p][1], a2 = acc[p][2], a3 = acc[p][3];
        acc[p][0] = _mm512_unpacklo_epi32(a0, a1);
        acc[p][1] = _mm512_unpackhi_epi32(a0, a1);
        acc[p][2] = _mm512_unpacklo_epi32(a2, a3);
        acc[p][3] = _mm512_unpackhi_epi32(a2, a3);
      }
      StoreRows(acc[p], offset, count - 64 * p, out + j * ldo + 64 * p);
    }
  }
}

// Rows first .. first + kBlockRows - 1 of a row-major [m][k] A as
// [k][kBlockRows] bytes in `buffer`, rows past m repeating the last one. Eight k steps at a time: the
// 8x8 byte blocks are transposed in registers (vpermb), then moved as words
// of 8 bytes, instead of one byte at a time.
AGNAPPROX_AVX512 void GatherRows(const uint8_t* a, int64_t m, int64_t k, int64_t first,
                                 uint8_t* buffer) {
  const uint8_t* row[kBlockRows];
  for (int64_t r = 0; r < kBlockRows; ++r) row[r] = a + std::min(first + r, m - 1) * k;
  // Byte 8 t + i of a block comes from byte 8 i + t.
  alignas(64) static constexpr std::array<uint8_t, 64> kOrder = TransposeOrder(8, 8);
  const __m512i transpose8 = _mm512_load_si512(kOrder.data());
  alignas(64) uint64_t words[kBlockRows];
  int64_t kk = 0;
  for (; kk + 8 <= k; kk += 8) {
    for (int64_t r = 0; r < kBlockRows; ++r) std::memcpy(&words[r], row[r] + kk, 8);
    // Register q: rows 8 q .. 8 q + 7; after the permute its word t holds
    // those rows at step kk + t.
    for (int q = 0; q < kBlockRows / 8; ++q) {
      _mm512_store_si512(words + 8 * q,
                         _mm512_permutexvar_epi8(transpose8, _mm512_load_si512(words + 8 * q)));
    }
    for (int t = 0; t < 8; ++t) {
      for (int q = 0; q < kBlockRows / 8; ++q) {
        std::memcpy(buffer + (kk + t) * kBlockRows + 8 * q, &words[8 * q + t], 8);
      }
    }
  }
  for (; kk < k; ++kk) {
    for (int64_t r = 0; r < kBlockRows; ++r) buffer[kk * kBlockRows + r] = row[r][kk];
  }
}
#endif

}  // namespace

std::unique_ptr<PackedTable> PackTable(const int32_t* products) {
  const auto [lo, hi] = std::minmax_element(products, products + 65536);
  if (static_cast<int64_t>(*hi) - *lo > 65535) return nullptr;
  auto table = std::make_unique<PackedTable>();
  // Shift the products into int16: any offset in [hi - 32767, lo + 32768].
  // Where the span allows, into [-16384, 16383], so that two add in int16
  // (8-bit products a b span 32640).
  if (static_cast<int64_t>(*hi) - *lo <= 32767) {
    table->paired = true;
    table->offset = (*lo >= -16384 && *hi <= 16383) ? 0 : *lo + 16384;
  } else {
    table->offset = (*lo >= -32768 && *hi <= 32767) ? 0 : *hi - 32767;
  }
  table->low_bytes.assign(256 * 256 + 128, 0);
  table->high_bytes.assign(256 * 256 + 128, 0);
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const uint16_t v =
          static_cast<uint16_t>(static_cast<int16_t>(products[a * 256 + b] - table->offset));
      table->low_bytes[b * 256 + a] = static_cast<uint8_t>(v & 0xff);
      table->high_bytes[b * 256 + a] = static_cast<uint8_t>(v >> 8);
    }
  }
  return table;
}

void IndexRange(const uint8_t* a, int64_t size, int* lowest, int* highest) {
#if defined(__x86_64__)
  MinMaxIndex(a, size, lowest, highest);
#else
  *lowest = 0;
  *highest = 255;
  (void)a;
  (void)size;
#endif
}

Window MakeWindow(const PackedTable& table, int lowest, int highest, int64_t k) {
  Window w;
  w.narrow = highest - lowest < 128;
  w.base = w.narrow ? lowest : 0;
  // k * offset in uint32 arithmetic: the same wraparound as the reference.
  w.offset_total =
      static_cast<int32_t>(static_cast<uint32_t>(table.offset) * static_cast<uint32_t>(k));
  return w;
}

void Avx512VbmiTile(const PackedTable& table, const Window& w, const Operands& op,
                    const Tile& t) {
#if defined(__x86_64__)
  // The kernel reads the tile's indices once per column, so the tile is
  // first copied into a per-thread [k][kBlockRows] buffer (rows past the
  // tile repeating its last row). Read in place, a transposed A's k steps
  // sit m bytes apart: at the power-of-two m of a batch of images
  // (128 x 32 x 32) every step falls into the same L1 and L2 set, and the
  // kernel ran at a fifth of its speed.
  thread_local std::vector<uint8_t, CacheLineAllocator<uint8_t>> buffer;
  thread_local std::vector<int32_t, CacheLineAllocator<int32_t>> out;
  buffer.resize(op.k * kBlockRows);
  if (op.fill != nullptr) {
    (*op.fill)(op.group, t.first, t.count, buffer.data());
  } else if (op.transposed) {
    for (int64_t kk = 0; kk < op.k; ++kk) {
      const uint8_t* src = op.a + kk * op.m + t.first;
      uint8_t* dst = buffer.data() + kk * kBlockRows;
      std::memcpy(dst, src, t.count);
      std::memset(dst + t.count, src[t.count - 1], kBlockRows - t.count);
    }
  } else {
    GatherRows(op.a, op.m, op.k, t.first, buffer.data());
  }
  const uint8_t* at = buffer.data();
  const int64_t lda = kBlockRows;
  const uint8_t* b = op.b + t.col0 * op.k;
  // Tiles of at most 64 rows run one part, not two.
  using BlockFn = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, int64_t,
                           const PackedTable&, const Window&, int64_t, int32_t*, int64_t);
  static constexpr BlockFn kBlocks[2][2][2] = {
      {{Block<false, 1, false>, Block<false, 1, true>},
       {Block<false, 2, false>, Block<false, 2, true>}},
      {{Block<true, 1, false>, Block<true, 1, true>},
       {Block<true, 2, false>, Block<true, 2, true>}}};
  const BlockFn block = kBlocks[table.paired][t.count > 64][w.narrow];
  if (op.c_transposed) {  // straight into C's columns
    block(at, lda, b, t.cols, op.k, table, w, t.count, op.c + t.col0 * op.m + t.first, op.m);
    return;
  }
  out.resize(t.cols * kBlockRows);
  block(at, lda, b, t.cols, op.k, table, w, kBlockRows, out.data(), kBlockRows);
  for (int64_t r = 0; r < t.count; ++r) {
    int32_t* c = op.c + (t.first + r) * op.n + t.col0;
    for (int64_t j = 0; j < t.cols; ++j) c[j] = out[j * kBlockRows + r];
  }
#else
  (void)table;
  (void)w;
  (void)op;
  (void)t;
#endif
}

}  // namespace lut_gemm_internal
}  // namespace agnapprox

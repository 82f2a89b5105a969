#include "deploy/lut_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "stats/parallel.h"

namespace agnapprox {
namespace {

constexpr int64_t kBlockRows = 64;  // one zmm of byte indices
// Below this many multiply-accumulates, starting threads costs more than it
// saves (measured: 784x6x25 ran at 1.2 GMAC/s on two threads).
constexpr int64_t kMinMacsPerThread = int64_t{1} << 19;

int ThreadsFor(int threads, int64_t m, int64_t n, int64_t k) {
  return m * n * k < kMinMacsPerThread ? 1 : threads;
}

bool CpuHasAvx512Vbmi() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

// Where accumulator lane j of register r ends up: the byte and word unpacks
// work within 128-bit lanes, so row 16 * (j / 4) + 4 * r + j % 4.
constexpr int RowOfLane(int r, int j) { return 16 * (j / 4) + 4 * r + j % 4; }

#if defined(__x86_64__)
#define AGNAPPROX_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni")))

// Low and high bytes of the 64 products of the indices `idx` with weight
// column `lc`/`hc` (pointers already offset by the window base), as two
// registers of 16-bit words (rows 16L+0..7 and 16L+8..15 of lane L).
AGNAPPROX_AVX512 inline void Lookup(__m512i idx, const uint8_t* lc,
                                    const uint8_t* hc, bool narrow,
                                    __m512i* words_lo, __m512i* words_hi) {
  __m512i lo, hi;
  if (narrow) {
    lo = _mm512_permutex2var_epi8(_mm512_loadu_si512(lc), idx,
                                  _mm512_loadu_si512(lc + 64));
    hi = _mm512_permutex2var_epi8(_mm512_loadu_si512(hc), idx,
                                  _mm512_loadu_si512(hc + 64));
  } else {
    // Index bit 7 picks the upper 128 entries.
    const __mmask64 upper = _mm512_movepi8_mask(idx);
    lo = _mm512_mask_blend_epi8(
        upper,
        _mm512_permutex2var_epi8(_mm512_loadu_si512(lc), idx,
                                 _mm512_loadu_si512(lc + 64)),
        _mm512_permutex2var_epi8(_mm512_loadu_si512(lc + 128), idx,
                                 _mm512_loadu_si512(lc + 192)));
    hi = _mm512_mask_blend_epi8(
        upper,
        _mm512_permutex2var_epi8(_mm512_loadu_si512(hc), idx,
                                 _mm512_loadu_si512(hc + 64)),
        _mm512_permutex2var_epi8(_mm512_loadu_si512(hc + 128), idx,
                                 _mm512_loadu_si512(hc + 192)));
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

// One block of 64 rows against every column. at: [k][64] indices minus
// `base`, so each fits a 128-byte (two-register) window when `narrow`.
// 64 indices at p, rebased to the table window.
AGNAPPROX_AVX512 inline __m512i Indices(const uint8_t* p, __m512i rebase) {
  return _mm512_sub_epi8(_mm512_loadu_si512(p), rebase);
}

// at: 64 indices per k step, step kk at at + kk * lda (raw, not rebased).
AGNAPPROX_AVX512 void Avx512Block(const uint8_t* at, int64_t lda, const uint8_t* b, int64_t n,
                                  int64_t k, const uint8_t* low, const uint8_t* high, int base,
                                  bool narrow, int32_t offset_total,
                                  int32_t* out /* [n][64] */) {
  const __m512i rebase = _mm512_set1_epi8(static_cast<char>(base));
  const __m512i ones = _mm512_set1_epi16(1);
  const __m512i zero = _mm512_setzero_si512();
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* bj = b + j * k;
    __m512i acc[4] = {zero, zero, zero, zero};
    int64_t kk = 0;
    for (; kk + 1 < k; kk += 2) {
      __m512i w0lo, w0hi, w1lo, w1hi;
      Lookup(Indices(at + kk * lda, rebase), low + bj[kk] * 256 + base, high + bj[kk] * 256 + base, narrow,
             &w0lo, &w0hi);
      Lookup(Indices(at + (kk + 1) * lda, rebase), low + bj[kk + 1] * 256 + base, high + bj[kk + 1] * 256 + base,
             narrow, &w1lo, &w1hi);
      acc[0] = _mm512_dpwssd_epi32(acc[0], _mm512_unpacklo_epi16(w0lo, w1lo), ones);
      acc[1] = _mm512_dpwssd_epi32(acc[1], _mm512_unpackhi_epi16(w0lo, w1lo), ones);
      acc[2] = _mm512_dpwssd_epi32(acc[2], _mm512_unpacklo_epi16(w0hi, w1hi), ones);
      acc[3] = _mm512_dpwssd_epi32(acc[3], _mm512_unpackhi_epi16(w0hi, w1hi), ones);
    }
    if (kk < k) {  // odd K: the last step pairs with zeros
      __m512i w0lo, w0hi;
      Lookup(Indices(at + kk * lda, rebase), low + bj[kk] * 256 + base, high + bj[kk] * 256 + base, narrow, &w0lo,
             &w0hi);
      acc[0] = _mm512_dpwssd_epi32(acc[0], _mm512_unpacklo_epi16(w0lo, zero), ones);
      acc[1] = _mm512_dpwssd_epi32(acc[1], _mm512_unpackhi_epi16(w0lo, zero), ones);
      acc[2] = _mm512_dpwssd_epi32(acc[2], _mm512_unpacklo_epi16(w0hi, zero), ones);
      acc[3] = _mm512_dpwssd_epi32(acc[3], _mm512_unpackhi_epi16(w0hi, zero), ones);
    }
    alignas(64) int32_t lanes[4][16];
    const __m512i off = _mm512_set1_epi32(offset_total);
    for (int r = 0; r < 4; ++r) {
      _mm512_store_si512(lanes[r], _mm512_add_epi32(acc[r], off));
    }
    int32_t* o = out + j * kBlockRows;
    for (int r = 0; r < 4; ++r) {
      for (int lane = 0; lane < 16; ++lane) o[RowOfLane(r, lane)] = lanes[r][lane];
    }
  }
}
#endif

}  // namespace

LutGemm::LutGemm(absl::Span<const int32_t> products)
    : products_(products.begin(), products.end()) {
  const auto [lo, hi] = std::minmax_element(products_.begin(), products_.end());
  fits_16_bits_ = static_cast<int64_t>(*hi) - *lo <= 65535;
  if (!fits_16_bits_) return;
  // Shift the products into int16: any offset in [hi - 32767, lo + 32768].
  offset_ = (*lo >= -32768 && *hi <= 32767) ? 0 : *hi - 32767;
  low_bytes_.assign(256 * 256 + 128, 0);
  high_bytes_.assign(256 * 256 + 128, 0);
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const uint16_t v = static_cast<uint16_t>(
          static_cast<int16_t>(products_[a * 256 + b] - offset_));
      low_bytes_[b * 256 + a] = static_cast<uint8_t>(v & 0xff);
      high_bytes_[b * 256 + a] = static_cast<uint8_t>(v >> 8);
    }
  }
}

bool LutGemm::UsesAvx512() const {
  static const bool cpu = CpuHasAvx512Vbmi();
  return cpu && fits_16_bits_ && !portable_only_;
}

void LutGemm::Multiply(const uint8_t* a, int64_t m, const uint8_t* b,
                       int64_t n, int64_t k, int32_t* c, int threads) const {
  MultiplyGrouped(a, 1, m, b, n, k, c, threads);
}

void LutGemm::MultiplyGrouped(const uint8_t* a, int64_t groups, int64_t m,
                              const uint8_t* b, int64_t n, int64_t k, int32_t* c,
                              int threads) const {
  Run(a, /*transposed=*/false, groups, m, b, n, k, c, threads);
}

void LutGemm::MultiplyGroupedTransposed(const uint8_t* at, int64_t groups, int64_t m,
                                        const uint8_t* b, int64_t n, int64_t k, int32_t* c,
                                        int threads) const {
  Run(at, /*transposed=*/true, groups, m, b, n, k, c, threads);
}

void LutGemm::Run(const uint8_t* a, bool transposed, int64_t groups, int64_t m,
                  const uint8_t* b, int64_t n, int64_t k, int32_t* c, int threads) const {
  if (groups == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(c, c + groups * m * n, 0);
    return;
  }
  Window window;
  const bool avx = UsesAvx512();
  if (avx) {
    int lowest = 0, highest = 0;
#if defined(__x86_64__)
    MinMaxIndex(a, groups * m * k, &lowest, &highest);
#endif
    window.narrow = highest - lowest < 128;
    window.base = window.narrow ? lowest : 0;
    // K * offset in uint32 arithmetic: the same wraparound as the reference.
    window.offset_total =
        static_cast<int32_t>(static_cast<uint32_t>(offset_) * static_cast<uint32_t>(k));
  }
  // Tasks are (group, block of 64 rows, range of columns): all groups in one
  // parallel loop (depthwise convolution is many tiny GEMMs), and enough
  // column ranges to keep every thread busy when there are few row blocks.
  const int64_t blocks = (m + kBlockRows - 1) / kBlockRows;
  const int64_t chunks =
      std::min<int64_t>(n, std::max<int64_t>(1, (4 + groups * blocks - 1) / (groups * blocks)));
  const int64_t chunk = (n + chunks - 1) / chunks;
  RunTasks(ThreadsFor(threads, groups * m, n, k), groups * blocks * chunks, [&](size_t task) {
    const int64_t g = task / (blocks * chunks);
    const int64_t rest = task % (blocks * chunks);
    Tile tile;
    tile.first = (rest / chunks) * kBlockRows;
    tile.count = std::min(kBlockRows, m - tile.first);
    tile.col0 = (rest % chunks) * chunk;
    tile.cols = std::min(chunk, n - tile.col0);
    if (tile.cols <= 0) return;
    const uint8_t* ag = a + g * m * k;
    const uint8_t* bg = b + g * n * k;
    int32_t* cg = c + g * m * n;
    if (avx) {
      TileAvx512(ag, transposed, m, bg, n, k, tile, window, cg);
    } else {
      TilePortable(ag, transposed, m, bg, n, k, tile, cg);
    }
  });
}

void LutGemm::TilePortable(const uint8_t* a, bool transposed, int64_t m, const uint8_t* b,
                           int64_t n, int64_t k, const Tile& t, int32_t* c) const {
  for (int64_t i = t.first; i < t.first + t.count; ++i) {
    for (int64_t j = t.col0; j < t.col0 + t.cols; ++j) {
      uint32_t acc = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        const uint8_t ai = transposed ? a[kk * m + i] : a[i * k + kk];
        acc += static_cast<uint32_t>(products_[ai * 256 + b[j * k + kk]]);
      }
      c[i * n + j] = static_cast<int32_t>(acc);
    }
  }
}

void LutGemm::TileAvx512(const uint8_t* a, bool transposed, int64_t m, const uint8_t* b,
                         int64_t n, int64_t k, const Tile& t, const Window& w,
                         int32_t* c) const {
#if defined(__x86_64__)
  // The kernel reads 64 indices per k step. A transposed full tile is read
  // in place ([k][m], stride m); otherwise the tile is gathered into a
  // per-thread [k][64] buffer, rows past the tile repeating a valid one.
  thread_local std::vector<uint8_t> buffer;
  thread_local std::vector<int32_t> out;
  out.resize(t.cols * kBlockRows);
  const uint8_t* at;
  int64_t lda;
  if (transposed && t.count == kBlockRows) {
    at = a + t.first;
    lda = m;
  } else {
    buffer.resize(k * kBlockRows);
    for (int64_t r = 0; r < kBlockRows; ++r) {
      const int64_t i = t.first + std::min(r, t.count - 1);
      for (int64_t kk = 0; kk < k; ++kk) {
        buffer[kk * kBlockRows + r] = transposed ? a[kk * m + i] : a[i * k + kk];
      }
    }
    at = buffer.data();
    lda = kBlockRows;
  }
  Avx512Block(at, lda, b + t.col0 * k, t.cols, k, low_bytes_.data(), high_bytes_.data(), w.base,
              w.narrow, w.offset_total, out.data());
  for (int64_t r = 0; r < t.count; ++r) {
    for (int64_t j = 0; j < t.cols; ++j) {
      c[(t.first + r) * n + t.col0 + j] = out[j * kBlockRows + r];
    }
  }
#else
  TilePortable(a, transposed, m, b, n, k, t, c);
#endif
}

void LutGemmReference(absl::Span<const int32_t> products, const uint8_t* a,
                      int64_t m, const uint8_t* b, int64_t n, int64_t k,
                      int32_t* c) {
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

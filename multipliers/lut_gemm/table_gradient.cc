#include "multipliers/lut_gemm/table_gradient.h"

#include <algorithm>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "io/parallel.h"

namespace agnapprox {
namespace {

// n-long dot product, 16 partial sums added in a fixed order.
float DotPortable(const float* a, const float* b, int64_t n) {
  float part[16] = {0};
  for (int64_t o = 0; o < n; ++o) part[o % 16] += a[o] * b[o];
  float sum = 0;
  for (float p : part) sum += p;
  return sum;
}

void AddPortable(const float* a, int64_t n, float* to) {
  for (int64_t o = 0; o < n; ++o) to[o] += a[o];
}

#if defined(__x86_64__)
#define AGNAPPROX_AVX512F __attribute__((target("avx512f")))
AGNAPPROX_AVX512F inline float DotAvx512(const float* a, const float* b, int64_t n) {
  __m512 sum = _mm512_setzero_ps();
  int64_t o = 0;
  for (; o + 16 <= n; o += 16) {
    sum = _mm512_fmadd_ps(_mm512_loadu_ps(a + o), _mm512_loadu_ps(b + o), sum);
  }
  if (o < n) {
    const __mmask16 keep = static_cast<__mmask16>((1u << (n - o)) - 1);
    sum = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, a + o), _mm512_maskz_loadu_ps(keep, b + o),
                          sum);
  }
  return _mm512_reduce_add_ps(sum);
}

AGNAPPROX_AVX512F inline void AddAvx512(const float* a, int64_t n, float* to) {
  int64_t o = 0;
  for (; o + 16 <= n; o += 16) {
    _mm512_storeu_ps(to + o, _mm512_add_ps(_mm512_loadu_ps(to + o), _mm512_loadu_ps(a + o)));
  }
  if (o < n) {
    const __mmask16 keep = static_cast<__mmask16>((1u << (n - o)) - 1);
    _mm512_mask_storeu_ps(to + o, keep,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(keep, to + o),
                                        _mm512_maskz_loadu_ps(keep, a + o)));
  }
}

// The row loop of OnePosition with AVX-512 (one function, so that the
// helpers inline).
AGNAPPROX_AVX512F void RowsAvx512(const float* g, const uint8_t* q, int64_t m, int64_t n, int lo,
                                  const float* ma, float* hist, float* gq) {
  for (int64_t r = 0; r < m; ++r) {
    const float* gr = g + r * n;
    const int64_t v = q[r] - lo;
    gq[r] = DotAvx512(gr, ma + v * n, n);
    AddAvx512(gr, n, hist + v * n);
  }
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

// Per-thread work space of one fan-in position.
struct Scratch {
  std::vector<float> ma, mb;  // [value][o]: Da and Db of each output's weight
  std::vector<float> hist;    // [value][o]: sum of g over the rows with that value
};

// One fan-in position kk, over the index values [lo, hi] that occur:
//   gq[r] = sum_o g[r][o] Da(q_r, w_ok)                    (a dot product per row)
//   gw[o] = sum_v (Db(v, w_ok) - offset) sum_{r: q_r = v} g[r][o]
// The second sums g's rows by value first (a histogram), so that neither
// needs a table lookup per (row, output).
void OnePosition(const float* da, const float* db, const float* g, const uint8_t* q,
                 const uint8_t* w, int64_t m, int64_t n, int64_t k, int64_t kk, int lo, int hi,
                 float db_offset, float* gq, float* gw, Scratch& s) {
  const int64_t values = hi - lo + 1;
  s.ma.resize(values * n);
  s.mb.resize(values * n);
  s.hist.assign(values * n, 0.0f);
  for (int64_t o = 0; o < n; ++o) {
    const float* ca = da + w[o * k + kk] * 256 + lo;
    const float* cb = db + w[o * k + kk] * 256 + lo;
    for (int64_t v = 0; v < values; ++v) {
      s.ma[v * n + o] = ca[v];
      s.mb[v * n + o] = cb[v] - db_offset;
    }
  }
#if defined(__x86_64__)
  if (HasAvx512f()) {
    RowsAvx512(g, q, m, n, lo, s.ma.data(), s.hist.data(), gq);
  } else
#endif
  {
    for (int64_t r = 0; r < m; ++r) {
      const float* gr = g + r * n;
      const int64_t v = q[r] - lo;
      gq[r] = DotPortable(gr, s.ma.data() + v * n, n);
      AddPortable(gr, n, s.hist.data() + v * n);
    }
  }
  for (int64_t o = 0; o < n; ++o) {
    float sum = 0;
    for (int64_t v = 0; v < values; ++v) sum += s.mb[v * n + o] * s.hist[v * n + o];
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
  // One task per fan-in position, on an OpenMP team where there is one (as
  // the table GEMM: LibTorch's threads, awake), else on RunTasks' pool.
  const int use = m * n * k < (int64_t{1} << 16) ? 1 : threads;
  auto position = [&](int64_t kk) {
    thread_local Scratch scratch;
    OnePosition(da, db, g, q + kk * m, w, m, n, k, kk, lo, hi, db_offset, gq + kk * m, gw,
                scratch);
  };
  if (use == 1) {
    for (int64_t kk = 0; kk < k; ++kk) position(kk);
    return;
  }
#if defined(_OPENMP)
  const int team = use > 0 ? use : omp_get_max_threads();
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int64_t kk = 0; kk < k; ++kk) position(kk);
#else
  RunTasks(use, static_cast<size_t>(k), [&](size_t kk) { position(static_cast<int64_t>(kk)); });
#endif
}

}  // namespace agnapprox

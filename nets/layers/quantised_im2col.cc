#include "nets/layers/quantised_im2col.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "nets/layers/wide_loops.h"

namespace agnapprox {
namespace {

// Elements per parallel chunk: below this, a thread costs more than it saves.
constexpr int64_t kGrain = 1 << 15;

// nearbyint(v) in the default rounding mode, without a libm call so that the
// loop vectorises: adding and subtracting 1.5 * 2^23 rounds to an integer,
// ties to even, for |v| < 2^22. Larger magnitudes are far outside any code
// range; they pass through and clamp alike.
inline float RoundToNearestEven(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  const float r = (v + kMagic) - kMagic;
  return std::fabs(v) < 4194304.0f ? r : v;
}

}  // namespace

namespace {

// The loop of QuantiseActivations, one instance per output set so that each
// vectorises (no branch on the options inside).
// idx[i + shift] (or, with kTranspose, its transposed place) for x[i].
template <bool kSave, bool kTranspose>
AGNAPPROX_WIDE_LOOP
void QuantiseRange(const float* x, int64_t begin, int64_t end, const ActivationQuantiser& q,
                   int64_t row_length, int64_t rows, uint8_t* idx, int64_t shift, float* fq,
                   bool* mask) {
  const float inv = 1.0f / q.scale;
  const float zp = static_cast<float>(q.zero_point);
  const float lo = static_cast<float>(q.lo), hi = static_cast<float>(q.hi);
  for (int64_t i = begin; i < end; ++i) {
    const float v = zp + RoundToNearestEven(x[i] * inv);
    // NaN compares false everywhere: it takes the lowest code.
    const float code = v >= lo ? std::min(v, hi) : lo;
    const int c = static_cast<int>(code);
    const uint8_t index = static_cast<uint8_t>(c + 128);
    if (kTranspose) {
      idx[(i % row_length) * rows + i / row_length] = index;
    } else {
      idx[i + shift] = index;
    }
    if (kSave) {
      fq[i] = static_cast<float>(c - q.zero_point) * q.scale;
      mask[i] = v >= lo && v <= hi;
    }
  }
}

}  // namespace

void QuantiseActivations(const float* x, int64_t n, const ActivationQuantiser& q, uint8_t* idx,
                         float* fq, bool* mask, int64_t row_length) {
  const int64_t rows = row_length > 0 ? n / row_length : 0;
  const bool save = fq != nullptr;
  const auto range = save ? (row_length > 0 ? QuantiseRange<true, true> : QuantiseRange<true, false>)
                          : (row_length > 0 ? QuantiseRange<false, true>
                                            : QuantiseRange<false, false>);
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    range(x, begin, end, q, row_length, rows, idx, 0, fq, mask);
  });
}

void QuantisePadded(const float* x, const ConvGeometry& g, const ActivationQuantiser& q,
                    uint8_t pad, uint8_t* idx, float* fq, bool* mask) {
  const int64_t hp = g.height + 2 * g.padding[0], wp = g.width + 2 * g.padding[1];
  const int64_t planes = g.batch * g.channels;
  const auto range = fq != nullptr ? QuantiseRange<true, false> : QuantiseRange<false, false>;
  at::parallel_for(0, planes, std::max<int64_t>(1, kGrain / (hp * wp)),
                   [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      uint8_t* out = idx + plane * hp * wp;
      std::fill(out, out + g.padding[0] * wp, pad);
      std::fill(out + (hp - g.padding[0]) * wp, out + hp * wp, pad);
      for (int64_t y = 0; y < g.height; ++y) {
        uint8_t* line = out + (y + g.padding[0]) * wp;
        std::fill(line, line + g.padding[1], pad);
        std::fill(line + g.padding[1] + g.width, line + wp, pad);
        const int64_t first = (plane * g.height + y) * g.width;
        range(x, first, first + g.width, q, 0, 0, line + g.padding[1], -first, fq, mask);
      }
    }
  });
}

Im2colPlan MakeIm2colPlan(const ConvGeometry& g) {
  Im2colPlan plan;
  plan.geometry = g;
  const int64_t kh = g.kernel[0], kw = g.kernel[1], ow = g.OutputSize(1);
  const int64_t sx = g.stride[1], px = g.padding[1];
  plan.rows.resize(g.FanIn());
  for (int64_t r = 0; r < g.FanIn(); ++r) {
    Im2colPlan::Row& row = plan.rows[r];
    row.channel = r / (kh * kw);
    row.dy = (r / kw) % kh * g.dilation[0];
    row.dx = r % kw * g.dilation[1];
    // ix = x sx - px + dx inside [0, width).
    row.x_lo = std::clamp<int64_t>((px - row.dx + sx - 1) / sx, 0, ow);
    row.x_hi = std::clamp<int64_t>((g.width + px - row.dx + sx - 1) / sx, row.x_lo, ow);
    row.padded_offset = (row.channel * g.PaddedHeight() + row.dy) * g.PaddedWidth() + row.dx;
  }
  return plan;
}

void Im2colPaddedTile(const uint8_t* padded, const Im2colPlan& plan, uint8_t pad,
                      int64_t group, int64_t first, int64_t count, int64_t tile_rows,
                      uint8_t* tile) {
  const ConvGeometry& g = plan.geometry;
  const int64_t plane = g.PaddedHeight() * g.PaddedWidth();
  const int64_t per_image = g.OutputSize(0) * g.PaddedWidth();
  const int64_t fan_in = static_cast<int64_t>(plan.rows.size());
  const int64_t group_base = group * (g.channels / g.groups) * plane;
  // Within an image, position p reads byte p + offset of the image's planes:
  // one copy per fan-in row, two where the tile crosses into the next image.
  for (int64_t p = first; p < first + count;) {
    const int64_t image = p / per_image, local = p % per_image;
    const int64_t n = std::min(first + count - p, per_image - local);
    const uint8_t* base = padded + image * g.channels * plane + group_base + local;
    uint8_t* out = tile + (p - first);
    for (int64_t r = 0; r < fan_in; ++r) {
      std::memcpy(out + r * tile_rows, base + plan.rows[r].padded_offset, n);
    }
    p += n;
  }
  for (int64_t r = 0; r < fan_in; ++r) {
    std::fill(tile + r * tile_rows + count, tile + (r + 1) * tile_rows, pad);
  }
}

AGNAPPROX_WIDE_LOOP
void Im2colTile(const uint8_t* idx, const Im2colPlan& plan, uint8_t pad, int64_t group,
                int64_t first, int64_t count, int64_t tile_rows, uint8_t* tile) {
  const ConvGeometry& g = plan.geometry;
  const int64_t ow = g.OutputSize(1), positions = g.OutputSize(0) * ow;
  const int64_t group_channels = g.channels / g.groups;
  const int64_t sx = g.stride[1], px = g.padding[1];
  const int64_t fan_in = static_cast<int64_t>(plan.rows.size());
  // Runs of positions along one output row: (image, y) fixed, x in [x0, x1).
  for (int64_t p = first; p < first + count;) {
    const int64_t image = p / positions, y = p % positions / ow, x0 = p % ow;
    const int64_t x1 = std::min(ow, x0 + (first + count - p));
    const uint8_t* planes = idx + (image * g.channels + group * group_channels) * g.height * g.width;
    uint8_t* out = tile + (p - first) - x0;  // out[r * tile_rows + x] for x in [x0, x1)
    for (int64_t r = 0; r < fan_in; ++r) {
      const Im2colPlan::Row& row = plan.rows[r];
      uint8_t* dst = out + r * tile_rows;
      const int64_t iy = y * g.stride[0] - g.padding[0] + row.dy;
      if (iy < 0 || iy >= g.height) {
        for (int64_t x = x0; x < x1; ++x) dst[x] = pad;
        continue;
      }
      const int64_t lo = std::clamp(row.x_lo, x0, x1), hi = std::clamp(row.x_hi, lo, x1);
      const uint8_t* line = planes + (row.channel * g.height + iy) * g.width;
      // Runs are at most an image row long (28 or 32 bytes): plain loops,
      // which the compiler vectorises, beat memcpy and memset calls here.
      for (int64_t x = x0; x < lo; ++x) dst[x] = pad;
      if (sx == 1) {
        const uint8_t* src = line + row.dx - px;
        for (int64_t x = lo; x < hi; ++x) dst[x] = src[x];
      } else {
        for (int64_t x = lo; x < hi; ++x) dst[x] = line[x * sx - px + row.dx];
      }
      for (int64_t x = hi; x < x1; ++x) dst[x] = pad;
    }
    p += x1 - x0;
  }
  for (int64_t r = 0; r < fan_in; ++r) {
    for (int64_t i = count; i < tile_rows; ++i) tile[r * tile_rows + i] = pad;
  }
}

void Im2colIndices(const uint8_t* idx, const ConvGeometry& g, uint8_t pad, uint8_t* out) {
  constexpr int64_t kRows = 128;
  const int64_t rows = g.batch * g.Positions(), fan_in = g.FanIn();
  const int64_t tiles = (rows + kRows - 1) / kRows;
  const Im2colPlan plan = MakeIm2colPlan(g);
  at::parallel_for(0, g.groups * tiles, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint8_t> tile(fan_in * kRows);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t group = task / tiles, first = task % tiles * kRows;
      const int64_t count = std::min(kRows, rows - first);
      Im2colTile(idx, plan, pad, group, first, count, kRows, tile.data());
      for (int64_t r = 0; r < fan_in; ++r) {
        std::copy_n(tile.data() + r * kRows, count, out + (group * fan_in + r) * rows + first);
      }
    }
  });
}

}  // namespace agnapprox

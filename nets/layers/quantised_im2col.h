// The approximate layers' operand preparation in one pass each, instead of
// a chain of LibTorch operations on float copies of the codes:
//
//   QuantiseActivations: x -> table indices (code + 128), and for the
//     backward pass the fake-quantised values and the straight-through mask;
//   Im2colTile: indices [B][C][H][W] -> one tile of im2col's columns, built
//     in cache as the table GEMM asks for it (an implicit im2col);
//   Im2colIndices: the same for the whole [G][fan_in][B * L] (traces).
//
// The quantisation is LibTorch's fake_quantize_per_tensor_affine, bit for bit
// (the QAT layers use that function): q = zp + nearbyint(x * (1.0f / scale)),
// code = clamp(q, lo, hi), fake-quantised value (code - zp) * scale, mask
// lo <= q <= hi.
#ifndef AGNAPPROX_NETS_LAYERS_QUANTISED_IM2COL_H_
#define AGNAPPROX_NETS_LAYERS_QUANTISED_IM2COL_H_

#include <cstdint>
#include <vector>

namespace agnapprox {

struct ActivationQuantiser {
  float scale = 1;
  int64_t zero_point = 0;
  int64_t lo = 0, hi = 127;
};

// idx[i] = code(x[i]) + 128. When fq is not null, also fq[i] and mask[i].
// `row_length` > 0 reads x as rows of that length and writes idx
// transposed, [row_length][n / row_length] (a linear layer's A); fq and mask
// keep x's order.
void QuantiseActivations(const float* x, int64_t n, const ActivationQuantiser& q, uint8_t* idx,
                         float* fq, bool* mask, int64_t row_length = 0);

struct ConvGeometry {
  int64_t batch = 1, channels = 1, height = 1, width = 1, groups = 1;
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, padding[2] = {0, 0}, dilation[2] = {1, 1};

  int64_t OutputSize(int d) const {
    const int64_t in = d == 0 ? height : width;
    return (in + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d] + 1;
  }
  int64_t FanIn() const { return channels / groups * kernel[0] * kernel[1]; }
  int64_t PaddedHeight() const { return height + 2 * padding[0]; }
  int64_t PaddedWidth() const { return width + 2 * padding[1]; }
  int64_t Positions() const { return OutputSize(0) * OutputSize(1); }
};

// What Im2colTile needs per fan-in row, worked out once per call instead of
// once per tile (integer divisions cost more than the copying).
struct Im2colPlan {
  ConvGeometry geometry;
  struct Row {
    int64_t channel;      // within the group
    int64_t dy, dx;       // kernel offsets times dilation
    int64_t x_lo, x_hi;   // output columns whose input column is in the image
    int64_t padded_offset;  // of its first byte in a group's padded planes
  };
  std::vector<Row> rows;  // FanIn() of them
};
Im2colPlan MakeIm2colPlan(const ConvGeometry& g);

// Rows [first, first + count) of group `group`'s im2col matrix (the batch's
// output positions in order) as [FanIn()][tile_rows] bytes: tile row r of
// fan-in row kk at tile[kk * tile_rows + r]. Fan-in rows are channel-major,
// then kernel row, kernel column (the weight's own order); padding reads
// `pad`, and so do the tile rows past `count`. The table GEMM's TileFiller.
void Im2colTile(const uint8_t* idx, const Im2colPlan& plan, uint8_t pad, int64_t group,
                int64_t first, int64_t count, int64_t tile_rows, uint8_t* tile);

// Stride 1 without bounds checks: x quantised into padded planes, each
// [PaddedHeight()][PaddedWidth()] with `pad` around the image, plus
// PaddedSlack() bytes of `pad` after the last plane (QuantisePadded). The
// im2col matrix is then computed over OutputSize(0) x PaddedWidth()
// positions per image (the columns past OutputSize(1) are computed and
// thrown away: 2 of 34 for 3x3 on 32x32), and each of its rows is one
// contiguous run of the padded planes (Im2colPaddedTile).
inline int64_t PaddedSlack(const ConvGeometry& g) { return g.dilation[1] * g.kernel[1]; }
void QuantisePadded(const float* x, const ConvGeometry& g, const ActivationQuantiser& q,
                    uint8_t pad, uint8_t* idx, float* fq, bool* mask);
void Im2colPaddedTile(const uint8_t* padded, const Im2colPlan& plan, uint8_t pad,
                      int64_t group, int64_t first, int64_t count, int64_t tile_rows,
                      uint8_t* tile);

// The whole matrix: out = [groups][FanIn()][batch * Positions()].
void Im2colIndices(const uint8_t* idx, const ConvGeometry& g, uint8_t pad, uint8_t* out);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_QUANTISED_IM2COL_H_

// The 8-bit codes of the approximable layers: activations are unsigned
// 7-bit after ReLU (0..127), weights signed symmetric (-128..127). The
// quantiser, the table GEMM's indices and the gradient tables all use these.
#ifndef AGNAPPROX_NETS_LAYERS_CODE_RANGE_H_
#define AGNAPPROX_NETS_LAYERS_CODE_RANGE_H_

#include <cstdint>

namespace agnapprox {

inline constexpr int64_t kActMin = 0, kActMax = 127;
inline constexpr int64_t kWeightMin = -128, kWeightMax = 127;

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LAYERS_CODE_RANGE_H_

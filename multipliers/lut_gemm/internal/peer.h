// Test and benchmark access to LutGemm's kernel choice.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PEER_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PEER_H_

#include "multipliers/lut_gemm/lut_gemm.h"

namespace agnapprox {
namespace lut_gemm_internal {

class LutGemmPeer {
 public:
  // Makes `gemm` run on the portable kernel whatever the CPU.
  static void ForcePortable(LutGemm& gemm) { gemm.portable_only_ = true; }
};

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_PEER_H_

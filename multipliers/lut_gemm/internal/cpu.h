// Which instruction sets this CPU has, asked once.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_CPU_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_CPU_H_

namespace agnapprox {
namespace lut_gemm_internal {

// AVX-512 F, BW, VBMI and VNNI: what the byte-permute kernel needs.
bool CpuHasAvx512Vbmi();

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_CPU_H_

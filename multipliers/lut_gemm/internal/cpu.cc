#include "multipliers/lut_gemm/internal/cpu.h"

namespace agnapprox {
namespace lut_gemm_internal {

bool CpuHasAvx512Vbmi() {
#if defined(__x86_64__)
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vnni");
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace lut_gemm_internal
}  // namespace agnapprox

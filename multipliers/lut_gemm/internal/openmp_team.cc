// The OpenMP team for RunOnTeam (see team.h), installed while the binary
// loads.
#include <omp.h>

#include <cstdint>

#include "multipliers/lut_gemm/internal/team.h"

namespace agnapprox {
namespace lut_gemm_internal {
namespace {

void RunOnOpenMpTeam(int threads, size_t count, const std::function<void(size_t)>& task) {
  const int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) task(static_cast<size_t>(i));
}

const bool installed = (InstallTeam(&RunOnOpenMpTeam), true);

}  // namespace
}  // namespace lut_gemm_internal
}  // namespace agnapprox

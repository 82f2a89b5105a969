#include "multipliers/lut_gemm/internal/team.h"

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "io/parallel.h"

namespace agnapprox {
namespace lut_gemm_internal {

void RunOnTeam(int threads, size_t count, const std::function<void(size_t)>& task) {
  if (threads == 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
#if defined(_OPENMP)
  const int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) task(static_cast<size_t>(i));
#else
  RunTasks(threads, count, task);
#endif
}

}  // namespace lut_gemm_internal
}  // namespace agnapprox

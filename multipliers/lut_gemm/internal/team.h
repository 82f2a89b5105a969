// How the table GEMM and its backward spread independent tasks over
// threads: one thread below a size cut-off, else an OpenMP team (RunTasks'
// pool where the compiler has no OpenMP). Private to //multipliers/lut_gemm.
#ifndef AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TEAM_H_
#define AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TEAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>

namespace agnapprox {
namespace lut_gemm_internal {

// Below this many multiply-accumulates a product runs on one thread. With an
// OpenMP team (its workers wait spinning for a moment, so back-to-back
// products start at once) the smallest benchmark shapes, 784x6x25 and
// 100x16x150 (117,600 and 240,000), run faster on two threads: 6.7 against
// 7.7 us and 10.9 against 15.9 us. With the sleeping RunTasks pool they had
// been slower, so the cut-off was 2^19. Smaller products were not measured.
inline constexpr int64_t kMinMacsPerThread = int64_t{1} << 16;

// The threads for `macs` multiply-accumulates: 1 below the cut-off, else
// `threads` (0 = one per core).
inline int ThreadsFor(int threads, int64_t macs) {
  return macs < kMinMacsPerThread ? 1 : threads;
}

// task(i) for every i in [0, count): on this thread when threads == 1 or
// there is one task, else on an OpenMP team of `threads` (0 = all), tasks
// handed out one at a time. The result must not depend on which thread runs
// which task.
void RunOnTeam(int threads, size_t count, const std::function<void(size_t)>& task);

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TEAM_H_

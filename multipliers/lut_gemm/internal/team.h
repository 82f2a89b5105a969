// How the table GEMM and its backward spread independent tasks over
// threads: one thread below a size cut-off, else a team. Private to
// //multipliers/lut_gemm.
//
// The team is RunTasks' pool unless the binary links :openmp_team, which
// installs an OpenMP team as it loads. LibTorch's binaries do (LibTorch
// brings OpenMP anyway, and an OpenMP team's workers spin a moment, so
// back-to-back small products start at once); //:match does not, so that it
// links no OpenMP runtime and starts in a few milliseconds. Either team gives
// the same results: tasks are independent.
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
// there is one task, else on the team with `threads` (0 = all), tasks handed
// out one at a time. The result must not depend on which thread runs which
// task.
void RunOnTeam(int threads, size_t count, const std::function<void(size_t)>& task);

// A team: runs task(i) for every i in [0, count) on `threads` threads
// (0 = all), count > 1.
using TeamRunner = void (*)(int threads, size_t count,
                            const std::function<void(size_t)>& task);

// Makes RunOnTeam use `runner`; :openmp_team calls it while the binary
// loads, before main, and nothing else should.
void InstallTeam(TeamRunner runner);

}  // namespace lut_gemm_internal
}  // namespace agnapprox

#endif  // AGNAPPROX_MULTIPLIERS_LUT_GEMM_INTERNAL_TEAM_H_

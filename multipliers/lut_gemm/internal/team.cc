#include "multipliers/lut_gemm/internal/team.h"

#include "io/parallel.h"

namespace agnapprox {
namespace lut_gemm_internal {
namespace {

// Set once while the binary loads (InstallTeam), read afterwards.
TeamRunner installed_team = nullptr;

}  // namespace

void InstallTeam(TeamRunner runner) { installed_team = runner; }

void RunOnTeam(int threads, size_t count, const std::function<void(size_t)>& task) {
  if (threads == 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
  if (installed_team != nullptr) {
    installed_team(threads, count, task);
  } else {
    RunTasks(threads, count, task);
  }
}

}  // namespace lut_gemm_internal
}  // namespace agnapprox

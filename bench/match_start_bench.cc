// The whole //:match process on the small case (bench/match_case.h: two
// layers, 8 multipliers, 512 sampled rows), start-up included, against the
// same matching done agnapprox's way in numpy (bench/agnapprox_reference.py:
// one 256x256 evaluation per sampled row and multiplier), also as a whole
// process on the same files, in the same run. Each iteration starts a
// process; the machine should be otherwise idle.
//
//   bazel run //bench:match_start_bench        (the numpy side needs python3-numpy)
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/match_case.h"

namespace agnapprox {
namespace {

const std::string& SmallCaseDir() {
  static const CaseFiles files(SmallLayers(), SmallCatalog());
  return files.dir();
}

// Runs `argv` as a process per iteration (no shell between: posix_spawn,
// standard output to /dev/null) and waits for it.
void RunProcess(benchmark::State& state, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  for (auto _ : state) {
    pid_t pid;
    int status = 0;
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0 ||
        waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError(("failed: " + argv[0]).c_str());
      break;
    }
  }
  posix_spawn_file_actions_destroy(&actions);
}

// //:match with the default options on the small case, on 2 threads.
void BM_MatchSmallProcess(benchmark::State& state) {
  const std::string& dir = SmallCaseDir();
  RunProcess(state, {MatchMainPath(), "--catalog=" + dir + "/catalog.txtpb",
                     "--layers=" + dir + "/traces.txtpb", "--output=" + dir + "/out.json",
                     "--threads=2"});
}
BENCHMARK(BM_MatchSmallProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// agnapprox's algorithm in numpy on the same files and the same 512 samples.
void BM_NumpySmallProcess(benchmark::State& state) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
    state.SkipWithError("python3-numpy is not installed (./bazelw installs it)");
    return;
  }
  std::string script = "bench/agnapprox_reference.py";
  if (!std::filesystem::exists(script)) {
    script = std::filesystem::read_symlink("/proc/self/exe").string() +
             ".runfiles/agnapprox/bench/agnapprox_reference.py";
  }
  const std::string& dir = SmallCaseDir();
  RunProcess(state, {"/usr/bin/python3", script, dir + "/catalog.txtpb", dir + "/traces.txtpb",
                     "512"});
}
BENCHMARK(BM_NumpySmallProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace agnapprox

BENCHMARK_MAIN();

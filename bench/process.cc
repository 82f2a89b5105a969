#include "bench/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace agnapprox {

std::string RunfilePath(const std::string& path) {
  if (std::filesystem::exists(path)) return path;
  return std::filesystem::read_symlink("/proc/self/exe").string() + ".runfiles/agnapprox/" +
         path;
}

void RunProcessEachIteration(benchmark::State& state, const std::vector<std::string>& argv) {
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

}  // namespace agnapprox

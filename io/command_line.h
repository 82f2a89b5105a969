// What every agnapprox binary does with its command line.
//
// - Usage errors (unknown flag, bad flag value, missing subcommand) print one
//   line on stderr and exit 2; `--help` prints the usage and exits 0.
// - Bad input exits 1 with one line on stderr (FailWith).
// - Relative paths are the user's: `bazel run` changes the working directory
//   and says where the user was in BUILD_WORKING_DIRECTORY.
//
//   int main(int argc, char** argv) {
//     std::vector<char*> args = ParseFlagsOrExit(argc, argv, kUsage);
//     absl::Status s = Run(UserPath(absl::GetFlag(FLAGS_output)));
//     if (!s.ok()) FailWith(s);
//   }
#ifndef AGNAPPROX_IO_COMMAND_LINE_H_
#define AGNAPPROX_IO_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace agnapprox {

// Parses absl flags; returns the positional arguments (argv[0] first).
std::vector<char*> ParseFlagsOrExit(int argc, char** argv, const char* usage);

// Prints "error: <message>" (newlines folded) on stderr and exits 1.
[[noreturn]] void FailWith(const absl::Status& status);

// Prints "usage error: <message>" and a hint on stderr and exits 2.
[[noreturn]] void UsageError(const std::string& message);

// The directory relative paths are resolved against ("" = process cwd).
std::string UserDirectory();

// `path` resolved against UserDirectory() when relative.
std::string UserPath(const std::string& path);

// Makes LibTorch's OpenMP threads wait passively (OMP_WAIT_POLICY=PASSIVE)
// and OpenBLAS single-threaded (OPENBLAS_NUM_THREADS=1; LibTorch's own
// threads parallelise around it), unless the user set them, by restarting
// the process once with them set: both libraries read the environment when
// they load. Spinning waiters are what made a pipeline beside other busy
// processes 6-13x slower. Also GLOG_minloglevel=3: LibTorch's c10d logs
// its socket errors on stderr, beside the one line that reports them. Call
// first thing in main.
void RestartWithPassiveThreads(char** argv);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_COMMAND_LINE_H_

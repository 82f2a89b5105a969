// Whole processes inside a Google Benchmark: finding a program in the
// benchmark's runfiles, and running it once per iteration.
#ifndef AGNAPPROX_BENCH_PROCESS_H_
#define AGNAPPROX_BENCH_PROCESS_H_

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace agnapprox {

// `path` (relative to the workspace) among the benchmark's runfiles: beside
// it when run by `bazel run` (//bench:all), or in the binary's own runfiles
// folder when run as bazel-bin/bench/X.
std::string RunfilePath(const std::string& path);

// Runs `argv` as a process per iteration, with nothing between (posix_spawn,
// no shell; standard output to /dev/null), and waits for it. A failed start
// or a non-zero exit ends the benchmark with an error.
void RunProcessEachIteration(benchmark::State& state, const std::vector<std::string>& argv);

}  // namespace agnapprox

#endif  // AGNAPPROX_BENCH_PROCESS_H_
